package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// stubResolver answers from a table and counts its calls; a name not in the
// table has no address.
type stubResolver struct {
	names map[string][]string
	calls atomic.Int32
}

func (s *stubResolver) resolve(_ context.Context, host string) ([]netip.Addr, error) {
	s.calls.Add(1)
	var out []netip.Addr
	for _, a := range s.names[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func wantRefused(t *testing.T, err error, want webhook.Reason, atConnect bool) {
	t.Helper()
	var r *webhook.RefusedError
	if !errors.As(err, &r) {
		t.Fatalf("error %v, want a refusal (%s)", err, want)
	}
	if r.Reason != want || r.AtConnect != atConnect {
		t.Fatalf("refused %s (at connect %v): %v; want %s (at connect %v)", r.Reason, r.AtConnect, err, want, atConnect)
	}
}

type refusal struct {
	url  string
	want webhook.Reason
}

// wantRefusals checks that c refuses each URL at registration for its reason.
func wantRefusals(t *testing.T, c *webhook.Client, cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		_, err := c.CheckURL(context.Background(), tc.url)
		var r *webhook.RefusedError
		if !errors.As(err, &r) || r.Reason != tc.want {
			t.Errorf("CheckURL(%q) = %v, want refused as %s", tc.url, err, tc.want)
		}
	}
}

func TestCheckURLRefusesWhatIsNotPublic(t *testing.T) {
	res := &stubResolver{names: map[string][]string{
		"hooks.example.org":    {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"internal.example.org": {"10.1.2.3"},
		"mixed.example.org":    {"93.184.215.14", "192.168.1.10"},
		"metadata.example.org": {"169.254.169.254"},
		"mapped.example.org":   {"::ffff:127.0.0.1"},
		"ula.example.org":      {"fd00::1"},
		"localhost":            {"127.0.0.1", "::1"},
	}}
	c := webhook.NewClient(webhook.Options{Resolve: res.resolve})
	ctx := context.Background()

	for _, ok := range []string{
		"https://hooks.example.org/rdx",
		"https://hooks.example.org:8443/rdx?x=1",
		"HTTPS://hooks.example.org/rdx",
		"https://93.184.215.14/",
		"https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
		"https://8.8.8.8/",
		"https://100.128.0.1/", // just past 100.64.0.0/10
		"https://172.32.0.1/",  // just past 172.16.0.0/12
	} {
		if _, err := c.CheckURL(ctx, ok); err != nil {
			t.Errorf("CheckURL(%q): %v", ok, err)
		}
	}

	wantRefusals(t, c, []refusal{
		{"http://hooks.example.org/", webhook.ReasonScheme},
		{"ftp://hooks.example.org/", webhook.ReasonScheme},
		{"file:///etc/passwd", webhook.ReasonInvalidURL},
		{"hooks.example.org/x", webhook.ReasonInvalidURL},
		{"https:///x", webhook.ReasonInvalidURL},
		{"https://hooks example.org/", webhook.ReasonInvalidURL},
		{"https://user:pw@hooks.example.org/", webhook.ReasonCredentials},
		{"https://nowhere.example.org/", webhook.ReasonUnresolvable},
		{"https://internal.example.org/", webhook.ReasonPrivate},
		{"https://mixed.example.org/", webhook.ReasonPrivate},
		{"https://metadata.example.org/latest/meta-data/", webhook.ReasonLinkLocal},
		{"https://mapped.example.org/", webhook.ReasonLoopback},
		{"https://ula.example.org/", webhook.ReasonUniqueLocal},
		{"https://localhost/", webhook.ReasonLoopback},
		// Literal IPv4.
		{"https://127.0.0.1/", webhook.ReasonLoopback},
		{"https://127.255.255.254/", webhook.ReasonLoopback},
		{"https://10.0.0.1/", webhook.ReasonPrivate},
		{"https://172.16.0.1/", webhook.ReasonPrivate},
		{"https://172.31.255.255/", webhook.ReasonPrivate},
		{"https://192.168.0.1/", webhook.ReasonPrivate},
		{"https://169.254.169.254/latest/meta-data/", webhook.ReasonLinkLocal},
		{"https://100.64.0.1/", webhook.ReasonSharedAddress},
		{"https://100.127.255.255/", webhook.ReasonSharedAddress},
		{"https://0.0.0.0/", webhook.ReasonUnspecified},
		{"https://0.1.2.3/", webhook.ReasonUnspecified},
		{"https://224.0.0.1/", webhook.ReasonMulticast},
		{"https://239.255.255.250/", webhook.ReasonMulticast},
		{"https://255.255.255.255/", webhook.ReasonBroadcast},
		{"https://240.0.0.1/", webhook.ReasonReserved},
		{"https://192.0.0.8/", webhook.ReasonReserved},
		{"https://192.0.2.1/", webhook.ReasonDocumentation},
		{"https://198.51.100.7/", webhook.ReasonDocumentation},
		{"https://203.0.113.9/", webhook.ReasonDocumentation},
		{"https://198.18.0.1/", webhook.ReasonBenchmark},
		{"https://198.19.255.255/", webhook.ReasonBenchmark},
		// Literal IPv6, and IPv4 in IPv6 forms.
		{"https://[::1]/", webhook.ReasonLoopback},
		{"https://[::]/", webhook.ReasonUnspecified},
		{"https://[fe80::1]/", webhook.ReasonLinkLocal},
		{"https://[fe80::1%25eth0]/", webhook.ReasonLinkLocal},
		{"https://[fc00::1]/", webhook.ReasonUniqueLocal},
		{"https://[fd12:3456::1]/", webhook.ReasonUniqueLocal},
		{"https://[fec0::1]/", webhook.ReasonPrivate},
		{"https://[ff02::1]/", webhook.ReasonMulticast},
		{"https://[2001:db8::1]/", webhook.ReasonDocumentation},
		{"https://[3fff::1]/", webhook.ReasonDocumentation},
		{"https://[2001:2::1]/", webhook.ReasonBenchmark},
		{"https://[::ffff:127.0.0.1]/", webhook.ReasonLoopback},
		{"https://[::ffff:7f00:1]/", webhook.ReasonLoopback},
		{"https://[::ffff:169.254.169.254]/", webhook.ReasonLinkLocal},
		{"https://[::ffff:10.0.0.1]/", webhook.ReasonPrivate},
		{"https://[::ffff:100.64.0.1]/", webhook.ReasonSharedAddress},
		{"https://[::127.0.0.1]/", webhook.ReasonReserved},     // IPv4-compatible, deprecated
		{"https://[64:ff9b::7f00:1]/", webhook.ReasonReserved}, // NAT64 of 127.0.0.1
		{"https://[2002:7f00:1::]/", webhook.ReasonReserved},   // 6to4 of 127.0.0.1
		{"https://[2001::1]/", webhook.ReasonReserved},         // Teredo
		{"https://[100::1]/", webhook.ReasonReserved},          // discard-only
		// Numbers that other parsers read as 127.0.0.1 or 169.254.169.254.
		{"https://2130706433/", webhook.ReasonNumericHost},
		{"https://0x7f000001/", webhook.ReasonNumericHost},
		{"https://0x7f.0.0.1/", webhook.ReasonNumericHost},
		{"https://0177.0.0.1/", webhook.ReasonNumericHost},
		{"https://127.1/", webhook.ReasonNumericHost},
		{"https://127.0.1/", webhook.ReasonNumericHost},
		{"https://2852039166/", webhook.ReasonNumericHost},
		{"https://017700000001/", webhook.ReasonNumericHost},
		{"https://hooks.example.0x10/", webhook.ReasonNumericHost},
	})
	// The loopback allowance lets loopback through and nothing else.
	local := webhook.NewClient(webhook.Options{Resolve: res.resolve, AllowLoopback: true})
	for _, ok := range []string{"http://127.0.0.1:8080/hook", "http://[::1]:8080/hook", "https://localhost/", "https://[::ffff:127.0.0.1]/"} {
		if _, err := local.CheckURL(ctx, ok); err != nil {
			t.Errorf("with loopback allowed, CheckURL(%q): %v", ok, err)
		}
	}
	wantRefusals(t, local, []refusal{
		{"http://localhost:8080/", webhook.ReasonScheme}, // plain http only to a literal loopback address
		{"http://hooks.example.org/", webhook.ReasonScheme},
		{"http://10.0.0.1/", webhook.ReasonPrivate},
		{"https://0.0.0.0:8080/", webhook.ReasonUnspecified}, // which Linux connects to the machine itself
		{"https://169.254.169.254/", webhook.ReasonLinkLocal},
		{"https://2130706433/", webhook.ReasonNumericHost},
	})
}

// A name that resolves to a public address when the URL is registered and to
// loopback when the delivery connects (DNS rebinding) is refused on connecting.
func TestRebindingIsRefusedOnConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()

	var calls atomic.Int32
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "rebind.example.org" {
			return nil, errors.New("no such host")
		}
		if calls.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	c := webhook.NewClient(webhook.Options{Resolve: resolve, Timeout: 5 * time.Second})
	u := "https://rebind.example.org:" + itoa(port) + "/hook"
	if _, err := c.CheckURL(context.Background(), u); err != nil {
		t.Fatalf("at registration the name is public: %v", err)
	}
	_, err := c.Post(context.Background(), u, nil, []byte(`{}`))
	wantRefused(t, err, webhook.ReasonLoopback, true)
	if calls.Load() != 2 {
		t.Errorf("resolved %d times, want once at registration and once on connecting", calls.Load())
	}
	if hits.Load() != 0 {
		t.Error("the loopback server was reached")
	}
}

func itoa(p uint16) string {
	const digits = "0123456789"
	if p < 10 {
		return digits[p : p+1]
	}
	return itoa(p/10) + digits[p%10:p%10+1]
}

func TestLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()

	_, err := webhook.NewClient(webhook.Options{}).Post(context.Background(), srv.URL, nil, nil)
	wantRefused(t, err, webhook.ReasonLoopback, false)
	_, err = webhook.NewClient(webhook.Options{}).Post(context.Background(), strings.Replace(srv.URL, "http:", "https:", 1), nil, nil)
	wantRefused(t, err, webhook.ReasonLoopback, false)
	if hits.Load() != 0 {
		t.Fatal("the loopback receiver was reached without the allowance")
	}
	resp, err := webhook.NewClient(webhook.Options{AllowLoopback: true}).Post(context.Background(), srv.URL, nil, nil)
	if err != nil || resp.StatusCode != http.StatusOK || hits.Load() != 1 {
		t.Fatalf("with the allowance: %v, %+v, %d hits", err, resp, hits.Load())
	}
}

// The delivery a receiver gets carries the signed headers and body as sent,
// and the library verifies it there.
func TestPostDeliversASignedRequest(t *testing.T) {
	secret, _ := webhook.GenerateSecret()
	wh, _ := standardwebhooks.NewWebhook(secret.Reveal())
	got := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("User-Agent") != "rdx-webhooks" {
			got <- errors.New("User-Agent " + r.Header.Get("User-Agent"))
		} else {
			got <- wh.Verify(body, r.Header)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	body := []byte(`{"type":"upload.accepted"}`)
	h, err := webhook.Headers("msg_post", time.Now(), body, secret)
	if err != nil {
		t.Fatal(err)
	}
	c := webhook.NewClient(webhook.Options{AllowLoopback: true, UserAgent: "rdx-webhooks"})
	resp, err := c.Post(context.Background(), srv.URL+"/hook", h, body)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("post: %v, %+v", err, resp)
	}
	if err := <-got; err != nil {
		t.Fatalf("the receiver does not verify the delivery: %v", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()

	c := webhook.NewClient(webhook.Options{AllowLoopback: true})
	resp, err := c.Post(context.Background(), srv.URL, nil, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTemporaryRedirect || followed.Load() != 0 {
		t.Fatalf("status %d and %d requests to the redirect's target; want the 307 itself and none", resp.StatusCode, followed.Load())
	}
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/elsewhere") {
		t.Errorf("Location %q", loc)
	}
}

func TestASlowReceiverTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(release)

	c := webhook.NewClient(webhook.Options{AllowLoopback: true, Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Post(context.Background(), srv.URL, nil, []byte(`{}`))
	took := time.Since(start)
	if !errors.Is(err, webhook.ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	if took < 150*time.Millisecond || took > 3*time.Second {
		t.Fatalf("gave up after %s, want about 200ms", took)
	}
}

func TestAReplysBodyIsReadUpToTheBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	c := webhook.NewClient(webhook.Options{AllowLoopback: true, MaxResponseBytes: 1024})
	resp, err := c.Post(context.Background(), srv.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Body) != 1024 || !resp.Truncated {
		t.Fatalf("read %d bytes (truncated %v), want 1024 and truncated", len(resp.Body), resp.Truncated)
	}
	small := webhook.NewClient(webhook.Options{AllowLoopback: true})
	resp, err = small.Post(context.Background(), srv.URL, nil, nil)
	if err != nil || len(resp.Body) != 5000 || resp.Truncated {
		t.Fatalf("under the default bound: %v, %d bytes, truncated %v", err, len(resp.Body), resp.Truncated)
	}
}
