package apitest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// Paths of West Wales slices used throughout.
const (
	WW        = "west-wales"
	Carm      = "carmarthenshire"
	Cere      = "ceredigion"
	Pemb      = "pembrokeshire"
	HywelDda  = "hywel-dda"
	Fund      = "care-homes-older-people"
	QRPath    = "/v1/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/2018-19-Q2"
	PoolPath  = "/v1/regions/west-wales/partners/carmarthenshire/pool-contributions/care-homes-older-people/2018-19"
	PopPath   = "/v1/regions/west-wales/partners/ceredigion/population-assessments/W06000008/2022"
	MPSPath   = "/v1/regions/west-wales/partners/pembrokeshire/market-position-statements/W06000009/2024-25"
	sliceBase = "/v1/regions/%s/partners/%s"
)

// SlicePath is {S} of api.md.
func SlicePath(region, partner string) string { return fmt.Sprintf(sliceBase, region, partner) }

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// expectStatus fails unless the answer has the status.
func expectStatus(t *testing.T, r *Resp, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
}

// errorCodes lists a problem's (code, place) pairs.
func errorCodes(t *testing.T, r *Resp) map[string]string {
	t.Helper()
	var p struct {
		Errors []struct{ Code, Pointer, Parameter, Header string }
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("not a problem: %s", r.Body)
	}
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Code+" "+e.Pointer+e.Parameter+e.Header] = e.Code
	}
	return out
}

func expectError(t *testing.T, r *Resp, code, place string) {
	t.Helper()
	if _, ok := errorCodes(t, r)[code+" "+place]; !ok {
		t.Errorf("no error %s at %q in %s", code, place, r.Body)
	}
}

// withCommentary is the example quarterly return with another commentary.
func withCommentary(t *testing.T, s string) []byte {
	return Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { m["commentary"] = s })
}

func versionsOf(t *testing.T, e *Env, path, token string) []float64 {
	t.Helper()
	var out []float64
	next := path + "/versions?limit=200"
	for next != "" {
		r := e.Get(next, token)
		expectStatus(t, r, 200)
		var pg struct {
			Items      []struct{ Version float64 }
			NextCursor *string
		}
		json.Unmarshal(r.Body, &pg)
		for _, it := range pg.Items {
			out = append(out, it.Version)
		}
		next = ""
		if pg.NextCursor != nil {
			next = path + "/versions?limit=200&cursor=" + *pg.NextCursor
		}
	}
	return out
}

func testExamplesAccepted(t *testing.T, e *Env) {
	cases := []struct{ file, partner, path string }{
		{"quarterly-return.json", Carm, QRPath},
		{"pool-contribution.json", Carm, PoolPath},
		{"population-assessment.json", Cere, PopPath},
		{"market-position-statement.json", Pemb, MPSPath},
	}
	for _, c := range cases {
		tok := e.PartnerToken(WW, c.partner)
		r := e.Put(c.path, tok, Example(t, c.file))
		expectStatus(t, r, 201)
		env := r.JSON(t)
		receipt := env["receipt"].(map[string]any)
		if !sha256Hex.MatchString(env["sha256"].(string)) || receipt["sha256"] != env["sha256"] || receipt["receiptId"] == "" {
			t.Errorf("%s: bad receipt %v", c.file, receipt)
		}
		if env["version"].(float64) != 1 || r.Header.Get("ETag") != `"1"` || r.Header.Get("Location") != c.path+"/versions/1" {
			t.Errorf("%s: version %v etag %q location %q", c.file, env["version"], r.Header.Get("ETag"), r.Header.Get("Location"))
		}
		got := e.Get(c.path, tok)
		expectStatus(t, got, 200)
		if g := got.JSON(t); fmt.Sprint(g["document"]) != fmt.Sprint(env["document"]) || g["sha256"] != env["sha256"] {
			t.Errorf("%s: GET differs from the PUT answer", c.file)
		}
		if got.Header.Get("ETag") != `"1"` {
			t.Errorf("%s: GET ETag %q", c.file, got.Header.Get("ETag"))
		}
	}
}

func testUnchangedContent(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	first := e.Put(QRPath, tok, Example(t, "quarterly-return.json"))
	expectStatus(t, first, 201)
	// The same figures written differently: numbers for strings, other key order, padding.
	same := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
		spend := m["spend"].([]any)
		spend[2].(map[string]any)["actualToDate"] = json.Number("1010000.00")
		m["commentary"] = "  " + m["commentary"].(string) + "\n"
	})
	again := e.Put(QRPath, tok, same)
	expectStatus(t, again, 200)
	if again.JSON(t)["version"].(float64) != 1 || again.JSON(t)["sha256"] != first.JSON(t)["sha256"] {
		t.Errorf("unchanged PUT answered %s", again.Body)
	}
	if v := versionsOf(t, e, QRPath, tok); len(v) != 1 {
		t.Errorf("versions %v, want just 1", v)
	}
}

func testNextVersion(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "first")), 201)
	second := e.Put(QRPath, tok, withCommentary(t, "second"))
	expectStatus(t, second, 201)
	if second.JSON(t)["version"].(float64) != 2 || second.Header.Get("ETag") != `"2"` {
		t.Fatalf("second PUT: %s", second.Body)
	}
	cur := e.Get(QRPath, tok).JSON(t)
	if cur["document"].(map[string]any)["commentary"] != "second" {
		t.Errorf("current is not the newest: %v", cur["document"])
	}
	v1 := e.Get(QRPath+"/versions/1", tok)
	expectStatus(t, v1, 200)
	if v1.JSON(t)["document"].(map[string]any)["commentary"] != "first" || v1.Header.Get("ETag") != `"1"` {
		t.Errorf("version 1 changed: %s", v1.Body)
	}
	if v := versionsOf(t, e, QRPath, tok); fmt.Sprint(v) != "[2 1]" {
		t.Errorf("versions %v, want newest first [2 1]", v)
	}
	expectStatus(t, e.Get(QRPath+"/versions/3", tok), 404)
	expectError(t, e.Get(QRPath+"/versions/0", tok), "version.invalid", "version")
}

func testIfMatch(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "a"), "If-Match", `"1"`), 412) // nothing yet
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "a"), "If-Match", "*"), 412)
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "a")), 201)
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "b"), "If-Match", `"1"`), 201)
	stale := e.Put(QRPath, tok, withCommentary(t, "c"), "If-Match", `"1"`)
	expectStatus(t, stale, 412)
	expectError(t, stale, "if-match.stale", "If-Match")
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "c"), "If-Match", `W/"2"`), 412) // weak tags never match
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "c"), "If-Match", `"7", "2"`), 201)
	expectError(t, e.Put(QRPath, tok, withCommentary(t, "d"), "If-Match", "3"), "if-match.invalid", "If-Match")
	if v := versionsOf(t, e, QRPath, tok); fmt.Sprint(v) != "[3 2 1]" {
		t.Errorf("versions %v: refused writes must change nothing", v)
	}
}

func testIdempotency(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	first := e.Put(QRPath, tok, Example(t, "quarterly-return.json"), "Idempotency-Key", "qr-2018-19-q2-001")
	expectStatus(t, first, 201)
	// A retry, formatted differently, replays the first answer.
	retry := e.Put(QRPath, tok, Edit(t, Example(t, "quarterly-return.json"), func(map[string]any) {}), "Idempotency-Key", "qr-2018-19-q2-001")
	expectStatus(t, retry, 201)
	if retry.Header.Get("Idempotent-Replayed") != "true" || retry.JSON(t)["receipt"].(map[string]any)["receiptId"] != first.JSON(t)["receipt"].(map[string]any)["receiptId"] {
		t.Errorf("retry was not a replay: %s", retry.Body)
	}
	if retry.Header.Get("Location") != first.Header.Get("Location") || retry.Header.Get("ETag") != first.Header.Get("ETag") {
		t.Errorf("replay headers differ")
	}
	// The same key on a different request is refused.
	reuse := e.Put(QRPath, tok, withCommentary(t, "different"), "Idempotency-Key", "qr-2018-19-q2-001")
	expectStatus(t, reuse, 422)
	expectError(t, reuse, "idempotency-key.reused", "Idempotency-Key")
	if v := versionsOf(t, e, QRPath, tok); len(v) != 1 {
		t.Errorf("versions %v, want 1", v)
	}
	// A 4xx answer is kept and replayed too.
	bad := withCommentary(t, "")
	bad = Edit(t, bad, func(m map[string]any) { m["riskRating"] = "purple" })
	r1 := e.Put(QRPath, tok, bad, "Idempotency-Key", "bad-1")
	expectStatus(t, r1, 422)
	r2 := e.Put(QRPath, tok, bad, "Idempotency-Key", "bad-1")
	if r2.Status != 422 || r2.Header.Get("Idempotent-Replayed") != "true" || string(r2.Body) != string(r1.Body) {
		t.Errorf("422 not replayed byte for byte: %d %s", r2.Status, r2.Body)
	}
	// Numbers are told apart exactly: two bodies whose 21-digit figures a
	// double cannot tell apart are different requests, so the second is
	// refused as a reuse of the key, not answered with the first's answer.
	huge := func(n string) []byte {
		return Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { m["activity"].(map[string]any)["bedWeeks"] = json.Number(n) })
	}
	h1 := e.Put(QRPath, tok, huge("123456789012345678901"), "Idempotency-Key", "huge-1")
	expectError(t, h1, "count.invalid", "/activity/bedWeeks")
	h2 := e.Put(QRPath, tok, huge("123456789012345678902"), "Idempotency-Key", "huge-1")
	expectStatus(t, h2, 422)
	expectError(t, h2, "idempotency-key.reused", "Idempotency-Key")
	if h2.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("a different 21-digit figure got the first request's answer: %s", h2.Body)
	}
	// Keys are scoped to the partner: another partner's same key is its own.
	other := e.Put(SlicePath(WW, Cere)+"/quarterly-returns/care-homes-older-people/2018-19-Q2", e.PartnerToken(WW, Cere),
		Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
			for _, l := range m["spend"].([]any) {
				l.(map[string]any)["areaCode"] = "W06000008"
			}
			m["income"].([]any)[0].(map[string]any)["areaCode"] = "W06000008"
		}), "Idempotency-Key", "qr-2018-19-q2-001")
	expectStatus(t, other, 201)
	// Over-long keys are refused.
	long := make([]byte, 101)
	for i := range long {
		long[i] = 'k'
	}
	expectError(t, e.Put(QRPath, tok, withCommentary(t, "x"), "Idempotency-Key", string(long)), "idempotency-key.invalid", "Idempotency-Key")
	// A key whose first request is still running answers 409.
	body := withCommentary(t, "in flight")
	claim, _, err := e.App.Service.BeginIdempotent(t.Context(), service.IdempotentRequest{
		Scope: Carm, Subject: "test-" + Carm + WW, Key: "running", Fingerprint: httpapi.Fingerprint("PUT", QRPath, body)})
	if err != nil || claim == nil {
		t.Fatalf("claim: %v", err)
	}
	busy := e.Put(QRPath, tok, body, "Idempotency-Key", "running")
	expectStatus(t, busy, 409)
	expectError(t, busy, "idempotency-key.in-flight", "Idempotency-Key")
}

func testDryRun(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	r := e.Put(QRPath+"?dryRun=true", tok, Example(t, "quarterly-return.json"), "Idempotency-Key", "dry")
	expectStatus(t, r, 200)
	if r.JSON(t)["valid"] != true {
		t.Errorf("dry run: %s", r.Body)
	}
	expectStatus(t, e.Get(QRPath, tok), 404)
	bad := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { m["riskRating"] = "red"; delete(m, "commentary") })
	expectError(t, e.Put(QRPath+"?dryRun=true", tok, bad), "commentary.required-when-red", "/commentary")
	// The dry run ignored its key: a real write may use it.
	expectStatus(t, e.Put(QRPath, tok, Example(t, "quarterly-return.json"), "Idempotency-Key", "dry"), 201)
	expectError(t, e.Put(QRPath+"?dryRun=yes", tok, bad), "query.invalid", "dryRun")
}

func testAllErrorsAtOnce(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	bad := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
		spend := m["spend"].([]any)
		spend[0].(map[string]any)["actualToDate"] = "12.345"
		spend[1].(map[string]any)["discipline"] = "health"
		spend[2].(map[string]any)["areaCode"] = "W06000008"
		m["activity"].(map[string]any)["bedWeeks"] = -1
		m["kpis"].([]any)[0].(map[string]any)["code"] = "no-such-kpi"
		m["surprise"] = true
		m["quarter"] = "2018-19-Q3"
	})
	r := e.Put(QRPath, tok, bad)
	expectStatus(t, r, 422)
	for _, want := range [][2]string{
		{"money.too-many-decimals", "/spend/0/actualToDate"},
		{"partner.discipline-not-allowed", "/spend/1/discipline"},
		{"partner.area-not-served", "/spend/2/areaCode"},
		{"count.invalid", "/activity/bedWeeks"},
		{"kpi.unknown-code", "/kpis/0/code"},
		{"body.unknown-field", "/surprise"},
		{"key.mismatch", "/quarter"},
	} {
		expectError(t, r, want[0], want[1])
	}
	if r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	expectStatus(t, e.Get(QRPath, tok), 404)
	// Path values are checked too, as parameters.
	pr := e.Put(SlicePath(WW, Carm)+"/quarterly-returns/no-such-fund/2018-19-Q5", tok, bad)
	expectError(t, pr, "fund.unknown", "fundId")
	expectError(t, pr, "quarter.invalid", "quarter")
	expectError(t, e.Put(SlicePath(WW, Carm)+"/quarterly-returns/care-homes-older-people/2030-31-Q1", tok, Example(t, "quarterly-return.json")),
		"quarter.outside-fund-years", "quarter")
}

func testWarningsStored(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	q1 := SlicePath(WW, Carm) + "/quarterly-returns/care-homes-older-people/2018-19-Q1"
	expectStatus(t, e.Put(q1, tok, Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { delete(m, "quarter") })), 201)
	lower := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
		s := m["spend"].([]any)[0].(map[string]any)
		s["actualToDate"] = "4000000.00"    // lower than Q1's 4102337.18
		s["forecastOutturn"] = "3000000.00" // below the actual
	})
	r := e.Put(QRPath, tok, lower)
	expectStatus(t, r, 201)
	codes := map[string]string{}
	for _, w := range r.JSON(t)["warnings"].([]any) {
		wm := w.(map[string]any)
		codes[wm["code"].(string)] = wm["pointer"].(string)
	}
	if codes["actual.decreased"] != "/spend/0/actualToDate" || codes["forecast.below-actual"] != "/spend/0/forecastOutturn" {
		t.Errorf("warnings %v", codes)
	}
	stored := e.Get(QRPath, tok).JSON(t)["warnings"].([]any)
	if len(stored) != len(codes) {
		t.Errorf("stored warnings %v", stored)
	}
}
