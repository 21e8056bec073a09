package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
)

// fuzzQRPath is the quarterly return every fuzz input is PUT to.
const fuzzQRPath = "/v1/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/2018-19-Q2"

// tokenMark in an Authorization value stands for the partner's valid token
// (minted per process, so seeds cannot hold it); an empty value is
// "Bearer " and the token, "-" sends no Authorization header.
const tokenMark = "{token}"

// alarmLog remembers the first error a handler logs (a recovered panic, an
// internal error): a clean answer must not hide one.
type alarmLog struct {
	mu    sync.Mutex
	first string
}

func (a *alarmLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (a *alarmLog) Handle(_ context.Context, r slog.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.first == "" {
		msg := r.Message
		r.Attrs(func(at slog.Attr) bool {
			msg += " " + at.Key + "=" + at.Value.String()
			return true
		})
		a.first = msg
	}
	return nil
}
func (a *alarmLog) WithAttrs([]slog.Attr) slog.Handler { return a }
func (a *alarmLog) WithGroup(string) slog.Handler      { return a }

func (a *alarmLog) take() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.first
	a.first = ""
	return s
}

// fuzzDir is a temporary folder in memory where there is one (/dev/shm), so
// that the store's fsyncs cost nothing and each input stays cheap.
func fuzzDir(tb testing.TB) string {
	if d, err := os.MkdirTemp("/dev/shm", "rdx-fuzz-"); err == nil {
		tb.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return tb.TempDir()
}

// validFieldValue reports whether s may be an HTTP header value: servers
// refuse the rest (CTLs other than HTAB) before any handler sees them.
func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// newFuzzHandler builds the API over an embedded store in a temporary
// folder, with two partners' tokens: carmarthenshire's (whose return is
// PUT) and ceredigion's.
func newFuzzHandler(tb testing.TB) (h http.Handler, alarms *alarmLog, token, other string) {
	b := apitest.Embedded(tb, fuzzDir(tb))
	key := auth.NewDevKey()
	keys, err := auth.StaticKeys(key.JWKS())
	if err != nil {
		tb.Fatal(err)
	}
	alarms = &alarmLog{}
	a, err := app.Build(app.Config{Issuer: auth.DevIssuer, Audience: auth.DevAudience, Keys: keys,
		CursorKey: bytes.Repeat([]byte("k"), 32), Log: slog.New(alarms)}, app.Stores{Table: b.Table, Blobs: b.Blobs}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	token, err = key.Mint(auth.TokenSpec{Subject: "fuzz", Region: "west-wales", Partner: "carmarthenshire",
		Scopes: auth.DefaultScopes("west-wales", "carmarthenshire"), TTL: 7 * 24 * time.Hour}, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	other, err = key.Mint(auth.TokenSpec{Subject: "fuzz-2", Region: "west-wales", Partner: "ceredigion",
		Scopes: auth.DefaultScopes("west-wales", "ceredigion"), TTL: 7 * 24 * time.Hour}, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return a.Handler, alarms, token, other
}

// FuzzHandlerPUT sends arbitrary bodies and header values through the real
// handler (over an embedded store in a temporary folder, built once per
// process) as a PUT of a quarterly return. Whatever the input: no 500, no
// logged panic or internal error, and every non-2xx answer is an RFC 9457
// problem (application/problem+json) carrying the request's id.
func FuzzHandlerPUT(f *testing.F) {
	h, alarms, token, other := newFuzzHandler(f)
	example, err := examples.Read("quarterly-return.json")
	if err != nil {
		f.Fatal(err)
	}
	ex := string(example)
	type seed struct{ body, contentType, authz, ifMatch, idemKey, query string }
	seeds := []seed{
		{body: ex, contentType: "application/json"},
		{body: ex, contentType: "application/json", query: "dryRun=true"},
		{body: ex, contentType: "application/json", ifMatch: "*", idemKey: "k-1"},
		{body: ex, contentType: "application/json", ifMatch: `"1"`},
		{body: ex, contentType: "application/json", ifMatch: `W/"1", "2"`},
		{body: ex, contentType: "application/json", ifMatch: "garbage"},
		{body: ex, contentType: "application/json", idemKey: strings.Repeat("k", 101)},
		{body: ex, contentType: "application/json", idemKey: "k-1"}, // the same key on another request
		{body: strings.Replace(ex, `"4102337.18"`, `"4102337.181"`, 1), contentType: "application/json", idemKey: "k-2"},
		{body: strings.Replace(ex, `"amber"`, `"red"`, 1), contentType: "application/json"},
		{body: strings.Replace(ex, `"2018-19-Q2"`, `"2018-19-Q3"`, 1), contentType: "application/json"},
		{body: strings.Replace(ex, "{", `{"final": true, `, 1), contentType: "application/json"},
		// A refused request and its retry: the retry replays the stored problem.
		{body: strings.Replace(ex, `"amber"`, `"mauve"`, 1), contentType: "application/json", idemKey: "k-3"},
		{body: strings.Replace(ex, `"amber"`, `"mauve"`, 1), contentType: "application/json", idemKey: "k-3"},
		{body: "\xe2\x8f\xe0", contentType: "AppliCAtion/json", idemKey: "0"},
		{body: "\xe2\x8f\xe0", contentType: "AppliCAtion/json", idemKey: "0"},
		{body: ex, contentType: "application/json; charset=utf-8"},
		{body: ex, contentType: "application/json; charset=latin1"},
		{body: ex, contentType: "APPLICATION/JSON"},
		{body: ex, contentType: "application/json;;"},
		{body: ex, contentType: "text/plain"},
		{body: ex, contentType: ""},
		{body: ex, contentType: "application/json", query: "dryRun=maybe"},
		{body: ex, contentType: "application/json", query: "dryRun=true&dryRun=false"},
		{body: ex, contentType: "application/json", query: "x=1"},
		{body: ex, contentType: "application/json", query: "%zz"},
		{body: ex, contentType: "application/json", authz: "-"},
		{body: ex, contentType: "application/json", authz: "Bearer"},
		{body: ex, contentType: "application/json", authz: "Bearer "},
		{body: ex, contentType: "application/json", authz: "bearer   " + tokenMark + "  "},
		{body: ex, contentType: "application/json", authz: "Basic " + tokenMark},
		{body: ex, contentType: "application/json", authz: "Bearer " + tokenMark + "x"},
		{body: ex, contentType: "application/json", authz: "Bearer other"},
		{body: ex, contentType: "application/json", authz: "Bearer eyJhbGciOiJub25lIn0.e30."},
		{body: ex, contentType: "application/json", authz: "Bearer " + strings.Repeat("a", 9000)},
		{body: "", contentType: "application/json"},
		{body: "{}", contentType: "application/json"},
		{body: "null", contentType: "application/json"},
		{body: "[]", contentType: "application/json"},
		{body: "\xff", contentType: "application/json"},
		{body: ex + "x", contentType: "application/json"},
		{body: strings.Repeat("[", 20_000), contentType: "application/json"},
		{body: strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000), contentType: "application/json"},
		{body: `{"spend": [` + strings.Repeat(`{},`, 600) + `{}]}`, contentType: "application/json"},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.contentType, s.authz, s.ifMatch, s.idemKey, s.query)
	}

	f.Fuzz(func(t *testing.T, body []byte, contentType, authz, ifMatch, idemKey, query string) {
		switch authz {
		case "":
			authz = "Bearer " + token
		case "Bearer other":
			authz = "Bearer " + other
		default:
			authz = strings.ReplaceAll(authz, tokenMark, token)
		}
		for _, h := range []string{contentType, authz, ifMatch, idemKey} {
			if !validFieldValue(h) {
				return // refused by the server (or API Gateway) before the handler
			}
		}
		target := fuzzQRPath
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, target, bytes.NewReader(body))
		if err != nil || req.URL.Path != fuzzQRPath {
			return // not a request line a server would route here
		}
		req.RequestURI = target
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if authz != "-" {
			req.Header.Set("Authorization", authz)
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		if idemKey != "" {
			req.Header.Set("Idempotency-Key", idemKey)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkFuzzAnswer(t, rec, alarms.take())
	})
}

func checkFuzzAnswer(t *testing.T, rec *httptest.ResponseRecorder, alarm string) {
	t.Helper()
	status, h, body := rec.Code, rec.Header(), rec.Body.Bytes()
	t.Logf("%d (replayed: %q) %.300s", status, h.Get("Idempotent-Replayed"), body)
	if alarm != "" {
		t.Fatalf("status %d, but the handler logged: %s", status, alarm)
	}
	if status < 200 || status > 599 || status == http.StatusInternalServerError {
		t.Fatalf("status %d: %s", status, body)
	}
	id := h.Get("X-Request-Id")
	if id == "" {
		t.Fatalf("status %d without X-Request-Id", status)
	}
	if cl := h.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Fatalf("Content-Length %q for a %d-byte body", cl, len(body))
	}
	if status < 300 {
		if ct := h.Get("Content-Type"); ct != "application/json" || !json.Valid(body) {
			t.Fatalf("status %d, Content-Type %q: %s", status, ct, body)
		}
		return
	}
	if ct := h.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, not a problem: %s", status, ct, body)
	}
	var p struct {
		httpapi.Problem
		Errors []map[string]any `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("status %d: the problem does not decode: %v: %s", status, err, body)
	}
	switch {
	case p.Status != status:
		t.Fatalf("status %d, the problem says %d: %s", status, p.Status, body)
	case len(p.RequestID) != 26:
		t.Fatalf("the problem's requestId %q is not a ULID", p.RequestID)
	case p.RequestID != id && h.Get("Idempotent-Replayed") != "true":
		// A replayed answer is the stored one, byte for byte: its requestId
		// is the first request's, not this one's X-Request-Id (reported:
		// the contract says X-Request-Id is also the problem's requestId).
		t.Fatalf("the problem's requestId %q is not X-Request-Id %q", p.RequestID, id)
	case !strings.HasPrefix(p.Type, httpapi.ProblemBase) || p.Title == "" || p.Detail == "" || p.Instance != fuzzQRPath:
		t.Fatalf("an incomplete problem: %s", body)
	case p.Errors == nil:
		t.Fatalf("a problem without its errors list: %s", body)
	case status == http.StatusUnauthorized && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer "):
		t.Fatalf("401 without a Bearer challenge")
	}
	for _, e := range p.Errors {
		places := 0
		for _, k := range []string{"pointer", "parameter", "header"} {
			if _, ok := e[k]; ok {
				places++
			}
		}
		code, _ := e["code"].(string)
		msg, _ := e["message"].(string)
		if places != 1 || code == "" || msg == "" {
			t.Fatalf("a field error must have a code, a message and exactly one place: %v in %s", e, body)
		}
	}
}
