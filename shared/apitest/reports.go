package apitest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// reportDoc is a fund report as a client reads it.
type reportDoc struct {
	ContentSHA256 string `json:"contentSha256"`
	Status        string
	Locked        bool
	Returns       []struct {
		Partner, Quarter, SHA256 string
		Version                  int
	}
	Contributions []struct{ Partner string }
	Position      struct{ AsAt string }
	Required      []struct {
		Partner, Role string
		Signed        bool
	} `json:"requiredSignOffs"`
	SignOffs []struct {
		Partner, Role, Signatory, ContentSHA256 string
		Counts                                  bool
		By                                      struct{ Sub string }
	}
	Approval *struct {
		Reference, ContentSHA256 string
		Counts                   bool
	}
}

// reportContent are the members of a report that make its content.
var reportContent = []string{"region", "fund", "quarter", "approvedBy", "position", "returns", "contributions", "kpis", "assurances"}

// fundReport is West Wales's care-homes report for a quarter of 2019-20.
type fundReport struct {
	t    *testing.T
	e    *Env
	path string
}

func (fr fundReport) get(token string) (*Resp, reportDoc) {
	fr.t.Helper()
	r := fr.e.Get(fr.path, token)
	expectStatus(fr.t, r, 200)
	return r, fr.decode(r)
}

// read is the report as the region reads it, and its ETag.
func (fr fundReport) read() (reportDoc, string) {
	fr.t.Helper()
	r, d := fr.get(fr.e.RCUToken(WW))
	return d, r.Header.Get("ETag")
}

func (fr fundReport) decode(r *Resp) reportDoc {
	fr.t.Helper()
	var d reportDoc
	if err := json.Unmarshal(r.Body, &d); err != nil {
		fr.t.Fatal(err)
	}
	return d
}

func (fr fundReport) sign(partner, role, ifMatch string) *Resp {
	fr.t.Helper()
	return fr.e.Do(Req{Method: "POST", Path: fr.path + "/signoffs", Token: fr.e.PartnerToken(WW, partner),
		Body: []byte(`{"signatory":"CFO of ` + partner + `","role":"` + role + `"}`), Header: map[string]string{"If-Match": ifMatch}})
}

func (fr fundReport) approve(token, ifMatch string) *Resp {
	fr.t.Helper()
	return fr.e.Do(Req{Method: "POST", Path: fr.path + "/approval", Token: token,
		Body:   []byte(`{"approvedBy":"West Wales Regional Partnership Board","reference":"RPB minute 2019/41","approvedOn":"2019-11-20"}`),
		Header: map[string]string{"If-Match": ifMatch}})
}

// signed are the report's required sign-offs that stand, as "partner role".
func (d reportDoc) signed() []string {
	var out []string
	for _, q := range d.Required {
		if q.Signed {
			out = append(out, q.Partner+" "+q.Role)
		}
	}
	return out
}

// testReportSignOff follows West Wales's care-homes report for 2019-20 Q2
// from its first read to the board's approval, reopened by a new version of
// a member's return and frozen by a lock: each member's chief finance officer
// signs, on one content, before the board may approve it.
func testReportSignOff(t *testing.T, e *Env) {
	seedFundYear(t, e)
	fr := fundReport{t: t, e: e, path: "/v1/regions/west-wales/funds/care-homes-older-people/reports/2019-20-Q2"}
	rcu, board := e.RCUToken(WW), e.BoardToken(WW)

	// The first read: every member's chief finance officer owes a signature.
	res, first := fr.get(rcu)
	etag := res.Header.Get("ETag")
	if first.Status != "awaiting-sign-off" || etag != `"`+first.ContentSHA256+`"` || first.Position.AsAt != "2019-20-Q2" || first.Approval != nil || first.Locked {
		t.Fatalf("first read: status %s, ETag %s, content %s, as at %s: %s", first.Status, etag, first.ContentSHA256, first.Position.AsAt, res.Body)
	}
	var required []string
	for _, q := range first.Required {
		required = append(required, q.Partner+" "+q.Role)
	}
	if got := strings.Join(required, ", "); got != "carmarthenshire chief-finance-officer, ceredigion chief-finance-officer, pembrokeshire chief-finance-officer, hywel-dda chief-finance-officer" {
		t.Errorf("required sign-offs: %s", got)
	}
	// The ETag is the SHA-256 of the content's canonical JSON, sign-offs excluded.
	if sum := contentSHA256(t, res.Body); sum != first.ContentSHA256 {
		t.Errorf("contentSha256 %s, but the content's canonical JSON hashes to %s", first.ContentSHA256, sum)
	}
	// Each member's return the position uses (Ceredigion's latest is Q1;
	// Pembrokeshire sent none), and every contribution.
	var used []string
	for _, u := range first.Returns {
		used = append(used, fmt.Sprintf("%s %s v%d", u.Partner, u.Quarter, u.Version))
		if !sha256Hex.MatchString(u.SHA256) {
			t.Errorf("return used %s has sha256 %q", u.Partner, u.SHA256)
		}
	}
	if got := strings.Join(used, ", "); got != "carmarthenshire 2019-20-Q2 v1, ceredigion 2019-20-Q1 v1, hywel-dda 2019-20-Q2 v1" || len(first.Contributions) != 4 {
		t.Errorf("returns used: %s; contributions %d", got, len(first.Contributions))
	}

	// Partly signed: Carmarthenshire's signature counts, the content stays.
	signed := fr.sign(Carm, "chief-finance-officer", etag)
	expectStatus(t, signed, 201)
	d := fr.decode(signed)
	if signed.Header.Get("ETag") != etag || d.Status != "awaiting-sign-off" || strings.Join(d.signed(), ",") != "carmarthenshire chief-finance-officer" ||
		len(d.SignOffs) != 1 || !d.SignOffs[0].Counts || d.SignOffs[0].Signatory != "CFO of carmarthenshire" || d.SignOffs[0].By.Sub == "" {
		t.Fatalf("after Carmarthenshire's sign-off: %s", signed.Body)
	}
	// Refused: a role the fund does not ask of a council, with no If-Match (both at
	// once); the same role again; content that is not current; a weak or
	// malformed tag; the board before every signature stands.
	bad := fr.sign(Pemb, "chief-executive", "")
	expectStatus(t, bad, 422)
	expectError(t, bad, "report.role-not-required", "/role")
	expectError(t, bad, "if-match.required", "If-Match")
	expectStatus(t, fr.sign(Carm, "chief-finance-officer", etag), 409)
	stale := fr.sign(Cere, "chief-finance-officer", `"`+strings.Repeat("0", 64)+`"`)
	expectStatus(t, stale, 412)
	expectError(t, stale, "if-match.stale", "If-Match")
	expectStatus(t, fr.sign(Cere, "chief-finance-officer", "W/"+etag), 412)
	expectError(t, fr.sign(Cere, "chief-finance-officer", "*"), "if-match.required", "If-Match")
	early := fr.approve(board, etag)
	expectStatus(t, early, 409)
	if !strings.Contains(string(early.Body), "awaits 3 required sign-offs") {
		t.Errorf("an approval before every sign-off: %s", early.Body)
	}

	// Every required sign-off: signed; only the board approves it, once.
	for _, p := range []string{Cere, Pemb, HywelDda} {
		expectStatus(t, fr.sign(p, "chief-finance-officer", etag), 201)
	}
	if d, _ := fr.read(); d.Status != "signed" || len(d.signed()) != 4 {
		t.Fatalf("every sign-off given: %s, %v", d.Status, d.signed())
	}
	expectStatus(t, fr.approve(rcu, etag), 403)
	expectStatus(t, fr.approve(e.PartnerToken(WW, Carm), etag), 403)
	approved := fr.approve(board, etag)
	expectStatus(t, approved, 201)
	if d := fr.decode(approved); d.Status != "approved" || d.Approval == nil || !d.Approval.Counts || d.Approval.ContentSHA256 != first.ContentSHA256 {
		t.Fatalf("approved: %s", approved.Body)
	}
	expectStatus(t, fr.approve(board, etag), 409)

	// A new version of Ceredigion's Q1 return (the one the report uses) is new
	// content: every signature and the approval stay on record but no longer count.
	q1 := fundPath(Cere, "quarterly-returns", "2019-20-Q1")
	expectStatus(t, e.Put(q1, e.PartnerToken(WW, Cere), returnBody(t, Fund, "2019-20-Q1", []line{{"social-care", "W06000008", "nursing", "160000.00", "760000.00"}}, nil)), 201)
	reopened, newTag := fr.read()
	if newTag == etag || reopened.Status != "awaiting-sign-off" || len(reopened.signed()) != 0 || len(reopened.SignOffs) != 4 ||
		reopened.Approval == nil || reopened.Approval.Counts {
		t.Fatalf("after a new version: ETag %s (was %s), status %s, signed %v, %d sign-offs, approval %+v", newTag, etag, reopened.Status, reopened.signed(), len(reopened.SignOffs), reopened.Approval)
	}
	for _, s := range reopened.SignOffs {
		if s.Counts || s.ContentSHA256 != first.ContentSHA256 {
			t.Errorf("a sign-off of the old content: %+v", s)
		}
	}
	expectStatus(t, fr.sign(Cere, "chief-finance-officer", etag), 412)
	resigned := fr.sign(Cere, "chief-finance-officer", newTag)
	expectStatus(t, resigned, 201)
	if again := e.Get(fr.path, rcu); string(again.Body) != string(resigned.Body) {
		t.Errorf("a sign-off's answer is not the report as read after it:\n%s\n%s", resigned.Body, again.Body)
	}

	// A locked quarter, or year, refuses sign-offs and approval (409 naming
	// the lock); the report says it is locked.
	lock := func(method, period string) {
		t.Helper()
		r := e.Do(Req{Method: method, Path: "/v1/regions/west-wales/funds/care-homes-older-people/periods/" + period + "/lock", Token: rcu,
			Header: map[string]string{"Reason": "report test"}})
		if r.Status >= 300 {
			t.Fatalf("%s lock %s: %d %s", method, period, r.Status, r.Body)
		}
	}
	for _, period := range []string{"2019-20-Q2", "2019-20"} {
		lock("PUT", period)
		d, tag := fr.read()
		refused := fr.sign(HywelDda, "chief-finance-officer", tag)
		expectStatus(t, refused, 409)
		var p struct{ Lock struct{ Period string } }
		json.Unmarshal(refused.Body, &p)
		if !d.Locked || p.Lock.Period != period {
			t.Errorf("locked %s: the report says locked %v; the sign-off's 409 names %q: %s", period, d.Locked, p.Lock.Period, refused.Body)
		}
		expectStatus(t, fr.approve(board, tag), 409)
		lock("DELETE", period)
	}
	if d, _ := fr.read(); d.Locked || len(d.SignOffs) != 5 {
		t.Errorf("after the locks: locked %v, %d sign-offs (a refused one was kept)", d.Locked, len(d.SignOffs))
	}

	// A locked quarter freezes its report: Ceredigion's Q1 return (which the
	// Q2 report uses) and Pembrokeshire's contribution for the year are not
	// held by Q2's lock, and change; the report does not, until unlocked.
	lock("PUT", "2019-20-Q2")
	frozen, frozenTag := fr.read()
	expectStatus(t, e.Put(q1, e.PartnerToken(WW, Cere), returnBody(t, Fund, "2019-20-Q1", []line{{"social-care", "W06000008", "nursing", "170000.00", "770000.00"}}, nil)), 201)
	expectStatus(t, e.Put(fundPath(Pemb, "pool-contributions", "2019-20"), e.PartnerToken(WW, Pemb), contributionBody(t, [4]string{"social-care", "W06000009", "cash", "510000.00"})), 201)
	if d, tag := fr.read(); tag != frozenTag || d.ContentSHA256 != frozen.ContentSHA256 || !d.Locked || len(d.SignOffs) != 5 {
		t.Errorf("a locked quarter's report moved: ETag %s, was %s", tag, frozenTag)
	}
	lock("DELETE", "2019-20-Q2")
	if d, tag := fr.read(); tag == frozenTag || d.Locked {
		t.Errorf("unlocked, the report still shows the content as locked: ETag %s", tag)
	}

	// Audited: each signature under its partner, the approval under the region.
	audit := e.Get("/v1/regions/west-wales/audit?limit=200", rcu)
	expectStatus(t, audit, 200)
	var trail struct {
		Items []struct {
			Partner, Action string
			Target          map[string]any
			Details         map[string]string
		}
	}
	json.Unmarshal(audit.Body, &trail)
	actions := map[string]int{}
	for _, it := range trail.Items {
		if !strings.HasPrefix(it.Action, "report.") {
			continue
		}
		actions[it.Action+" "+it.Partner]++
		if it.Target["fund"] != Fund || it.Target["quarter"] != "2019-20-Q2" || !sha256Hex.MatchString(it.Details["contentSha256"]) {
			t.Errorf("audit record %+v", it)
		}
	}
	want := map[string]int{"report.signed carmarthenshire": 1, "report.signed ceredigion": 2, "report.signed pembrokeshire": 1,
		"report.signed hywel-dda": 1, "report.approved ": 1}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("report audit records %v, want %v", actions, want)
	}
}

// contentSHA256 hashes the content members of a report as RFC 8785 has it.
func contentSHA256(t *testing.T, body []byte) string {
	t.Helper()
	var all map[string]json.RawMessage
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatal(err)
	}
	content := map[string]json.RawMessage{}
	for _, k := range reportContent {
		content[k] = all[k]
	}
	b, _ := json.Marshal(content)
	tree, _, err := jsonx.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := jsonx.Canonical(tree)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// testReportAccess: a fund's report is its region's and its members' of
// that year; anyone else is refused alike, and a caller who may do one write
// is refused the other before its body is read.
func testReportAccess(t *testing.T, e *Env) {
	seedFundYear(t, e)
	ww := "/v1/regions/west-wales/funds/care-homes-older-people/reports/2019-20-Q2"
	cw := "/v1/regions/cheshire-west/funds/better-care-fund/reports/"
	// A member reads its fund's report, the same the region reads.
	byRegion, byMember := e.Get(ww, e.RCUToken(WW)), e.Get(ww, e.PartnerToken(WW, Cere))
	expectStatus(t, byMember, 200)
	if string(byMember.Body) != string(byRegion.Body) || byMember.Header.Get("ETag") != byRegion.Header.Get("ETag") {
		t.Errorf("a member's read differs from the region's:\n%s\n%s", byMember.Body, byRegion.Body)
	}
	expectStatus(t, e.Get(ww, e.BoardToken(WW)), 200)
	// West Cheshire CCG was a member of Cheshire West's fund until 2019-20:
	// its past reports stay readable, later ones are not its own.
	wccg := e.PartnerToken("cheshire-west", "west-cheshire-ccg")
	expectStatus(t, e.Get(cw+"2019-20-Q2", wccg), 200)
	refusals := map[string]*Resp{
		"a former member's later year": e.Get(cw+"2025-26-Q1", wccg),
		"another region's partner":     e.Get(ww, e.PartnerToken("cheshire-west", "cheshire-west-and-chester")),
		"another region's unit":        e.Get(ww, e.RCUToken("cheshire-west")),
		"another region's board":       e.Get(ww, e.BoardToken("cheshire-west")),
		"government":                   e.Get(ww, e.GovToken()),
		"a fund that does not exist":   e.Get("/v1/regions/west-wales/funds/no-such-fund/reports/2019-20-Q2", e.RCUToken("cheshire-west")),
	}
	var first string
	for name, r := range refusals {
		expectStatus(t, r, 403)
		if body := normalProblem(r.Body); first == "" {
			first = body
		} else if body != first {
			t.Errorf("%s: a 403 unlike the others tells them apart: %s", name, r.Body)
		}
	}
	expectStatus(t, e.Get("/v1/regions/west-wales/funds/no-such-fund/reports/2019-20-Q2", e.RCUToken(WW)), 404)
	expectError(t, e.Get("/v1/regions/west-wales/funds/care-homes-older-people/reports/2019-20-Q5", e.RCUToken(WW)), "quarter.invalid", "quarter")
	expectError(t, e.Get("/v1/regions/west-wales/funds/care-homes-older-people/reports/2031-32-Q1", e.RCUToken(WW)), "period.outside-fund-years", "quarter")
	// Each write is its own caller's: a member's signing token does not reach
	// the approval's body, nor the board's the sign-off's.
	post := func(path, token string) *Resp {
		return e.Do(Req{Method: "POST", Path: ww + path, Token: token, Body: []byte(`{"not":`), Header: map[string]string{"If-Match": `"x"`}})
	}
	expectStatus(t, post("/approval", e.PartnerToken(WW, Carm)), 403)
	expectStatus(t, post("/signoffs", e.BoardToken(WW)), 403)
	expectStatus(t, post("/signoffs", e.PartnerToken(WW, Carm)), 400)
	// A retried sign-off with its Idempotency-Key is the first answer again.
	tag := byRegion.Header.Get("ETag")
	sign := Req{Method: "POST", Path: ww + "/signoffs", Token: e.PartnerToken(WW, Carm), Body: []byte(`{"signatory":"Jane Jones","role":"chief-finance-officer"}`),
		Header: map[string]string{"If-Match": tag, "Idempotency-Key": "q2-report-carmarthenshire"}}
	once, again := e.Do(sign), e.Do(sign)
	expectStatus(t, once, 201)
	if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(once.Body) {
		t.Errorf("a retried sign-off: %d replayed=%q", again.Status, again.Header.Get("Idempotent-Replayed"))
	}
}
