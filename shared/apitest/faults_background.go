package apitest

// Kill points of the work that runs in the background: an upload's
// validation and an export's build. At each store or blob call of the work
// the attempt either stops short (the call throttled: the attempt handles
// it) or is killed (the call fails or lands with its answer lost, and
// nothing after it lands: the process died). Then the work is retried, as
// Lambda retries an event, once any lease has run out, or — after every
// other item of the backend is done — swept long after. Either way it ends
// in a final state: a retry finishes it as a first attempt would have, and
// a sweep finishes it failed with a reason, logged at error and counted,
// unless it had already finished.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/faults"
)

// testClock is a clock a test moves on.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// clockedEnvs are faultEnvs whose service runs on clock (the faulty one
// queueing exports when queue is set).
func clockedEnvs(t *testing.T, b Backend, clock *testClock, queue bool) (faulty, clean *Env, plan *faults.Plan) {
	t.Helper()
	faulty, clean, plan = faultEnvs(t, b)
	for _, e := range []*Env{faulty, clean} {
		e.cfg.Now, e.cfg.QueueExports = clock.Now, queue
		e.build(e.Backend)
	}
	return faulty, clean, plan
}

// attemptTimeout is the deadline a killed attempt runs under, as Lambda
// gives each its function's timeout; pastLeases is when its retry comes,
// as Lambda's first retry does (a minute or two later): its lease, tied to
// that deadline, has run out.
const (
	attemptTimeout = time.Minute
	pastLeases     = 2 * time.Minute
)

// bgStep is one store or blob call of background work.
type bgStep struct {
	name string
	when faults.Match
	skip int
	// final: a call that lands here has recorded the outcome.
	final bool
}

// landsFinal: the attempt recorded its outcome before it died.
func (st bgStep) landsFinal(kind faults.Kind) bool { return st.final && kind == faults.LostAnswer }

// eachKill runs scenario, in parallel, for every step (named, when they
// depend on an id, by the zero one's) and kind; i is the step's index.
func eachKill(t *testing.T, steps []bgStep, kinds []faults.Kind, scenario func(t *testing.T, i int, st bgStep, kind faults.Kind)) {
	for i, st := range steps {
		for _, kind := range kinds {
			t.Run(st.name+"/"+kind.String(), func(t *testing.T) {
				t.Parallel()
				scenario(t, i, st, kind)
			})
		}
	}
}

// bgKinds are how an attempt ends at a step: stopped short, or killed
// before or after its call lands.
var bgKinds = []faults.Kind{faults.Throttle, faults.Fail, faults.LostAnswer}

// killAt makes st's call meet kind; unless the attempt only stops short
// (throttled), every call after it fails: the process died there.
func killAt(plan *faults.Plan, st bgStep, kind faults.Kind) {
	var dead atomic.Bool
	plan.Add(faults.Rule{When: st.when, Skip: st.skip, Fault: faults.Fault{Kind: kind, Before: func(_ context.Context) { dead.Store(kind != faults.Throttle) }}})
	plan.Add(faults.Rule{When: func(faults.Call) bool { return dead.Load() }, Fault: faults.Fault{Kind: faults.Fail}, Times: -1})
}

// uploadFile is a quarterly return's CSV form filled in for partner.
func uploadFile(t *testing.T, e *Env, partner string) []byte {
	t.Helper()
	tmpl := e.Get("/v1/templates/quarterly-return-csv.csv", e.PartnerToken(WW, partner))
	expectStatus(t, tmpl, 200)
	area := map[string]string{Carm: "W06000010", Cere: "W06000008", Pemb: "W06000009"}[partner]
	return []byte(strings.ReplaceAll(string(tmpl.Body), "W06000010", area))
}

// uploadKey is an upload's partner, quarter and id.
type uploadKey struct{ partner, quarter, id string }

func (k uploadKey) object() string { return "uploads/" + WW + "/" + k.partner + "/" + k.id }

func uploadSteps(k uploadKey) []bgStep {
	pk := faultPartnerPK(k.partner)
	return []bgStep{
		{name: "upload read", when: faults.Key(pk, "UPLOAD#"+k.id)},
		{name: "claim", when: faults.Item(faults.Transact, pk, "UPLOAD#")},
		{name: "file stat", when: faults.BlobKey(faults.BlobStat, "uploads/")},
		{name: "file read", when: faults.BlobKey(faults.BlobGet, "uploads/")},
		{name: "version's current read", when: faults.Key(pk, faultCurrentSK(k.quarter))},
		{name: "raw body put", when: faults.BlobKey(faults.BlobPut, "raw/")},
		{name: "document put", when: faults.BlobKey(faults.BlobPut, "documents/")},
		{name: "version transaction", when: faults.Item(faults.Transact, "", "VER#")},
		{name: "outcome recorded", when: faults.Item(faults.Transact, pk, "UPLOAD#"), skip: 1, final: true},
	}
}

// uploadKeys hands each scenario a quarterly return of its own.
type uploadKeys struct{ n atomic.Int64 }

func (u *uploadKeys) next() (partner, quarter string) {
	i := int(u.n.Add(1) - 1)
	partners, qs := []string{Carm, Cere, Pemb}, fundQuarters()
	return partners[i%len(partners)], qs[i/len(partners)]
}

// startedUpload starts an upload of a return's CSV form on e and PUTs the file.
func startedUpload(t *testing.T, e *Env, keys *uploadKeys) uploadKey {
	t.Helper()
	partner, quarter := keys.next()
	return uploadKey{partner, quarter, startUpload(t, e, WW, partner, returnUpload(quarter), uploadFile(t, e, partner))}
}

// killUpload runs one attempt at validating k that meets kind at st.
func killUpload(t *testing.T, fe *Env, plan *faults.Plan, k uploadKey, st bgStep, kind faults.Kind) {
	t.Helper()
	killAt(plan, st, kind)
	ctx, cancel := context.WithTimeout(t.Context(), attemptTimeout)
	defer cancel()
	err := fe.App.Files.UploadArrived(ctx, "uploads", k.object())
	if u := plan.Unfired(); len(u) > 0 && u[0] == 0 {
		t.Fatalf("the %s step never came; the calls were:\n%s", st.name, plan.Log())
	}
	plan.Clear()
	if err == nil && kind != faults.Throttle {
		t.Errorf("a killed attempt reported success")
	}
}

// expectUploadAccepted checks k ended accepted as version 1, once: one
// version, one acceptance in the audit trail.
func expectUploadAccepted(t *testing.T, e *Env, k uploadKey) {
	t.Helper()
	st := uploadStateOf(t, e, WW, k.partner, k.id)
	if st.State != "accepted" || st.Version == nil || st.Version.Version != 1 {
		t.Fatalf("upload %+v, want accepted as version 1", st)
	}
	if v := versionsOf(t, e, fundPath(k.partner, "quarterly-returns", k.quarter), e.PartnerToken(WW, k.partner)); len(v) != 1 {
		t.Errorf("versions %v, want one", v)
	}
	if n := outcomes(t, e, k); n["upload.accepted"] != 1 || len(n) != 1 {
		t.Errorf("the audit trail records %v, want one acceptance", n)
	}
}

// outcomes counts the audit trail's outcome records of k.
func outcomes(t *testing.T, e *Env, k uploadKey) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, a := range auditTrail(t, e, e.PartnerToken(WW, k.partner)) {
		if a.Target.UploadID == k.id && a.Action != "upload.started" {
			n[a.Action]++
		}
	}
	return n
}

func testKillUploadValidation(t *testing.T, e *Env) {
	keys := &uploadKeys{}
	t.Run("retried", func(t *testing.T) {
		eachKill(t, uploadSteps(uploadKey{}), bgKinds, func(t *testing.T, i int, _ bgStep, kind faults.Kind) {
			clock := &testClock{}
			fe, clean, plan := clockedEnvs(t, e.Backend, clock, false)
			k := startedUpload(t, clean, keys)
			killUpload(t, fe, plan, k, uploadSteps(k)[i], kind)
			if kind != faults.Throttle { // a stopped attempt has released it: the retry need not wait
				clock.Advance(pastLeases)
			}
			if err := clean.App.Files.UploadArrived(t.Context(), "uploads", k.object()); err != nil {
				t.Fatalf("retry: %v", err)
			}
			expectUploadAccepted(t, clean, k)
		})
		t.Run("killed three times, then failed", func(t *testing.T) {
			t.Parallel()
			clock := &testClock{}
			fe, clean, plan := clockedEnvs(t, e.Backend, clock, false)
			k := startedUpload(t, clean, keys)
			for range 3 {
				killUpload(t, fe, plan, k, uploadSteps(k)[3], faults.Fail)
				clock.Advance(pastLeases)
			}
			if err := clean.App.Files.UploadArrived(t.Context(), "uploads", k.object()); err != nil {
				t.Fatalf("fourth attempt: %v", err)
			}
			st := uploadStateOf(t, clean, WW, k.partner, k.id)
			if st.State != "failed" || !strings.Contains(st.Failure, "3 attempts") {
				t.Errorf("after three killed attempts: %+v", st)
			}
			if n := outcomes(t, clean, k); n["upload.failed"] != 1 || len(n) != 1 {
				t.Errorf("the audit trail records %v, want one failure", n)
			}
		})
	})
	t.Run("swept", func(t *testing.T) {
		type swept struct {
			k    uploadKey
			want string // the state the sweep must leave
		}
		var mu sync.Mutex
		var items []swept
		add := func(k uploadKey, want string) {
			mu.Lock()
			defer mu.Unlock()
			items = append(items, swept{k, want})
		}
		t.Run("killed", func(t *testing.T) {
			eachKill(t, uploadSteps(uploadKey{}), bgKinds[1:], func(t *testing.T, i int, st bgStep, kind faults.Kind) {
				fe, clean, plan := clockedEnvs(t, e.Backend, &testClock{}, false)
				k := startedUpload(t, clean, keys)
				killUpload(t, fe, plan, k, uploadSteps(k)[i], kind)
				add(k, map[bool]string{true: "accepted", false: "failed"}[st.landsFinal(kind)])
			})
			t.Run("the file never arrived", func(t *testing.T) {
				t.Parallel()
				partner, quarter := keys.next()
				add(uploadKey{partner, quarter, startUpload(t, e, WW, partner, returnUpload(quarter), nil)}, "failed")
			})
			t.Run("the file arrived, its event was lost", func(t *testing.T) {
				t.Parallel()
				add(startedUpload(t, e, keys), "failed")
			})
		})
		sweepAndCheck(t, e, countFailed(len(items), func(i int) string { return items[i].want }), "upload", func(t *testing.T, sw *Env) int {
			failed := 0
			for _, it := range items {
				st := uploadStateOf(t, sw, WW, it.k.partner, it.k.id)
				if st.State != it.want || (st.State == "failed") != (st.Failure != "") {
					t.Errorf("upload %s swept to %+v, want %s", it.k.id, st, it.want)
				}
				if st.State == "failed" {
					failed++
					expectErrorLine(t, sw, it.k.id)
				}
				// Lambda's retry arriving after the sweep changes nothing.
				if err := sw.App.Files.UploadArrived(t.Context(), "uploads", it.k.object()); err != nil || uploadStateOf(t, sw, WW, it.k.partner, it.k.id).State != st.State {
					t.Errorf("upload %s: a late retry: %v", it.k.id, err)
				}
				if n := outcomes(t, sw, it.k); n["upload."+it.want] != 1 || len(n) != 1 {
					t.Errorf("upload %s: the audit trail records %v", it.k.id, n)
				}
			}
			return failed
		})
	})
}

// countFailed counts the n scenarios the sweep must fail.
func countFailed(n int, want func(i int) string) int {
	failed := 0
	for i := range n {
		if want(i) == "failed" {
			failed++
		}
	}
	return failed
}

// sweepAndCheck sweeps e's backend long after everything: every overdue
// item is one of the scenarios' unfinished ones (want of them, each to be
// failed), and check, which returns how many it found failed, must find
// the report's count.
func sweepAndCheck(t *testing.T, e *Env, want int, kind string, check func(t *testing.T, sw *Env) int) {
	t.Helper()
	sw := NewEnv(t, e.Backend)
	sw.cfg.Now = func() time.Time { return time.Now().Add(3 * time.Hour) }
	sw.build(e.Backend)
	r, err := sw.App.Sweeper.Sweep(t.Context())
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if r.Overdue != want {
		t.Errorf("%d items overdue, want the %d the scenarios left", r.Overdue, want)
	}
	if failed := check(t, sw); r.Failed[kind] != want || failed != want {
		t.Errorf("the sweep counts %d %ss failed; %d are, of %d it should have", r.Failed[kind], kind, failed, want)
	}
	if len(sw.Logs.Lines("stuck background work finished as failed")) != 1 {
		t.Errorf("the sweep did not report what it finished:\n%s", sw.Logs.String())
	}
	if again, _ := sw.App.Sweeper.Sweep(t.Context()); again.Overdue != 0 {
		t.Errorf("a second sweep finds %d overdue", again.Overdue)
	}
}

// expectErrorLine fails unless an error line of the log names id.
func expectErrorLine(t *testing.T, e *Env, id string) {
	t.Helper()
	for _, l := range e.Logs.Lines(id) {
		var line struct{ Level string }
		if json.Unmarshal([]byte(l), &line) == nil && line.Level == "ERROR" {
			return
		}
	}
	t.Errorf("no error line names %s", id)
}

// exportSteps are the calls of a queued export's build.
func exportSteps(id string) []bgStep {
	return []bgStep{
		{name: "record read", when: faults.Key("X#"+id, "EXPORT")},
		{name: "claim", when: faults.Item(faults.Transact, "X#"+id, "EXPORT")},
		{name: "versions read", when: faults.Item(faults.Query, "P#", "VER#")},
		{name: "consents read", when: faults.Item(faults.Query, faultRegionPK, "CONSENT#")},
		{name: "document read", when: faults.BlobKey(faults.BlobGet, "documents/")},
		{name: "file stored", when: faults.BlobKey(faults.BlobPut, "exports/"+id+"/")},
		{name: "manifest stored", when: faults.BlobKey(faults.BlobPut, "exports/"+id+"/manifest.json")},
		{name: "signature stored", when: faults.BlobKey(faults.BlobPut, "exports/"+id+"/manifest.jws")},
		{name: "outcome recorded", when: faults.Item(faults.Transact, "X#"+id, "EXPORT"), skip: 1, final: true},
	}
}

// queuedExport requests an export that the exports function is to build.
func queuedExport(t *testing.T, e *Env, key string) string {
	t.Helper()
	r := e.Do(Req{Method: "POST", Path: "/v1/exports", Token: e.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`),
		Header: map[string]string{"Idempotency-Key": key}})
	expectStatus(t, r, 202)
	return r.JSON(t)["exportId"].(string)
}

// exportOf reads an export through the API.
func exportOf(t *testing.T, e *Env, id string) (exportDoc, string) {
	t.Helper()
	r := e.Get("/v1/exports/"+id, e.GovToken())
	expectStatus(t, r, 200)
	var d exportDoc
	json.Unmarshal(r.Body, &d)
	failure, _ := r.JSON(t)["failure"].(string)
	return d, failure
}

// jobOf is the export whose job the plan saw put.
func jobOf(t *testing.T, plan *faults.Plan) string {
	t.Helper()
	for _, c := range plan.Calls() {
		if id, ok := strings.CutPrefix(c.Key, "jobs/"); ok && c.Op == faults.BlobPut {
			return id
		}
	}
	t.Fatalf("no job was put:\n%s", plan.Log())
	return ""
}

// killExport runs one attempt at building id that meets kind at st.
func killExport(t *testing.T, fe *Env, plan *faults.Plan, id string, st bgStep, kind faults.Kind) {
	t.Helper()
	killAt(plan, st, kind)
	ctx, cancel := context.WithTimeout(t.Context(), attemptTimeout)
	defer cancel()
	err := fe.App.Exports.RunExport(ctx, "jobs/"+id)
	if u := plan.Unfired(); len(u) > 0 && u[0] == 0 {
		t.Fatalf("the %s step never came; the calls were:\n%s", st.name, plan.Log())
	}
	plan.Clear()
	if err == nil {
		t.Errorf("an attempt met %s at %s and reported success", kind, st.name)
	}
}

func testKillExportBuild(t *testing.T, e *Env) {
	seedFundYear(t, e)
	// What every export of the seeded year holds: the same data gives the same bytes.
	_, ref, _ := clockedEnvs(t, e.Backend, &testClock{}, true)
	refID := queuedExport(t, ref, "reference")
	if err := ref.App.Exports.RunExport(t.Context(), "jobs/"+refID); err != nil {
		t.Fatal(err)
	}
	d, _ := exportOf(t, ref, refID)
	want := fileHashes(t, ref, d)
	expectReady := func(t *testing.T, e *Env, id string) {
		t.Helper()
		d, failure := exportOf(t, e, id)
		if d.State != "ready" {
			t.Fatalf("export %s: %s %s", id, d.State, failure)
		}
		for name, h := range fileHashes(t, e, d) {
			if want[name] != h {
				t.Errorf("%s differs from the same export built in one go", name)
			}
		}
	}
	t.Run("retried", func(t *testing.T) {
		eachKill(t, exportSteps(""), bgKinds, func(t *testing.T, i int, _ bgStep, kind faults.Kind) {
			clock := &testClock{}
			fe, clean, plan := clockedEnvs(t, e.Backend, clock, true)
			id := queuedExport(t, clean, fmt.Sprintf("retried-%d-%s", i, kind))
			killExport(t, fe, plan, id, exportSteps(id)[i], kind)
			if kind != faults.Throttle {
				clock.Advance(pastLeases)
			}
			if err := clean.App.Exports.RunExport(t.Context(), "jobs/"+id); err != nil {
				t.Fatalf("retry: %v", err)
			}
			expectReady(t, clean, id)
		})
		t.Run("killed three times, then failed", func(t *testing.T) {
			t.Parallel()
			clock := &testClock{}
			fe, clean, plan := clockedEnvs(t, e.Backend, clock, true)
			id := queuedExport(t, clean, "three-times")
			for range 3 {
				killExport(t, fe, plan, id, exportSteps(id)[4], faults.Fail)
				clock.Advance(pastLeases)
			}
			if err := clean.App.Exports.RunExport(t.Context(), "jobs/"+id); err != nil {
				t.Fatalf("fourth attempt: %v", err)
			}
			if d, failure := exportOf(t, clean, id); d.State != "failed" || !strings.Contains(failure, "3 attempts") {
				t.Errorf("after three killed attempts: %s %q", d.State, failure)
			}
		})
		t.Run("built in the request, the store too busy", func(t *testing.T) {
			t.Parallel()
			fe, clean, plan := clockedEnvs(t, e.Backend, &testClock{}, false)
			request := func() *Resp {
				return fe.Do(Req{Method: "POST", Path: "/v1/exports", Token: fe.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`),
					Header: map[string]string{"Idempotency-Key": "in-request-busy"}})
			}
			plan.Inject(faults.BlobKey(faults.BlobGet, "documents/"), faults.Fault{Kind: faults.Throttle})
			ExpectRetryable(t, request())
			mustFire(t, plan)
			var failedID string
			for _, c := range plan.Calls() {
				if c.Op == faults.Transact && c.Touches("X#", "EXPORT") {
					failedID = strings.TrimPrefix(c.Ops[0].Item.PK, "X#")
				}
			}
			if d, failure := exportOf(t, clean, failedID); d.State != "failed" || failure == "" {
				t.Errorf("an export the store was too busy to build: %s %q", d.State, failure)
			}
			retry := request() // the same request again builds a new export
			expectStatus(t, retry, 201)
			if id := retry.JSON(t)["exportId"].(string); id == failedID {
				t.Errorf("the retry answered the failed export")
			} else {
				expectReady(t, clean, id)
			}
		})
		for _, kind := range []faults.Kind{faults.Throttle, faults.Timeout, faults.Fail, faults.LostAnswer} {
			t.Run("job not queued/"+kind.String(), func(t *testing.T) {
				t.Parallel()
				fe, clean, plan := clockedEnvs(t, e.Backend, &testClock{}, true)
				request := func() *Resp {
					return fe.Do(Req{Method: "POST", Path: "/v1/exports", Token: fe.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`),
						Header: map[string]string{"Idempotency-Key": "unqueued-" + kind.String()}})
				}
				plan.Inject(faults.BlobKey(faults.BlobPut, "jobs/"), faults.Fault{Kind: kind, Delay: time.Millisecond})
				expectFaultAnswer(t, request(), kind)
				mustFire(t, plan)
				failedID := jobOf(t, plan)
				if d, failure := exportOf(t, clean, failedID); d.State != "failed" || failure != "The export could not be queued; request it again." {
					t.Fatalf("an export whose job was not queued: %s %q", d.State, failure)
				}
				expectErrorLine(t, clean, failedID)
				retry := request() // the same request again starts a new export
				expectStatus(t, retry, 202)
				id := retry.JSON(t)["exportId"].(string)
				if id == failedID {
					t.Fatalf("the retry answered the failed export")
				}
				if err := clean.App.Exports.RunExport(t.Context(), "jobs/"+id); err != nil {
					t.Fatal(err)
				}
				expectReady(t, clean, id)
			})
		}
	})
	t.Run("swept", func(t *testing.T) {
		type swept struct{ id, want string }
		var mu sync.Mutex
		var items []swept
		add := func(id, want string) {
			mu.Lock()
			defer mu.Unlock()
			items = append(items, swept{id, want})
		}
		t.Run("killed", func(t *testing.T) {
			eachKill(t, exportSteps(""), bgKinds[1:], func(t *testing.T, i int, st bgStep, kind faults.Kind) {
				fe, clean, plan := clockedEnvs(t, e.Backend, &testClock{}, true)
				id := queuedExport(t, clean, fmt.Sprintf("swept-%d-%s", i, kind))
				killExport(t, fe, plan, id, exportSteps(id)[i], kind)
				add(id, map[bool]string{true: "ready", false: "failed"}[st.landsFinal(kind)])
			})
			t.Run("built in the request, killed", func(t *testing.T) {
				t.Parallel()
				fe, _, plan := clockedEnvs(t, e.Backend, &testClock{}, false)
				killAt(plan, bgStep{name: "file stored", when: faults.BlobKey(faults.BlobPut, "exports/")}, faults.Fail)
				r := fe.Do(Req{Method: "POST", Path: "/v1/exports", Token: fe.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`)})
				ExpectInternal(t, r)
				for _, c := range plan.Calls() {
					if id, ok := strings.CutPrefix(c.Key, "exports/"); ok {
						add(id[:strings.Index(id, "/")], "failed")
						break
					}
				}
			})
			t.Run("its job was lost", func(t *testing.T) {
				t.Parallel()
				_, clean, _ := clockedEnvs(t, e.Backend, &testClock{}, true)
				add(queuedExport(t, clean, "lost-job"), "failed")
			})
			t.Run("its job was not queued, and the process died", func(t *testing.T) {
				t.Parallel()
				fe, _, plan := clockedEnvs(t, e.Backend, &testClock{}, true)
				killAt(plan, bgStep{name: "job put", when: faults.BlobKey(faults.BlobPut, "jobs/")}, faults.Fail)
				r := fe.Do(Req{Method: "POST", Path: "/v1/exports", Token: fe.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`)})
				ExpectInternal(t, r)
				add(jobOf(t, plan), "failed")
			})
		})
		sweepAndCheck(t, e, countFailed(len(items), func(i int) string { return items[i].want }), "export", func(t *testing.T, sw *Env) int {
			failed := 0
			for _, it := range items {
				d, failure := exportOf(t, sw, it.id)
				if d.State != it.want || (d.State == "failed") != (failure != "") {
					t.Errorf("export %s swept to %s %q, want %s", it.id, d.State, failure, it.want)
				}
				if d.State == "failed" {
					failed++
					expectErrorLine(t, sw, it.id)
				}
				if err := sw.App.Exports.RunExport(t.Context(), "jobs/"+it.id); err != nil {
					t.Errorf("export %s: a late retry: %v", it.id, err)
				}
				if again, _ := exportOf(t, sw, it.id); again.State != d.State {
					t.Errorf("export %s: a late retry made it %s", it.id, again.State)
				}
			}
			return failed
		})
	})
}
