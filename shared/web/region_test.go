package web_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

const (
	reportsPage = "/app/regions/west-wales/funds/care-homes-older-people/reports?financialYear=2018-19"
	q2Report    = "/app/regions/west-wales/funds/care-homes-older-people/reports/2018-19-Q2"
	periodsPage = "/app/regions/west-wales/funds/care-homes-older-people/periods?financialYear=2018-19"
	periodsBase = "/app/regions/west-wales/funds/care-homes-older-people/periods/"
	members     = "carmarthenshire ceredigion pembrokeshire hywel-dda"
)

var ifMatchField = regexp.MustCompile(`name="ifMatch" value="([^"]+)"`)

// ifMatch is the ETag a page's report form carries.
func ifMatch(t testing.TB, a answer) string {
	t.Helper()
	m := ifMatchField.FindStringSubmatch(a.Body)
	if m == nil {
		t.Fatalf("no If-Match field on %s: %.3000s", a.URL, mainOf(a.Body))
	}
	return html.UnescapeString(m[1])
}

// signAs signs the Q2 report through its form as a member's officer.
func (s *site) signAs(partner, signatory string) answer {
	s.t.Helper()
	b := s.browser()
	b.signIn("west-wales/" + partner)
	page := b.get(q2Report)
	mustContain(s.t, page, "Sign this report", `<option value="chief-finance-officer">`)
	return b.post(q2Report+"/signoffs", url.Values{"csrf": {csrf(s.t, page)}, "ifMatch": {ifMatch(s.t, page)},
		"role": {"chief-finance-officer"}, "signatory": {signatory}})
}

// The members sign the quarter's report through its form, the board
// approves it, and the RCU sees where it stands; a form sent on content
// that changed since is the 412 page, and one without its CSRF token is
// refused.
func TestAFundReportIsSignedAndApprovedThroughItsForms(t *testing.T) {
	s, rcu := signedIn(t, "west-wales/unit")
	list := rcu.get(reportsPage)
	mustContain(t, list, "<caption>Quarterly reports of Care homes for older people pooled fund, 2018-19</caption>",
		`<a href="`+q2Report+`">2018-19-Q2</a></th><td class="status-open">Awaiting sign-off</td><td>0 of 4 signed</td><td>None</td><td>Not approved</td>`)
	page := rcu.get(q2Report)
	mustContain(t, page, "<caption>Who must sign this content</caption>", `<th scope="row">Carmarthenshire County Council</th>`,
		"Chief finance officer", "<caption>Each member of Care homes for older people", "No one has signed yet.")
	if strings.Contains(page.Body, `name="ifMatch"`) {
		t.Error("the RCU, which neither signs nor approves, is offered a form")
	}

	// Carmarthenshire reads the report; a new version of its return changes
	// the content before it signs: its signature is refused, 412.
	cb := s.browser()
	cb.signIn("west-wales/carmarthenshire")
	read := cb.get(q2Report)
	stale := url.Values{"csrf": {csrf(t, read)}, "ifMatch": {ifMatch(t, read)}, "role": {"chief-finance-officer"}, "signatory": {"Jane Jones"}}
	s.put(carm, "/quarterly-returns/"+fund+"/2018-19-Q2", []byte(strings.Replace(string(example(t, "quarterly-return.json")), "amber", "red", 1)))
	refused := cb.post(q2Report+"/signoffs", stale)
	if refused.Status != http.StatusPreconditionFailed {
		t.Fatalf("a sign-off on changed content: %d %.2000s", refused.Status, mainOf(refused.Body))
	}
	mustContain(t, refused, "That was not done", "What you read has changed since", `href="`+q2Report+`"`)
	// Without its CSRF token the form is refused before anything is read.
	stale.Del("csrf")
	stale.Set("ifMatch", ifMatch(t, cb.get(q2Report)))
	if got := cb.post(q2Report+"/signoffs", stale); got.Status != http.StatusForbidden || !strings.Contains(got.Body, "The form could not be sent") {
		t.Errorf("a sign-off without its CSRF token: %d", got.Status)
	}
	if strings.Contains(rcu.get(q2Report).Body, "status-signed\">This content") {
		t.Error("a refused form signed the report")
	}

	for _, p := range strings.Fields(members) {
		done := s.signAs(p, "Officer of "+p)
		if done.Chain[0] != http.StatusSeeOther || done.Status != 200 {
			t.Fatalf("%s signs: %v %.2000s", p, done.Chain, mainOf(done.Body))
		}
		mustContain(t, done, "The report for 2018-19-Q2 is signed.", "Officer of "+p)
		if strings.Contains(done.Body, "Sign this report") {
			t.Errorf("%s is still offered the sign-off form once signed", p)
		}
	}
	mustContain(t, rcu.get(reportsPage), `<td class="status-received">Signed: awaiting approval</td><td>4 of 4 signed</td><td>Officer of carmarthenshire (Carmarthenshire County Council), `)

	board := s.browser()
	board.signIn("west-wales/board")
	bp := board.get(q2Report)
	mustContain(t, bp, "Approve this report", `value="West Wales Regional Partnership Board"`, `type="date"`)
	approved := board.post(q2Report+"/approval", url.Values{"csrf": {csrf(t, bp)}, "ifMatch": {ifMatch(t, bp)},
		"approvedBy": {"West Wales Regional Partnership Board"}, "reference": {"RPB minute 2018/31"}, "approvedOn": {"2018-11-21"}})
	mustContain(t, approved, "The report for 2018-19-Q2 is approved.", `<dd class="status-signed">Approved</dd>`, "RPB minute 2018/31")
	if strings.Contains(approved.Body, "Approve this report") {
		t.Error("an approved report still offers its approval form")
	}
	mustContain(t, rcu.get(reportsPage), `<td class="status-signed">Approved</td><td>4 of 4 signed</td><td>Officer of carmarthenshire (Carmarthenshire County Council), `, `<td>Approved by West Wales Regional Partnership Board (RPB minute 2018/31, 2018-11-21)`)
	_, out := s.api("GET", "/v1/regions/west-wales/funds/"+fund+"/reports/2018-19-Q2", s.token("west-wales/unit"), nil)
	if !strings.Contains(string(out), `"status":"approved"`) {
		t.Errorf("the API does not see the approval: %.300s", out)
	}
}

// The RCU locks a quarter (a partner's new return is then refused by the
// API), a form sent on the report before the lock is refused 409, and the
// RCU unlocks it with a reason, which the audit trail keeps.
func TestLockingAndUnlockingAPeriod(t *testing.T) {
	s, rcu := signedIn(t, "west-wales/unit")
	page := rcu.get(periodsPage)
	mustContain(t, page, "<caption>The year and its quarters, Care homes for older people pooled fund</caption>",
		`<th scope="row">2018-19-Q2</th><td class="status-open">Not locked</td>`, "Lock 2018-19-Q2")

	cb := s.browser()
	cb.signIn("west-wales/carmarthenshire")
	before := cb.get(q2Report)

	locked := rcu.post(periodsBase+"2018-19-Q2/lock", url.Values{"csrf": {csrf(t, page)}})
	if locked.Chain[0] != http.StatusSeeOther {
		t.Fatalf("lock: %v %.1000s", locked.Chain, mainOf(locked.Body))
	}
	mustContain(t, locked, "2018-19-Q2 is locked.", `<th scope="row">2018-19-Q2</th><td class="status-signed">Locked by West Wales Regional Partnership Board RCU`,
		`<label for="reason-201819Q2">Why unlock 2018-19-Q2</label>`, `<textarea id="reason-201819Q2" name="reason" required`)

	status, out := s.api("PUT", slicePath(carm)+"/quarterly-returns/"+fund+"/2018-19-Q2", s.token("west-wales/carmarthenshire"),
		[]byte(strings.Replace(string(example(t, "quarterly-return.json")), "amber", "red", 1)))
	if status != http.StatusConflict {
		t.Errorf("a partner's return in a locked quarter: %d %s", status, out)
	}
	mustContain(t, rcu.get(q2Report), "<dt>Locked</dt><dd>Yes</dd>")
	got := cb.post(q2Report+"/signoffs", url.Values{"csrf": {csrf(t, before)}, "ifMatch": {ifMatch(t, before)},
		"role": {"chief-finance-officer"}, "signatory": {"Jane Jones"}})
	if got.Status != http.StatusConflict || !strings.Contains(got.Body, "It could not be done as things stand:") {
		t.Errorf("signing a locked quarter's report: %d %.1000s", got.Status, mainOf(got.Body))
	}
	if strings.Contains(cb.get(q2Report).Body, "Sign this report") {
		t.Error("a locked report offers its sign-off form")
	}

	// An unlock needs its reason, as the API's does.
	token := csrf(t, rcu.get(periodsPage))
	noReason := rcu.post(periodsBase+"2018-19-Q2/unlock", url.Values{"csrf": {token}, "reason": {"  "}})
	if noReason.Status != http.StatusUnprocessableEntity || !strings.Contains(noReason.Body, "Check what was sent:") {
		t.Errorf("an unlock without a reason: %d %.1000s", noReason.Status, mainOf(noReason.Body))
	}
	unlocked := rcu.post(periodsBase+"2018-19-Q2/unlock", url.Values{"csrf": {token}, "reason": {"Late correction agreed by the board"}})
	mustContain(t, unlocked, "2018-19-Q2 is unlocked.", `<th scope="row">2018-19-Q2</th><td class="status-open">Not locked</td>`)
	s.put(carm, "/quarterly-returns/"+fund+"/2018-19-Q2", []byte(strings.Replace(string(example(t, "quarterly-return.json")), "amber", "red", 1)))

	// The board reads the periods but may not change them: no forms, and
	// a lock it sends anyway is refused 403.
	board := s.browser()
	board.signIn("west-wales/board")
	bp := board.get(periodsPage)
	if bp.Status != 200 || strings.Contains(bp.Body, "/lock\"") {
		t.Errorf("the board's periods page: %d, forms %v", bp.Status, strings.Contains(bp.Body, "/lock\""))
	}
	if got := board.post(periodsBase+"2018-19/lock", url.Values{"csrf": {csrf(t, bp)}}); got.Status != http.StatusForbidden {
		t.Errorf("the board locking a year: %d", got.Status)
	}

	audit := rcu.get("/app/regions/west-wales/audit")
	mustContain(t, audit, "<caption>The audit trail of West Wales Regional Partnership Board, newest first</caption>", "period.unlocked", "period.locked",
		"fund care-homes-older-people, period 2018-19-Q2")
}

// The aggregates pages show the figures GET .../aggregates/* gives.
func TestTheAggregatesPagesShowTheAPIsFigures(t *testing.T) {
	s, rcu := signedIn(t, "west-wales/unit")
	s.put("pembrokeshire", "/market-position-statements/W06000009/2024-25", example(t, "market-position-statement.json"))
	s.put(cere, "/population-assessments/W06000008/2022", example(t, "population-assessment.json"))

	_, out := s.api("GET", "/v1/regions/west-wales/aggregates/market?financialYear=2024-25", s.token("west-wales/unit"), nil)
	var market struct {
		Totals []struct {
			Category                            string
			Beds, OccupiedBeds                  int
			Occupancy, AverageWeeklyFee, MaxFee string
		}
	}
	if err := json.Unmarshal(out, &market); err != nil || len(market.Totals) == 0 {
		t.Fatalf("market: %v %s", err, out)
	}
	page := rcu.get("/app/regions/west-wales/aggregates/market?financialYear=2024-25")
	tot := market.Totals[0]
	mustContain(t, page, "<caption>Care homes in West Wales Regional Partnership Board, 2024-25</caption>", "<caption>Care homes in Pembrokeshire, 2024-25</caption>",
		`<th scope="col" class="num">Occupied beds</th>`, "From Pembrokeshire County Council&#39;s statement, version 1",
		`<td class="num">`+strconv.Itoa(tot.Beds)+`</td><td class="num">`+strconv.Itoa(tot.OccupiedBeds)+`</td>`,
		`<td class="num">`+tot.Occupancy+`</td><td class="num">`+tot.AverageWeeklyFee+`</td>`,
		"No market position statement yet.")

	_, out = s.api("GET", "/v1/regions/west-wales/aggregates/population", s.token("west-wales/unit"), nil)
	var pop struct {
		Totals struct {
			Population []struct {
				Year    int
				AgeBand string
				Count   int
			}
		}
	}
	if err := json.Unmarshal(out, &pop); err != nil || len(pop.Totals.Population) == 0 {
		t.Fatalf("population: %v %s", err, out)
	}
	pp := rcu.get("/app/regions/west-wales/aggregates/population")
	mustContain(t, pp, "<caption>Population of West Wales Regional Partnership Board</caption>", "<caption>Needs in Ceredigion</caption>", "No population assessment yet.")
	for _, r := range pop.Totals.Population {
		mustContain(t, pp, `<th scope="row">`+strconv.Itoa(r.Year)+`</th><td>`+strings.ReplaceAll(html.EscapeString(r.AgeBand), "+", "&#43;")+`</td><td>all</td><td class="num">`+strconv.Itoa(r.Count)+`</td>`)
	}
}

// The audit page lists the trail's records with their hashes, newest
// first and a page at a time; its download is the chain as JSON lines,
// which verifies with the service's receipt keys.
func TestTheAuditTrailAndItsDownload(t *testing.T) {
	s, rcu := signedIn(t, "west-wales/unit")
	// More records than a page holds: the region's own (locks and unlocks)
	// after the partners' (their submissions).
	unit := s.token("west-wales/unit")
	for range 26 {
		s.api("PUT", "/v1/regions/west-wales/funds/"+fund+"/periods/2019-20/lock", unit, nil)
		s.api("DELETE", "/v1/regions/west-wales/funds/"+fund+"/periods/2019-20/lock", unit, []byte(`{"reason":"testing the pages"}`))
	}
	page := rcu.get("/app/regions/west-wales/audit")
	_, out := s.api("GET", "/v1/regions/west-wales/audit?limit=1", unit, nil)
	var first struct {
		Items []struct{ Hash, Action string }
	}
	json.Unmarshal(out, &first)
	if len(first.Items) != 1 || first.Items[0].Hash == "" {
		t.Fatalf("the API's audit: %s", out)
	}
	mustContain(t, page, `<th scope="col">Record&#39;s hash (SHA-256)</th>`, `<td class="hash">`+first.Items[0].Hash+`</td>`, "period.unlocked")
	// The newest record comes first.
	if i := strings.Index(page.Body, first.Items[0].Hash); i < 0 || strings.Count(page.Body[:i], `class="hash"`) != 1 {
		t.Errorf("the newest record is not first")
	}
	next := regexp.MustCompile(`<a href="([^"]*cursor=[^"]*)" rel="next">`).FindStringSubmatch(page.Body)
	if next == nil {
		t.Fatalf("no next page: %.500s", mainOf(page.Body))
	}
	second := rcu.get(html.UnescapeString(next[1]))
	if second.Status != 200 || !strings.Contains(second.Body, "submission.version-created") || strings.Contains(second.Body, first.Items[0].Hash) {
		t.Errorf("the second page: %d %.1000s", second.Status, mainOf(second.Body))
	}

	_, keys := s.api("GET", "/v1/receipt-keys", "", nil)
	ks, err := receipt.ParseKeySet(keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, partner := range []string{"", carm} {
		pattern := `href="(/app/regions/west-wales/audit/export\.jsonl)"`
		if partner != "" {
			pattern = `href="(/app/regions/west-wales/audit/export\.jsonl\?partner=` + partner + `)"`
		}
		href := regexp.MustCompile(pattern).FindStringSubmatch(page.Body)
		if href == nil {
			t.Fatalf("no audit download link for %q", partner)
		}
		dl := rcu.get(html.UnescapeString(href[1]))
		if dl.Status != 200 || dl.Header.Get("Content-Type") != "application/jsonl" || !strings.Contains(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("audit download: %d %v", dl.Status, dl.Header)
		}
		lines := 0
		sc := bufio.NewScanner(strings.NewReader(dl.Body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("line %d is not JSON: %v", lines+1, err)
			}
			lines++
		}
		v, err := receipt.VerifyAuditExport(strings.NewReader(dl.Body), ks)
		if err != nil || v.Records != int64(lines-1) || lines < 3 {
			t.Errorf("the %q audit download does not verify: %v, %d lines, %+v", partner, err, lines, v)
		}
		// A record changed in the saved copy is caught.
		edited := strings.Replace(strings.Replace(dl.Body, "testing the pages", "testing the pagez", 1), `"version":1`, `"version":2`, 1)
		if _, err := receipt.VerifyAuditExport(strings.NewReader(edited), ks); err == nil {
			t.Errorf("an edited %q audit download verifies", partner)
		}
	}
}

// The RCU requests an export through its form (built at once by the local
// run), reads its page, and downloads a file and the signed manifest
// through its session; the manifest's signature verifies and names the
// file's SHA-256.
func TestRequestingAndDownloadingAnExport(t *testing.T) {
	s, rcu := signedIn(t, "west-wales/unit")
	list := rcu.get("/app/regions/west-wales/exports")
	mustContain(t, list, "No exports yet.", `<label for="export-format">Format</label>`, `<option value="csv" selected>CSV files</option>`)
	done := rcu.post("/app/regions/west-wales/exports", url.Values{"csrf": {csrf(t, list)}, "region": {"west-wales"},
		"financialYear": {"2018-19"}, "format": {"csv"}, "labels": {""}})
	if done.Chain[0] != http.StatusSeeOther || done.Status != 200 {
		t.Fatalf("request: %v %.2000s", done.Chain, mainOf(done.Body))
	}
	mustContain(t, done, "requested.", `<dd class="status-signed">Ready</dd>`, "<dd>English</dd>", "<caption>The export&#39;s files</caption>")
	for _, bad := range []string{"X-Amz", "Signature=", "token=", "eyJ"} {
		if strings.Contains(done.Body, bad) {
			t.Errorf("the export's page holds %q", bad)
		}
	}
	links := regexp.MustCompile(`<a href="(/app/regions/west-wales/exports/[^"]+/files/([^"]+))">`).FindAllStringSubmatch(done.Body, -1)
	files := map[string]answer{}
	for _, l := range links {
		files[l[2]] = rcu.get(html.UnescapeString(l[1]))
	}
	manifest, sig := files["manifest.json"], files["manifest.jws"]
	if manifest.Status != 200 || sig.Status != 200 || !strings.Contains(manifest.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("manifest %d, signature %d; files %v", manifest.Status, sig.Status, len(files))
	}
	_, keys := s.api("GET", "/v1/receipt-keys", "", nil)
	ks, _ := receipt.ParseKeySet(keys)
	verified, err := receipt.Verify(strings.TrimSpace(sig.Body), ks)
	if err != nil || string(verified.Payload) != manifest.Body {
		t.Fatalf("the manifest's signature: %v", err)
	}
	var m struct {
		Files []struct{ Name, SHA256 string }
	}
	json.Unmarshal([]byte(manifest.Body), &m)
	if len(m.Files) == 0 {
		t.Fatalf("manifest: %s", manifest.Body)
	}
	f := m.Files[0]
	got, ok := files[f.Name]
	sum := sha256.Sum256([]byte(got.Body))
	if !ok || got.Status != 200 || hex.EncodeToString(sum[:]) != f.SHA256 {
		t.Errorf("%s: %v %d, SHA-256 differs from the manifest's", f.Name, ok, got.Status)
	}
	// The list shows it; another region's token or a missing file is no page.
	mustContain(t, rcu.get("/app/regions/west-wales/exports"), `<td>2018-19</td><td>CSV files</td><td>English</td><td class="status-signed">Ready</td>`)
	if got := rcu.get(links[0][1][:strings.LastIndex(links[0][1], "/")] + "/nothing.csv"); got.Status != 404 {
		t.Errorf("a file the export does not have: %d", got.Status)
	}
	other := s.browser()
	other.signIn("cheshire-west/unit")
	if got := other.get(html.UnescapeString(links[0][1])); got.Status != 404 {
		t.Errorf("another region's RCU downloads the file: %d", got.Status)
	}
}

// The region's pages are the same 404 for a partner as a page that does
// not exist.
func TestRegionPagesAreTheSame404ForAPartner(t *testing.T) {
	s := newSite(t)
	s.seed()
	b := s.browser()
	b.signIn("west-wales/carmarthenshire")
	missing := b.get("/app/no-such-page")
	want := normalise(missing.Body)
	for _, path := range []string{periodsPage, "/app/regions/west-wales/aggregates/population", "/app/regions/west-wales/aggregates/market",
		"/app/regions/west-wales/audit", "/app/regions/west-wales/audit/export.jsonl", "/app/regions/west-wales/exports",
		"/app/regions/west-wales/exports/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/app/regions/cheshire-west/funds/" + fund + "/reports"} {
		got := b.get(path)
		if got.Status != 404 || normalise(got.Body) != want {
			t.Errorf("%s: %d, not the missing page's 404: %.400s", path, got.Status, mainOf(got.Body))
		}
	}
	token := csrf(t, b.get(carmHome))
	for _, path := range []string{periodsBase + "2018-19-Q2/lock", "/app/regions/west-wales/exports"} {
		if got := b.post(path, url.Values{"csrf": {token}, "region": {"west-wales"}, "financialYear": {"2018-19"}, "format": {"csv"}}); got.Status != 404 || normalise(got.Body) != want {
			t.Errorf("POST %s: %d", path, got.Status)
		}
	}
	// A member reads its fund's reports (as the API lets it), and home links them.
	mustContain(t, b.get("/app/"), `href="/app/regions/west-wales/funds/care-homes-older-people/reports"`)
	if got := b.get(reportsPage); got.Status != 200 {
		t.Errorf("a member's reports page: %d", got.Status)
	}
}

// Every new page is in Welsh with ?lang=cy.
func TestRegionPagesInWelsh(t *testing.T) {
	s, rcu := signedIn(t, "west-wales/unit")
	list := rcu.get("/app/regions/west-wales/exports?lang=cy")
	done := rcu.post("/app/regions/west-wales/exports?lang=cy", url.Values{"csrf": {csrf(t, list)}, "region": {"west-wales"},
		"financialYear": {"2018-19"}, "format": {"json"}, "labels": {""}})
	mustContain(t, done, `<html lang="cy">`, "<dd>Cymraeg</dd>", "Yn barod")
	home := rcu.get("/app/?lang=cy")
	mustContain(t, home, "Adroddiadau chwarterol Cronfa gyfun cartrefi gofal i bobl hŷn", "Y trywydd archwilio", "Allforion blwyddyn ariannol")
	for path, words := range map[string][]string{
		reportsPage + "&lang=cy":                                {"Yn aros i gael ei lofnodi", "0 o 4 wedi llofnodi"},
		q2Report + "?lang=cy":                                   {"Pwy sy&#39;n gorfod llofnodi&#39;r cynnwys hwn", "Ffigurau&#39;r adroddiad", "Cyngor Sir Gâr"},
		periodsPage + "&lang=cy":                                {"Heb ei gloi", "Cloi 2018-19-Q2"},
		"/app/regions/west-wales/aggregates/population?lang=cy": {"Poblogaeth Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru", "Fesul ardal"},
		"/app/regions/west-wales/aggregates/market?lang=cy":     {"Cartrefi gofal yn", "Gwelyau"},
		"/app/regions/west-wales/audit?lang=cy":                 {"Trywydd archwilio Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru", "Stwnsh y cofnod"},
		"/app/regions/west-wales/exports?lang=cy":               {"Gofyn am allforiad", "Ffeiliau JSON", "Yn barod"},
		done.URL[len(s.base):]:                                  {"Ffeiliau&#39;r allforiad", "Cymraeg"},
	} {
		got := rcu.get(path)
		if got.Status != 200 {
			t.Errorf("%s: %d", path, got.Status)
			continue
		}
		mustContain(t, got, append([]string{`<html lang="cy">`}, words...)...)
	}
	// A refusal is in Welsh too.
	page := rcu.get(periodsPage + "&lang=cy")
	refused := rcu.post(periodsBase+"2018-19-Q2/unlock?lang=cy", url.Values{"csrf": {csrf(t, page)}, "reason": {"Dim rheswm"}})
	mustContain(t, refused, "Nid yw 2018-19-Q2 wedi&#39;i gloi.")
}
