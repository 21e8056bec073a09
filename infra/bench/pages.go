package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// view is one page and the JSON routes it is built from: the same service
// calls, by the same person.
type view struct {
	name string
	role string // the development role signed in (and the token's claims)
	page string
	json []string // the JSON routes' requests, sent together as the page makes its calls together
}

const (
	wwSlice = "/v1/regions/west-wales/partners/carmarthenshire"
	wwFund  = "/regions/west-wales/funds/care-homes-older-people"
	wwRet   = wwSlice + "/quarterly-returns/care-homes-older-people/2019-20-Q2"
)

// pageViews are the main pages, the region's (its collaboration unit
// signed in) and a partner's.
func pageViews(upload string) []view {
	app := func(v1 string) string { return "/app" + strings.TrimPrefix(v1, "/v1") }
	each := func(suffix string) []string {
		var out []string
		for _, m := range westWalesMembers {
			out = append(out, strings.Replace(wwSlice, "carmarthenshire", m.partner, 1)+suffix)
		}
		return out
	}
	lists := func(limit string) []string {
		var out []string
		for _, k := range []submission.Kind{submission.QuarterlyReturns, submission.PoolContributions, submission.PopulationAssessments, submission.MarketPositionStatements} {
			out = append(out, wwSlice+"/"+string(k)+"?limit="+limit)
		}
		return out
	}
	const unit, carm = "west-wales/unit", "west-wales/carmarthenshire"
	return []view{
		{"the fund position", unit, "/app" + wwFund + "/position?financialYear=2019-20", []string{positionPath(0)}},
		{"the completeness grid (each member's obligations)", unit, "/app" + wwFund + "/completeness?financialYear=2019-20", each("/obligations")},
		{"the region's obligations (each partner's, late)", unit, "/app/regions/west-wales/obligations", each("/obligations?status=late")},
		{"a partner's home (four kinds' first 10)", carm, app(wwSlice) + "/", lists("10")},
		{"a partner's returns list", carm, app(wwSlice) + "/quarterly-returns", []string{wwSlice + "/quarterly-returns?limit=50"}},
		// A return's and a version's page show what changed since the
		// version before, read as GET .../versions/{n-1} reads it: the routes
		// TestNoPageFetchesMoreThanItShows holds each page to.
		{"a quarterly return (its versions, what changed)", carm, app(wwRet), []string{wwRet, wwRet + "/versions?limit=50", wwRet + "/versions/2"}},
		{"a version of a return (what changed)", carm, app(wwRet) + "/versions/2", []string{wwRet + "/versions/2", wwRet + "/versions/1"}},
		{"an upload (rejected, its errors)", carm, app(wwSlice) + "/uploads/" + upload, []string{wwSlice + "/uploads/" + upload}},
	}
}

// pagesScenario measures each page against the JSON routes it is built
// from, on the embedded latency section's server and data.
func pagesScenario(rep *report) error {
	ctx := context.Background()
	s, done, err := embeddedServe()
	if err != nil {
		return err
	}
	defer done()
	if err := seedWestWales(ctx, s); err != nil {
		return err
	}
	srv := httptest.NewServer(s.app.Handler)
	defer srv.Close()
	// Two more versions of the return whose page is measured: it lists
	// three, a version's page shows one.
	carm := &auth.Principal{Subject: "seed", Region: "west-wales", Partner: "carmarthenshire", Scopes: []auth.Scope{auth.SubmissionsWrite}}
	for i := range 2 {
		_, err := s.app.Submissions.PutSubmission(ctx, submissions.PutRequest{Principal: carm, Region: "west-wales", Partner: "carmarthenshire",
			Kind: submission.QuarterlyReturns, KeyValues: [2]string{"care-homes-older-people", "2019-20-Q2"}, Body: returnFor("social-care", "W06000010", fmt.Sprint("revised ", i))})
		if err != nil {
			return err
		}
	}
	upload, err := rejectedUpload(ctx, s, srv.URL)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	cookies := map[string]string{}
	var rows []string
	for _, vw := range pageViews(upload) {
		if cookies[vw.role] == "" {
			if cookies[vw.role], err = signInAs(srv.URL, vw.role); err != nil {
				return err
			}
		}
		role, _ := auth.DevRoleByID(s.app.Regions, vw.role)
		spec := role.Spec
		spec.TTL = 2 * time.Hour
		token, err := s.key.Mint(spec, time.Now())
		if err != nil {
			return err
		}
		page := func() []*http.Request {
			req, _ := http.NewRequest("GET", srv.URL+vw.page, nil)
			req.Header.Set("Cookie", cookies[vw.role])
			req.Header.Set("Accept", "text/html")
			return []*http.Request{req}
		}
		api := func() []*http.Request {
			out := make([]*http.Request, len(vw.json))
			for i, p := range vw.json {
				out[i], _ = http.NewRequest("GET", srv.URL+p, nil)
				out[i].Header.Set("Authorization", "Bearer "+token)
			}
			return out
		}
		pageBytes, err := viewBytes(client, page())
		if err != nil {
			return fmt.Errorf("%s: %w", vw.name, err)
		}
		jsonBytes, err := viewBytes(client, api())
		if err != nil {
			return fmt.Errorf("%s: %w", vw.name, err)
		}
		p, j := alternateViews(client, page, api)
		if p.errors+j.errors > 0 {
			return fmt.Errorf("%s: %d errors (page), %d (JSON)", vw.name, p.errors, j.errors)
		}
		r50, r99, rps := ratio(p.p50, j.p50), ratio(p.p99, j.p99), j.rps/p.rps
		rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %.0f | %.0f | %s |",
			vw.name, len(vw.json), kib(pageBytes), kib(jsonBytes), us(p.p50), us(j.p50), mark(r50), us(p.p99), us(j.p99), mark(r99), p.rps, j.rps, mark(rps)))
	}
	rep.add("Pages: each page against the JSON route it is built from", pagesIntro+"\n\n"+pagesHeader+"\n"+joinLines(rows))
	return nil
}

const pagesIntro = `Each page under /app/ against the JSON routes it is built from, on the local server and data
of the embedded latency section above (with three versions of the return shown and one rejected
upload). A page's JSON routes are those TestNoPageFetchesMoreThanItShows in shared/web holds it
to: a return's page and a version's page also show what changed since the version before, so the
version before is among their routes (until the pages' speed work of issue 16 this table left it
out, and the two pages were measured against less than they read). The page is asked as a browser asks it, signed in through the development sign-in: its
session cookie and CSRF cookie sent; the JSON routes with a bearer token of the same role. A page
that makes several service calls makes them together, so its JSON side is its routes' requests
sent together, a view's time being until the last answer. Both sides run from 4 concurrent
keep-alive clients, the same number of views: 300 warm-up views each, then 7 rounds of 500,
page and JSON alternating, figures the medians over the rounds. The target is a page within
1.5× of its JSON routes; a ratio over it is marked ⚠.

The ratio is everything a page does that its JSON routes do not, over what they do. On the page's
side: reading the session cookie (an AES-256 and HMAC-SHA-256 seal, decoded, and sealed again
once a minute has passed since it was last seen, so the idle limit slides) and the CSRF cookie
(unsealed, and a masked token made for the page's forms), the token the session holds (verified
exactly as a bearer token is the first time, then remembered until it expires while its key is
still the issuer's: auth.Memo), and rendering the page: the layout and the pages measured here
written in Go as their templates write them, every text from the catalogue, escaped, in a page
several times the size of the JSON. On the JSON side: verifying
the token of every request (a page built from four routes verifies one token, the four routes
four), encoding each answer's canonical JSON and, for several routes, a request each over HTTP.
Both make the same store and blob calls (TestNoPageFetchesMoreThanItShows in shared/web asserts
it, call for call).`

const pagesHeader = `| page | JSON routes | HTML | JSON | p50 page | p50 JSON | ratio | p99 page | p99 JSON | ratio | views/s page | views/s JSON | ratio (JSON/page) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`

// mark is a ratio, marked when over the 1.5× target.
func mark(r float64) string {
	if r > 1.5 {
		return fmt.Sprintf("**%.2f× ⚠**", r)
	}
	return fmt.Sprintf("**%.2f×**", r)
}

// alternateViews measures pages and their JSON routes in alternate rounds.
func alternateViews(client *http.Client, page, api func() []*http.Request) (stats, stats) {
	loadViews(client, page, warmup)
	loadViews(client, api, warmup)
	var a, b []stats
	for range rounds {
		a = append(a, loadViews(client, page, roundCount))
		b = append(b, loadViews(client, api, roundCount))
	}
	return medianStats(a), medianStats(b)
}

// loadViews asks for count views from conc workers; a view of several
// requests sends them together and lasts until its last answer.
func loadViews(client *http.Client, reqs func() []*http.Request, count int) stats {
	var next, errs atomic.Int64
	lat := make([]time.Duration, count)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(count) {
					return
				}
				rs := reqs()
				t0 := time.Now()
				if len(rs) == 1 {
					errs.Add(ask(client, rs[0]))
				} else {
					var all sync.WaitGroup
					for _, r := range rs {
						all.Go(func() { errs.Add(ask(client, r)) })
					}
					all.Wait()
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	return summarize(lat, float64(count)/elapsed.Seconds(), errs.Load())
}

// ask makes one request and reads its answer: 1 when it failed.
func ask(client *http.Client, req *http.Request) int64 {
	res, err := client.Do(req)
	if err != nil {
		return 1
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// viewBytes asks for a view once: the bytes of its answers.
func viewBytes(client *http.Client, reqs []*http.Request) (int64, error) {
	var n int64
	for _, r := range reqs {
		res, err := client.Do(r)
		if err != nil {
			return 0, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %d %.300s", r.URL.Path, res.StatusCode, body)
		}
		n += int64(len(body))
	}
	return n, nil
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInAs signs in as a development role as a browser does (the sign-in
// page, its form with the CSRF token) and returns the Cookie header the
// browser then sends: its session and CSRF cookies.
func signInAs(base, role string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/app/sign-in")
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("sign-in page: %d, no CSRF token", res.StatusCode)
	}
	form := url.Values{"role": {role}, "csrf": {html.UnescapeString(string(m[1]))}}
	req, _ := http.NewRequest("POST", base+"/app/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	if res, err = c.Do(req); err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign in as %s: %d", role, res.StatusCode)
	}
	u, _ := url.Parse(base)
	var kept []string
	for _, ck := range jar.Cookies(u) {
		if strings.HasSuffix(ck.Name, "session") || strings.HasSuffix(ck.Name, "csrf") {
			kept = append(kept, ck.Name+"="+ck.Value)
		}
	}
	if len(kept) != 2 {
		return "", fmt.Errorf("sign in as %s: cookies %v", role, kept)
	}
	return strings.Join(kept, "; "), nil
}

// rejectedUpload sends the quarterly return template with an unknown spend
// category as a partner's system would (begun, its file stored, validated
// as its arrival is reported) and returns its id.
func rejectedUpload(ctx context.Context, s *served, base string) (string, error) {
	req, _ := http.NewRequest("GET", base+"/v1/templates/quarterly-return-csv.csv", nil)
	req.Header.Set("Authorization", "Bearer "+s.token("west-wales", "carmarthenshire"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	tmpl, _ := io.ReadAll(res.Body)
	res.Body.Close()
	file := []byte(strings.Replace(string(tmpl), "residential-dementia", "palace", 1))
	sum := sha256.Sum256(file)
	body, _ := json.Marshal(map[string]any{"purpose": "quarterly-return-csv", "fundId": "care-homes-older-people", "quarter": "2019-20-Q3",
		"sizeBytes": len(file), "sha256": hex.EncodeToString(sum[:])})
	p := &auth.Principal{Subject: "seed", Region: "west-wales", Partner: "carmarthenshire", Scopes: auth.DefaultScopes("west-wales", "carmarthenshire")}
	up, err := s.app.Files.BeginUpload(ctx, p, "west-wales", "carmarthenshire", body)
	if err != nil {
		return "", err
	}
	key := "uploads/west-wales/carmarthenshire/" + up.Record.ID
	if err := s.rec.blobs.Put(ctx, key, bytes.NewReader(file), int64(len(file)), blob.PutOptions{ContentType: "text/csv"}); err != nil {
		return "", err
	}
	if err := s.app.Files.UploadArrived(ctx, "bench", key); err != nil {
		return "", err
	}
	return up.Record.ID, nil
}
