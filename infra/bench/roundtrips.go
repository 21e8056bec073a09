package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

// roundTrip is the time added to every table and blob call: a stand-in for
// the network between a Lambda function and DynamoDB or S3.
const roundTrip = 10 * time.Millisecond

// roundTripSizes are the fund sizes (members) the round trips are measured
// at: West Wales's four, and funds four and sixteen times larger.
var roundTripSizes = []int{4, 16, 64}

// roundTripScenario runs the service over the embedded store with
// roundTrip added to every call, one request at a time, and sets each
// request's latency beside its ideal critical path: a PUT three steps (the
// reads, the two blobs with the receipt signed beside them, the transaction), a GET two (the current record,
// then its document), the position two (one query of the fund-year's
// partition, with the consents read beside it; a second step allowed).
func roundTripScenario(rep *report) error {
	var rows []string
	for _, members := range roundTripSizes {
		r, err := roundTripsAt(members)
		if err != nil {
			return fmt.Errorf("%d members: %w", members, err)
		}
		rows = append(rows, r...)
	}
	rep.add("Round trips: the service with 10 ms added to every store call", fmt.Sprintf(`The embedded store (bbolt and files on tmpfs) with %s added to every table and blob call, a
stand-in for the network between Lambda and DynamoDB or S3. One client, one request at a time:
%d warm-up requests, then the median of %d. The ideal is the critical path in round trips: a PUT
3 (the locks, current version, chain head and previous return read together; the raw body and
document written together while the receipt is signed, which takes a round trip too, as KMS's Sign
does; the transaction), and one more with an Idempotency-Key (the key's claim, one
conditional write; its answer is kept in the version's transaction), a GET 2 (the current record, then its document), the fund
position 2 at every size (it takes one: the fund-year's partition and the consents read together).
Calls counts every store and blob call a request makes, run together or not. Funds of a
synthetic region, every partner a member, each with a contribution and four returns.

| fund members | request | calls | p50 | ideal | ratio |
| ---: | --- | ---: | ---: | ---: | ---: |
%s`, roundTrip, roundTripWarm, roundTripRuns, joinLines(rows)))
	return nil
}

const (
	roundTripWarm = 5
	roundTripRuns = 31
)

// slowSigner signs after a round trip, a stand-in for KMS's Sign.
type slowSigner struct{ receipt.Signer }

func (s slowSigner) Sign(ctx context.Context, input []byte) ([]byte, error) {
	time.Sleep(roundTrip)
	return s.Signer.Sign(ctx, input)
}

func roundTripsAt(members int) ([]string, error) {
	dir, err := scratch()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	reg := synthRegion(members, 1)
	file, err := writeRegion(dir, reg)
	if err != nil {
		return nil, err
	}
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		return nil, err
	}
	defer table.Close()
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), "http://127.0.0.1", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		return nil, err
	}
	key := auth.NewDevKey()
	keys, _ := auth.StaticKeys(key.JWKS())
	pk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := receipt.NewKeySigner(pk)
	build := func(st app.Stores, sign receipt.Signer) (*app.App, error) {
		return app.Build(app.Config{RegionFiles: []string{file}, Issuer: auth.DevIssuer, Audience: auth.DevAudience, Keys: keys,
			CursorKey: bytes.Repeat([]byte("c"), 32), Log: logx.New(discard{}, 0), Receipts: sign}, st, nil)
	}
	// Seeded at full speed; measured through the plan that delays every
	// call, and a signer that takes a round trip too, as KMS does.
	direct, err := build(app.Stores{Table: table, Blobs: blobs}, signer)
	if err != nil {
		return nil, err
	}
	if _, err := seed(context.Background(), direct.Submissions, reg); err != nil {
		return nil, err
	}
	plan := faults.NewPlan(faults.Rule{When: func(faults.Call) bool { return true }, Fault: faults.Fault{Delay: roundTrip}, Times: -1})
	delayed, err := build(app.Stores{Table: plan.Table(table), Blobs: plan.Blobs(blobs)}, slowSigner{signer})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(delayed.Handler)
	defer srv.Close()
	mint := func(partner string) string {
		tok, _ := key.Mint(auth.TokenSpec{Subject: "bench", Region: reg.ID, Partner: partner, Scopes: auth.DefaultScopes(reg.ID, partner), TTL: time.Hour}, time.Now())
		return tok
	}
	partner := reg.Partners[0]
	returnPath := fmt.Sprintf("/v1/regions/%s/partners/%s/quarterly-returns/fund-0/%s-Q2", reg.ID, partner.ID, synthYear)
	positionPath := fmt.Sprintf("/v1/regions/%s/funds/fund-0/position?financialYear=%s", reg.ID, synthYear)
	requests := []struct {
		name, method, path, token string
		body                      func(n int) []byte
		ideal                     int
		idempotent                bool
	}{
		{"PUT a quarterly return", "PUT", returnPath, mint(partner.ID), func(n int) []byte { return quarterlyReturn(partner.Areas[0], 2, 1000+n) }, 3, false},
		{"PUT with an Idempotency-Key", "PUT", returnPath, mint(partner.ID), func(n int) []byte { return quarterlyReturn(partner.Areas[0], 2, 1000+n) }, 4, true},
		{"GET a quarterly return", "GET", returnPath, mint(partner.ID), nil, 2, false},
		{"GET the fund position", "GET", positionPath, mint(""), nil, 2, false},
	}
	var rows []string
	n := 0
	for _, rq := range requests {
		var lat []time.Duration
		calls := 0
		for i := range roundTripWarm + roundTripRuns {
			n++
			var body []byte
			if rq.body != nil {
				body = rq.body(n)
			}
			idem := ""
			if rq.idempotent {
				idem = fmt.Sprintf("bench-%d", n)
			}
			before := len(plan.Calls())
			took, err := send(srv.URL, rq.method, rq.path, rq.token, idem, body)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rq.name, err)
			}
			if i >= roundTripWarm {
				lat = append(lat, took)
				calls = len(plan.Calls()) - before
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p50, ideal := lat[len(lat)/2], time.Duration(rq.ideal)*roundTrip
		rows = append(rows, fmt.Sprintf("| %d | %s | %d | %s | %s (%d) | **%.2f×** |", members, rq.name, calls, us(p50), us(ideal), rq.ideal, ratio(p50, ideal)))
	}
	return rows, nil
}

// send makes one request and times it, failing on any status of 300 or more.
func send(base, method, path, token, idempotencyKey string, body []byte) (time.Duration, error) {
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(t0)
	if res.StatusCode >= 300 {
		return 0, fmt.Errorf("status %d: %s", res.StatusCode, got)
	}
	return took, nil
}
