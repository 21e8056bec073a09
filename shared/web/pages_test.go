package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const (
	positionPage     = "/app/regions/west-wales/funds/care-homes-older-people/position?financialYear=2018-19"
	completenessPage = "/app/regions/west-wales/funds/care-homes-older-people/completeness?financialYear=2018-19"
	carmHome         = "/app/regions/west-wales/partners/carmarthenshire/"
	carmReturn       = "/app/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/2018-19-Q2"
	cereReturn       = "/app/regions/west-wales/partners/ceredigion/quarterly-returns/care-homes-older-people/2018-19-Q2"
	carmConsent      = "/app/regions/west-wales/partners/carmarthenshire/funds/care-homes-older-people/pooling-consent"
)

// The RCU signs in locally and reads West Wales: the fund's position as a
// table (with its CSV and chart), the completeness grid in words, and what
// the partners owe.
func TestTheRCUSeesThePositionAndCompleteness(t *testing.T) {
	s := newSite(t)
	s.seed()
	b := s.browser()
	home := b.signIn("west-wales/unit")
	mustContain(t, home, "Signed in as West Wales", positionPage[:strings.Index(positionPage, "?")]+"?financialYear=2018-19", "Position, 2018-19")

	pos := b.get(positionPage)
	if pos.Status != 200 {
		t.Fatalf("position: %d", pos.Status)
	}
	mustContain(t, pos,
		`<th scope="row">Carmarthenshire County Council</th><td class="num">£16,350,000.00</td>`, // its contribution
		`<td class="num">−£250,000.00</td>`,                                                      // its variance: an underspend
		`<td class="num">£250,000.00</td>`,                                                       // reimbursed to it
		"2018-19-Q2, version 1",                                                                  // the return the position uses
		`<th scope="row">Fund total</th>`,                                                        // the footer
		"<caption>Each member of Care homes for older people",                                    // tables are captioned
		`<svg class="chart" role="img"`, `class="bar-under"`,                                     // the chart repeats the table
		"Reimbursed to the member", // the cell's underspend
		"Not every member consents")

	// The CSV is the same table.
	csvHref := regexp.MustCompile(`href="([^"]*position\.csv[^"]*)"`).FindStringSubmatch(pos.Body)
	if csvHref == nil {
		t.Fatal("no CSV link")
	}
	csv := b.get(strings.ReplaceAll(csvHref[1], "&amp;", "&"))
	if csv.Status != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", csv.Status, csv.Header)
	}
	if !strings.HasPrefix(csv.Body, "\uFEFFMember,Contribution,Actual to date,") ||
		!strings.Contains(csv.Body, "\r\nCarmarthenshire County Council,16350000.00,6798447.58,16100000.00,-250000.00,0.00,250000.00,250000.00,0.00,") ||
		!strings.Contains(csv.Body, "\r\nFund total,16350000.00,") {
		t.Errorf("CSV: %s", csv.Body)
	}

	grid := b.get(completenessPage)
	mustContain(t, grid,
		`<th scope="col">Quarterly return 2018-19-Q2</th>`,
		// Carmarthenshire's Q2 came after its due date; Ceredigion's Q1 never did.
		`<td class="status-received-late"><a href="/app/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/2018-19-Q2">Received late</a></td>`,
		`<td class="status-late">Missing: late</td>`)

	obs := b.get("/app/regions/west-wales/obligations")
	mustContain(t, obs, "<caption>Ceredigion County Council</caption>", "Missing: late", `<option value="late" selected>`)

	// The RCU reads any partner's slice of its region, as the API lets it,
	// but signs nothing: its pages offer no form.
	ret := b.get(carmReturn)
	if ret.Status != 200 || strings.Contains(ret.Body, "/signoff") {
		t.Errorf("the RCU's view of a return: %d, sign-off form %v", ret.Status, strings.Contains(ret.Body, "/signoff"))
	}
}

// A partner signs in and reads its returns, their versions and documents,
// what it owes, and an upload's errors at their rows and columns.
func TestAPartnerSeesItsReturnsAndAnUploadsErrors(t *testing.T) {
	s, b := signedIn(t, "west-wales/carmarthenshire")

	home := b.get(carmHome)
	mustContain(t, home, "<caption>Quarterly returns</caption>",
		`<a href="`+carmReturn+`">Care homes for older people pooled fund, 2018-19-Q2</a>`, "Not signed off")

	ret := b.get(carmReturn)
	mustContain(t, ret, "Version 1", `<caption>Every version, newest first</caption>`, "<dt>Commentary</dt>",
		// The commentary's markup is shown as text, never run.
		"&lt;script&gt;alert(1)&lt;/script&gt; Nursing placements")
	if strings.Contains(ret.Body, "<script>") {
		t.Error("the commentary's <script> reached the page as markup")
	}
	version := b.get(carmReturn + "/versions/1")
	mustContain(t, version, "Care homes for older people pooled fund, 2018-19-Q2, version 1", "<caption>Spend</caption>", "4102337.18")

	owes := b.get(carmHome + "obligations")
	mustContain(t, owes, "<caption>Carmarthenshire County Council</caption>", "Received late", "Missing: late")

	tmplStatus, tmpl := s.api("GET", "/v1/templates/quarterly-return-csv.csv", s.token("west-wales/carmarthenshire"), nil)
	if tmplStatus != 200 {
		t.Fatalf("template: %d", tmplStatus)
	}
	bad := strings.Replace(string(tmpl), "residential-dementia", "palace", 1)
	id, state := s.upload(carm, map[string]any{"purpose": "quarterly-return-csv", "fundId": fund, "quarter": "2018-19-Q3"}, []byte(bad))
	st := rejected(t, state)
	// The partner's home finds an upload by its id.
	found := b.get(carmHome + "uploads?id=" + id)
	if found.Chain[0] != http.StatusSeeOther || !strings.HasSuffix(found.URL, "/uploads/"+id) {
		t.Errorf("finding the upload: %v %s", found.Chain, found.URL)
	}
	e := st.Errors[0]
	mustContain(t, found, "Rejected", "<caption>1 error</caption>", `<th scope="col">Column</th>`,
		`<td class="num">`+strconv.Itoa(e.Row)+`</td><td>`+e.Column+`</td><td>spend-category.invalid</td>`)
}

// Another partner's page is the same 404 as a page that does not exist,
// word for word: the pages refuse exactly what the API refuses, and say no
// more of it.
func TestAnotherPartnersPageIsTheSame404AsAMissingOne(t *testing.T) {
	s := newSite(t)
	s.seed()
	if out := s.q2(cere); !strings.Contains(out, `"version":1`) {
		t.Fatalf("Ceredigion's return is not there: %s", out)
	}
	b := s.browser()
	b.signIn("west-wales/carmarthenshire")
	missing := b.get(strings.Replace(carmReturn, "2018-19-Q2", "2018-19-Q3", 1))
	want := normalise(missing.Body)
	if missing.Status != 404 || !strings.Contains(want, "Page not found") {
		t.Fatalf("a missing return: %d %.600s", missing.Status, mainOf(missing.Body))
	}
	for _, path := range []string{
		cereReturn,                 // another partner's return, which exists
		cereReturn + "/versions/1", // and its version
		"/app/regions/west-wales/partners/ceredigion/", // its home
		"/app/regions/west-wales/partners/ceredigion/obligations",
		"/app/regions/cheshire-west/partners/cheshire-west-and-chester/", // another region's partner
		"/app/regions/atlantis/partners/carmarthenshire/",                // a region that does not exist
		positionPage, // the region's view, which a partner's token does not reach
		"/app/regions/west-wales/obligations",
		"/app/regions/west-wales/partners/carmarthenshire/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV", // no such upload
		"/app/no-such-page",
	} {
		got := b.get(path)
		if got.Status != 404 || normalise(got.Body) != want {
			t.Errorf("%s: %d, not the missing page's 404: %.600s", path, got.Status, mainOf(got.Body))
		}
	}
	// A form on another partner's page is refused the same way, and changes nothing.
	token := csrf(t, b.get(carmReturn))
	got := b.post(cereReturn+"/signoff", url.Values{"csrf": {token}, "version": {"1"}, "signatory": {"Eve"}, "role": {"Nobody"}})
	if got.Status != 404 || normalise(got.Body) != want {
		t.Errorf("signing another partner's return: %d", got.Status)
	}
	if out := s.q2(cere); strings.Contains(out, `"signOff":{`) {
		t.Errorf("another partner's return was signed off: %s", out)
	}
}

// normalise drops what differs between two answers of the same page: each
// page's own CSRF token, and the address it was asked at in the language link.
func normalise(body string) string {
	body = csrfField.ReplaceAllString(body, `name="csrf" value=""`)
	return regexp.MustCompile(`<li><a href="[^"]*" lang=`).ReplaceAllString(body, `<li><a lang=`)
}

// Every form is refused without its CSRF token, or sent from another site;
// nothing it asked for is done.
func TestFormsWithoutTheirCSRFTokenAreRefused(t *testing.T) {
	s := newSite(t)
	s.seed()
	b := s.browser()
	// Even signing in needs the sign-in page's token.
	if got := b.post("/app/sign-in", url.Values{"role": {"west-wales/carmarthenshire"}}); got.Status != 403 {
		t.Errorf("sign-in without a token: %d", got.Status)
	}
	b.signIn("west-wales/carmarthenshire")
	form := url.Values{"version": {"1"}, "signatory": {"Jane Jones"}, "role": {"Section 151 officer"}}
	refused := b.post(carmReturn+"/signoff", form)
	if refused.Status != 403 || !strings.Contains(refused.Body, "The form could not be sent") {
		t.Errorf("a sign-off without a token: %d %.500s", refused.Status, mainOf(refused.Body))
	}
	form.Set("csrf", "bm90IGEgdG9rZW4gb2YgdGhpcyBzZXJ2aWNlIGF0IGFsbCwgaG9uZXN0bHkh")
	if got := b.post(carmReturn+"/signoff", form); got.Status != 403 {
		t.Errorf("a sign-off with a forged token: %d", got.Status)
	}
	form.Set("csrf", csrf(t, b.get(carmReturn)))
	if got := b.post(carmReturn+"/signoff", form, "Origin", "https://evil.example"); got.Status != 403 {
		t.Errorf("a sign-off sent from another site: %d", got.Status)
	}
	for _, path := range []string{carmConsent, "/app/sign-out"} {
		if got := b.post(path, url.Values{"financialYear": {"2018-19"}, "action": {"give"}}); got.Status != 403 {
			t.Errorf("%s without a token: %d", path, got.Status)
		}
	}
	if out := s.q2(carm); strings.Contains(out, `"signOff":{`) {
		t.Errorf("a refused form signed the return off: %s", out)
	}
	if got := b.get(carmHome); got.Status != 200 {
		t.Errorf("the refused sign-out signed the person out: %d", got.Status)
	}
}

// A return is signed off from its page: the version shown, and only that
// one (If-Match), then back to the page with what happened.
func TestSigningOffTheVersionShown(t *testing.T) {
	s, b := signedIn(t, "west-wales/carmarthenshire")
	page := b.get(carmReturn)
	mustContain(t, page, `<input type="hidden" name="version" value="1">`, "Sign off version 1")
	token := csrf(t, page)

	// Version 2 arrives while the page is open: signing version 1 signs nothing.
	changed := strings.Replace(string(example(t, "quarterly-return.json")), "amber", "red", 1)
	s.put(carm, "/quarterly-returns/"+fund+"/2018-19-Q2", []byte(changed))
	stale := b.post(carmReturn+"/signoff", url.Values{"csrf": {token}, "version": {"1"}, "signatory": {"Jane Jones"}, "role": {"S151 officer"}})
	if stale.Chain[0] != http.StatusSeeOther || stale.Status != 200 {
		t.Fatalf("stale sign-off: %v", stale.Chain)
	}
	mustContain(t, stale, `role="alert"`, "The return changed after you read it", "Sign off version 2")

	// An empty signatory is the API's 422, shown on the page.
	empty := b.submit(carmReturn, carmReturn+"/signoff", url.Values{"version": {"2"}, "signatory": {" "}, "role": {"S151 officer"}})
	mustContain(t, empty, "That was not done:", "Sign off version 2")

	done := b.submit(carmReturn, carmReturn+"/signoff", url.Values{"version": {"2"}, "signatory": {"Jane Jones"}, "role": {"S151 officer"}})
	mustContain(t, done, `role="status"`, "Version 2 is signed off.", "Signed off by Jane Jones (S151 officer)")
	if strings.Contains(done.Body, `name="version"`) {
		t.Error("a signed-off return still offers its sign-off form")
	}
	if out := s.q2(carm); !strings.Contains(out, `"signatory":"Jane Jones"`) {
		t.Errorf("the API does not see the sign-off: %s", out)
	}
}

// A member gives and withdraws its consent to pool underspends; the RCU's
// position shows it.
func TestGivingAndWithdrawingPoolingConsent(t *testing.T) {
	s, b := signedIn(t, "west-wales/carmarthenshire")
	page := carmConsent + "?financialYear=2018-19"
	mustContain(t, b.get(page), "No consent to pool underspends in 2018-19 is given.")
	given := b.submit(page, carmConsent, url.Values{"financialYear": {"2018-19"}, "action": {"give"}, "signatory": {"Jane Jones"},
		"role": {"Chief finance officer"}, "reference": {"Cabinet minute 2018/12"}})
	mustContain(t, given, "Consent given.", "Consent to pool underspends in 2018-19 is given:", "Cabinet minute 2018/12", "Withdraw consent for 2018-19")

	rcu := s.browser()
	rcu.signIn("west-wales/unit")
	mustContain(t, rcu.get(positionPage), `<th scope="row">Carmarthenshire County Council</th><td class="status-signed">Yes</td>`)

	withdrawn := b.submit(page, carmConsent, url.Values{"financialYear": {"2018-19"}, "action": {"withdraw"}})
	mustContain(t, withdrawn, "Consent withdrawn.", "No consent to pool underspends in 2018-19 is given.")
	again := b.submit(page, carmConsent, url.Values{"financialYear": {"2018-19"}, "action": {"withdraw"}})
	mustContain(t, again, "There is no consent to withdraw.")
}

// Every page is in Welsh and English: ?lang= or the browser's
// Accept-Language chooses, the choice made by address stays on every link
// and form, and each page links to itself in the other language.
func TestPagesInWelsh(t *testing.T) {
	s := newSite(t)
	s.seed()
	b := s.browser()
	signIn := b.get("/app/sign-in?lang=cy")
	mustContain(t, signIn, `<html lang="cy">`, "<h1>Mewngofnodi</h1>", "Uned gydweithredu ranbarthol (RCU)",
		`action="/app/sign-in?lang=cy"`, `<a href="/app/sign-in?lang=en" lang="en" hreflang="en">English</a>`)
	if signIn.Header.Get("Content-Language") != "cy" {
		t.Errorf("Content-Language %q", signIn.Header.Get("Content-Language"))
	}
	home := b.post("/app/sign-in?lang=cy", url.Values{"csrf": {csrf(t, signIn)}, "role": {"west-wales/unit"}})
	mustContain(t, home, `<html lang="cy">`, "<h1>Eich tudalennau</h1>", "Wedi mewngofnodi fel", "financialYear=2018-19&amp;lang=cy")

	// Without ?lang=, the browser's language.
	b.lang = "cy-GB, en;q=0.5"
	pos := b.get(positionPage)
	mustContain(t, pos, `<html lang="cy">`, `<th scope="col">Aelod</th>`, `<th scope="col" class="num">Gorwariant</th>`,
		"Cyfanswm y gronfa", "Ad-dalu i&#39;r aelod", `hreflang="en">English</a>`,
		// the region's own names in Welsh
		"<h1>Cronfa gyfun cartrefi gofal i bobl hŷn: sefyllfa 2018-19</h1>", `<th scope="row">Cyngor Sir Gâr</th>`, "Sir Gaerfyrddin")
	b.lang = ""
	en := b.get(positionPage + "&lang=en")
	mustContain(t, en, `<html lang="en">`, `<th scope="col">Member</th>`, `hreflang="cy">Cymraeg</a>`)
	csv := b.get(strings.Replace(positionPage, "/position?", "/position.csv?", 1) + "&lang=cy")
	if !strings.HasPrefix(csv.Body, "\uFEFFAelod,Cyfraniad i'r gronfa,") || !strings.Contains(csv.Body, "\r\nCyngor Sir Gâr,16350000.00,") {
		t.Errorf("the Welsh CSV: %.200s", csv.Body)
	}
}
