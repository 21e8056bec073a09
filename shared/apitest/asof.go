package apitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// As at any point: the position, the fund report, the aggregates and
// exports answer as the region stood right after an event of its changes
// feed (asOfSequence), and say the event they reflect.

const positionPath = "/v1/regions/west-wales/funds/care-homes-older-people/position?financialYear=2019-20"

// readAsOf reads path with a token and answers its body and the event it
// says it reflects.
func readAsOf(t *testing.T, e *Env, path, token string) (string, int64) {
	t.Helper()
	r := e.Get(path, token)
	expectStatus(t, r, 200)
	var v struct{ AsOfSequence *int64 }
	if err := json.Unmarshal(r.Body, &v); err != nil || v.AsOfSequence == nil {
		t.Fatalf("%s: no asOfSequence in %.300s", path, r.Body)
	}
	return string(r.Body), *v.AsOfSequence
}

// lastEvent is the region's last event number, from the feed.
func lastEvent(t *testing.T, e *Env) int64 {
	t.Helper()
	events := allChanges(t, e, e.RCUToken(WW), 1000)
	if len(events) == 0 {
		return 0
	}
	return events[len(events)-1].Sequence
}

// asOf is path asked as at event n.
func asOf(path string, n int64) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "asOfSequence=" + strconv.FormatInt(n, 10)
}

// testAsOfPosition: the position says the event it reflects; asked as at
// the event before a change and the one after, it gives the two figures,
// each exactly as it was read then (a version, a consent given and
// withdrawn, a sign-off), whatever the cache holds; a number beyond the
// feed or not a number is 422 naming the parameter.
func testAsOfPosition(t *testing.T, e *Env) {
	seedFundYear(t, e)
	rcu := e.RCUToken(WW)
	before, n0 := readAsOf(t, e, positionPath, rcu)
	if last := lastEvent(t, e); n0 != last {
		t.Fatalf("the position says it is as at event %d; the feed's last is %d", n0, last)
	}
	if again, n := readAsOf(t, e, positionPath, rcu); again != before || n != n0 {
		t.Errorf("read again with nothing changed: event %d, want %d", n, n0)
	}
	// Carmarthenshire's Q2 return: 10,000.00 more spent to date.
	expectStatus(t, e.Put(fundPath(Carm, "quarterly-returns", "2019-20-Q2"), e.PartnerToken(WW, Carm), returnBody(t, Fund, "2019-20-Q2",
		[]line{{"social-care", "W06000010", "residential", "710000.00", "1300000.00"}},
		[]line{{"social-care", "W06000010", "client-contributions", "50000.00", "60000.00"}})), 201)
	after, n1 := readAsOf(t, e, positionPath, rcu)
	if n1 != n0+1 {
		t.Fatalf("after one PUT the position is as at %d, want %d", n1, n0+1)
	}
	figures := func(body string) (string, string) {
		var p positionDoc
		json.Unmarshal([]byte(body), &p)
		for _, c := range p.Cells {
			if c.Partner == Carm && c.ActualToDate != nil {
				return *c.ActualToDate, p.Totals.Fund["actualToDate"]
			}
		}
		return "", p.Totals.Fund["actualToDate"]
	}
	if cell, fund := figures(before); cell != "650000.00" || fund != "1320000.00" {
		t.Errorf("before: Carmarthenshire %s, fund %s", cell, fund)
	}
	if cell, fund := figures(after); cell != "660000.00" || fund != "1330000.00" {
		t.Errorf("after: Carmarthenshire %s, fund %s", cell, fund)
	}
	for n, want := range map[int64]string{n0: before, n1: after} {
		if got, said := readAsOf(t, e, asOf(positionPath, n), rcu); got != want || said != n {
			t.Errorf("as at %d (says %d):\n%s\nwant the position as read then:\n%s", n, said, got, want)
		}
	}
	// A consent given, then withdrawn; a return signed off.
	consent(t, e, Carm, "PUT")
	consent(t, e, Carm, "DELETE")
	signed := e.Do(Req{Method: "POST", Path: fundPath(HywelDda, "quarterly-returns", "2019-20-Q2/signoff"), Token: e.PartnerToken(WW, HywelDda),
		Body: []byte(`{"signatory":"Huw Thomas","role":"Director of Finance"}`), Header: map[string]string{"If-Match": `"1"`}})
	expectStatus(t, signed, 200)
	state := func(n int64) string {
		body, _ := readAsOf(t, e, asOf(positionPath, n), rcu)
		var p struct {
			Pooling struct {
				Consents []struct {
					Partner   string
					Consented bool
				}
			}
			Partners []struct {
				Partner      string
				Completeness struct{ Unsigned []string }
			}
		}
		json.Unmarshal([]byte(body), &p)
		out := ""
		for _, c := range p.Pooling.Consents {
			if c.Partner == Carm {
				out += fmt.Sprintf("consented=%v", c.Consented)
			}
		}
		for _, pp := range p.Partners {
			if pp.Partner == HywelDda {
				out += fmt.Sprintf(" unsigned=%v", pp.Completeness.Unsigned)
			}
		}
		return out
	}
	for n, want := range map[int64]string{
		n1:     "consented=false unsigned=[2019-20-Q2]",
		n1 + 1: "consented=true unsigned=[2019-20-Q2]",
		n1 + 2: "consented=false unsigned=[2019-20-Q2]",
		n1 + 3: "consented=false unsigned=[]",
	} {
		if got := state(n); got != want {
			t.Errorf("as at %d: %s, want %s", n, got, want)
		}
	}
	expectError(t, e.Get(asOf(positionPath, n1+4), rcu), "query.invalid", "asOfSequence")
	expectError(t, e.Get(positionPath+"&asOfSequence=latest", rcu), "query.invalid", "asOfSequence")
	expectError(t, e.Get(positionPath+"&asOfSequence=-1", rcu), "query.invalid", "asOfSequence")
	// Access is unchanged: a partner may not read the position as at any event.
	expectStatus(t, e.Get(asOf(positionPath, n0), e.PartnerToken(WW, Carm)), 403)
}

// testAsOfReport: the report as at the event before a sign-off shows it
// unsigned, as at the sign-off signed; a lock stands as at the events it
// stood, its frozen content with it; the sign-off's own answer says its
// event.
func testAsOfReport(t *testing.T, e *Env) {
	seedFundYear(t, e)
	rcu := e.RCUToken(WW)
	fr := fundReport{t: t, e: e, path: "/v1/regions/west-wales/funds/care-homes-older-people/reports/2019-20-Q2"}
	unsigned, n0 := readAsOf(t, e, fr.path, rcu)
	_, etag := fr.read()
	signed := fr.sign(Carm, "chief-finance-officer", etag)
	expectStatus(t, signed, 201)
	var s struct{ AsOfSequence int64 }
	json.Unmarshal(signed.Body, &s)
	if s.AsOfSequence != n0+1 {
		t.Errorf("the sign-off's answer is as at %d, want its event %d", s.AsOfSequence, n0+1)
	}
	if got, n := readAsOf(t, e, asOf(fr.path, n0), rcu); got != unsigned || n != n0 {
		t.Errorf("as at %d, the event before the sign-off:\n%s\nwant as read then:\n%s", n0, got, unsigned)
	}
	if got, _ := readAsOf(t, e, asOf(fr.path, n0+1), rcu); got != string(signed.Body) {
		t.Errorf("as at the sign-off:\n%s\nwant its answer:\n%s", got, signed.Body)
	}
	var before reportDoc
	json.Unmarshal([]byte(unsigned), &before)
	if len(before.SignOffs) != 0 || len(before.signed()) != 0 {
		t.Errorf("as at %d the report has sign-offs: %+v", n0, before.SignOffs)
	}
	// Locked, then unlocked: the lock and its frozen content stand as at the events between.
	lock := "/v1/regions/west-wales/funds/" + Fund + "/periods/2019-20-Q2/lock"
	expectStatus(t, e.Do(Req{Method: "PUT", Path: lock, Token: rcu}), 201)
	locked, n2 := readAsOf(t, e, fr.path, rcu)
	expectStatus(t, e.Do(Req{Method: "DELETE", Path: lock, Token: rcu, Header: map[string]string{"Reason": "late correction"}}), 200)
	expectStatus(t, e.Put(fundPath(Cere, "quarterly-returns", "2019-20-Q1"), e.PartnerToken(WW, Cere),
		returnBody(t, Fund, "2019-20-Q1", []line{{"social-care", "W06000008", "nursing", "160000.00", "760000.00"}}, nil)), 201)
	isLocked := func(n int64) (bool, string) {
		body, _ := readAsOf(t, e, asOf(fr.path, n), rcu)
		var r struct {
			Locked        bool
			ContentSHA256 string
		}
		json.Unmarshal([]byte(body), &r)
		return r.Locked, r.ContentSHA256
	}
	var l struct{ ContentSHA256 string }
	json.Unmarshal([]byte(locked), &l)
	for n, want := range map[int64]bool{n0 + 1: false, n2: true, n2 + 1: false} {
		if got, _ := isLocked(n); got != want {
			t.Errorf("as at %d locked %v, want %v", n, got, want)
		}
	}
	if got, _ := readAsOf(t, e, asOf(fr.path, n2), rcu); got != locked {
		t.Errorf("as at the lock:\n%s\nwant as read then:\n%s", got, locked)
	}
	if _, content := isLocked(n2 + 2); content == l.ContentSHA256 {
		t.Error("a new version after the unlock did not change the report's content")
	}
	// A member reads its fund's report as at an event too; another region's token may not.
	if _, n := readAsOf(t, e, asOf(fr.path, n0), e.PartnerToken(WW, Pemb)); n != n0 {
		t.Errorf("a member's read as at %d says %d", n0, n)
	}
}

// testAsOfAggregates: the population and market aggregates as at an event
// are as they were read then.
func testAsOfAggregates(t *testing.T, e *Env) {
	rcu := e.RCUToken(WW)
	pop := "/v1/regions/west-wales/aggregates/population?assessmentYear=2022"
	market := "/v1/regions/west-wales/aggregates/market?financialYear=2024-25"
	expectStatus(t, e.Put(PopPath, e.PartnerToken(WW, Cere), Example(t, "population-assessment.json")), 201)
	expectStatus(t, e.Put(MPSPath, e.PartnerToken(WW, Pemb), Example(t, "market-position-statement.json")), 201)
	pop0, n0 := readAsOf(t, e, pop, rcu)
	market0, m0 := readAsOf(t, e, market, rcu)
	if n0 != 2 || m0 != 2 {
		t.Errorf("aggregates as at %d and %d; the feed has 2 events", n0, m0)
	}
	expectStatus(t, e.Put(PopPath, e.PartnerToken(WW, Cere), Edit(t, Example(t, "population-assessment.json"), func(m map[string]any) {
		m["population"].([]any)[0].(map[string]any)["count"] = 11000
	})), 201)
	expectStatus(t, e.Put(MPSPath, e.PartnerToken(WW, Pemb), Edit(t, Example(t, "market-position-statement.json"), func(m map[string]any) {
		m["providers"] = 27
	})), 201)
	pop1, n1 := readAsOf(t, e, pop, rcu)
	market1, _ := readAsOf(t, e, market, rcu)
	if n1 != 4 || pop1 == pop0 || market1 == market0 || !strings.Contains(pop1, `"count":11000`) || !strings.Contains(market1, `"providers":27`) {
		t.Fatalf("after two new versions (event %d):\n%s\n%s", n1, pop1, market1)
	}
	for _, c := range []struct {
		path string
		n    int64
		want string
	}{{pop, n0, pop0}, {market, n0, market0}, {pop, 4, pop1}, {market, 4, market1}} {
		if got, said := readAsOf(t, e, asOf(c.path, c.n), rcu); got != c.want || said != c.n {
			t.Errorf("%s as at %d (says %d):\n%s\nwant:\n%s", c.path, c.n, said, got, c.want)
		}
	}
	expectError(t, e.Get(asOf(market, 5), rcu), "query.invalid", "asOfSequence")
}

// asOfExport is an export of West Wales's 2019-20 as CSV, as at event n
// (-1: as it stands), with the event its record and its manifest state.
func asOfExport(t *testing.T, e *Env, n int64) (exportDoc, int64) {
	t.Helper()
	body := `{"region":"west-wales","financialYear":"2019-20","format":"csv"`
	if n >= 0 {
		body += `,"asOfSequence":` + strconv.FormatInt(n, 10)
	}
	r := e.Do(Req{Method: "POST", Path: "/v1/exports", Token: e.GovToken(), Body: []byte(body + "}")})
	if r.Status != 201 {
		t.Fatalf("export as at %d: %d %s", n, r.Status, r.Body)
	}
	var d exportDoc
	var said struct {
		AsOfSequence *int64
		Manifest     struct{ AsOfSequence *int64 }
	}
	json.Unmarshal(r.Body, &d)
	json.Unmarshal(r.Body, &said)
	var signed struct{ AsOfSequence *int64 }
	json.Unmarshal(download(t, e, d, "manifest.json"), &signed)
	if said.AsOfSequence == nil || said.Manifest.AsOfSequence == nil || signed.AsOfSequence == nil ||
		*said.AsOfSequence != *signed.AsOfSequence || *said.Manifest.AsOfSequence != *signed.AsOfSequence {
		t.Fatalf("export %s does not state one event in its record, its manifest and its signed manifest.json: %s", d.ExportID, r.Body)
	}
	if n >= 0 && *signed.AsOfSequence != n {
		t.Errorf("an export asked as at %d states %d", n, *signed.AsOfSequence)
	}
	return d, *signed.AsOfSequence
}

// versionState is each version an export holds, by partner, kind and key:
// its number and whether it is signed off.
func versionState(t *testing.T, e *Env, d exportDoc) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range csvRows(t, download(t, e, d, "versions.csv")) {
		out[v["partner"]+" "+v["kind"]+" "+v["key"]] = fmt.Sprintf("v%s signed=%v", v["version"], v["signed_off_at"] != "")
	}
	return out
}

// testAsOfExport: an export asked as at an event is the state then, and
// states it, however much changed since: the same files as an export asked
// at that event before the changes; one asked as it stands states the
// newest event its data reflect; a number beyond the feed is 422 naming the
// field.
func testAsOfExport(t *testing.T, e *Env) {
	seedFundYear(t, e)
	_, n0 := readAsOf(t, e, positionPath, e.RCUToken(WW))
	then, _ := asOfExport(t, e, n0)
	now, stated := asOfExport(t, e, -1)
	if stated != n0 {
		t.Errorf("an export of the data as they stand states %d; the last change to them was %d", stated, n0)
	}
	consent(t, e, Carm, "PUT")
	expectStatus(t, e.Put(fundPath(Cere, "quarterly-returns", "2019-20-Q1"), e.PartnerToken(WW, Cere),
		returnBody(t, Fund, "2019-20-Q1", []line{{"social-care", "W06000008", "nursing", "160000.00", "760000.00"}}, nil)), 201)
	later, _ := asOfExport(t, e, n0)
	if a, b := fileHashes(t, e, then), fileHashes(t, e, later); !maps.Equal(a, b) {
		t.Errorf("an export as at %d made after two more changes differs from one made before them:\n%v\n%v", n0, a, b)
	}
	if a, b := fileHashes(t, e, then), fileHashes(t, e, now); !maps.Equal(a, b) {
		t.Errorf("an export as it stood and one as at its event differ:\n%v\n%v", a, b)
	}
	current, n2 := asOfExport(t, e, -1)
	// Three exports built and a consent came before the version: the newest change to the data is the version's.
	if n2 != n0+4 {
		t.Errorf("the export as it stands states %d, want %d", n2, n0+4)
	}
	if got := versionState(t, e, current)[Cere+" quarterly-returns "+Fund+"/2019-20-Q1"]; got != "v2 signed=false" {
		t.Errorf("the current export holds Ceredigion's Q1 as %s", got)
	}
	if got := versionState(t, e, later)[Cere+" quarterly-returns "+Fund+"/2019-20-Q1"]; got != "v1 signed=false" {
		t.Errorf("the export as at %d holds Ceredigion's Q1 as %s", n0, got)
	}
	r := e.Do(Req{Method: "POST", Path: "/v1/exports", Token: e.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv","asOfSequence":999}`)})
	expectError(t, r, "query.invalid", "/asOfSequence")
}

// testAsOfResync: the changes feed's advice to a reader whose cursor is too
// old is true: an export, then the feed after the event it states, gives
// exactly the current state.
func testAsOfResync(t *testing.T, e *Env) {
	seedFundYear(t, e)
	snap, s := asOfExport(t, e, -1)
	state := versionState(t, e, snap)
	// Changes after the export: new versions, a first version, a sign-off.
	carm, hd := e.PartnerToken(WW, Carm), e.PartnerToken(WW, HywelDda)
	expectStatus(t, e.Put(fundPath(Carm, "quarterly-returns", "2019-20-Q2"), carm, returnBody(t, Fund, "2019-20-Q2",
		[]line{{"social-care", "W06000010", "residential", "720000.00", "1300000.00"}}, nil)), 201)
	expectStatus(t, e.Put(fundPath(Pemb, "quarterly-returns", "2019-20-Q1"), e.PartnerToken(WW, Pemb), returnBody(t, Fund, "2019-20-Q1",
		[]line{{"social-care", "W06000009", "residential", "100000.00", "500000.00"}}, nil)), 201)
	expectStatus(t, e.Do(Req{Method: "POST", Path: fundPath(HywelDda, "quarterly-returns", "2019-20-Q2/signoff"), Token: hd,
		Body: []byte(`{"signatory":"Huw Thomas","role":"Director of Finance"}`), Header: map[string]string{"If-Match": `"1"`}}), 200)
	// Follow the feed from the export's event and apply each change to the export's state.
	for _, ev := range changesAfter(t, e, e.RCUToken(WW), "limit=1000&after="+strconv.FormatInt(s, 10)).Events {
		if ev.Sequence <= s {
			t.Fatalf("the feed after %d gave event %d", s, ev.Sequence)
		}
		key := ev.Subject.Key["fundId"] + "/" + ev.Subject.Key["quarter"]
		name := ev.Partner + " " + ev.Subject.Kind + " " + key
		switch ev.Type {
		case "submission.version-created":
			state[name] = fmt.Sprintf("v%d signed=false", ev.Subject.Version)
		case "return.signed":
			state[name] = fmt.Sprintf("v%d signed=true", ev.Subject.Version)
		}
	}
	current, _ := asOfExport(t, e, -1)
	if want := versionState(t, e, current); !maps.Equal(state, want) {
		t.Errorf("export %d then the feed after it:\n%v\nthe current export:\n%v", s, state, want)
	}
}

// testAsOfLimits: a region whose first events came before writes recorded
// their numbers answers as at the event before its history's first on, and
// refuses an earlier one with 422 naming the parameter; an event older than
// the feed keeps is 410 saying how to catch up.
func testAsOfLimits(t *testing.T, e *Env) {
	rcu := e.RCUToken(WW)
	old := time.Now().Add(-service.EventRetention - 48*time.Hour).UTC().Truncate(time.Millisecond)
	var ops []store.Op
	for seq := int64(1); seq <= 3; seq++ { // three events of an earlier release, older than the feed keeps
		data, _ := json.Marshal(service.Event{Seq: seq, Type: "period.locked", At: old, ID: fmt.Sprintf("01ARZ3NDEKTSV4RRFFQ69G5FB%d", seq),
			Subject: service.Subject{Kind: "period", Key: map[string]string{"fundId": Fund, "period": "2016-17"}}})
		ops = append(ops, store.PutOp(store.Item{PK: service.EventPK(WW), SK: service.EventSK(seq), Version: 1, Data: data}, store.Condition{}))
	}
	ops = append(ops, store.PutOp(store.Item{PK: "CH#" + WW, SK: "SEQ", Version: 3, Data: []byte(`{"seq":3}`)}, store.Condition{}))
	if err := e.Backend.Table.Transact(t.Context(), ops...); err != nil {
		t.Fatal(err)
	}
	seedFundYear(t, e)
	_, n := readAsOf(t, e, positionPath, rcu)
	expectError(t, e.Get(asOf(positionPath, 2), rcu), "query.invalid", "asOfSequence")
	r := e.Get(asOf(positionPath, 3), rcu)
	expectStatus(t, r, 410)
	if p := r.JSON(t); p["type"] != "https://rdx.invalid/problems/gone" || !strings.Contains(fmt.Sprint(p["detail"]), "400 days") {
		t.Errorf("as at an event older than the feed keeps: %s", r.Body)
	}
	if _, said := readAsOf(t, e, asOf(positionPath, 4), rcu); said != 4 {
		t.Errorf("as at 4 says %d", said)
	}
	if _, said := readAsOf(t, e, asOf(positionPath, n), rcu); said != n {
		t.Errorf("as at %d says %d", n, said)
	}
	x := e.Do(Req{Method: "POST", Path: "/v1/exports", Token: e.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv","asOfSequence":3}`)})
	expectStatus(t, x, 410)
}
