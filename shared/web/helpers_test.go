package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/app/local"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

const (
	region = "west-wales"
	carm   = "carmarthenshire"
	cere   = "ceredigion"
	fund   = "care-homes-older-people"
)

// site is the local run (make run's composition root) served over real HTTP.
type site struct {
	t     testing.TB
	base  string
	local *local.Local
}

func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteWith(t, app.Config{})
}

// newSiteWith is the local run with more of its configuration chosen.
func newSiteWith(t testing.TB, cfg app.Config) *site {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ln, base := listen(t)
	l, err := local.Open(t.Context(), t.TempDir(), base, cfg)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, l.Handler, l.Close)
	return &site{t: t, base: base, local: l}
}

// listen is a loopback listener and its address, for a site to know where
// it is served before it is built.
func listen(t testing.TB) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// serve serves h on ln until the test ends, then closes it and done.
func serve(t testing.TB, ln net.Listener, h http.Handler, done func() error) {
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); done() })
}

// token mints a development token of a role, as make run prints it.
func (s *site) token(roleID string) string {
	s.t.Helper()
	role, ok := auth.DevRoleByID(s.local.Regions, roleID)
	if !ok {
		s.t.Fatalf("no role %s", roleID)
	}
	spec := role.Spec
	spec.TTL = time.Hour
	tok, err := s.local.DevKey.Mint(spec, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// api calls the API as a partner system would.
func (s *site) api(method, path, token string, body []byte) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func slicePath(partner string) string { return "/v1/regions/" + region + "/partners/" + partner }

func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// put sends a submission, failing the test unless it is stored.
func (s *site) put(partner, path string, body []byte) {
	s.t.Helper()
	status, out := s.api("PUT", slicePath(partner)+path, s.token(region+"/"+partner), body)
	if status != 201 && status != 200 {
		s.t.Fatalf("PUT %s: %d %s", path, status, out)
	}
}

// seed gives Carmarthenshire its 2018-19 contribution and Q2 return (its
// commentary holding markup), and Ceredigion a Q2 return of its own.
func (s *site) seed() {
	s.t.Helper()
	s.put(carm, "/pool-contributions/"+fund+"/2018-19", example(s.t, "pool-contribution.json"))
	ret := strings.Replace(string(example(s.t, "quarterly-return.json")), "Nursing placements", "<script>alert(1)</script> Nursing placements", 1)
	s.put(carm, "/quarterly-returns/"+fund+"/2018-19-Q2", []byte(ret))
	s.put(cere, "/quarterly-returns/"+fund+"/2018-19-Q2", []byte(strings.ReplaceAll(string(example(s.t, "quarterly-return.json")), "W06000010", "W06000008")))
}

// signedIn is a seeded site and a browser signed in as a role.
func signedIn(t *testing.T, role string) (*site, *browser) {
	t.Helper()
	s := newSite(t)
	s.seed()
	b := s.browser()
	b.signIn(role)
	return s, b
}

// q2 is a partner's 2018-19 Q2 return as the API gives it to the partner.
func (s *site) q2(partner string) string {
	s.t.Helper()
	_, out := s.api("GET", slicePath(partner)+"/quarterly-returns/"+fund+"/2018-19-Q2", s.token(region+"/"+partner), nil)
	return string(out)
}

// upload sends a file through a presigned upload as a partner's system
// does and waits until the local run has validated it.
func (s *site) upload(partner string, fields map[string]any, file []byte) (id string, state []byte) {
	s.t.Helper()
	tok := s.token(region + "/" + partner)
	sum := sha256.Sum256(file)
	fields["sizeBytes"], fields["sha256"] = len(file), hex.EncodeToString(sum[:])
	body, _ := json.Marshal(fields)
	status, out := s.api("POST", slicePath(partner)+"/uploads", tok, body)
	if status != 201 {
		s.t.Fatalf("start upload: %d %s", status, out)
	}
	var up struct {
		UploadID, URL, Method string
		Headers               map[string]string
	}
	json.Unmarshal(out, &up)
	req, _ := http.NewRequest(up.Method, up.URL, bytes.NewReader(file))
	for k, v := range up.Headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		s.t.Fatalf("presigned PUT: %v %v", err, res)
	}
	res.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out := s.api("GET", slicePath(partner)+"/uploads/"+up.UploadID, tok, nil)
		var st struct{ State string }
		json.Unmarshal(out, &st)
		if st.State != "pending" && st.State != "validating" {
			return up.UploadID, out
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("upload not validated: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// browser is a person's browser: cookies kept, redirects followed, and
// each answer's chain of statuses recorded.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	lang string // Accept-Language
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, base: s.base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// answer is what the browser shows: the last response, and the statuses and
// addresses of the redirects before it.
type answer struct {
	Status int
	Header http.Header
	Body   string
	URL    string
	Chain  []int
}

func (b *browser) do(req *http.Request) answer {
	b.t.Helper()
	var a answer
	for range 6 {
		if b.lang != "" {
			req.Header.Set("Accept-Language", b.lang)
		}
		res, err := b.c.Do(req)
		if err != nil {
			b.t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		a.Chain = append(a.Chain, res.StatusCode)
		a.Status, a.Header, a.Body, a.URL = res.StatusCode, res.Header, string(body), req.URL.String()
		loc := res.Header.Get("Location")
		if res.StatusCode/100 != 3 || loc == "" {
			return a
		}
		next, _ := req.URL.Parse(loc)
		req, _ = http.NewRequest("GET", next.String(), nil)
	}
	b.t.Fatalf("too many redirects: %v", a.Chain)
	return a
}

func (b *browser) get(path string) answer {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form as a browser does, from a page of the same site.
func (b *browser) post(path string, form url.Values, header ...string) answer {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a page's forms.
func csrf(t testing.TB, a answer) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(a.Body)
	if m == nil {
		t.Fatalf("no CSRF token on %s: %.500s", a.URL, a.Body)
	}
	return html.UnescapeString(m[1])
}

// submit fills in a form of the page at path and sends it to action.
func (b *browser) submit(path, action string, fields url.Values) answer {
	b.t.Helper()
	page := b.get(path)
	if page.Status != 200 {
		b.t.Fatalf("GET %s: %d %.500s", path, page.Status, page.Body)
	}
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("csrf", csrf(b.t, page))
	return b.post(action, fields)
}

// signIn signs in as a development role, from the sign-in page.
func (b *browser) signIn(role string) answer {
	b.t.Helper()
	a := b.submit("/app/sign-in", "/app/sign-in", url.Values{"role": {role}})
	if a.Chain[0] != http.StatusSeeOther || a.Status != 200 {
		b.t.Fatalf("sign in as %s: %v %.800s", role, a.Chain, a.Body)
	}
	return a
}

// mustContain fails unless the page holds every text.
func mustContain(t testing.TB, a answer, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(a.Body, s) {
			t.Errorf("%s does not show %q", a.URL, s)
		}
	}
	if t.Failed() {
		t.Logf("page: %.6000s", mainOf(a.Body))
	}
}

// main is a page's main landmark, what differs from page to page.
func mainOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</main>"); i >= 0 {
		body = body[:i]
	}
	return body
}
