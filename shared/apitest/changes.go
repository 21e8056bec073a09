package apitest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

const changesPath = "/v1/regions/west-wales/changes"

// change is one event of the feed as a client reads it.
type change struct {
	Sequence int64
	ID, Type string
	Partner  string
	Actor    struct{ Sub string }
	Subject  struct {
		Kind    string
		Key     map[string]string
		Version int
		URL     string
	}
	Receipt *struct{ JWS, SHA256 string }
}

type changesDoc struct {
	Events  []change
	Next    string
	HasMore bool
	Gaps    bool
}

// changesAfter reads one page of the feed.
func changesAfter(t *testing.T, e *Env, token, query string) changesDoc {
	t.Helper()
	r := e.Get(changesPath+"?"+query, token)
	expectStatus(t, r, 200)
	var d changesDoc
	if err := json.Unmarshal(r.Body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// allChanges follows the feed from the start, limit events a page.
func allChanges(t *testing.T, e *Env, token string, limit int) []change {
	t.Helper()
	var out []change
	after := ""
	for range 10000 {
		d := changesAfter(t, e, token, fmt.Sprintf("limit=%d&after=%s", limit, after))
		out = append(out, d.Events...)
		if len(d.Events) > limit {
			t.Fatalf("a page of limit %d holds %d events", limit, len(d.Events))
		}
		if len(d.Events) > 0 && d.Next != strconv.FormatInt(d.Events[len(d.Events)-1].Sequence, 10) {
			t.Fatalf("next %s, but the page ends with event %d", d.Next, d.Events[len(d.Events)-1].Sequence)
		}
		if !d.HasMore {
			return out
		}
		after = d.Next
	}
	t.Fatal("the feed never ends")
	return nil
}

// gapFree fails unless events are numbered 1, 2, 3 … in order, each once.
func gapFree(t *testing.T, events []change) {
	t.Helper()
	ids := map[string]bool{}
	for i, ev := range events {
		if ev.Sequence != int64(i+1) {
			t.Fatalf("event %d of the feed has sequence %d: %v", i+1, ev.Sequence, seqs(events))
		}
		if ids[ev.ID] {
			t.Errorf("event %s appears twice", ev.ID)
		}
		ids[ev.ID] = true
	}
}

func seqs(events []change) []int64 {
	var out []int64
	for _, ev := range events {
		out = append(out, ev.Sequence)
	}
	return out
}

func types(events []change) []string {
	var out []string
	for _, ev := range events {
		out = append(out, ev.Type)
	}
	return out
}

// wwMembers are West Wales's fund members, each with a cell it may report.
var (
	wwMembers = []string{Carm, Cere, Pemb, HywelDda}
	cellOf    = map[string][2]string{Carm: {"social-care", "W06000010"}, Cere: {"social-care", "W06000008"}, Pemb: {"social-care", "W06000009"}, HywelDda: {"health", "W06000010"}}
)

// putMemberReturn PUTs partner p's return for quarter q, its figures
// made new by i.
func putMemberReturn(t *testing.T, e *Env, p, q string, i int) *Resp {
	return e.Put(fundPath(p, "quarterly-returns", q), e.PartnerToken(WW, p),
		returnBody(t, Fund, q, []line{{cellOf[p][0], cellOf[p][1], "residential", fmt.Sprintf("%d.00", i+1), "1.00"}}, nil))
}

// testChangesAfterAPut: the PUT's event is the next in the feed, with the
// version's receipt and the path that reads the version; refused writes
// take no number.
func testChangesAfterAPut(t *testing.T, e *Env) {
	rcu, carm := e.RCUToken(WW), e.PartnerToken(WW, Carm)
	if d := changesAfter(t, e, rcu, ""); len(d.Events) != 0 || d.Next != "0" || d.HasMore || d.Gaps {
		t.Fatalf("an empty region's feed: %+v", d)
	}
	put := e.Put(QRPath, carm, Example(t, "quarterly-return.json"))
	expectStatus(t, put, 201)
	d := changesAfter(t, e, rcu, "")
	if len(d.Events) != 1 {
		t.Fatalf("after one PUT the feed has %d events", len(d.Events))
	}
	ev := d.Events[0]
	if ev.Sequence != 1 || ev.Type != "submission.version-created" || ev.Partner != Carm || d.Next != "1" {
		t.Errorf("the PUT's event: %+v (next %s)", ev, d.Next)
	}
	jws := receiptOf(t, put)
	if ev.Receipt == nil || ev.Receipt.JWS != jws {
		t.Errorf("the event's receipt is not the version's: %+v", ev.Receipt)
	}
	if ev.Subject.URL != put.Header.Get("Location") || ev.Subject.Kind != "quarterly-returns" || ev.Subject.Version != 1 ||
		ev.Subject.Key["fundId"] != Fund || ev.Subject.Key["quarter"] != "2018-19-Q2" {
		t.Errorf("the event's subject %+v; the PUT's Location %s", ev.Subject, put.Header.Get("Location"))
	}
	if got := e.Get(ev.Subject.URL, carm); got.Status != 200 || got.JSON(t)["receipt"].(map[string]any)["jws"] != jws {
		t.Errorf("the event's url reads %d: %s", got.Status, got.Body)
	}

	// Refused writes: a stale If-Match (412), an invalid body (422), a
	// locked period (409), a second sign-off (409). None takes a number.
	expectStatus(t, e.Put(QRPath, carm, withCommentary(t, "stale"), "If-Match", `"7"`), 412)
	expectStatus(t, e.Put(QRPath, carm, Example(t, "pool-contribution.json")), 422)
	sign := func() *Resp {
		return e.Do(Req{Method: "POST", Path: QRPath + "/signoff", Token: carm, Body: []byte(`{"signatory":"Jane Jones","role":"Chief Finance Officer (S151)"}`),
			Header: map[string]string{"If-Match": `"1"`}})
	}
	expectStatus(t, sign(), 200)
	expectStatus(t, sign(), 409)
	lock := "/v1/regions/west-wales/funds/" + Fund + "/periods/2018-19-Q2/lock"
	expectStatus(t, e.Do(Req{Method: "PUT", Path: lock, Token: rcu}), 201)
	expectStatus(t, e.Put(QRPath, carm, withCommentary(t, "locked")), 409)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: lock, Token: rcu}), 200) // already locked: no new event
	d = changesAfter(t, e, rcu, "after=1")
	if got := types(d.Events); !slices.Equal(got, []string{"return.signed", "period.locked"}) || !slices.Equal(seqs(d.Events), []int64{2, 3}) {
		t.Errorf("after the refused writes, the feed after 1: %v %v", got, seqs(d.Events))
	}
	// The partner reads its own slice: its version and sign-off, not the
	// region's lock, and is told its numbers have gaps.
	own := changesAfter(t, e, carm, "")
	if got := types(own.Events); !own.Gaps || !slices.Equal(got, []string{"submission.version-created", "return.signed"}) {
		t.Errorf("carmarthenshire's feed: %v, gaps %v", got, own.Gaps)
	}
	if d := changesAfter(t, e, e.PartnerToken(WW, Cere), ""); len(d.Events) != 0 || !d.Gaps {
		t.Errorf("ceredigion reads others' events: %+v", d)
	}
	// Cursors it cannot follow.
	expectError(t, e.Get(changesPath+"?after=12", rcu), "cursor.invalid", "after")
	expectError(t, e.Get(changesPath+"?after=-1", rcu), "cursor.invalid", "after")
	expectError(t, e.Get(changesPath+"?limit=1001", rcu), "limit.invalid", "limit")
}

// testChangesEveryType: each kind of write is its event, of its type, with
// a subject whose url reads it.
func testChangesEveryType(t *testing.T, e *Env) {
	seedFundYear(t, e) // contributions, returns and Carmarthenshire's Q1 sign-off
	rcu, board := e.RCUToken(WW), e.BoardToken(WW)
	consent(t, e, Cere, "PUT")
	consent(t, e, Cere, "DELETE")
	fr := fundReport{t: t, e: e, path: "/v1/regions/west-wales/funds/care-homes-older-people/reports/2019-20-Q2"}
	res, _ := fr.get(rcu)
	etag := res.Header.Get("ETag")
	for _, p := range []string{Carm, Cere, Pemb, HywelDda} {
		expectStatus(t, fr.sign(p, "chief-finance-officer", etag), 201)
	}
	expectStatus(t, fr.approve(board, etag), 201)
	lock := "/v1/regions/west-wales/funds/" + Fund + "/periods/2019-20-Q3/lock"
	expectStatus(t, e.Do(Req{Method: "PUT", Path: lock, Token: rcu}), 201)
	expectStatus(t, e.Do(Req{Method: "DELETE", Path: lock, Token: rcu, Header: map[string]string{"Reason": "late correction"}}), 200)
	tmpl := e.Get("/v1/templates/quarterly-return-csv.csv", e.PartnerToken(WW, Carm)).Body
	if st := upload(t, e, Carm, returnUpload("2018-19-Q2"), tmpl); st.State != "accepted" {
		t.Fatalf("upload: %+v", st)
	}
	if st := upload(t, e, Carm, returnUpload("2018-19-Q3"), []byte("not,a,form\r\n")); st.State != "rejected" {
		t.Fatalf("upload: %+v", st)
	}
	x := requestExport(t, e, e.GovToken(), WW, "csv")
	if x.State != "ready" {
		t.Fatalf("export: %+v", x)
	}

	events := allChanges(t, e, rcu, 1000)
	gapFree(t, events)
	count := map[string]int{}
	for _, ev := range events {
		count[ev.Type]++
		if ev.Receipt == nil || ev.Receipt.JWS == "" || len(ev.Receipt.SHA256) != 64 {
			t.Errorf("%s %d has no receipt", ev.Type, ev.Sequence)
		}
		token, want := rcu, 200
		if ev.Subject.Kind == "export" {
			token = e.GovToken()
		}
		if ev.Subject.Kind == "pooling-consent" {
			want = 404 // withdrawn since: nothing to read
		}
		if got := e.Get(ev.Subject.URL, token); got.Status != want {
			t.Errorf("%s %d: its url %s reads %d", ev.Type, ev.Sequence, ev.Subject.URL, got.Status)
		}
	}
	want := map[string]int{
		"submission.version-created": 9, // 8 seeded, and the accepted upload's
		"return.signed":              1,
		"consent.given":              1,
		"consent.withdrawn":          1,
		"report.signed":              4,
		"report.approved":            1,
		"period.locked":              1,
		"period.unlocked":            1,
		"upload.accepted":            1,
		"upload.rejected":            1,
		"export.built":               1,
	}
	for typ, n := range want {
		if count[typ] != n {
			t.Errorf("%d %s events, want %d (all: %v)", count[typ], typ, n, count)
		}
	}
	if len(events) != 22 {
		t.Errorf("%d events, want 22: %v", len(events), types(events))
	}
	for _, ev := range events {
		if (ev.Partner == "") != (ev.Type == "report.approved" || ev.Type == "period.locked" || ev.Type == "period.unlocked" || ev.Type == "export.built") {
			t.Errorf("%s %d is in the slice of %q", ev.Type, ev.Sequence, ev.Partner)
		}
	}
}

// testChangesConcurrent: 50 writers of four partners, some in a second
// process, leave one sequence of 50 events, gap-free, each write once; each
// partner's feed is its own writes; paging returns every event once.
func testChangesConcurrent(t *testing.T, e *Env) {
	const n = 50
	twin := e.Twin()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			on, p := e, wwMembers[i%len(wwMembers)]
			if i%3 == 0 {
				on = twin
			}
			r := putMemberReturn(t, on, p, "2019-20-Q2", i)
			if r.Status != 201 {
				t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	rcu := e.RCUToken(WW)
	events := allChanges(t, e, rcu, 1000)
	gapFree(t, events)
	if len(events) != n {
		t.Fatalf("%d writes, %d events", n, len(events))
	}
	versions := map[string][]int{}
	for _, ev := range events {
		versions[ev.Partner] = append(versions[ev.Partner], ev.Subject.Version)
	}
	for _, p := range wwMembers {
		mine := allChanges(t, e, e.PartnerToken(WW, p), 5)
		if len(mine) != len(versions[p]) {
			t.Errorf("%s's feed has %d events; the region's %d of it", p, len(mine), len(versions[p]))
		}
		for i, ev := range mine {
			if ev.Partner != p || ev.Subject.Version != i+1 || i > 0 && ev.Sequence <= mine[i-1].Sequence {
				t.Errorf("%s's feed, event %d: %+v", p, i, ev)
			}
		}
	}
	// Pages of 7 hold every event once, in order, as one page of all.
	if paged := allChanges(t, e, rcu, 7); !slices.Equal(seqs(paged), seqs(events)) {
		t.Errorf("pages of 7: %v", seqs(paged))
	}
	if d := changesAfter(t, e, rcu, "after=49"); len(d.Events) != 1 || d.HasMore || d.Next != "50" {
		t.Errorf("after 49: %+v", d)
	}
	if d := changesAfter(t, e, rcu, "after=50"); len(d.Events) != 0 || d.HasMore || d.Next != "50" {
		t.Errorf("after the last: %+v", d)
	}
}

// testChangesGone: a cursor whose event is older than the feed keeps, or
// whose event the store has already dropped, is 410 saying how to catch
// up; the feed from the start skips what expired.
func testChangesGone(t *testing.T, e *Env) {
	old := time.Now().Add(-service.EventRetention - 48*time.Hour).UTC().Truncate(time.Millisecond)
	var ops []store.Op
	for seq := int64(1); seq <= 3; seq++ {
		ev := service.Event{Seq: seq, Type: "submission.version-created", At: old, ID: fmt.Sprintf("01ARZ3NDEKTSV4RRFFQ69G5FA%d", seq), Partner: Carm,
			Subject: service.Subject{Kind: "quarterly-returns", Key: map[string]string{"fundId": Fund, "quarter": "2016-17-Q1"}, Version: int(seq)}}
		data, _ := json.Marshal(ev)
		exp := old.Add(service.EventRetention + 24*time.Hour).Unix()
		if seq == 1 {
			continue // already deleted by the table's expiry
		}
		ops = append(ops, store.PutOp(store.Item{PK: service.EventPK(WW), SK: service.EventSK(seq), Version: 1, Data: data, ExpiresAt: exp}, store.Condition{}))
	}
	ops = append(ops, store.PutOp(store.Item{PK: "CH#" + WW, SK: "SEQ", Version: 3, Data: []byte(`{"seq":3}`)}, store.Condition{}))
	if err := e.Backend.Table.Transact(t.Context(), ops...); err != nil {
		t.Fatal(err)
	}
	rcu := e.RCUToken(WW)
	expectStatus(t, e.Put(QRPath, e.PartnerToken(WW, Carm), Example(t, "quarterly-return.json")), 201)
	for _, after := range []string{"1", "2", "3"} {
		r := e.Get(changesPath+"?after="+after, rcu)
		expectStatus(t, r, 410)
		if p := r.JSON(t); p["type"] != "https://rdx.invalid/problems/gone" || !strings.Contains(fmt.Sprint(p["detail"]), "400 days") || !strings.Contains(fmt.Sprint(p["detail"]), "export") {
			t.Errorf("after %s: %s", after, r.Body)
		}
	}
	d := changesAfter(t, e, rcu, "")
	if !slices.Equal(seqs(d.Events), []int64{4}) || d.Events[0].Type != "submission.version-created" {
		t.Errorf("the feed from the start: %v", seqs(d.Events))
	}
	if d := changesAfter(t, e, rcu, "after=4"); len(d.Events) != 0 {
		t.Errorf("after the newest: %+v", d)
	}
}

// testChangesTakeTurns: a burst of every member's writes in one process
// takes turns at the region's event sequence: each write is one
// transaction, none raced another for its number and ran again.
func testChangesTakeTurns(t *testing.T, e *Env) {
	const n = 24
	quarters := []string{"2018-19-Q1", "2018-19-Q2", "2018-19-Q3", "2018-19-Q4", "2019-20-Q1", "2019-20-Q2"}
	before, start := e.Calls.Transactions(), time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, q := wwMembers[i%len(wwMembers)], quarters[i/len(wwMembers)] // each writer its own return
			r := putMemberReturn(t, e, p, q, i)
			if r.Status != 201 {
				t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if got := e.Calls.Transactions() - before; got != n {
		t.Errorf("%d writes of four members ran %d transactions: writers raced at the region's sequence instead of taking turns", n, got)
	}
	t.Logf("%d writes of four members in %v", n, took)
	gapFree(t, allChanges(t, e, e.RCUToken(WW), 1000))
}
