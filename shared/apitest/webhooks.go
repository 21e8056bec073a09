package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/hooks"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// queueVisibility is how long a received webhook message stays hidden in
// the suite's queue: short, so that a worker stopped mid-delivery is
// followed by the next one within the test.
const queueVisibility = 2 * time.Second

const webhooksPath = "/v1/regions/west-wales/webhooks"

// receiver is a webhook receiver on 127.0.0.1: it keeps every delivery
// and answers with what status says (200 unless set).
type receiver struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	got []delivery
	// status answers the nth delivery (from 0); nil: 200.
	status func(n int) int
	// hold, when set, keeps the first delivery's request open until it closes.
	hold chan struct{}
	held bool
}

// delivery is one request a receiver got.
type delivery struct {
	At     time.Time
	Header http.Header
	Body   []byte
	Status int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got)
		status := http.StatusOK
		if rc.status != nil {
			status = rc.status(n)
		}
		hold := rc.hold != nil && !rc.held
		rc.held = rc.held || hold
		rc.got = append(rc.got, delivery{At: time.Now(), Header: r.Header.Clone(), Body: body, Status: status})
		ch := rc.hold
		rc.mu.Unlock()
		if hold {
			<-ch
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) setStatus(fn func(n int) int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = fn
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// await waits until the receiver has n deliveries (at most within limit).
func (rc *receiver) await(n int, limit time.Duration) []delivery {
	rc.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := rc.deliveries()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("the receiver got %d deliveries in %s, want %d", len(got), limit, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// quiet fails if the receiver gets more than n deliveries within d.
func (rc *receiver) quiet(n int, d time.Duration) {
	rc.t.Helper()
	time.Sleep(d)
	if got := rc.deliveries(); len(got) != n {
		rc.t.Fatalf("the receiver got %d deliveries, want %d: %v", len(got), n, idsOf(got))
	}
}

func idsOf(ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Header.Get(webhook.HeaderID))
	}
	return out
}

// verify checks d with the Standard Webhooks library under secret, and that
// a tampered copy (the body, the id, the timestamp) fails.
func verify(t *testing.T, d delivery, secret string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(d.Body, d.Header); err != nil {
		t.Fatalf("delivery %s does not verify with the Standard Webhooks library: %v", d.Header.Get(webhook.HeaderID), err)
	}
	tampered := bytes.Replace(d.Body, []byte(`"sequence":`), []byte(`"sequence":1`), 1)
	if err := wh.Verify(tampered, d.Header); err == nil {
		t.Errorf("a tampered body verifies")
	}
	other := d.Header.Clone()
	other.Set(webhook.HeaderID, "msg_forged")
	if err := wh.Verify(d.Body, other); err == nil {
		t.Errorf("a delivery with another webhook-id verifies")
	}
}

// startHooks runs the local follower and worker over e's app until the
// test ends or stop is called.
func startHooks(e *Env) (stop func()) {
	ctx := context.Background()
	stopFollow := e.App.Hooks.Follow(ctx, 50*time.Millisecond)
	stopWork := e.App.Hooks.Work(ctx)
	var once sync.Once
	stop = func() { once.Do(func() { stopFollow(); stopWork() }) }
	e.T.Cleanup(stop)
	return stop
}

type webhookDoc struct {
	ID                      string
	URL                     string
	Events                  []string
	Partner                 string
	Enabled                 bool
	Secret                  string
	PreviousSecretExpiresAt *time.Time
}

// register registers url for events as token's holder.
func register(t *testing.T, e *Env, token, url string, events ...string) webhookDoc {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"url": url, "events": events})
	r := e.Do(Req{Method: "POST", Path: webhooksPath, Token: token, Body: body})
	expectStatus(t, r, 201)
	var w webhookDoc
	if err := json.Unmarshal(r.Body, &w); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.Secret, "whsec_") || w.ID == "" || !w.Enabled || r.Header.Get("Location") != webhooksPath+"/"+w.ID {
		t.Fatalf("registered: %s (Location %s)", r.Body, r.Header.Get("Location"))
	}
	return w
}

// feedItem is the feed's item of sequence seq, as the feed's JSON.
func feedItem(t *testing.T, e *Env, seq int64) map[string]any {
	t.Helper()
	r := e.Get(fmt.Sprintf("%s?after=%d&limit=1", changesPath, seq-1), e.RCUToken(WW))
	expectStatus(t, r, 200)
	var pg struct{ Events []map[string]any }
	if err := json.Unmarshal(r.Body, &pg); err != nil || len(pg.Events) != 1 {
		t.Fatalf("the feed at %d: %s", seq, r.Body)
	}
	return pg.Events[0]
}

func bodyOf(t *testing.T, d delivery) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(d.Body, &m); err != nil {
		t.Fatalf("a delivery's body is not JSON: %s", d.Body)
	}
	return m
}

// testWebhookDelivery: after a PUT the receiver gets the feed's item of the
// version, with its receipt, signed so that the Standard Webhooks library
// verifies it and a tampered copy fails; the webhook is listed, read and
// deleted, and its secret is never shown again.
func testWebhookDelivery(t *testing.T, e *Env) {
	rcu, carm := e.RCUToken(WW), e.PartnerToken(WW, Carm)
	rc := newReceiver(t)
	w := register(t, e, rcu, rc.srv.URL+"/hook", "submission.version-created")
	startHooks(e)
	put := e.Put(QRPath, carm, Example(t, "quarterly-return.json"))
	expectStatus(t, put, 201)
	got := rc.await(1, 10*time.Second)
	d := got[0]
	verify(t, d, w.Secret)
	if ct := d.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	body := bodyOf(t, d)
	if want := feedItem(t, e, 1); !jsonEqual(body, want) {
		t.Errorf("the delivery is not the feed's item:\n%s\nfeed: %v", d.Body, want)
	}
	if body["receipt"].(map[string]any)["jws"] != receiptOf(t, put) || body["type"] != "submission.version-created" {
		t.Errorf("the delivery does not carry the version's receipt: %s", d.Body)
	}
	if id := d.Header.Get(webhook.HeaderID); id != hooks.DeliveryID(w.ID, 1) {
		t.Errorf("webhook-id %q", id)
	}
	// Events of types it did not ask for are not sent.
	lock := e.Do(Req{Method: "PUT", Path: "/v1/regions/west-wales/funds/" + Fund + "/periods/2019-20-Q3/lock", Token: rcu})
	expectStatus(t, lock, 201)
	rc.quiet(1, 300*time.Millisecond)

	list := e.Get(webhooksPath, rcu)
	expectStatus(t, list, 200)
	if !bytes.Contains(list.Body, []byte(w.ID)) || bytes.Contains(list.Body, []byte("whsec_")) {
		t.Errorf("the list: %s", list.Body)
	}
	one := e.Get(webhooksPath+"/"+w.ID, rcu)
	expectStatus(t, one, 200)
	if bytes.Contains(one.Body, []byte("whsec_")) || !bytes.Contains(one.Body, []byte(rc.srv.URL)) {
		t.Errorf("the webhook: %s", one.Body)
	}
	del := e.Do(Req{Method: "DELETE", Path: webhooksPath + "/" + w.ID, Token: rcu})
	expectStatus(t, del, 204)
	expectStatus(t, e.Get(webhooksPath+"/"+w.ID, rcu), 404)
	expectStatus(t, e.Put(QRPath, carm, Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { m["commentary"] = "again" })), 201)
	rc.quiet(1, 300*time.Millisecond)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// testWebhookRotation: after a rotation both secrets sign, each signature
// verifying with its own secret, until the old one retires.
func testWebhookRotation(t *testing.T, e *Env) {
	rcu, carm := e.RCUToken(WW), e.PartnerToken(WW, Carm)
	rc := newReceiver(t)
	w := register(t, e, rcu, rc.srv.URL, "submission.version-created")
	r := e.Do(Req{Method: "POST", Path: webhooksPath + "/" + w.ID + "/rotate", Token: rcu})
	expectStatus(t, r, 200)
	var rotated webhookDoc
	json.Unmarshal(r.Body, &rotated)
	if rotated.Secret == "" || rotated.Secret == w.Secret || rotated.PreviousSecretExpiresAt == nil ||
		time.Until(*rotated.PreviousSecretExpiresAt) < 23*time.Hour || time.Until(*rotated.PreviousSecretExpiresAt) > 25*time.Hour {
		t.Fatalf("rotated: %s", r.Body)
	}
	startHooks(e)
	expectStatus(t, e.Put(QRPath, carm, Example(t, "quarterly-return.json")), 201)
	d := rc.await(1, 10*time.Second)[0]
	sigs := strings.Fields(d.Header.Get(webhook.HeaderSignature))
	if len(sigs) != 2 {
		t.Fatalf("during the overlap the delivery has %d signatures, want 2: %v", len(sigs), sigs)
	}
	verify(t, d, w.Secret)
	verify(t, d, rotated.Secret)
	for i, secret := range []string{rotated.Secret, w.Secret} {
		one := d.Header.Clone()
		one.Set(webhook.HeaderSignature, sigs[i])
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(d.Body, one); err != nil {
			t.Errorf("signature %d does not verify with its secret: %v", i, err)
		}
	}
}

// fastWebhooks rebuilds e with the back-off shrunk 100 000 times: three
// days are 2.6 seconds.
func fastWebhooks(e *Env) {
	var schedule []time.Duration
	for _, s := range hooks.DefaultSchedule {
		schedule = append(schedule, s/100000)
	}
	e.cfg.Webhooks.Schedule, e.cfg.Webhooks.GiveUp = schedule, hooks.DefaultGiveUp/100000
	e.build(e.Backend)
}

type deliveriesDoc struct {
	Items []struct {
		ID, State, Replay string
		Sequence          int64
		Attempts          int
		LastStatus        int
	}
}

func deliveriesOf(t *testing.T, e *Env, token, webhookID, state string) deliveriesDoc {
	t.Helper()
	r := e.Get(webhooksPath+"/"+webhookID+"/deliveries?state="+state, token)
	expectStatus(t, r, 200)
	var d deliveriesDoc
	if err := json.Unmarshal(r.Body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// answeringWith registers, for the region, a receiver that answers status
// to every delivery, runs the webhooks, and PUTs carmarthenshire's return.
func answeringWith(t *testing.T, e *Env, status int) (rcu, carm string, rc *receiver, w webhookDoc) {
	rcu, carm = e.RCUToken(WW), e.PartnerToken(WW, Carm)
	rc = newReceiver(t)
	rc.setStatus(func(int) int { return status })
	w = register(t, e, rcu, rc.srv.URL, "submission.version-created")
	startHooks(e)
	expectStatus(t, e.Put(QRPath, carm, Example(t, "quarterly-return.json")), 201)
	return rcu, carm, rc, w
}

// testWebhookRetries: a receiver that fails is tried again with a growing
// back-off until three days after the first attempt; the delivery is then
// failed, listed, and replayed with the same webhook-id.
func testWebhookRetries(t *testing.T, e *Env) {
	fastWebhooks(e)
	rcu, _, rc, w := answeringWith(t, e, 500)
	deadline := time.Now().Add(20 * time.Second)
	var failed deliveriesDoc
	for {
		if failed = deliveriesOf(t, e, rcu, w.ID, "failed"); len(failed.Items) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(failed.Items) != 1 {
		t.Fatalf("no failed delivery after 3 days' worth: %+v; got %d attempts", failed, len(rc.deliveries()))
	}
	got := rc.deliveries()
	f := failed.Items[0]
	// 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 12 h steps to 72 h: 12
	// attempts; shrunk, each attempt's own time (a slower store) may leave
	// fewer, but never fewer than the schedule's steps.
	if f.Attempts != len(got) || len(got) < len(hooks.DefaultSchedule)+1 || len(got) > 12 || f.LastStatus != 500 || f.Sequence != 1 {
		t.Errorf("the failed delivery %+v; the receiver got %d attempts", f, len(got))
	}
	span := got[len(got)-1].At.Sub(got[0].At)
	if span < hooks.DefaultGiveUp/100000*9/10 {
		t.Errorf("the attempts span %s, less than three days' worth", span)
	}
	for i := 2; i < len(got)-1; i++ {
		if gap := got[i].At.Sub(got[i-1].At); gap < hooks.DefaultSchedule[min(i, len(hooks.DefaultSchedule))-1]/100000 {
			t.Errorf("attempt %d came %s after the one before: sooner than the back-off", i+1, gap)
		}
	}
	for _, d := range got {
		verify(t, d, w.Secret)
		if d.Header.Get(webhook.HeaderID) != f.ID {
			t.Errorf("an attempt's webhook-id %s, the delivery's %s", d.Header.Get(webhook.HeaderID), f.ID)
		}
	}
	// Replayed to a receiver that now answers: delivered, with the same id.
	rc.setStatus(nil)
	r := e.Do(Req{Method: "POST", Path: f.Replay, Token: rcu})
	expectStatus(t, r, 202)
	again := rc.await(len(got)+1, 10*time.Second)
	last := again[len(again)-1]
	verify(t, last, w.Secret)
	if last.Header.Get(webhook.HeaderID) != f.ID || last.Status != 200 {
		t.Errorf("the replay: %s %d", last.Header.Get(webhook.HeaderID), last.Status)
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(deliveriesOf(t, e, rcu, w.ID, "succeeded").Items) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the replayed delivery is not succeeded: %+v", deliveriesOf(t, e, rcu, w.ID, ""))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(deliveriesOf(t, e, rcu, w.ID, "failed").Items); n != 0 {
		t.Errorf("%d failed deliveries after the replay", n)
	}
	expectStatus(t, e.Do(Req{Method: "POST", Path: f.Replay, Token: rcu}), 409) // only a failed one is replayed
}

// testWebhookGone: a receiver's 410 disables its webhook.
func testWebhookGone(t *testing.T, e *Env) {
	rcu, carm, rc, w := answeringWith(t, e, 410)
	rc.await(1, 10*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var doc webhookDoc
		json.Unmarshal(e.Get(webhooksPath+"/"+w.ID, rcu).Body, &doc)
		if !doc.Enabled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a 410 did not disable the webhook")
		}
		time.Sleep(20 * time.Millisecond)
	}
	expectStatus(t, e.Put(QRPath, carm, Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { m["commentary"] = "again" })), 201)
	rc.quiet(1, 500*time.Millisecond)
}

// testWebhookSlices: a partner's webhook gets its own slice's events alone,
// never another partner's nor the region's own; the region's gets every
// event; another partner's webhook is the same 404 as a missing one.
func testWebhookSlices(t *testing.T, e *Env) {
	rcu, carm, pemb := e.RCUToken(WW), e.PartnerToken(WW, Carm), e.PartnerToken(WW, Pemb)
	all := hooks.EventTypes()
	carmRC, rcuRC := newReceiver(t), newReceiver(t)
	cw := register(t, e, carm, carmRC.srv.URL, all...)
	register(t, e, rcu, rcuRC.srv.URL, all...)
	startHooks(e)
	expectStatus(t, putMemberReturn(t, e, Carm, "2018-19-Q2", 0), 201)
	expectStatus(t, putMemberReturn(t, e, Pemb, "2018-19-Q2", 1), 201)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: "/v1/regions/west-wales/funds/" + Fund + "/periods/2019-20-Q3/lock", Token: rcu}), 201)
	rcuGot := rcuRC.await(3, 10*time.Second)
	carmRC.quiet(1, 300*time.Millisecond)
	if b := bodyOf(t, carmRC.deliveries()[0]); b["partner"] != Carm {
		t.Errorf("carmarthenshire's webhook got %v", b)
	}
	var types []string
	for _, d := range rcuGot {
		types = append(types, bodyOf(t, d)["type"].(string))
	}
	if !slices.Contains(types, "period.locked") {
		t.Errorf("the region's webhook got %v", types)
	}

	missing := e.Get(webhooksPath+"/01ARZ3NDEKTSV4RRFFQ69G5FAV", pemb)
	for _, r := range []*Resp{
		e.Get(webhooksPath+"/"+cw.ID, pemb),
		e.Get(webhooksPath+"/"+cw.ID, rcu),
		e.Do(Req{Method: "DELETE", Path: webhooksPath + "/" + cw.ID, Token: pemb}),
		e.Do(Req{Method: "POST", Path: webhooksPath + "/" + cw.ID + "/rotate", Token: pemb}),
		e.Get(webhooksPath+"/"+cw.ID+"/deliveries", pemb),
	} {
		expectStatus(t, r, 404)
		if bytes.Contains(r.Body, []byte(carmRC.srv.URL)) {
			t.Errorf("another's webhook shows its URL: %s", r.Body)
		}
	}
	expectStatus(t, missing, 404)
	if list := e.Get(webhooksPath, pemb); bytes.Contains(list.Body, []byte(cw.ID)) {
		t.Errorf("pembrokeshire lists carmarthenshire's webhook: %s", list.Body)
	}
	if list := e.Get(webhooksPath, carm); !bytes.Contains(list.Body, []byte(cw.ID)) {
		t.Errorf("carmarthenshire's list lacks its webhook: %s", list.Body)
	}
}

// testWebhookCrash: events committed while no follower ran are delivered
// when one runs again, over the same store and queue; a worker stopped in
// the middle of a delivery leaves it to the next, which sends it with the
// same webhook-id: every event in effect once.
func testWebhookCrash(t *testing.T, e *Env) {
	rcu := e.RCUToken(WW)
	rc := newReceiver(t)
	register(t, e, rcu, rc.srv.URL, "submission.version-created")
	// Committed, not dispatched: no follower runs.
	for i, p := range []string{Carm, Cere} {
		expectStatus(t, putMemberReturn(t, e, p, "2018-19-Q2", i), 201)
	}
	rc.quiet(0, 100*time.Millisecond)
	// The first delivery is held open by the receiver while the worker stops.
	rc.mu.Lock()
	rc.hold = make(chan struct{})
	rc.mu.Unlock()
	stop := startHooks(e)
	rc.await(1, 10*time.Second)
	stop()
	close(rc.hold)
	// Another process over the same store and queue.
	twin := e.Twin()
	expectStatus(t, putMemberReturn(t, twin, Pemb, "2018-19-Q2", 2), 201)
	startHooks(twin)
	// The interrupted delivery comes again once its message is visible
	// again: four requests, three events.
	got := rc.await(4, 20*time.Second)
	rc.quiet(len(got), queueVisibility+500*time.Millisecond)
	got = rc.deliveries()
	seqs := map[string]float64{}
	for _, d := range got {
		id := d.Header.Get(webhook.HeaderID)
		seq := bodyOf(t, d)["sequence"].(float64)
		if prev, ok := seqs[id]; ok && prev != seq {
			t.Errorf("webhook-id %s carries events %v and %v", id, prev, seq)
		}
		seqs[id] = seq
	}
	// At least once: the interrupted delivery came again (on a loaded
	// machine another in flight at the stop may too), always with its id.
	if len(seqs) != 3 || len(got) < 4 {
		t.Errorf("after the crash the receiver got %v, want 3 events, the interrupted one again", idsOf(got))
	}
}

// testWebhookSSRF: receivers that are not public https are refused at
// registration, each with its reason, naming url.
func testWebhookSSRF(t *testing.T, e *Env) {
	e.cfg.Webhooks.Client = webhook.Options{Resolve: func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "rebind.example.com":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case "internal.example.com":
			return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
		case "localhost":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case "receiver.example.com":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}}
	e.build(e.Backend)
	rcu := e.RCUToken(WW)
	for url, reason := range map[string]string{
		"http://169.254.169.254/latest/meta-data/":  "link-local",
		"https://169.254.169.254/latest/meta-data/": "link-local",
		"http://10.0.0.1/hook":                      "private",
		"https://10.0.0.1/hook":                     "private",
		"http://localhost:8080/hook":                "scheme",
		"https://localhost/hook":                    "loopback",
		"https://rebind.example.com/hook":           "loopback",
		"https://internal.example.com/hook":         "private",
		"https://[::1]/hook":                        "loopback",
		"https://2130706433/hook":                   "numeric-host",
		"http://127.0.0.1:9/hook":                   "loopback",
		"ftp://receiver.example.com/hook":           "scheme",
		"https://user:pw@receiver.example.com/":     "credentials",
		"https://nowhere.example.com/hook":          "unresolvable",
		"not a url":                                 "",
	} {
		body, _ := json.Marshal(map[string]any{"url": url, "events": []string{"submission.version-created"}})
		r := e.Do(Req{Method: "POST", Path: webhooksPath, Token: rcu, Body: body})
		if r.Status != 422 {
			t.Errorf("%s: %d, want 422: %s", url, r.Status, r.Body)
			continue
		}
		var p struct {
			Errors []struct{ Code, Pointer, Message string }
		}
		json.Unmarshal(r.Body, &p)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/url" || p.Errors[0].Code != hooks.CodeURLRefused || !strings.Contains(p.Errors[0].Message, reason) {
			t.Errorf("%s: %s, want %s naming /url", url, r.Body, reason)
		}
	}
	list := e.Get(webhooksPath, rcu)
	if bytes.Contains(list.Body, []byte("example.com")) {
		t.Errorf("a refused receiver was registered: %s", list.Body)
	}
	// A public https receiver is accepted; an unknown event type is not.
	register(t, e, rcu, "https://receiver.example.com/hook", "submission.version-created", "obligation.overdue")
	r := e.Do(Req{Method: "POST", Path: webhooksPath, Token: rcu, Body: []byte(`{"url":"https://receiver.example.com/","events":["submission.deleted"]}`)})
	expectStatus(t, r, 422)
	if !bytes.Contains(r.Body, []byte(`"/events/0"`)) {
		t.Errorf("an unknown event type: %s", r.Body)
	}
}

// testWebhookAudited: a webhook's registration, the rotation of its secret
// and its deletion are in its owner's chain — a partner's in its own, the
// region's roles' in the region's —, in order, naming the receiver and
// never a secret, and the chain still verifies.
func testWebhookAudited(t *testing.T, e *Env) {
	carm, rcu := e.PartnerToken(WW, Carm), e.RCUToken(WW)
	rc := newReceiver(t)
	w := register(t, e, carm, rc.srv.URL, "submission.version-created")
	r := e.Do(Req{Method: "POST", Path: webhooksPath + "/" + w.ID + "/rotate", Token: carm})
	expectStatus(t, r, 200)
	var rotated webhookDoc
	json.Unmarshal(r.Body, &rotated)
	expectStatus(t, e.Do(Req{Method: "DELETE", Path: webhooksPath + "/" + w.ID, Token: carm}), 204)
	regional := register(t, e, rcu, rc.srv.URL, "period.locked")
	keys := receiptKeys(t, e)

	for _, tc := range []struct {
		token string
		want  []string
		id    string
	}{
		{carm, []string{hooks.ActionRegistered, hooks.ActionRotated, hooks.ActionDeleted}, w.ID},
		{rcu, []string{hooks.ActionRegistered}, regional.ID},
	} {
		exp := e.Get("/v1/regions/west-wales/audit/export", tc.token)
		expectStatus(t, exp, 200)
		lines := auditLines(exp.Body)
		if err := checkAuditExport(lines, keys); err != nil {
			t.Errorf("the chain does not verify after the webhook's changes: %v", err)
		}
		var got []string
		for _, l := range lines {
			var rec struct {
				Action string
				Target map[string]any
			}
			if json.Unmarshal(l, &rec) == nil && strings.HasPrefix(rec.Action, "webhook.") {
				got = append(got, rec.Action)
				if rec.Target["webhookId"] != tc.id || rec.Target["url"] != rc.srv.URL {
					t.Errorf("%s names %v", rec.Action, rec.Target)
				}
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("the chain holds %v, want %v", got, tc.want)
		}
		for _, secret := range []string{w.Secret, rotated.Secret, regional.Secret} {
			if bytes.Contains(exp.Body, []byte(strings.TrimPrefix(secret, "whsec_"))) {
				t.Errorf("the audit trail holds a webhook's secret")
			}
		}
	}
}

// testWebhookUndecided: a delivery whose message was received more often
// than three days of back-off explain, never decided (the store or the
// function failing each time), is failed — listed and replayable — rather
// than left pending when the queue gives the message up.
func testWebhookUndecided(t *testing.T, e *Env) {
	rcu, carm := e.RCUToken(WW), e.PartnerToken(WW, Carm)
	rc := newReceiver(t)
	w := register(t, e, rcu, rc.srv.URL, "submission.version-created")
	expectStatus(t, e.Put(QRPath, carm, Example(t, "quarterly-return.json")), 201) // no follower runs: dispatched here
	it, err := e.Backend.Table.Get(t.Context(), service.EventPK(WW), service.EventSK(1))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := service.Decode[service.Event](it)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Hooks.Dispatch(t.Context(), WW, ev); err != nil {
		t.Fatal(err)
	}
	msgs, err := e.queue.Receive(t.Context(), 10, 5*time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("queued %d deliveries (%v), want 1", len(msgs), err)
	}
	m := msgs[0]
	m.Received = hooks.MaxReceives + 1
	if retryIn, err := e.App.Hooks.Deliver(t.Context(), m); retryIn != 0 || err != nil {
		t.Fatalf("deliver: again in %v, %v; want given up", retryIn, err)
	}
	rc.quiet(0, 200*time.Millisecond)
	failed := deliveriesOf(t, e, rcu, w.ID, "failed")
	if len(failed.Items) != 1 || failed.Items[0].Sequence != 1 {
		t.Fatalf("failed deliveries %+v, want the undecided one", failed)
	}
	startHooks(e)
	expectStatus(t, e.Do(Req{Method: "POST", Path: failed.Items[0].Replay, Token: rcu}), 202)
	verify(t, rc.await(1, 10*time.Second)[0], w.Secret)
}
