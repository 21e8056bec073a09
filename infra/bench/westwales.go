package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
	"github.com/regional-data-exchange/rdx/shared/web"
)

// served is the service over recorded stores, with its token keys; computed
// is a second instance over the same stores that keeps no computed fund
// positions, so that each of its position reads decodes and computes.
type served struct {
	app      *app.App
	computed *app.App
	rec      *recorder
	key      *auth.DevKey
	v        *auth.Verifier
}

// serve builds the API over a table and blob store, both recorded, with
// the pages as the local server serves them (plain http on loopback, the
// development roles to sign in as).
func serve(table store.Table, blobs blob.Store, regionFiles ...string) (*served, error) {
	rec := &recorder{Table: table, blobs: blobs}
	key := auth.NewDevKey()
	keys, _ := auth.StaticKeys(key.JWKS())
	build := func(positionCache int) (*app.App, error) {
		return app.Build(app.Config{RegionFiles: regionFiles, Issuer: auth.DevIssuer, Audience: auth.DevAudience, Keys: keys,
			CursorKey: bytes.Repeat([]byte("c"), 32), PositionCache: positionCache, Log: logx.New(discard{}, 0),
			Pages: web.Config{PlainHTTP: true, DevSignIn: key}},
			app.Stores{Table: rec, Blobs: blobRecorder{rec}}, nil)
	}
	a, err := build(0)
	if err != nil {
		return nil, err
	}
	computed, err := build(-1)
	if err != nil {
		return nil, err
	}
	return &served{app: a, computed: computed, rec: rec, key: key, v: auth.NewVerifier(keys, auth.DevIssuer, auth.DevAudience, a.Regions)}, nil
}

// discard is a log destination that keeps nothing (the log lines are still
// formatted: that work is part of the service).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// instance is the one that serves tg.
func (s *served) instance(tg target) *app.App {
	if tg.computed {
		return s.computed
	}
	return s.app
}

func (s *served) token(region, partner string) string {
	tok, _ := s.key.Mint(auth.TokenSpec{Subject: "bench-" + partner, Region: region, Partner: partner,
		Scopes: auth.DefaultScopes(region, partner), TTL: 2 * time.Hour}, time.Now())
	return tok
}

// example reads a shared example body.
func example(name string) map[string]any {
	b, err := examples.Read(name)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// returnFor is the example quarterly return moved to a partner's discipline and area.
func returnFor(discipline, area, commentary string) []byte {
	m := example("quarterly-return.json")
	delete(m, "fundId")
	delete(m, "quarter")
	for _, list := range []string{"spend", "income"} {
		for _, l := range m[list].([]any) {
			l.(map[string]any)["discipline"], l.(map[string]any)["areaCode"] = discipline, area
		}
	}
	m["commentary"] = commentary
	b, _ := json.Marshal(m)
	return b
}

func contributionFor(discipline, area string) []byte {
	m := example("pool-contribution.json")
	delete(m, "fundId")
	delete(m, "financialYear")
	for _, l := range m["lines"].([]any) {
		l.(map[string]any)["discipline"], l.(map[string]any)["areaCode"] = discipline, area
	}
	b, _ := json.Marshal(m)
	return b
}

var westWalesMembers = []struct{ partner, discipline, area string }{
	{"carmarthenshire", "social-care", "W06000010"}, {"ceredigion", "social-care", "W06000008"},
	{"pembrokeshire", "social-care", "W06000009"}, {"hywel-dda", "health", "W06000010"},
}

// seedWestWales sends each member's contribution and four returns for
// 2018-19 and 2019-20: the West Wales fund data the latency figures use.
func seedWestWales(ctx context.Context, s *served) error {
	for _, m := range westWalesMembers {
		p := &auth.Principal{Subject: "seed", Region: "west-wales", Partner: m.partner, Scopes: []auth.Scope{auth.SubmissionsWrite}}
		put := func(kind submission.Kind, key [2]string, body []byte) error {
			_, err := s.app.Submissions.PutSubmission(ctx, submissions.PutRequest{Principal: p, Region: "west-wales", Partner: m.partner, Kind: kind, KeyValues: key, Body: body})
			return err
		}
		for _, fy := range []string{"2018-19", "2019-20"} {
			if err := put(submission.PoolContributions, [2]string{"care-homes-older-people", fy}, contributionFor(m.discipline, m.area)); err != nil {
				return err
			}
			for q := 1; q <= 4; q++ {
				if err := put(submission.QuarterlyReturns, [2]string{"care-homes-older-people", fmt.Sprintf("%s-Q%d", fy, q)}, returnFor(m.discipline, m.area, "seed")); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// latencyTargets: a GET of a return, a PUT of the example return (each
// worker its own key of one partner, each request a new version: the
// workers' writes are one partner's chain and take turns at it), the
// same with each worker a different member, the fund position (as
// the service serves it, and computed on every read).
func positionPath(int) string {
	return "/v1/regions/west-wales/funds/care-homes-older-people/position?financialYear=2019-20"
}

func latencyTargets() []target {
	const s = "/v1/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/"
	quarters := []string{"2018-19-Q2", "2018-19-Q3", "2018-19-Q4", "2019-20-Q4"}
	return []target{
		{name: "GET a quarterly return", method: "GET", path: func(int) string { return s + "2019-20-Q2" }},
		{name: "PUT the example quarterly return", method: "PUT", path: func(w int) string { return s + quarters[w%len(quarters)] },
			body: func(n int64) []byte { return returnFor("social-care", "W06000010", fmt.Sprint("load ", n)) }},
		// Each worker a different member: what one partner's chain of
		// receipts costs apart from its writers waiting on each other.
		{name: "PUT the example quarterly return, each worker a different member", method: "PUT",
			path: func(w int) string {
				return strings.Replace(s, "carmarthenshire", westWalesMembers[w%len(westWalesMembers)].partner, 1) + "2018-19-Q3" // not the position's year: the floor writes beside it
			}},
		{name: "GET the fund position", method: "GET", path: positionPath},
		{name: "GET the fund position, computed on every read", method: "GET", path: positionPath, computed: true},
	}
}

// latencyScenario measures the targets on one backend.
func latencyScenario(ctx context.Context, title string, s *served, warm int) (string, error) {
	if err := seedWestWales(ctx, s); err != nil {
		return "", err
	}
	targets := latencyTargets()
	partner, rcu := s.token("west-wales", "carmarthenshire"), s.token("west-wales", "")
	var rows []string
	for _, tg := range targets {
		tok := partner
		if strings.Contains(tg.name, "position") {
			tok = rcu
		}
		if strings.Contains(tg.name, "different member") {
			tg.member = func(w int) (string, func(int64) []byte) {
				m := westWalesMembers[w%len(westWalesMembers)]
				return s.token("west-wales", m.partner), func(n int64) []byte { return returnFor(m.discipline, m.area, fmt.Sprint("load ", n)) }
			}
		}
		r, err := compare(ctx, s.instance(tg), s.rec, s.v, tok, []target{tg}, warm)
		if err != nil {
			return "", fmt.Errorf("%s: %w", title, err)
		}
		rows = append(rows, r...)
	}
	return latencyHeader + "\n" + joinLines(rows), nil
}

func joinLines(rows []string) string {
	out := ""
	for _, r := range rows {
		out += r + "\n"
	}
	return out
}
