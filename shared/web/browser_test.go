package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The pages in a real browser: the RCU and a partner each sign in and do
// what they came to do by clicking, typing and following links, then every
// page each of them can reach from the home page is checked in English and
// Welsh: axe-core finds no WCAG 2.2 AA violation, the keyboard alone
// reaches everything in order with its focus shown, and a screenshot of
// each is left in test-artifacts/screenshots/. A new page linked from a
// page already reached is crawled and checked with no change here; a page
// reached only through a form gets a flow below (or a line in checkAlso).
func TestInABrowser(t *testing.T) {
	s := newSite(t)
	s.seed()
	c := newChrome(t)

	t.Run("the checks find faults", func(t *testing.T) { checksFindFaults(t, c) })

	t.Run("signed out", func(t *testing.T) {
		b := c.person(t, s.base, "signed-out")
		b.open("/app/sign-in")
		b.check("sign-in")
		b.switchLanguage()
		b.see("Mewngofnodi")
		b.check("sign-in")
	})

	t.Run("the RCU", func(t *testing.T) {
		t.Parallel()
		b := c.person(t, s.base, "rcu")
		b.signIn("west-wales/unit")
		// West Wales's position for 2018-19, from the home page's link.
		b.follow(`main a[href*="/position?financialYear=2018-19"]`)
		b.see("Care homes for older people", "Carmarthenshire County Council", "£16,350,000.00", "−£250,000.00", "Fund total")
		b.switchLanguage()
		b.see("Cyfanswm y gronfa", "Cyngor Sir Gâr", "£16,350,000.00")
		b.switchLanguage()

		// An export of the region, requested through its form.
		b.open("/app/regions/" + region + "/exports")
		b.follow(`main form:has(#export-format) button[type="submit"]`)
		b.see("requested.")
		b.check("export-requested")

		checkAlso(b, "/app/no-such-page")
		t.Logf("the RCU's pages: %s", strings.Join(b.crawl("/app/", 40), " "))
	})

	t.Run("a partner", func(t *testing.T) {
		t.Parallel()
		b := c.person(t, s.base, "carmarthenshire")
		b.signIn("west-wales/carmarthenshire")
		b.follow(`main a[href$="/partners/carmarthenshire/"]`)
		b.see("Quarterly returns", "Care homes for older people pooled fund, 2018-19-Q2", "Not signed off")
		home := b.path()

		// Its Q2 return, signed off through the return's form.
		b.follow(`main a[href$="/quarterly-returns/care-homes-older-people/2018-19-Q2"]`)
		b.check("return-to-sign")
		b.fill("#signatory", "Jane Jones")
		b.fill("#role", "S151 officer")
		b.follow(`main form[action$="/signoff"] button[type="submit"]`)
		b.see("Version 1 is signed off.", "Signed off by Jane Jones (S151 officer)")
		b.check("return-signed")

		// Consent to pool underspends, given through its form.
		b.open(home)
		b.follow(`main a[href*="/pooling-consent"]`)
		b.fill("#give-signatory", "Jane Jones")
		b.fill("#give-role", "Chief finance officer")
		b.fill("#give-reference", "Cabinet minute 2018/12")
		b.follow(`main form input[name="action"][value="give"] ~ button`)
		b.see("Consent given.", "Cabinet minute 2018/12")
		b.check("consent-given")

		// The fund's Q2 report, signed for the member through its form.
		b.open("/app/regions/" + region + "/funds/" + fund + "/reports/2018-19-Q2")
		b.check("report-to-sign")
		b.fill("#report-signatory", "Jane Jones")
		b.follow(`main form[action$="/signoffs"] button[type="submit"]`)
		b.see("The report for 2018-19-Q2 is signed.", "Jane Jones")
		b.check("report-signed")

		// A CSV sent through the upload form is rejected, its errors read
		// by row and column; the corrected file, sent again, is accepted.
		_, tmpl := s.api("GET", "/v1/templates/quarterly-return-csv.csv", s.token("west-wales/carmarthenshire"), nil)
		form := home + "uploads/new?purpose=quarterly-return-csv&fundId=" + fund + "&quarter=2018-19-Q3"
		b.uploadThroughForm(form, []byte(strings.Replace(string(tmpl), "residential-dementia", "palace", 1)))
		b.see("Rejected", "1 error", "spend-category.invalid")
		b.check("upload-rejected")
		b.switchLanguage()
		b.see("Gwrthodwyd")
		b.check("upload-rejected")
		b.switchLanguage()
		b.uploadThroughForm(form, tmpl)
		b.see("Accepted")
		b.check("upload-accepted")

		checkAlso(b, home+"quarterly-returns") // linked only when the home page's list is cut short
		t.Logf("the partner's pages: %s", strings.Join(b.crawl("/app/", 40), " "))
	})
}

// uploadThroughForm sends file from the upload form at page, and waits as
// a person would: following the upload page's "check again" link until the
// file is decided.
func (b *tab) uploadThroughForm(page string, file []byte) {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), "return.csv")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		b.t.Fatal(err)
	}
	b.open(page)
	b.check("upload-form")
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path})); err != nil {
		b.t.Fatalf("choose the file: %v", err)
	}
	b.follow(`main form:has(#file) button[type="submit"]`)
	for deadline := time.Now().Add(20 * time.Second); eval[bool](b, `document.querySelector("p.pending a") !== null`); {
		if time.Now().After(deadline) {
			b.t.Fatalf("the upload at %s was not decided", b.path())
		}
		time.Sleep(50 * time.Millisecond)
		b.follow("p.pending a")
	}
}

// checkAlso checks pages no link reaches (an error page; a page a form
// leads to), in English and in Welsh.
func checkAlso(b *tab, paths ...string) {
	b.t.Helper()
	for _, p := range paths {
		b.visit(p)
		b.check("")
		b.switchLanguage()
		b.check("")
	}
}

// recorder keeps a test's errors instead of failing it, to test the checks.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

// faultyPages are pages with what the checks are there to find.
var faultyPages = map[string]string{
	// An unlabelled field, pale text, no skip link, a link whose focus is
	// hidden and one that jumps the keyboard's queue.
	"/faulty": `<!doctype html><html lang="en"><head><title>Faulty</title>
<style>a:focus { outline: none; } .pale { color: #bbb; }</style></head><body>
<a href="/elsewhere">First link</a>
<main><h1>Faulty</h1><p class="pale">Pale text</p>
<form><input type="text" name="q"><button type="submit">Go</button></form>
<a href="/later" tabindex="2">Jumps the queue</a></main></body></html>`,
	// A skip link that stays off the screen, and a last field that keeps the focus.
	"/trap": `<!doctype html><html lang="en"><head><title>Trap</title>
<style>.skip-link { position: absolute; left: -9999px; }</style></head><body>
<a class="skip-link" href="#main">Skip to main content</a>
<main id="main"><h1>Trap</h1><label for="q">Search</label><input id="q" type="text">
<script>document.getElementById("q").addEventListener("keydown", e => { if (e.key === "Tab") e.preventDefault(); });</script>
</main></body></html>`,
}

// The checks fail a page for each fault a person would meet.
func checksFindFaults(t *testing.T, c *chrome) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, faultyPages[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	for path, want := range map[string][]string{
		"/faulty": {"axe label (critical)", "axe color-contrast (serious)", "the first Tab reached a[href=/later]",
			"the focus on a[href=/later] \"Jumps the queue\" is not shown", "a positive tabindex=2"},
		"/trap": {"the focus on a[href=#main] \"Skip to main content\" is off the screen", "kept focus in the page, on input#q"},
	} {
		rec := &recorder{TB: t}
		b := c.person(t, srv.URL, "faulty")
		b.t = rec
		b.open(path)
		b.check("")
		for _, w := range want {
			if !strings.Contains(strings.Join(rec.errs, "\n"), w) {
				t.Errorf("%s: the checks did not find %q; they found:\n%s", path, w, strings.Join(rec.errs, "\n"))
			}
		}
	}
}
