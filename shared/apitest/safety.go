package apitest

import (
	"bytes"
	"strings"
	"testing"
)

func testSafeByDefault(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	t.Run("body over 1 MiB is 413", func(t *testing.T) {
		big := append([]byte(`{"commentary":"`), bytes.Repeat([]byte("x"), 1<<20)...)
		big = append(big, `"}`...)
		expectStatus(t, e.Put(QRPath, tok, big), 413)
	})
	t.Run("wrong content type is 415", func(t *testing.T) {
		r := e.Do(Req{Method: "PUT", Path: QRPath, Token: tok, Body: Example(t, "quarterly-return.json"), Header: map[string]string{"Content-Type": "text/csv"}})
		expectStatus(t, r, 415)
		r = e.Do(Req{Method: "PUT", Path: QRPath, Token: tok, Body: Example(t, "quarterly-return.json"), Header: map[string]string{"Content-Type": "application/json; charset=latin1"}})
		expectStatus(t, r, 415)
		r = e.Do(Req{Method: "PUT", Path: QRPath, Token: tok, Body: Example(t, "quarterly-return.json"), Header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}})
		expectStatus(t, r, 201)
	})
	t.Run("malformed JSON, trailing data, empty and non-UTF-8 bodies are 400", func(t *testing.T) {
		for _, body := range []string{`{"spend": [}`, `{} {}`, `{}x`, `[1,2`, "{\"commentary\":\"\xff\"}"} {
			r := e.Put(QRPath+"?dryRun=true", tok, []byte(body))
			expectStatus(t, r, 400)
		}
		expectStatus(t, e.Do(Req{Method: "PUT", Path: QRPath, Token: tok, Header: map[string]string{"Content-Type": "application/json"}}), 400)
	})
	t.Run("unknown fields and wrong types are 422 with pointers", func(t *testing.T) {
		body := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
			m["spend"].([]any)[0].(map[string]any)["colour"] = "blue"
			m["activity"] = []any{}
			m["riskRating"] = 3
			m["kpis"] = "none"
		})
		r := e.Put(QRPath, tok, body)
		expectStatus(t, r, 422)
		expectError(t, r, "body.unknown-field", "/spend/0/colour")
		expectError(t, r, "body.wrong-type", "/activity")
		expectError(t, r, "body.wrong-type", "/riskRating")
		expectError(t, r, "body.wrong-type", "/kpis")
	})
	t.Run("deep nesting and huge arrays are bounded", func(t *testing.T) {
		deep := `{"commentary":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`
		r := e.Put(QRPath, tok, []byte(deep))
		expectStatus(t, r, 422)
		expectError(t, r, "body.too-deep", "/commentary"+strings.Repeat("/0", 31))
		huge := `{"spend":[` + strings.TrimSuffix(strings.Repeat(`{},`, 100000), ",") + `]}`
		r = e.Put(QRPath, tok, []byte(huge))
		expectStatus(t, r, 422)
		expectError(t, r, "list.too-long", "/spend")
	})
	t.Run("unknown routes are 404 problems, other methods 405 with Allow", func(t *testing.T) {
		r := e.Get("/v1/nothing-here", tok)
		expectStatus(t, r, 404)
		if r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("404 is not a problem: %q", r.Header.Get("Content-Type"))
		}
		r = e.Do(Req{Method: "DELETE", Path: QRPath, Token: tok})
		expectStatus(t, r, 405)
		if allow := strings.Join(r.Header.Values("Allow"), ","); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PUT") {
			t.Errorf("Allow %q", allow)
		}
	})
	t.Run("missing or bad tokens are 401 with a Bearer challenge", func(t *testing.T) {
		for _, auth := range []string{"", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"} {
			r := e.Do(Req{Method: "GET", Path: QRPath, Header: map[string]string{"Authorization": auth}})
			expectStatus(t, r, 401)
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%q: WWW-Authenticate %q", auth, r.Header.Get("WWW-Authenticate"))
			}
		}
	})
	t.Run("unknown query parameters are 422", func(t *testing.T) {
		expectError(t, e.Get(SlicePath(WW, Carm)+"/quarterly-returns?fundID=x", tok), "query.unknown-parameter", "fundID")
		expectError(t, e.Get(SlicePath(WW, Carm)+"/quarterly-returns?limit=0", tok), "limit.invalid", "limit")
		expectError(t, e.Get(SlicePath(WW, Carm)+"/quarterly-returns?limit=201", tok), "limit.invalid", "limit")
		expectError(t, e.Get(SlicePath(WW, Carm)+"/quarterly-returns?quarter=2018-19-Q9", tok), "quarter.invalid", "quarter")
	})
}
