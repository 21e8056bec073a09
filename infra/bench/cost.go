package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

// Prices (USD) of the services a deployment in London uses, from AWS's
// public pricing pages for eu-west-2 as published in 2025 (on-demand
// DynamoDB after its November 2024 reduction). This machine cannot reach
// AWS, so they were not re-read on the day of the run: they are inputs to
// the arithmetic, printed beside it; the units they multiply are measured.
const (
	pricesAsOf      = "AWS public pricing pages for eu-west-2 (London), as published in 2025"
	usdPerGBP       = 1.27   // £1 = $1.27, the pound's rate in late 2025
	ddbPerMWRU      = 0.7425 // DynamoDB on-demand, per million write request units
	ddbPerMRRU      = 0.1485 // DynamoDB on-demand, per million read request units
	ddbPerGBMonth   = 0.2975 // DynamoDB Standard storage, per GB-month (first 25 GB free; not counted)
	s3PerKPut       = 0.0053 // S3 Standard PUT, COPY, POST, LIST, per 1,000
	s3PerKGet       = 0.00042
	s3PerGBMonth    = 0.024
	lambdaPerGBs    = 0.0000133334 // Lambda on arm64, per GB-second
	lambdaPerMReq   = 0.20
	httpAPIPerMReq  = 1.11 // API Gateway HTTP API, first 300 million a month
	logsPerGBIngest = 0.5985
)

// The national deployment the cost is for: every pooled fund of England
// and Wales (about 150 Better Care Fund areas and 7 regional partnership
// boards), about 400 partners, each a member of about one fund.
const (
	nationalFunds    = 157
	nationalPartners = 400
)

// usage is what one request made, measured.
type usage struct {
	name               string
	wru, rru, reported float64 // request units by DynamoDB's billing rule; what DynamoDB Local reported
	s3Puts, s3Gets     int
	s3PutBytes, s3GetB int64
	tableBytes         int64 // bytes of items the request wrote
	took               time.Duration
	lambdaMB           int
}

// meter counts what the stores do while on.
type meter struct {
	mu       sync.Mutex
	reported float64 // every call's units, as DynamoDB Local reported them
	reads    float64 // the reads' (GetItem, Query) alone
	puts     int
	gets     int
	putBytes int64
	getBytes int64
}

func (m *meter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reported, m.reads, m.puts, m.gets, m.putBytes, m.getBytes = 0, 0, 0, 0, 0, 0
}

func (m *meter) capacity(_ context.Context, c dynamostore.Capacity) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reported += c.Units
	if c.Op != "TransactWriteItems" {
		m.reads += c.Units
	}
}

// countedBlobs counts S3 requests and bytes (HEAD is billed as a GET).
type countedBlobs struct {
	blob.Store
	m *meter
}

func (b countedBlobs) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, o blob.PutOptions) error {
	b.m.mu.Lock()
	b.m.puts++
	b.m.putBytes += size
	b.m.mu.Unlock()
	return b.Store.Put(ctx, key, body, size, o)
}

func (b countedBlobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := b.Store.Get(ctx, key)
	if err != nil {
		return rc, err
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	b.m.mu.Lock()
	b.m.gets++
	b.m.getBytes += int64(len(data))
	b.m.mu.Unlock()
	return io.NopCloser(bytes.NewReader(data)), err
}

func (b countedBlobs) Stat(ctx context.Context, key string) (blob.Info, error) {
	b.m.mu.Lock()
	b.m.gets++
	b.m.mu.Unlock()
	return b.Store.Stat(ctx, key)
}

// itemBytes is an item's size as DynamoDB bills it: attribute names and
// values (numbers at most 21 bytes; one byte for every two digits, plus one).
func itemBytes(it store.Item) int64 {
	num := func(n int64) int64 { return int64(len(fmt.Sprint(n))+1)/2 + 1 }
	n := int64(2+len(it.PK)) + int64(2+len(it.SK)) + 1 + num(it.Version)
	if len(it.Data) > 0 {
		n += 1 + int64(len(it.Data))
	}
	if it.ExpiresAt != 0 {
		n += 3 + num(it.ExpiresAt)
	}
	return n
}

// billed applies DynamoDB's on-demand rule to the recorded calls: a
// transaction's write is two write units per KB of each item, its condition
// check two read units; a consistent read one unit per 4 KB, at least one
// (the reads' units are what DynamoDB Local reported, which follows the same
// rule, floored at one per call).
func billed(ops []op, readUnits float64) (wru, rru float64, written int64) {
	reads := 0
	for _, o := range ops {
		switch o.kind {
		case "get", "query":
			reads++
		case "txn":
			for _, t := range o.txn {
				switch t.Kind {
				case store.Put:
					b := itemBytes(t.Item)
					written += b
					wru += 2 * math.Ceil(float64(b)/1024)
				case store.Delete:
					wru += 2
				case store.Check:
					if t.Cond.Kind != store.Always {
						rru += 2
					}
				}
			}
		}
	}
	return wru, rru + math.Max(readUnits, float64(reads)), written
}

// costScenario measures what one PUT, GET, position and export costs on the
// AWS adapters (DynamoDB Local and MinIO), then prices a national deployment.
func costScenario(rep *report) error {
	ctx := context.Background()
	m := &meter{}
	table, blobs, stop, err := onStandIns(ctx, "rdx-cost", dynamostore.WithCapacity(m.capacity))
	if err != nil {
		return err
	}
	defer stop()
	s, err := serve(table, countedBlobs{Store: blobs, m: m})
	if err != nil {
		return err
	}
	if err := seedWestWales(ctx, s); err != nil {
		return err
	}
	srv := httptest.NewServer(s.app.Handler)
	defer srv.Close()
	partner, rcu := s.token("west-wales", "carmarthenshire"), s.token("west-wales", "")
	gov := s.govToken()
	const q = "/v1/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/2019-20-Q2"
	requests := []struct {
		name, method, path, token string
		body                      func(n int) []byte
		mb                        int
	}{
		{"PUT a quarterly return", "PUT", q, partner, func(n int) []byte { return returnFor("social-care", "W06000010", fmt.Sprint("cost ", n)) }, 512},
		{"GET a quarterly return", "GET", q, partner, nil, 512},
		{"GET the fund position", "GET", positionPath(0), rcu, nil, 512},
		{"an export of the region's year (CSV)", "POST", "/v1/exports", gov,
			func(int) []byte { return []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`) }, 1024},
	}
	var used []usage
	for i, rq := range requests {
		var u usage
		const runs = 5
		for n := range runs + 1 { // the first warms up (the fund-year's first read indexes it)
			var body []byte
			if rq.body != nil {
				body = rq.body(100*i + n)
			}
			m.reset()
			var took time.Duration
			var err error
			ops := s.rec.capture(func() { took, err = send(srv.URL, rq.method, rq.path, rq.token, "", body) })
			if err != nil {
				return fmt.Errorf("%s: %w", rq.name, err)
			}
			if n == 0 {
				continue
			}
			wru, rru, written := billed(ops, m.reads)
			u.wru += wru / runs
			u.rru += rru / runs
			u.reported += m.reported / runs
			u.s3Puts, u.s3Gets, u.s3PutBytes, u.s3GetB = m.puts, m.gets, m.putBytes, m.getBytes
			u.tableBytes = written
			u.took += took / runs
		}
		u.name, u.lambdaMB = rq.name, rq.mb
		used = append(used, u)
	}
	rep.add("What a national deployment costs", costReport(used))
	return nil
}

func (s *served) govToken() string {
	tok, _ := s.key.Mint(auth.TokenSpec{Subject: "bench-government", Region: auth.AllRegions,
		Scopes: []auth.Scope{auth.ExportsWrite, auth.ExportsRead}, TTL: 2 * time.Hour}, time.Now())
	return tok
}

// a month's work, nationally, averaged over the year: how many of each
// request (see costReport for the reasoning).
func monthlyCounts() []float64 {
	returnsAQuarter := float64(nationalPartners) * 2    // each member's return, and one correction
	puts := returnsAQuarter/3 + nationalPartners*1.5/12 // plus contributions: one a year, half corrected
	gets := nationalPartners * 30.0 * 4                 // each partner's system reads four times a day
	positions := nationalFunds * 30.0 * 20              // each fund's position read 20 times a day
	exports := nationalFunds*1.0 + 4                    // each area's monthly export, government's quarterly ones
	return []float64{puts, gets, positions, exports}
}

func costReport(used []usage) string {
	var b strings.Builder
	fmt.Fprintf(&b, `What each request consumes, measured on the AWS adapters against DynamoDB Local and MinIO
(West Wales's fund as in the latency tables; mean of 5 after one warm-up). Write and read
request units are DynamoDB's on-demand billing rule applied to the calls the request made: two
write units per KB of each item a transaction writes, two read units per condition check, one
per 4 KB of a consistent read (at least one per call). DynamoDB Local's own ReturnConsumedCapacity
is shown beside them: it follows the rule for reads and one-item transactions, but reports a
transaction of several small items as two units in all and its condition checks as none, so it
undercounts writes. Lambda time is the request's time here, over loopback stand-ins on two
shared cores (on AWS the store's round trips are a few milliseconds each, so this overstates
it); memory is what template.yaml configures, which is what Lambda bills.

| request | write units | read units | DynamoDB Local reported | S3 PUTs (bytes) | S3 GETs (bytes) | table bytes written | Lambda | memory |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
`)
	for _, u := range used {
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.1f | %d (%s) | %d (%s) | %s | %s | %d MB |\n", u.name, u.wru, u.rru, u.reported,
			u.s3Puts, kib(u.s3PutBytes), u.s3Gets, kib(u.s3GetB), kib(u.tableBytes), ms(u.took), u.lambdaMB)
	}
	counts := monthlyCounts()
	type line struct {
		what string
		usd  float64
	}
	var total float64
	var rows []line
	var wru, rru, puts, gets, gbs, reqs, storedTable, storedS3 float64
	for i, u := range used {
		n := counts[i]
		wru += n * u.wru
		rru += n * u.rru
		puts += n * float64(u.s3Puts)
		gets += n * float64(u.s3Gets)
		gbs += n * u.took.Seconds() * float64(u.lambdaMB) / 1024
		reqs += n
		if i == 0 { // what a year of versions keeps, averaged over the year
			storedTable += n * 12 / 2 * float64(u.tableBytes) / 1e9
			storedS3 += n * 12 / 2 * float64(u.s3PutBytes) / 1e9
		}
	}
	rows = append(rows,
		line{fmt.Sprintf("DynamoDB writes: %.0f write units", wru), wru / 1e6 * ddbPerMWRU},
		line{fmt.Sprintf("DynamoDB reads: %.0f read units", rru), rru / 1e6 * ddbPerMRRU},
		line{fmt.Sprintf("DynamoDB storage: %.3f GB (a year's versions, averaged; under the free 25 GB)", storedTable), 0},
		line{fmt.Sprintf("S3 requests: %.0f PUTs, %.0f GETs", puts, gets), puts/1000*s3PerKPut + gets/1000*s3PerKGet},
		line{fmt.Sprintf("S3 storage: %.3f GB", storedS3), storedS3 * s3PerGBMonth},
		line{fmt.Sprintf("Lambda: %.0f requests, %.0f GB-seconds", reqs, gbs), reqs/1e6*lambdaPerMReq + gbs*lambdaPerGBs},
		line{fmt.Sprintf("API Gateway HTTP API: %.0f requests", reqs), reqs / 1e6 * httpAPIPerMReq},
		line{fmt.Sprintf("CloudWatch Logs: about 1 KB a request, %.3f GB", reqs*1024/1e9), reqs * 1024 / 1e9 * logsPerGBIngest},
	)
	fmt.Fprintf(&b, `
A month of the whole of England and Wales, averaged over the year: %d pooled funds (about 150
Better Care Fund areas and 7 regional partnership boards) and %d partners. Each partner sends its
quarterly return and one correction (%.0f PUTs a month with the contributions, one a year, half of
them corrected); each partner's system reads four times a day (%.0f GETs); each fund's position is
read 20 times a day (%.0f); each area exports its year monthly and government quarterly (%.0f).
Prices: %s, converted at $%.2f to the pound.

| item | per month |
| --- | ---: |
`, nationalFunds, nationalPartners, counts[0], counts[1], counts[2], counts[3], pricesAsOf, usdPerGBP)
	for _, r := range rows {
		total += r.usd
		fmt.Fprintf(&b, "| %s | £%.2f |\n", r.what, r.usd/usdPerGBP)
	}
	fmt.Fprintf(&b, "| **total** | **£%.2f** |\n", total/usdPerGBP)
	// Deadline day: every quarterly return of the quarter, and its correction, in one hour.
	burst := float64(nationalPartners) * 2
	u := used[0]
	burstUSD := burst*u.wru/1e6*ddbPerMWRU + burst*u.rru/1e6*ddbPerMRRU + burst*float64(u.s3Puts)/1000*s3PerKPut +
		burst/1e6*(lambdaPerMReq+httpAPIPerMReq) + burst*u.took.Seconds()*float64(u.lambdaMB)/1024*lambdaPerGBs
	fmt.Fprintf(&b, `
Deadline day: every quarterly return of the quarter and its correction in one hour is %.0f PUTs,
%.2f a second: %.0f write units in the hour, on average %.2f Lambda instances busy at the
measured time per PUT (on-demand DynamoDB takes this without warming; the account's default
Lambda concurrency is 1,000), and £%.2f for the hour. The cost is the requests', not capacity held
for the peak: nothing is provisioned.
`, burst, burst/3600, burst*u.wru, burst/3600*u.took.Seconds(), burstUSD/usdPerGBP)
	return b.String()
}

func kib(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}
