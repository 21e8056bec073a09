package apitest

// Faults at every step of a write. Each scenario builds a second API over
// the test's backend with the table and blobs wrapped by a faults.Plan,
// makes one store or blob call of a write fail (throttled, timed out, an
// unexpected error, or made with its answer lost), and checks:
//
//   - the answer: 503 with Retry-After for throttling, timeouts and lost
//     answers, 500 with a request id for an unexpected error — never a 2xx
//     for a write that did not land;
//   - nothing partial is visible: the current envelope, its ETag, the
//     version list and the audit trail agree (the whole version, or none of
//     it), and only a lost answer of the write itself leaves the write done;
//   - a retry with the same Idempotency-Key then lands exactly one version.
//
// The same goes for sign-off, period locks and consent changes, and for the
// races a condition failure reveals (412 for a stale If-Match, 409 for a
// lock that landed meanwhile).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// NewEnvWith builds a second API over b as wrap changes it (a table or blob
// store wrapped to inject faults), through the same build path as NewEnv.
// The new API cannot be restarted.
func NewEnvWith(t *testing.T, b Backend, wrap func(Backend) Backend) *Env {
	t.Helper()
	w := wrap(b)
	w.Reopen = nil
	return NewEnv(t, w)
}

// WithFaults builds an API over b whose table and blobs go through plan.
func WithFaults(t *testing.T, b Backend, plan *faults.Plan) *Env {
	t.Helper()
	return NewEnvWith(t, b, func(b Backend) Backend {
		b.Table, b.Blobs = plan.Table(b.Table), plan.Blobs(b.Blobs)
		return b
	})
}

// faultEnvs are an API with faults and a clean one over the same backend,
// sharing a signing key so that either accepts the other's tokens.
func faultEnvs(t *testing.T, b Backend) (faulty, clean *Env, plan *faults.Plan) {
	t.Helper()
	plan = faults.NewPlan()
	faulty = WithFaults(t, b, plan)
	clean = &Env{T: t, Key: faulty.Key, Logs: faulty.Logs, cfg: faulty.cfg}
	clean.build(b)
	return faulty, clean, plan
}

// ExpectRetryable fails unless r is a 503 problem with Retry-After (whole
// seconds, at least 1) and the request's id.
func ExpectRetryable(t *testing.T, r *Resp) {
	t.Helper()
	if r.Status != 503 {
		t.Errorf("status %d, want 503: %s", r.Status, r.Body)
		return
	}
	var secs int
	if _, err := fmt.Sscanf(r.Header.Get("Retry-After"), "%d", &secs); err != nil || secs < 1 {
		t.Errorf("503 with Retry-After %q", r.Header.Get("Retry-After"))
	}
	expectProblemID(t, r)
}

// ExpectInternal fails unless r is a 500 problem that says no more than
// "internal error" and carries the request's id.
func ExpectInternal(t *testing.T, r *Resp) {
	t.Helper()
	if r.Status != 500 {
		t.Errorf("status %d, want 500: %s", r.Status, r.Body)
		return
	}
	if d := r.JSON(t)["detail"]; d != "internal error" {
		t.Errorf("500 detail %q shows more than it should", d)
	}
	expectProblemID(t, r)
}

func expectProblemID(t *testing.T, r *Resp) {
	t.Helper()
	p := r.JSON(t)
	if id, _ := p["requestId"].(string); id == "" || id != r.Header.Get("X-Request-Id") {
		t.Errorf("problem requestId %q, header %q", p["requestId"], r.Header.Get("X-Request-Id"))
	}
	if r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
}

// expectFaultAnswer checks the answer to a request one of whose calls got kind.
func expectFaultAnswer(t *testing.T, r *Resp, kind faults.Kind) {
	t.Helper()
	if kind == faults.Fail {
		ExpectInternal(t, r)
	} else {
		ExpectRetryable(t, r)
	}
}

// QuarterlyReturn is the path of a partner's return for a quarter of the
// care-homes-older-people fund, and a valid body for it with one line of
// spend; figure tells bodies apart.
func QuarterlyReturn(t *testing.T, partner, quarter string, figure int) (string, []byte) {
	t.Helper()
	l := line{"social-care", map[string]string{Carm: "W06000010", Cere: "W06000008", Pemb: "W06000009"}[partner], "residential", "", ""}
	if partner == HywelDda {
		l.discipline, l.area, l.what = "health", "W06000010", "nursing"
	}
	l.actual, l.forecast = fmt.Sprintf("%d.00", 1000+figure), fmt.Sprintf("%d.00", 5000+figure)
	return fundPath(partner, "quarterly-returns", quarter), returnBody(t, Fund, quarter, []line{l}, nil)
}

// Submission is what the API shows of one quarterly return, every view of
// it checked to agree by Observe.
type Submission struct {
	Version   int    // the current version; 0 when there is none
	SHA256    string // the current version's
	SignedOff bool   // the current version is signed off
	Versions  []int  // the version list, newest first
	Created   []int  // versions the partner's audit trail records creating, newest first
	SignOffs  int    // sign-off records of the current version in the audit trail
}

type auditItem struct {
	ID, Action, SHA256 string
	At                 time.Time
	Target             struct {
		Kind    string
		Key     map[string]any
		Version int
		Fund    string
		Period  string
		// consent
		FinancialYear string
		// report
		Quarter string
		// background work
		UploadID, ExportID string
	}
	Details map[string]string
}

// auditTrail reads every record of an audit trail (the partner's own for a
// partner token, the region's for a regional one), newest first.
func auditTrail(t *testing.T, e *Env, token string) []auditItem {
	t.Helper()
	var out []auditItem
	base := "/v1/regions/" + WW + "/audit?limit=200"
	next := base
	for next != "" {
		r := e.Get(next, token)
		expectStatus(t, r, 200)
		var pg struct {
			Items      []auditItem
			NextCursor *string
		}
		if err := json.Unmarshal(r.Body, &pg); err != nil {
			t.Fatal(err)
		}
		out = append(out, pg.Items...)
		next = ""
		if pg.NextCursor != nil {
			next = base + "&cursor=" + url.QueryEscape(*pg.NextCursor)
		}
	}
	return out
}

// Observe reads a quarterly return through the API: the current envelope
// and its ETag, every version, and the partner's audit trail. It fails the
// test unless they agree: versions 1..n with n current, one creation record
// per version, the newest naming the current content and receipt, and a
// sign-off shown on the current envelope exactly when the version itself and
// the audit trail show one.
func Observe(t *testing.T, e *Env, partner, quarter string) Submission {
	t.Helper()
	tok := e.PartnerToken(WW, partner)
	path := fundPath(partner, "quarterly-returns", quarter)
	var s Submission
	var receipt string
	switch cur := e.Get(path, tok); cur.Status {
	case 404:
	case 200:
		var env struct {
			Version  int
			SHA256   string
			SignOff  *struct{ Signatory string }
			Receipt  struct{ ReceiptID string }
			Document json.RawMessage
		}
		if err := json.Unmarshal(cur.Body, &env); err != nil {
			t.Fatal(err)
		}
		s.Version, s.SHA256, s.SignedOff, receipt = env.Version, env.SHA256, env.SignOff != nil, env.Receipt.ReceiptID
		if et := cur.Header.Get("ETag"); et != fmt.Sprintf(`"%d"`, env.Version) {
			t.Errorf("%s: ETag %s for version %d", path, et, env.Version)
		}
		if len(env.Document) == 0 || env.Receipt.ReceiptID == "" {
			t.Errorf("%s: current envelope without its document or receipt: %s", path, cur.Body)
		}
		v := e.Get(fmt.Sprintf("%s/versions/%d", path, env.Version), tok)
		expectStatus(t, v, 200)
		if got := v.JSON(t); got["sha256"] != env.SHA256 || (got["signOff"] != nil) != s.SignedOff {
			t.Errorf("%s: version %d differs from the current envelope: %s", path, env.Version, v.Body)
		}
	default:
		t.Fatalf("GET %s: %d %s", path, cur.Status, cur.Body)
	}
	for _, v := range versionsOf(t, e, path, tok) {
		s.Versions = append(s.Versions, int(v))
	}
	var newest *auditItem
	for _, a := range auditTrail(t, e, tok) {
		if a.Target.Kind != "quarterly-returns" || a.Target.Key["fundId"] != Fund || a.Target.Key["quarter"] != quarter {
			continue
		}
		switch a.Action {
		case "submission.version-created":
			s.Created = append(s.Created, a.Target.Version)
			if newest == nil {
				newest = &a
			}
		case "quarterly-return.signed-off":
			if a.Target.Version == s.Version {
				s.SignOffs++
			}
		}
	}
	want := make([]int, 0, s.Version)
	for n := s.Version; n >= 1; n-- {
		want = append(want, n)
	}
	if !slices.Equal(s.Versions, want) {
		t.Errorf("%s: versions %v with current version %d", path, s.Versions, s.Version)
	}
	if created := slices.Sorted(slices.Values(s.Created)); !slices.Equal(created, slices.Sorted(slices.Values(want))) {
		t.Errorf("%s: the audit trail records creating versions %v; the API shows %v", path, s.Created, want)
	}
	if newest != nil && (newest.SHA256 != s.SHA256 || newest.ID != receipt) {
		t.Errorf("%s: the newest creation record (%s, %s) is not the current version (%s, %s)", path, newest.SHA256, newest.ID, s.SHA256, receipt)
	}
	if s.SignedOff != (s.SignOffs > 0) || s.SignOffs > 1 {
		t.Errorf("%s: signed off %v with %d sign-off records", path, s.SignedOff, s.SignOffs)
	}
	return s
}

// Storage keys of the service (service/keys.go), for picking calls.
func faultPartnerPK(partner string) string { return "P#" + WW + "#" + partner }
func faultCurrentSK(quarter string) string { return "CUR#quarterly-returns#" + Fund + "#" + quarter }
func faultLockSK(fund, period string) string {
	return "LOCK#" + fund + "#" + period
}

const faultRegionPK = "R#" + WW

// faultKinds are the faults every step is tried with.
var faultKinds = []faults.Fault{
	{Kind: faults.Throttle},
	{Kind: faults.Timeout, Delay: time.Millisecond},
	{Kind: faults.Fail},
	{Kind: faults.LostAnswer},
}

// faultKey is a quarterly return a scenario owns, and the quarter before it.
type faultKey struct{ partner, quarter, prev string }

func (k faultKey) year() string { return k.quarter[:7] }

// faultStep is one store or blob call of a write.
type faultStep struct {
	name string
	when func(k faultKey) faults.Match
	skip int
	// lands: a lost answer here leaves the write done.
	lands bool
	// resolves: the service reads back a write whose answer was lost here
	// and carries on as if it had been told.
	resolves bool
}

// putSteps are the calls of a PUT that creates a version, in order.
var putSteps = []faultStep{
	{name: "idempotency claim", when: func(faultKey) faults.Match { return faults.TransactOnly("I#") }, resolves: true},
	{name: "previous quarter read", when: func(k faultKey) faults.Match { return faults.Key(faultPartnerPK(k.partner), faultCurrentSK(k.prev)) }},
	{name: "year lock read", when: func(k faultKey) faults.Match { return faults.Key(faultRegionPK, faultLockSK(Fund, k.year())) }},
	{name: "quarter lock read", when: func(k faultKey) faults.Match { return faults.Key(faultRegionPK, faultLockSK(Fund, k.quarter)) }},
	{name: "current read", when: func(k faultKey) faults.Match { return faults.Key(faultPartnerPK(k.partner), faultCurrentSK(k.quarter)) }},
	{name: "raw body put", when: func(faultKey) faults.Match { return faults.BlobKey(faults.BlobPut, "raw/") }},
	{name: "document put", when: func(faultKey) faults.Match { return faults.BlobKey(faults.BlobPut, "documents/") }},
	{name: "transaction", when: func(faultKey) faults.Match { return faults.Item(faults.Transact, "", "VER#") }, lands: true},
}

// completeSteps are the calls that keep the answer to a request that
// created no version (here an unchanged PUT, 200).
var completeSteps = []faultStep{
	{name: "answer put", when: func(faultKey) faults.Match { return faults.BlobKey(faults.BlobPut, "responses/") }},
	{name: "completion", when: func(faultKey) faults.Match { return faults.TransactOnly("I#") }, skip: 1, lands: true},
}

// signOffSteps are the calls of a sign-off.
var signOffSteps = []faultStep{
	{name: "year lock read", when: func(k faultKey) faults.Match { return faults.Key(faultRegionPK, faultLockSK(Fund, k.year())) }},
	{name: "quarter lock read", when: func(k faultKey) faults.Match { return faults.Key(faultRegionPK, faultLockSK(Fund, k.quarter)) }},
	{name: "current read", when: func(k faultKey) faults.Match { return faults.Key(faultPartnerPK(k.partner), faultCurrentSK(k.quarter)) }},
	{name: "transaction", when: func(faultKey) faults.Match { return faults.Item(faults.Transact, "", "VER#") }, lands: true},
	{name: "document read", when: func(faultKey) faults.Match { return faults.BlobKey(faults.BlobGet, "documents/") }},
}

// fundQuarters are the fund's quarters in order.
func fundQuarters() []string {
	var out []string
	for y := 2018; y <= 2026; y++ {
		for q := 1; q <= 4; q++ {
			out = append(out, fmt.Sprintf("%d-%02d-Q%d", y, (y+1)%100, q))
		}
	}
	return out
}

var scenarioPartners = []string{Carm, Cere, Pemb, HywelDda}

// faultTable collects what each scenario saw, logged as one table at the end.
type faultTable struct {
	mu   sync.Mutex
	rows []string
}

func (ft *faultTable) add(format string, args ...any) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.rows = append(ft.rows, fmt.Sprintf(format, args...))
}

func (ft *faultTable) log(t *testing.T) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	sort.Strings(ft.rows)
	t.Logf("step × fault → answer; after the fault; retry with the same Idempotency-Key\n%s", strings.Join(ft.rows, "\n"))
}

func answerLabel(r *Resp) string {
	s := fmt.Sprint(r.Status)
	if r.Header.Get("Idempotent-Replayed") == "true" {
		s += " (replayed)"
	}
	return s
}

// mustFire fails unless every rule of the plan injected its fault.
func mustFire(t *testing.T, plan *faults.Plan) {
	t.Helper()
	if u := plan.Unfired(); len(u) > 0 {
		t.Fatalf("rules %v never fired; the calls were:\n%s", u, plan.Log())
	}
}

func testFaultsDuringPut(t *testing.T, e *Env) {
	qs := fundQuarters()
	ft := &faultTable{}
	t.Cleanup(func() { ft.log(t) })
	type scenario struct {
		group     string
		faultStep faultStep
		noKey     bool
	}
	var scenarios []scenario
	for _, s := range putSteps {
		scenarios = append(scenarios, scenario{group: "put", faultStep: s})
	}
	scenarios = append(scenarios, scenario{group: "put without key", faultStep: putSteps[len(putSteps)-1], noKey: true})
	for _, s := range completeSteps {
		scenarios = append(scenarios, scenario{group: "unchanged put", faultStep: s})
	}
	i := 0
	for _, sc := range scenarios {
		for _, f := range faultKinds {
			pair := i / len(scenarioPartners)
			k := faultKey{partner: scenarioPartners[i%len(scenarioPartners)], prev: qs[2*pair], quarter: qs[2*pair+1]}
			i++
			t.Run(sc.group+"/"+sc.faultStep.name+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				if sc.group == "unchanged put" {
					unchangedPutFault(t, e.Backend, k, sc.faultStep, f, ft)
				} else {
					putFault(t, e.Backend, k, sc.faultStep, f, !sc.noKey, ft)
				}
			})
		}
	}
}

// putFault writes a quarterly return (the quarter before it already there)
// with the step's call faulted, then retries it.
func putFault(t *testing.T, b Backend, k faultKey, st faultStep, f faults.Fault, withKey bool, ft *faultTable) {
	fe, clean, plan := faultEnvs(t, b)
	tok := clean.PartnerToken(WW, k.partner)
	prevPath, prevBody := QuarterlyReturn(t, k.partner, k.prev, 1)
	expectStatus(t, clean.Put(prevPath, tok, prevBody), 201)
	path, body := QuarterlyReturn(t, k.partner, k.quarter, 2)
	var header []string
	if withKey {
		header = []string{"Idempotency-Key", "fault-" + k.partner + "-" + k.quarter}
	}
	plan.Add(faults.Rule{When: st.when(k), Skip: st.skip, Fault: f})
	r := fe.Put(path, tok, body, header...)
	mustFire(t, plan)
	plan.Clear()
	resolved := st.resolves && f.Kind == faults.LostAnswer
	landed := (st.lands || resolved) && f.Kind == faults.LostAnswer
	if resolved {
		expectStatus(t, r, 201)
	} else {
		expectFaultAnswer(t, r, f.Kind)
	}
	after := Observe(t, clean, k.partner, k.quarter)
	if want := map[bool]int{true: 1}[landed]; after.Version != want {
		t.Errorf("after the fault: version %d, want %d (answer %d)\n%s", after.Version, want, r.Status, plan.Log())
	}
	retry := fe.Put(path, tok, body, header...)
	switch {
	case retry.Status == 201 && (!landed || withKey):
	case retry.Status == 200 && landed && !withKey: // the same content is already current
	default:
		t.Errorf("retry: %d %s", retry.Status, retry.Body)
	}
	if v := retry.JSON(t)["version"]; v != float64(1) {
		t.Errorf("retry answered version %v", v)
	}
	final := Observe(t, clean, k.partner, k.quarter)
	if final.Version != 1 {
		t.Errorf("after the retry: versions %v, want exactly one", final.Versions)
	}
	ft.add("%-26s %-26s %-12s → %s; version after %d; retry %s", map[bool]string{true: "put", false: "put (no key)"}[withKey], st.name, f.Kind, answerLabel(r), after.Version, answerLabel(retry))
}

// unchangedPutFault sends content that is already current under a new key,
// with a call that keeps the 200 answer faulted: the answer stands, and the
// retry gets it again (stored, or worked out afresh) without a new version.
func unchangedPutFault(t *testing.T, b Backend, k faultKey, st faultStep, f faults.Fault, ft *faultTable) {
	fe, clean, plan := faultEnvs(t, b)
	tok := clean.PartnerToken(WW, k.partner)
	path, body := QuarterlyReturn(t, k.partner, k.quarter, 2)
	expectStatus(t, clean.Put(path, tok, body), 201)
	key := []string{"Idempotency-Key", "unchanged-" + k.partner + "-" + k.quarter}
	plan.Add(faults.Rule{When: st.when(k), Skip: st.skip, Fault: f})
	r := fe.Put(path, tok, body, key...)
	mustFire(t, plan)
	plan.Clear()
	expectStatus(t, r, 200)
	after := Observe(t, clean, k.partner, k.quarter)
	retry := fe.Put(path, tok, body, key...)
	if retry.Status != 200 || retry.JSON(t)["version"] != float64(1) {
		t.Errorf("retry: %d %s\n%s", retry.Status, retry.Body, plan.Log())
	}
	if final := Observe(t, clean, k.partner, k.quarter); final.Version != 1 || after.Version != 1 {
		t.Errorf("versions %v", final.Versions)
	}
	ft.add("%-26s %-26s %-12s → %s; version after %d; retry %s", "unchanged put", st.name, f.Kind, answerLabel(r), after.Version, answerLabel(retry))
}

func testFaultsDuringSignOff(t *testing.T, e *Env) {
	qs := fundQuarters()
	eachStepFault(t, signOffSteps, func(t *testing.T, i int, st faultStep, f faults.Fault) string {
		k := faultKey{partner: scenarioPartners[i%len(scenarioPartners)], quarter: qs[26+i/len(scenarioPartners)]}
		fe, clean, plan := faultEnvs(t, e.Backend)
		tok := clean.PartnerToken(WW, k.partner)
		path, body := QuarterlyReturn(t, k.partner, k.quarter, 3)
		expectStatus(t, clean.Put(path, tok, body), 201)
		signoff := func() *Resp {
			return fe.Do(Req{Method: "POST", Path: path + "/signoff", Token: tok, Body: []byte(`{"signatory":"Jane Jones","role":"S151 officer"}`),
				Header: map[string]string{"If-Match": `"1"`, "Idempotency-Key": "signoff-" + k.partner + "-" + k.quarter}})
		}
		r, landed := injectOnce(t, plan, st, k, f, signoff)
		after := Observe(t, clean, k.partner, k.quarter)
		if after.SignedOff != landed || after.Version != 1 {
			t.Errorf("after the fault: signed off %v (want %v), version %d\n%s", after.SignedOff, landed, after.Version, plan.Log())
		}
		retry := signoff()
		switch {
		case retry.Status == 200:
		case retry.Status == 409 && landed: // it was signed off: the retry is told so
		default:
			t.Errorf("retry: %d %s", retry.Status, retry.Body)
		}
		if final := Observe(t, clean, k.partner, k.quarter); !final.SignedOff || final.SignOffs != 1 || final.Version != 1 {
			t.Errorf("after the retry: %+v", final)
		}
		return fmt.Sprintf("%-26s %-26s %-12s → %s; signed off after %v; retry %s", "sign-off", st.name, f.Kind, answerLabel(r), after.SignedOff, answerLabel(retry))
	})
}

// injectOnce makes st's call of k meet f in one request, do, checks the
// answer says so, and reports whether the write landed all the same (its
// answer lost).
func injectOnce(t *testing.T, plan *faults.Plan, st faultStep, k faultKey, f faults.Fault, do func() *Resp) (*Resp, bool) {
	t.Helper()
	plan.Add(faults.Rule{When: st.when(k), Fault: f})
	r := do()
	mustFire(t, plan)
	plan.Clear()
	expectFaultAnswer(t, r, f.Kind)
	return r, st.lands && f.Kind == faults.LostAnswer
}

// eachStepFault runs scenario, in parallel, for every step with every kind
// of fault (i counts the scenarios from 0, for each to pick a key of its
// own), and logs the table of the rows they return.
func eachStepFault(t *testing.T, steps []faultStep, scenario func(t *testing.T, i int, st faultStep, f faults.Fault) string) {
	ft := &faultTable{}
	t.Cleanup(func() { ft.log(t) })
	i := 0
	for _, st := range steps {
		for _, f := range faultKinds {
			n := i
			i++
			t.Run(st.name+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				ft.add("%s", scenario(t, n, st, f))
			})
		}
	}
}

// lockState is what the API shows of one period lock: in the region view,
// and its records in the region's audit trail.
func lockState(t *testing.T, e *Env, fund, period string) (locked bool, records int) {
	t.Helper()
	rcu := e.RCUToken(WW)
	r := e.Get("/v1/regions/"+WW, rcu)
	expectStatus(t, r, 200)
	var view struct {
		Locks []struct{ Fund, Period string }
	}
	if err := json.Unmarshal(r.Body, &view); err != nil {
		t.Fatal(err)
	}
	for _, l := range view.Locks {
		locked = locked || l.Fund == fund && l.Period == period
	}
	for _, a := range auditTrail(t, e, rcu) {
		if a.Action == "period.locked" && a.Target.Fund == fund && a.Target.Period == period {
			records++
		}
	}
	if locked != (records == 1) || records > 1 {
		t.Errorf("%s %s: locked %v with %d lock records", fund, period, locked, records)
	}
	return locked, records
}

func testFaultsDuringLock(t *testing.T, e *Env) {
	const fund = "care-homes-learning-disabilities"
	ft := &faultTable{}
	t.Cleanup(func() { ft.log(t) })
	for i, f := range faultKinds {
		period := fmt.Sprintf("2026-27-Q%d", i+1)
		t.Run("transaction/"+f.Kind.String(), func(t *testing.T) {
			t.Parallel()
			fe, clean, plan := faultEnvs(t, e.Backend)
			lock := func() *Resp {
				return fe.Do(Req{Method: "PUT", Path: "/v1/regions/" + WW + "/funds/" + fund + "/periods/" + period + "/lock", Token: fe.RCUToken(WW),
					Header: map[string]string{"Idempotency-Key": "lock-" + period}})
			}
			plan.Add(faults.Rule{When: faults.Item(faults.Transact, faultRegionPK, "LOCK#"), Fault: f})
			r := lock()
			mustFire(t, plan)
			plan.Clear()
			landed := f.Kind == faults.LostAnswer
			expectFaultAnswer(t, r, f.Kind)
			if locked, _ := lockState(t, clean, fund, period); locked != landed {
				t.Errorf("after the fault: locked %v, want %v", locked, landed)
			}
			retry := lock()
			if want := map[bool]int{true: 200, false: 201}[landed]; retry.Status != want {
				t.Errorf("retry: %d, want %d: %s", retry.Status, want, retry.Body)
			}
			if locked, _ := lockState(t, clean, fund, period); !locked {
				t.Error("not locked after the retry")
			}
			ft.add("%-26s %-26s %-12s → %s; locked after %v; retry %s", "lock", "transaction", f.Kind, answerLabel(r), landed, answerLabel(retry))
		})
	}
}

// consentState is what the API shows of a partner's consent for a
// fund-year: the consent itself and its records in the partner's audit
// trail, the newest of which must be the one in force.
func consentState(t *testing.T, e *Env, partner, year string) (given bool, records int) {
	t.Helper()
	tok := e.PartnerToken(WW, partner)
	r := e.Get(SlicePath(WW, partner)+"/funds/"+Fund+"/years/"+year+"/pooling-consent", tok)
	var c struct{ At time.Time }
	switch r.Status {
	case 200:
		given = true
		json.Unmarshal(r.Body, &c)
	case 404:
	default:
		t.Fatalf("GET consent: %d %s", r.Status, r.Body)
	}
	var newest *auditItem
	for _, a := range auditTrail(t, e, tok) {
		if (a.Action == "pooling-consent.given" || a.Action == "pooling-consent.withdrawn") && a.Target.Fund == Fund && a.Target.FinancialYear == year {
			records++
			if newest == nil {
				newest = &a
			}
		}
	}
	switch {
	case given && (newest == nil || newest.Action != "pooling-consent.given" || !newest.At.Equal(c.At)):
		t.Errorf("%s %s: consent given at %v, newest audit record %+v", partner, year, c.At, newest)
	case !given && newest != nil && newest.Action != "pooling-consent.withdrawn":
		t.Errorf("%s %s: no consent, newest audit record %+v", partner, year, newest)
	}
	return given, records
}

func testFaultsDuringConsent(t *testing.T, e *Env) {
	ft := &faultTable{}
	t.Cleanup(func() { ft.log(t) })
	years := []string{"2019-20", "2020-21", "2021-22", "2022-23"}
	type consentStep struct {
		name     string
		withdraw bool
		when     func(partner, year string) faults.Match
		lands    bool
	}
	steps := []consentStep{
		{name: "give: year lock read", when: func(_, y string) faults.Match { return faults.Key(faultRegionPK, faultLockSK(Fund, y)) }},
		{name: "give: consent read", when: func(p, y string) faults.Match {
			return faults.Key(faultRegionPK, "CONSENT#"+Fund+"#"+y+"#"+p)
		}},
		{name: "give: transaction", when: func(_, _ string) faults.Match { return faults.Item(faults.Transact, faultRegionPK, "CONSENT#") }, lands: true},
		{name: "withdraw: transaction", withdraw: true, when: func(_, _ string) faults.Match { return faults.Item(faults.Transact, faultRegionPK, "CONSENT#") }, lands: true},
	}
	i := 0
	for _, st := range steps {
		for _, f := range faultKinds {
			partner, year := scenarioPartners[i%len(scenarioPartners)], years[i/len(scenarioPartners)]
			i++
			t.Run(st.name+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				fe, clean, plan := faultEnvs(t, e.Backend)
				tok := clean.PartnerToken(WW, partner)
				path := SlicePath(WW, partner) + "/funds/" + Fund + "/years/" + year + "/pooling-consent"
				give := func() *Resp {
					return fe.Do(Req{Method: "PUT", Path: path, Token: tok, Body: []byte(`{"signatory":"Jane Jones","role":"S151 officer","reference":"minute 7"}`),
						Header: map[string]string{"Idempotency-Key": "consent-" + partner + "-" + year}})
				}
				withdraw := func() *Resp { return fe.Do(Req{Method: "DELETE", Path: path, Token: tok}) }
				change := give
				if st.withdraw {
					expectStatus(t, give(), 201)
					change = withdraw
				}
				plan.Add(faults.Rule{When: st.when(partner, year), Fault: f})
				r := change()
				mustFire(t, plan)
				plan.Clear()
				landed := st.lands && f.Kind == faults.LostAnswer
				expectFaultAnswer(t, r, f.Kind)
				given, _ := consentState(t, clean, partner, year)
				if given != (landed != st.withdraw) {
					t.Errorf("after the fault: consent given %v", given)
				}
				retry := change()
				want := map[bool]int{true: 200, false: 201}[landed] // a consent given again is replaced (200)
				if st.withdraw {
					want = map[bool]int{true: 404, false: 200}[landed]
				}
				if retry.Status != want {
					t.Errorf("retry: %d, want %d: %s", retry.Status, want, retry.Body)
				}
				if given, _ := consentState(t, clean, partner, year); given == st.withdraw {
					t.Errorf("after the retry: consent given %v", given)
				}
				ft.add("%-26s %-26s %-12s → %s; changed after %v; retry %s", "consent", st.name, f.Kind, answerLabel(r), landed, answerLabel(retry))
			})
		}
	}
}

// testRacesAtTheWrite slips another request's write in just before a
// write's transaction, so that its conditions fail for real: the service
// reads again and answers as the new state says.
func testRacesAtTheWrite(t *testing.T, e *Env) {
	qs := fundQuarters()
	race := func(t *testing.T, partner, quarter string) (fe, clean *Env, plan *faults.Plan, tok, path string) {
		fe, clean, plan = faultEnvs(t, e.Backend)
		tok = clean.PartnerToken(WW, partner)
		path, body := QuarterlyReturn(t, partner, quarter, 1)
		expectStatus(t, clean.Put(path, tok, body), 201)
		return fe, clean, plan, tok, path
	}
	// another writer's version 2 lands before the transaction
	newVersion := func(clean *Env, tok, partner, quarter string) faults.Fault {
		return faults.Fault{Before: func(context.Context) {
			_, body := QuarterlyReturn(clean.T, partner, quarter, 2)
			expectStatus(clean.T, clean.Put(fundPath(partner, "quarterly-returns", quarter), tok, body), 201)
		}}
	}
	txn := faults.Item(faults.Transact, "", "VER#")
	t.Run("If-Match is checked again after a version lands: 412", func(t *testing.T) {
		t.Parallel()
		partner, quarter := Carm, qs[31]
		fe, clean, plan, tok, path := race(t, partner, quarter)
		plan.Inject(txn, newVersion(clean, tok, partner, quarter))
		_, body := QuarterlyReturn(t, partner, quarter, 3)
		r := fe.Put(path, tok, body, "If-Match", `"1"`, "Idempotency-Key", "race-if-match")
		mustFire(t, plan)
		expectStatus(t, r, 412)
		expectError(t, r, "if-match.stale", "If-Match")
		if s := Observe(t, clean, partner, quarter); s.Version != 2 {
			t.Errorf("versions %v, want [2 1]", s.Versions)
		}
	})
	t.Run("without If-Match the write lands after the other: version 3", func(t *testing.T) {
		t.Parallel()
		partner, quarter := Cere, qs[31]
		fe, clean, plan, tok, path := race(t, partner, quarter)
		plan.Inject(txn, newVersion(clean, tok, partner, quarter))
		_, body := QuarterlyReturn(t, partner, quarter, 3)
		r := fe.Put(path, tok, body, "Idempotency-Key", "race-plain")
		mustFire(t, plan)
		expectStatus(t, r, 201)
		if r.JSON(t)["version"] != float64(3) {
			t.Errorf("answered %s", r.Body)
		}
		if s := Observe(t, clean, partner, quarter); s.Version != 3 {
			t.Errorf("versions %v, want [3 2 1]", s.Versions)
		}
	})
	t.Run("a lock that lands before the write: 409 naming it", func(t *testing.T) {
		t.Parallel()
		partner, quarter := Pemb, qs[32]
		fe, clean, plan, tok, path := race(t, partner, quarter)
		plan.Inject(txn, faults.Fault{Before: func(context.Context) {
			expectStatus(t, clean.Do(Req{Method: "PUT", Path: "/v1/regions/" + WW + "/funds/" + Fund + "/periods/" + quarter + "/lock", Token: clean.RCUToken(WW)}), 201)
		}})
		_, body := QuarterlyReturn(t, partner, quarter, 3)
		r := fe.Put(path, tok, body, "Idempotency-Key", "race-lock")
		mustFire(t, plan)
		expectStatus(t, r, 409)
		if lock, _ := r.JSON(t)["lock"].(map[string]any); lock == nil || lock["period"] != quarter {
			t.Errorf("409 without the lock: %s", r.Body)
		}
		if s := Observe(t, clean, partner, quarter); s.Version != 1 {
			t.Errorf("versions %v, want [1]", s.Versions)
		}
	})
	t.Run("a sign-off of a version superseded meanwhile: 412", func(t *testing.T) {
		t.Parallel()
		partner, quarter := HywelDda, qs[31]
		fe, clean, plan, tok, path := race(t, partner, quarter)
		plan.Inject(txn, newVersion(clean, tok, partner, quarter))
		r := fe.Do(Req{Method: "POST", Path: path + "/signoff", Token: tok, Body: []byte(`{"signatory":"J","role":"S151"}`), Header: map[string]string{"If-Match": `"1"`}})
		mustFire(t, plan)
		expectStatus(t, r, 412)
		if s := Observe(t, clean, partner, quarter); s.Version != 2 || s.SignedOff {
			t.Errorf("after the race: %+v", s)
		}
		if v1 := clean.Get(path+"/versions/1", tok).JSON(t); v1["signOff"] != nil {
			t.Errorf("version 1 was signed off: %v", v1)
		}
	})
	t.Run("a sign-off that keeps racing: 503 with Retry-After, after backing off", func(t *testing.T) {
		t.Parallel()
		partner, quarter := Carm, qs[33]
		fe, clean, plan, tok, path := race(t, partner, quarter)
		const attempts = 3
		fe.App.Service.Retry = service.RetryPolicy{Attempts: attempts, Base: time.Millisecond, Top: 4 * time.Millisecond}
		// every try finds that another writer got in first
		plan.Add(faults.Rule{When: txn, Fault: faults.Fault{Kind: faults.Fail, Err: &store.ConditionFailedError{Index: 0}}, Times: -1})
		r := fe.Do(Req{Method: "POST", Path: path + "/signoff", Token: tok, Body: []byte(`{"signatory":"J","role":"S151"}`), Header: map[string]string{"If-Match": `"1"`}})
		ExpectRetryable(t, r)
		if n := len(plan.Faulted()); n != attempts+1 {
			t.Errorf("%d tries, want %d:\n%s", n, attempts+1, plan.Log())
		}
		if s := Observe(t, clean, partner, quarter); s.Version != 1 || s.SignedOff {
			t.Errorf("after the race: %+v", s)
		}
	})
	t.Run("consent given as the year is locked: 409 naming the lock", func(t *testing.T) {
		t.Parallel()
		const fund, year = "care-homes-learning-disabilities", "2026-27"
		fe, clean, plan := faultEnvs(t, e.Backend)
		plan.Inject(faults.Item(faults.Transact, faultRegionPK, "CONSENT#"), faults.Fault{Before: func(context.Context) {
			expectStatus(t, clean.Do(Req{Method: "PUT", Path: "/v1/regions/" + WW + "/funds/" + fund + "/periods/" + year + "/lock", Token: clean.RCUToken(WW)}), 201)
		}})
		path := SlicePath(WW, Carm) + "/funds/" + fund + "/years/" + year + "/pooling-consent"
		r := fe.Do(Req{Method: "PUT", Path: path, Token: fe.PartnerToken(WW, Carm), Body: []byte(`{"signatory":"J","role":"S151","reference":"x"}`)})
		mustFire(t, plan)
		expectStatus(t, r, 409)
		if lock, _ := r.JSON(t)["lock"].(map[string]any); lock == nil || lock["period"] != year {
			t.Errorf("409 without the lock: %s", r.Body)
		}
		expectStatus(t, clean.Get(path, clean.PartnerToken(WW, Carm)), 404)
	})
}
