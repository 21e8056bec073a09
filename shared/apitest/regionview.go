package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// line is one spend or income line of a quarterly return.
type line struct{ discipline, area, what, actual, forecast string }

// returnBody is a quarterly return with the given spend and income lines.
func returnBody(t *testing.T, fund, quarter string, spend, income []line) []byte {
	t.Helper()
	lines := func(ls []line, kindField string) []any {
		var out []any
		for _, l := range ls {
			out = append(out, map[string]any{"discipline": l.discipline, "areaCode": l.area, kindField: l.what, "actualToDate": l.actual, "forecastOutturn": l.forecast})
		}
		return out
	}
	doc := map[string]any{"fundId": fund, "quarter": quarter, "spend": lines(spend, "category"),
		"activity":   map[string]any{"placementsAtQuarterEnd": 10, "newPlacements": 2, "endedPlacements": 1, "bedWeeks": 130},
		"riskRating": "green"}
	if len(income) > 0 {
		doc["income"] = lines(income, "source")
	}
	b, _ := json.Marshal(doc)
	return b
}

// contributionBody is a pool contribution of (discipline, area, type, amount) lines.
func contributionBody(t *testing.T, lines ...[4]string) []byte {
	t.Helper()
	var ls []any
	for _, l := range lines {
		ls = append(ls, map[string]any{"discipline": l[0], "areaCode": l[1], "type": l[2], "amount": l[3], "description": "placements"})
	}
	b, _ := json.Marshal(map[string]any{"lines": ls, "approvedBy": "Head of Finance", "approvedOn": "2019-03-28"})
	return b
}

func fundPath(partner, kind, key string) string {
	return SlicePath(WW, partner) + "/" + kind + "/" + Fund + "/" + key
}

// seedFundYear posts the worked 2019-20 fund-year: contributions from all four
// members, returns from three (Pembrokeshire sends none), Carmarthenshire's Q1
// signed off.
func seedFundYear(t *testing.T, e *Env) {
	t.Helper()
	put := func(partner, kind, key string, body []byte) *Resp {
		r := e.Put(fundPath(partner, kind, key), e.PartnerToken(WW, partner), body)
		if r.Status != 201 {
			t.Fatalf("%s %s %s: %d %s", partner, kind, key, r.Status, r.Body)
		}
		return r
	}
	put(Carm, "pool-contributions", "2019-20", contributionBody(t, [4]string{"social-care", "W06000010", "cash", "1000000.00"}, [4]string{"social-care", "W06000010", "in-kind", "200000.00"}))
	put(Cere, "pool-contributions", "2019-20", contributionBody(t, [4]string{"social-care", "W06000008", "cash", "800000.00"}))
	put(Pemb, "pool-contributions", "2019-20", contributionBody(t, [4]string{"social-care", "W06000009", "cash", "500000.00"}))
	put(HywelDda, "pool-contributions", "2019-20", contributionBody(t, [4]string{"health", "W06000010", "cash", "600000.00"}, [4]string{"health", "W06000008", "cash", "400000.00"}))
	q1 := put(Carm, "quarterly-returns", "2019-20-Q1", returnBody(t, Fund, "2019-20-Q1", []line{{"social-care", "W06000010", "residential", "300000.00", "1250000.00"}}, nil))
	sign := e.Do(Req{Method: "POST", Path: fundPath(Carm, "quarterly-returns", "2019-20-Q1/signoff"), Token: e.PartnerToken(WW, Carm),
		Body: []byte(`{"signatory":"Jane Jones","role":"Chief Finance Officer (S151)"}`), Header: map[string]string{"If-Match": q1.Header.Get("ETag")}})
	expectStatus(t, sign, 200)
	put(Carm, "quarterly-returns", "2019-20-Q2", returnBody(t, Fund, "2019-20-Q2",
		[]line{{"social-care", "W06000010", "residential", "700000.00", "1300000.00"}},
		[]line{{"social-care", "W06000010", "client-contributions", "50000.00", "60000.00"}}))
	put(Cere, "quarterly-returns", "2019-20-Q1", returnBody(t, Fund, "2019-20-Q1", []line{{"social-care", "W06000008", "nursing", "150000.00", "750000.00"}}, nil))
	put(HywelDda, "quarterly-returns", "2019-20-Q2", returnBody(t, Fund, "2019-20-Q2", []line{
		{"health", "W06000010", "nursing", "300000.00", "550000.00"},
		{"health", "W06000008", "nursing", "200000.00", "430000.00"},
		{"health", "W06000009", "residential", "20000.00", "45000.00"},
	}, nil))
}

type positionDoc struct {
	AsAt     *string
	Pooling  struct{ Unanimous bool }
	Partners []struct {
		Partner      string
		AsAtQuarter  *string
		Missing      bool
		Completeness struct {
			Missing, Unsigned []string
			Final             bool
		}
		Totals map[string]string
	}
	Cells []struct {
		Partner, Discipline, AreaCode string
		Contribution                  string
		ActualToDate, ForecastOutturn *string
		Variance                      *string
		Overspend, Underspend         string
		Unfunded                      bool
		UnderspendTo                  *string
	}
	Totals struct {
		ByDiscipline []map[string]string
		Fund         map[string]string
	}
	PooledUnderspend string
}

func getPosition(t *testing.T, e *Env, query string) positionDoc {
	t.Helper()
	r := e.Get("/v1/regions/west-wales/funds/care-homes-older-people/position?financialYear=2019-20"+query, e.RCUToken(WW))
	expectStatus(t, r, 200)
	var p positionDoc
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func consent(t *testing.T, e *Env, partner, method string) {
	t.Helper()
	r := e.Do(Req{Method: method, Path: SlicePath(WW, partner) + "/funds/" + Fund + "/years/2019-20/pooling-consent", Token: e.PartnerToken(WW, partner),
		Body: []byte(`{"signatory":"Jane Jones","role":"S151 officer","reference":"RPB minute 2019/14"}`)})
	if r.Status >= 300 {
		t.Fatalf("%s consent %s: %d %s", method, partner, r.Status, r.Body)
	}
}

// testPosition checks the worked fund-year against figures computed by hand:
//
//	carmarthenshire social-care W06000010 (Q2): contribution 1,200,000.00; actual 700,000 − 50,000 income = 650,000.00;
//	  forecast 1,300,000 − 60,000 = 1,240,000.00; variance +40,000.00 → overspend 40,000.00
//	ceredigion social-care W06000008 (Q1, its latest at or before Q2): 800,000.00; 150,000.00; 750,000.00; −50,000.00 → underspend 50,000.00
//	pembrokeshire social-care W06000009: 500,000.00 contributed, no return: missing, no actuals, counted in nothing
//	hywel-dda health W06000010 (Q2): 600,000.00; 300,000.00; 550,000.00; −50,000.00 → underspend 50,000.00
//	hywel-dda health W06000008: 400,000.00; 200,000.00; 430,000.00; +30,000.00 → overspend 30,000.00
//	hywel-dda health W06000009: no contribution (unfunded) 0.00; 20,000.00; 45,000.00; +45,000.00 → overspend 45,000.00
//	fund: contribution 3,500,000.00; actual 1,320,000.00; forecast 3,015,000.00; variance +15,000.00;
//	  overspend 115,000.00 (never netted against) underspend 100,000.00
func testPosition(t *testing.T, e *Env) {
	seedFundYear(t, e)
	p := getPosition(t, e, "")
	if p.AsAt == nil || *p.AsAt != "2019-20-Q2" {
		t.Fatalf("asAt %v, want the latest quarter with a return", p.AsAt)
	}
	cells := map[string]string{}
	for _, c := range p.Cells {
		v := "null"
		if c.Variance != nil {
			v = *c.Variance
		}
		cells[c.Partner+" "+c.AreaCode] = fmt.Sprintf("%s %s %s/%s %v", c.Contribution, v, c.Overspend, c.Underspend, c.Unfunded)
	}
	want := map[string]string{
		"carmarthenshire W06000010": "1200000.00 40000.00 40000.00/0.00 false",
		"ceredigion W06000008":      "800000.00 -50000.00 0.00/50000.00 false",
		"pembrokeshire W06000009":   "500000.00 null 0.00/0.00 false",
		"hywel-dda W06000010":       "600000.00 -50000.00 0.00/50000.00 false",
		"hywel-dda W06000008":       "400000.00 30000.00 30000.00/0.00 false",
		"hywel-dda W06000009":       "0.00 45000.00 45000.00/0.00 true",
	}
	for k, w := range want {
		if cells[k] != w {
			t.Errorf("cell %s: %s, want %s", k, cells[k], w)
		}
	}
	if len(cells) != len(want) {
		t.Errorf("cells %v", cells)
	}
	fund := p.Totals.Fund
	for k, w := range map[string]string{"contribution": "3500000.00", "actualToDate": "1320000.00", "forecastOutturn": "3015000.00",
		"variance": "15000.00", "overspend": "115000.00", "underspend": "100000.00", "reimbursed": "100000.00", "pooled": "0.00"} {
		if fund[k] != w {
			t.Errorf("fund %s %s, want %s", k, fund[k], w)
		}
	}
	partners := map[string]string{}
	for _, pp := range p.Partners {
		q := "null"
		if pp.AsAtQuarter != nil {
			q = *pp.AsAtQuarter
		}
		partners[pp.Partner] = fmt.Sprintf("%s missing=%v %v %v", q, pp.Missing, pp.Completeness.Missing, pp.Completeness.Unsigned)
	}
	for k, w := range map[string]string{
		Carm:     "2019-20-Q2 missing=false [] [2019-20-Q2]",
		Cere:     "2019-20-Q1 missing=false [2019-20-Q2] [2019-20-Q1]",
		Pemb:     "null missing=true [2019-20-Q1 2019-20-Q2] []",
		HywelDda: "2019-20-Q2 missing=false [2019-20-Q1] [2019-20-Q2]",
	} {
		if partners[k] != w {
			t.Errorf("partner %s: %s, want %s", k, partners[k], w)
		}
	}
	// Consent by some members reimburses; by all pools; one withdrawal reimburses again.
	consent(t, e, Carm, "PUT")
	consent(t, e, Cere, "PUT")
	if p := getPosition(t, e, ""); p.Pooling.Unanimous || p.PooledUnderspend != "0.00" || p.Totals.Fund["reimbursed"] != "100000.00" {
		t.Errorf("some consents: unanimous %v pooled %s", p.Pooling.Unanimous, p.PooledUnderspend)
	}
	consent(t, e, Pemb, "PUT")
	consent(t, e, HywelDda, "PUT")
	if p := getPosition(t, e, ""); !p.Pooling.Unanimous || p.PooledUnderspend != "100000.00" || p.Totals.Fund["reimbursed"] != "0.00" || p.Totals.Fund["overspend"] != "115000.00" {
		t.Errorf("all consent: unanimous %v pooled %s fund %v", p.Pooling.Unanimous, p.PooledUnderspend, p.Totals.Fund)
	}
	consent(t, e, HywelDda, "DELETE")
	if p := getPosition(t, e, ""); p.Pooling.Unanimous || p.PooledUnderspend != "0.00" {
		t.Errorf("after a withdrawal: unanimous %v pooled %s", p.Pooling.Unanimous, p.PooledUnderspend)
	}
	// As at Q1 the health board has no return: missing, counted in nothing.
	q1 := getPosition(t, e, "&asAt=2019-20-Q1")
	for _, pp := range q1.Partners {
		if pp.Partner == HywelDda && (!pp.Missing || pp.Totals["overspend"] != "0.00") {
			t.Errorf("as at Q1 the health board: %+v", pp)
		}
	}
	expectError(t, e.Get("/v1/regions/west-wales/funds/care-homes-older-people/position", e.RCUToken(WW)), "query.required", "financialYear")
	expectError(t, e.Get("/v1/regions/west-wales/funds/care-homes-older-people/position?financialYear=2019-20&asAt=2020-21-Q1", e.RCUToken(WW)), "query.invalid", "asAt")
	expectStatus(t, e.Get("/v1/regions/west-wales/funds/no-such-fund/position?financialYear=2019-20", e.RCUToken(WW)), 404)
}

// testPositionReadsAreBounded: the position's store reads do not grow with
// the number of versions: after the fund-year's first read (which copies
// records written before the fund-year partition existed), the region's
// sequence, one query of that partition and one of the consents, and the
// sequence again (the answer says the event it is as at); and when nothing
// has changed since the last read, the sequence alone.
func testPositionReadsAreBounded(t *testing.T, e *Env) {
	seedFundYear(t, e)
	count := func() int64 {
		before := e.Calls.Reads()
		getPosition(t, e, "")
		return e.Calls.Reads() - before
	}
	tok := e.PartnerToken(WW, Carm)
	put := func(i int) {
		body := returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", fmt.Sprintf("%d.00", 700000+i), "1300000.00"}}, nil)
		expectStatus(t, e.Put(fundPath(Carm, "quarterly-returns", "2019-20-Q2"), tok, body), 201)
	}
	count()
	put(-1)
	first := count()
	if again := count(); again != 1 {
		t.Errorf("the position read the store %d times when nothing had changed since it was last read; want the sequence alone", again)
	}
	for i := range 25 {
		put(i)
	}
	if after := count(); after != first || first > 4 {
		t.Errorf("the position read the store %d times, then %d after 25 more versions; want the same small number", first, after)
	}
}

// testPositionOfEarlierRecords: records written before the fund-year
// partition existed (simulated by removing its copies and marker, wholly or
// in part) give the same position, and are copied in once.
func testPositionOfEarlierRecords(t *testing.T, e *Env) {
	seedFundYear(t, e)
	path := "/v1/regions/west-wales/funds/care-homes-older-people/position?financialYear=2019-20"
	want := e.Get(path, e.RCUToken(WW))
	expectStatus(t, want, 200)
	ctx := context.Background()
	pk := "F#west-wales#care-homes-older-people#2019-20"
	page, err := e.Backend.Table.Query(ctx, store.Query{PK: pk})
	if err != nil || len(page.Items) != 9 { // 4 contributions, 4 returns, the marker
		t.Fatalf("the fund-year partition holds %d items (%v), want 9", len(page.Items), err)
	}
	for _, keep := range []int{0, 6} { // nothing left, then a partial earlier indexing (no marker)
		var ops []store.Op
		for i, it := range page.Items {
			if i >= keep || it.SK == "INDEXED" {
				ops = append(ops, store.DeleteOp(it.PK, it.SK, store.Condition{}))
			}
		}
		if err := e.Backend.Table.Transact(ctx, ops...); err != nil {
			t.Fatal(err)
		}
		if got := e.Get(path, e.RCUToken(WW)); string(got.Body) != string(want.Body) {
			t.Fatalf("keeping %d copies, the position read differently:\n%s\n%s", keep, want.Body, got.Body)
		}
		before := e.Calls.Reads()
		e.Get(path, e.RCUToken(WW))
		if n := e.Calls.Reads() - before; n > 2 {
			t.Errorf("after copying in, the position read the store %d times", n)
		}
	}
}

// testPositionFollowsEveryChange: a position read straight after a sign-off,
// a new version or a consent shows it, however often the unchanged position
// was read before; reads of unchanged data give the same bytes.
func testPositionFollowsEveryChange(t *testing.T, e *Env) {
	seedFundYear(t, e)
	path := "/v1/regions/west-wales/funds/care-homes-older-people/position?financialYear=2019-20"
	first := e.Get(path, e.RCUToken(WW))
	expectStatus(t, first, 200)
	for range 3 {
		if again := e.Get(path, e.RCUToken(WW)); string(again.Body) != string(first.Body) {
			t.Fatalf("an unchanged position read differently:\n%s\n%s", first.Body, again.Body)
		}
	}
	partner := func(p positionDoc, name string) string {
		for _, pp := range p.Partners {
			if pp.Partner == name {
				return fmt.Sprintf("unsigned %v overspend %s", pp.Completeness.Unsigned, pp.Totals["overspend"])
			}
		}
		return "absent"
	}
	carm := e.PartnerToken(WW, Carm)
	q2 := fundPath(Carm, "quarterly-returns", "2019-20-Q2")
	sign := e.Do(Req{Method: "POST", Path: q2 + "/signoff", Token: carm, Body: []byte(`{"signatory":"Jane Jones","role":"S151"}`),
		Header: map[string]string{"If-Match": e.Get(q2, carm).Header.Get("ETag")}})
	expectStatus(t, sign, 200)
	if got := partner(getPosition(t, e, ""), Carm); got != "unsigned [] overspend 40000.00" {
		t.Errorf("after the sign-off: %s", got)
	}
	// Actual 710,000 − 50,000 income against forecast 1,300,000 − 60,000: variance +40,000 still;
	// a forecast of 1,310,000 makes it +50,000, and the new version is not signed off.
	body := returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", "710000.00", "1310000.00"}},
		[]line{{"social-care", "W06000010", "client-contributions", "50000.00", "60000.00"}})
	expectStatus(t, e.Put(q2, carm, body), 201)
	if got := partner(getPosition(t, e, ""), Carm); got != "unsigned [2019-20-Q2] overspend 50000.00" {
		t.Errorf("after a new version: %s", got)
	}
	for _, m := range []string{Carm, Cere, Pemb, HywelDda} {
		consent(t, e, m, "PUT")
	}
	if p := getPosition(t, e, ""); !p.Pooling.Unanimous || p.PooledUnderspend != "100000.00" {
		t.Errorf("after every consent: unanimous %v pooled %s", p.Pooling.Unanimous, p.PooledUnderspend)
	}
}

func testLocks(t *testing.T, e *Env) {
	rcu, carm := e.RCUToken(WW), e.PartnerToken(WW, Carm)
	q2 := fundPath(Carm, "quarterly-returns", "2019-20-Q2")
	body := returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", "1.00", "2.00"}}, nil)
	expectStatus(t, e.Put(q2, carm, body), 201)
	lock := func(method, period string, header map[string]string, body []byte) *Resp {
		return e.Do(Req{Method: method, Path: "/v1/regions/west-wales/funds/care-homes-older-people/periods/" + period + "/lock", Token: rcu, Header: header, Body: body})
	}
	expectStatus(t, lock("PUT", "2019-20-Q2", nil, nil), 201)
	expectStatus(t, lock("PUT", "2019-20-Q2", nil, nil), 200)
	refused := e.Put(q2, carm, returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", "5.00", "6.00"}}, nil))
	expectStatus(t, refused, 409)
	var pr struct {
		Lock struct{ Period, LockedAt, LockedBy string }
	}
	json.Unmarshal(refused.Body, &pr)
	if pr.Lock.Period != "2019-20-Q2" || pr.Lock.LockedAt == "" || pr.Lock.LockedBy == "" {
		t.Errorf("409 lock: %s", refused.Body)
	}
	if v := versionsOf(t, e, q2, carm); len(v) != 1 {
		t.Errorf("a refused write changed the versions: %v", v)
	}
	expectStatus(t, e.Get(q2, carm), 200) // reads still work
	sign := e.Do(Req{Method: "POST", Path: q2 + "/signoff", Token: carm, Body: []byte(`{"signatory":"J","role":"S151"}`), Header: map[string]string{"If-Match": `"1"`}})
	expectStatus(t, sign, 409)
	// A year lock covers the contributions and every quarter; a quarter inside it stays locked.
	expectStatus(t, lock("PUT", "2019-20", nil, nil), 201)
	expectStatus(t, e.Put(fundPath(Carm, "pool-contributions", "2019-20"), carm, contributionBody(t, [4]string{"social-care", "W06000010", "cash", "1.00"})), 409)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: SlicePath(WW, Carm) + "/funds/" + Fund + "/years/2019-20/pooling-consent", Token: carm,
		Body: []byte(`{"signatory":"J","role":"S151","reference":"x"}`)}), 409)
	expectStatus(t, lock("DELETE", "2019-20-Q2", map[string]string{"Reason": "correction"}, nil), 409)
	expectError(t, lock("DELETE", "2019-20", nil, nil), "reason.required", "Reason")
	expectStatus(t, lock("DELETE", "2019-20", nil, []byte(`{"reason":"late correction agreed by the RPB"}`)), 200)
	expectStatus(t, lock("DELETE", "2019-20-Q2", map[string]string{"Reason": "correction"}, nil), 200)
	expectStatus(t, lock("DELETE", "2019-20-Q2", map[string]string{"Reason": "again"}, nil), 404)
	expectStatus(t, e.Put(q2, carm, returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", "5.00", "6.00"}}, nil)), 201)
	expectError(t, lock("PUT", "2019-20-Q5", nil, nil), "period.invalid", "period")
	expectError(t, lock("PUT", "2031-32", nil, nil), "period.outside-fund-years", "period")
	expectStatus(t, lock("PUT", "2019-20", map[string]string{"Authorization": "Bearer " + carm}, nil), 403)
	// Every lock and unlock is audited, the reason with it.
	audit := e.Get("/v1/regions/west-wales/audit?limit=200", rcu)
	for _, want := range []string{"period.locked", "period.unlocked", "late correction agreed by the RPB"} {
		if !strings.Contains(string(audit.Body), want) {
			t.Errorf("audit lacks %q", want)
		}
	}
	if reg := e.Get("/v1/regions/west-wales", rcu); strings.Contains(string(reg.Body), `"period":"2019-20"`) {
		t.Errorf("region view still shows the removed lock: %s", reg.Body)
	}
}

func testSignOff(t *testing.T, e *Env) {
	carm := e.PartnerToken(WW, Carm)
	q2 := fundPath(Carm, "quarterly-returns", "2019-20-Q2")
	body := returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", "1.00", "2.00"}}, nil)
	expectStatus(t, e.Put(q2, carm, body), 201)
	signoff := func(ifMatch string, token string) *Resp {
		return e.Do(Req{Method: "POST", Path: q2 + "/signoff", Token: token, Body: []byte(`{"signatory":" Jane Jones ","role":"Chief Finance Officer (S151)"}`),
			Header: map[string]string{"If-Match": ifMatch}})
	}
	expectError(t, signoff("", carm), "if-match.required", "If-Match")
	expectStatus(t, signoff(`"2"`, carm), 412)
	expectStatus(t, signoff(`"1"`, e.RCUToken(WW)), 403)
	ok := signoff(`"1"`, carm)
	expectStatus(t, ok, 200)
	so, _ := ok.JSON(t)["signOff"].(map[string]any)
	if so == nil || so["signatory"] != "Jane Jones" || so["by"].(map[string]any)["sub"] == "" {
		t.Fatalf("sign-off %s", ok.Body)
	}
	expectStatus(t, signoff(`"1"`, carm), 409)
	// An unchanged PUT keeps the sign-off; a new version clears it.
	same := e.Put(q2, carm, body)
	expectStatus(t, same, 200)
	if same.JSON(t)["signOff"] == nil {
		t.Error("an unchanged PUT cleared the sign-off")
	}
	next := e.Put(q2, carm, returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", "3.00", "4.00"}}, nil))
	expectStatus(t, next, 201)
	if next.JSON(t)["signOff"] != nil {
		t.Error("a new version kept the sign-off")
	}
	v1 := e.Get(q2+"/versions/1", carm).JSON(t)
	if v1["signOff"] == nil {
		t.Error("version 1 lost its sign-off")
	}
	expectStatus(t, signoff(`"1"`, carm), 412) // stale
	expectError(t, e.Do(Req{Method: "POST", Path: q2 + "/signoff", Token: carm, Body: []byte(`{"signatory":""}`), Header: map[string]string{"If-Match": `"2"`}}), "field.required", "/role")
}

func testConsentRoutes(t *testing.T, e *Env) {
	carm := e.PartnerToken(WW, Carm)
	path := SlicePath(WW, Carm) + "/funds/" + Fund + "/years/2019-20/pooling-consent"
	body := []byte(`{"signatory":"Jane Jones","role":"S151 officer","reference":"RPB minute 2019/14"}`)
	expectStatus(t, e.Get(path, carm), 404)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: path, Token: carm, Body: body}), 201)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: path, Token: carm, Body: body}), 200)
	got := e.Get(path, carm)
	expectStatus(t, got, 200)
	if got.JSON(t)["reference"] != "RPB minute 2019/14" {
		t.Errorf("consent %s", got.Body)
	}
	expectStatus(t, e.Get(path, e.RCUToken(WW)), 200)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: path, Token: e.RCUToken(WW), Body: body}), 403) // the RCU cannot switch pooling on
	expectStatus(t, e.Do(Req{Method: "DELETE", Path: path, Token: carm}), 200)
	expectStatus(t, e.Do(Req{Method: "DELETE", Path: path, Token: carm}), 404)
	expectError(t, e.Do(Req{Method: "PUT", Path: SlicePath(WW, Carm) + "/funds/" + Fund + "/years/2040-41/pooling-consent", Token: carm, Body: body}),
		"financial-year.outside-fund-years", "financialYear")
	// A body's every failing field at once: a wrong type, an unknown field, a blank text.
	bad := e.Do(Req{Method: "PUT", Path: path, Token: carm, Body: []byte(`{"signatory":["Jane"],"role":"S151","reference":" ","minute":14}`)})
	expectStatus(t, bad, 422)
	expectError(t, bad, "body.wrong-type", "/signatory")
	expectError(t, bad, "body.unknown-field", "/minute")
	expectError(t, bad, "text.empty", "/reference")
	expectStatus(t, e.Do(Req{Method: "PUT", Path: path, Token: carm, Body: []byte(`{"signatory":"Jane"`)}), 400)
	audit := string(e.Get("/v1/regions/west-wales/audit?partner=carmarthenshire", e.RCUToken(WW)).Body)
	if !strings.Contains(audit, "pooling-consent.given") || !strings.Contains(audit, "pooling-consent.withdrawn") {
		t.Errorf("consent not audited: %s", audit)
	}
}

func testObligations(t *testing.T, e *Env) {
	carm := e.PartnerToken(WW, Carm)
	q2 := fundPath(Carm, "quarterly-returns", "2018-19-Q2")
	expectStatus(t, e.Put(q2, carm, Example(t, "quarterly-return.json")), 201)
	r := e.Get(SlicePath(WW, Carm)+"/obligations", carm)
	expectStatus(t, r, 200)
	var obs struct {
		Items []struct {
			FundID, Kind, Role, Period, DueDate, Status string
			ReceivedLate, Locked                        bool
		}
	}
	json.Unmarshal(r.Body, &obs.Items)
	json.Unmarshal(r.Body, &obs)
	byKey := map[string]string{}
	for _, o := range obs.Items {
		byKey[o.FundID+" "+o.Period+" "+o.Kind+o.Role] = fmt.Sprintf("%s %s late=%v", o.DueDate, o.Status, o.ReceivedLate)
	}
	// West Wales: returns are due 30 days after the quarter, contributions 1 day before the year.
	for k, w := range map[string]string{
		"care-homes-older-people 2018-19-Q2 quarterly-returns":          "2018-10-30 received late=true",
		"care-homes-older-people 2018-19-Q1 quarterly-returns":          "2018-07-30 late late=false",
		"care-homes-older-people 2018-19 pool-contributions":            "2018-03-31 late late=false",
		"care-homes-older-people 2018-19-Q4 quarterly-returns":          "2019-04-30 late late=false",
		"care-homes-learning-disabilities 2026-27-Q4 quarterly-returns": "2027-04-30 open late=false",
		// The quarter with a return has a report to sign, in the role the fund asks; none without.
		"care-homes-older-people 2018-19-Q2 fund-report-sign-offchief-finance-officer": "2018-10-30 late late=false",
		"care-homes-older-people 2018-19-Q1 fund-report-sign-offchief-finance-officer": "",
	} {
		if byKey[k] != w {
			t.Errorf("%s: %q, want %q", k, byKey[k], w)
		}
	}
	// Filters by status and due date.
	late := e.Get(SlicePath(WW, Carm)+"/obligations?status=received", carm)
	if n := strings.Count(string(late.Body), `"status"`); n != 1 {
		t.Errorf("status=received gave %d", n)
	}
	ranged := e.Get(SlicePath(WW, Carm)+"/obligations?from=2018-07-01&to=2018-12-31", carm)
	if n := strings.Count(string(ranged.Body), `"status"`); n != 3 {
		t.Errorf("from/to gave %d obligations, want the 2018-19 Q1 and Q2 returns and Q2's report sign-off, which fall due then: %s", n, ranged.Body)
	}
	// Signing the report in the role owed settles that obligation.
	reportPath := "/v1/regions/west-wales/funds/care-homes-older-people/reports/2018-19-Q2"
	rep := e.Get(reportPath, carm)
	expectStatus(t, rep, 200)
	expectStatus(t, e.Do(Req{Method: "POST", Path: reportPath + "/signoffs", Token: e.PartnerToken(WW, Carm),
		Body: []byte(`{"signatory":"Jane Jones","role":"chief-finance-officer"}`), Header: map[string]string{"If-Match": rep.Header.Get("ETag")}}), 201)
	if after := e.Get(SlicePath(WW, Carm)+"/obligations?from=2018-07-01&to=2018-12-31", carm); strings.Contains(string(after.Body), "fund-report-sign-off") {
		t.Errorf("a signed report is still owed: %s", after.Body)
	}
	expectError(t, e.Get(SlicePath(WW, Carm)+"/obligations?status=done", carm), "status.invalid", "status")
	expectStatus(t, e.Get(SlicePath(WW, Carm)+"/obligations", e.RCUToken(WW)), 200)
	expectStatus(t, e.Get(SlicePath(WW, Cere)+"/obligations", carm), 403)
}

func testAuditTrail(t *testing.T, e *Env) {
	carm, cere := e.PartnerToken(WW, Carm), e.PartnerToken(WW, Cere)
	for i := range 3 {
		expectStatus(t, e.Put(QRPath, carm, withCommentary(t, fmt.Sprint("c", i))), 201)
	}
	expectStatus(t, e.Put(PopPath, cere, Example(t, "population-assessment.json")), 201)
	var page struct {
		Items []struct {
			Partner, Action string
			At              time.Time
		}
		NextCursor *string
	}
	r := e.Get("/v1/regions/west-wales/audit?limit=2", e.RCUToken(WW))
	expectStatus(t, r, 200)
	json.Unmarshal(r.Body, &page)
	if len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].Partner != Cere || page.Items[0].At.Before(page.Items[1].At) {
		t.Errorf("region audit, newest first: %s", r.Body)
	}
	own := string(e.Get("/v1/regions/west-wales/audit", carm).Body)
	if strings.Contains(own, Cere) || strings.Count(own, "submission.version-created") != 3 {
		t.Errorf("a partner's audit holds other partners' records or misses its own: %s", own)
	}
	expectStatus(t, e.Get("/v1/regions/west-wales/audit?partner=ceredigion", carm), 403)
	expectStatus(t, e.Get("/v1/regions/cheshire-west/audit", e.RCUToken(WW)), 403)
	future := e.Get("/v1/regions/west-wales/audit?from=2100-01-01", e.RCUToken(WW))
	if strings.Contains(string(future.Body), "version-created") {
		t.Errorf("from in the future still listed records")
	}
	expectError(t, e.Get("/v1/regions/west-wales/audit?from=yesterday", e.RCUToken(WW)), "time.invalid", "from")

	// The store may answer in short pages that are not the last (DynamoDB
	// does at 1 MB): over a store that cuts every page to one item, the
	// trail still pages through every record once, in order.
	all := auditIDs(t, e, "/v1/regions/west-wales/audit?limit=200", e.RCUToken(WW))
	short := WithFaults(t, e.Backend, faults.NewPlan(faults.Rule{When: faults.On(faults.Query), Fault: faults.Fault{Kind: faults.ShortPage}, Times: -1}))
	var paged []string
	next, pages := "/v1/regions/west-wales/audit?limit=2", 0
	for ; next != "" && pages <= len(all); pages++ {
		r := short.Get(next, short.RCUToken(WW))
		expectStatus(t, r, 200)
		var page struct {
			Items      []struct{ ID string }
			NextCursor *string
		}
		json.Unmarshal(r.Body, &page)
		if len(page.Items) != 2 && page.NextCursor != nil {
			t.Errorf("page %d has %d items and a cursor", pages, len(page.Items))
		}
		for _, it := range page.Items {
			paged = append(paged, it.ID)
		}
		next = ""
		if page.NextCursor != nil {
			next = "/v1/regions/west-wales/audit?limit=2&cursor=" + url.QueryEscape(*page.NextCursor)
		}
	}
	if len(all) < 4 || !slices.Equal(paged, all) {
		t.Errorf("over short pages the trail read\n %q\nwant\n %q", paged, all)
	}
}

// auditIDs are the ids of one page of the audit trail.
func auditIDs(t *testing.T, e *Env, path, token string) []string {
	t.Helper()
	r := e.Get(path, token)
	expectStatus(t, r, 200)
	var page struct{ Items []struct{ ID string } }
	json.Unmarshal(r.Body, &page)
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return ids
}

func testAggregates(t *testing.T, e *Env) {
	// Ceredigion (a council) and Hywel Dda (the health board) both send W06000008; only the council counts.
	expectStatus(t, e.Put(PopPath, e.PartnerToken(WW, Cere), Example(t, "population-assessment.json")), 201)
	hd := Edit(t, Example(t, "population-assessment.json"), func(m map[string]any) { m["areaCode"] = "W06000009" })
	expectStatus(t, e.Put(SlicePath(WW, HywelDda)+"/population-assessments/W06000009/2022", e.PartnerToken(WW, HywelDda), hd), 201)
	expectStatus(t, e.Put(SlicePath(WW, HywelDda)+"/population-assessments/W06000008/2022", e.PartnerToken(WW, HywelDda),
		Edit(t, Example(t, "population-assessment.json"), func(m map[string]any) { m["areaCode"] = "W06000008" })), 201)
	r := e.Get("/v1/regions/west-wales/aggregates/population?assessmentYear=2022", e.RCUToken(WW))
	expectStatus(t, r, 200)
	var pop struct {
		Areas []struct {
			AreaCode string
			Source   *struct{ Partner string }
		}
		Totals struct {
			Population []struct {
				Year    int
				AgeBand string
				Count   int64
				Sources []string
			}
		}
	}
	json.Unmarshal(r.Body, &pop)
	src := map[string]string{}
	for _, a := range pop.Areas {
		if a.Source != nil {
			src[a.AreaCode] = a.Source.Partner
		}
	}
	if src["W06000008"] != Cere || src["W06000009"] != HywelDda || src["W06000010"] != "" {
		t.Errorf("sources %v", src)
	}
	for _, row := range pop.Totals.Population {
		if row.Year == 2021 && row.AgeBand == "65-74" && row.Count != 2*10900 {
			t.Errorf("65-74 in 2021: %d, want two areas' 10,900 (never the health board's W06000008 added too)", row.Count)
		}
	}
	expectStatus(t, e.Put(MPSPath, e.PartnerToken(WW, Pemb), Example(t, "market-position-statement.json")), 201)
	m := e.Get("/v1/regions/west-wales/aggregates/market?financialYear=2024-25", e.RCUToken(WW))
	expectStatus(t, m, 200)
	if !strings.Contains(string(m.Body), `"averageWeeklyFee":"742.00"`) || !strings.Contains(string(m.Body), `"occupancy":"0.8984"`) {
		t.Errorf("market aggregate: %s", m.Body)
	}
	expectError(t, e.Get("/v1/regions/west-wales/aggregates/market", e.RCUToken(WW)), "query.required", "financialYear")
	expectStatus(t, e.Get("/v1/regions/west-wales/aggregates/market?financialYear=2024-25", e.PartnerToken(WW, Pemb)), http.StatusForbidden)
}

// regionRoutes are the region-level routes, for the access checks.
func regionRoutes(region string) []Req {
	base := "/v1/regions/" + region
	return []Req{
		{Method: "PUT", Path: base + "/funds/care-homes-older-people/periods/2019-20/lock"},
		{Method: "DELETE", Path: base + "/funds/care-homes-older-people/periods/2019-20/lock", Header: map[string]string{"Reason": "x"}},
		{Method: "GET", Path: base + "/funds/care-homes-older-people/position?financialYear=2019-20"},
		{Method: "GET", Path: base + "/aggregates/population"},
		{Method: "GET", Path: base + "/aggregates/market?financialYear=2019-20"},
	}
}

// sliceRoutesOfRegionView are the partner-slice routes of the region's view.
func sliceRoutesOfRegionView(s string) []Req {
	consent := s + "/funds/care-homes-older-people/years/2019-20/pooling-consent"
	return []Req{
		{Method: "POST", Path: s + "/quarterly-returns/care-homes-older-people/2019-20-Q2/signoff", Body: []byte(`{"signatory":"a","role":"b"}`), Header: map[string]string{"If-Match": `"1"`}},
		{Method: "PUT", Path: consent, Body: []byte(`{"signatory":"a","role":"b","reference":"c"}`)},
		{Method: "DELETE", Path: consent},
		{Method: "GET", Path: consent},
		{Method: "GET", Path: s + "/obligations"},
	}
}

// testRegionViewIsolation: the region's routes refuse partners and other
// regions; the partner routes refuse other partners and regions.
func testRegionViewIsolation(t *testing.T, e *Env) {
	carm, rcu, gov := e.PartnerToken(WW, Carm), e.RCUToken(WW), e.GovToken()
	for _, r := range regionRoutes(WW) {
		for name, tok := range map[string]string{"partner": carm, "government": gov} {
			r.Token = tok
			if res := e.Do(r); res.Status != 403 {
				t.Errorf("%s %s by %s: %d, want 403", r.Method, r.Path, name, res.Status)
			}
		}
	}
	for _, region := range []string{"cheshire-west", "atlantis"} {
		for _, r := range regionRoutes(region) {
			r.Token = rcu
			if res := e.Do(r); res.Status != 403 {
				t.Errorf("%s %s by West Wales' RCU: %d, want 403", r.Method, r.Path, res.Status)
			}
		}
	}
	for _, slice := range []string{SlicePath(WW, Cere), SlicePath("cheshire-west", "cheshire-west-and-chester"), SlicePath("atlantis", Carm)} {
		for _, r := range sliceRoutesOfRegionView(slice) {
			r.Token = carm
			if res := e.Do(r); res.Status != 403 {
				t.Errorf("%s %s by carmarthenshire: %d, want 403", r.Method, r.Path, res.Status)
			}
		}
	}
	for _, r := range sliceRoutesOfRegionView(SlicePath(WW, Cere)) {
		r.Token = rcu
		if res := e.Do(r); (r.Method == "GET") != (res.Status != 403) {
			t.Errorf("%s %s by the RCU: %d (reads allowed, writes refused)", r.Method, r.Path, res.Status)
		}
	}
}
