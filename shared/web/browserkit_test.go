package web_test

// The browser tests' kit: Debian's Chromium, driven headless with chromedp
// against the local run; each page a person reaches is checked as a person
// with a screen reader, a keyboard or a screen would meet it (axe-core's
// WCAG 2.2 AA rules, Tab from the top to the end, a screenshot).

import (
	"context"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets a page must pass: WCAG 2.0, 2.1 and 2.2, A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// chrome is one headless Chromium; each person has a tab of it with cookies
// of its own.
type chrome struct {
	ctx   context.Context
	axe   string // axe.min.js
	shots string // where the screenshots go
}

// repoRoot is the module's root, above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// need fails in CI, where make test installs every tool, and skips elsewhere.
func need(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: %v (make tools installs it)", what, err)
	}
	t.Skipf("%s: %v; run make tools", what, err)
}

// newChrome starts Chromium; it stops with the test.
func newChrome(t *testing.T) *chrome {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		need(t, "chromium", err)
	}
	root := repoRoot(t)
	axe, err := os.ReadFile(filepath.Join(root, ".cache", "npm", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		need(t, "axe-core", err)
	}
	shots := filepath.Join(root, "test-artifacts", "screenshots")
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// Without the background networking, component updates and sync off,
	// Chromium keeps reaching for hosts a closed network does not have.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "en-GB"), chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	// The whole suite is bounded: a page that hangs fails it, never make test.
	bounded, stop := context.WithTimeout(t.Context(), 6*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(bounded, opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc(); stop() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting chromium: %v", err)
	}
	return &chrome{ctx: ctx, axe: string(axe), shots: shots}
}

// tab is one person at the browser: a tab in a browser context of its own,
// so its cookies are its own, on the site at base. who names its screenshots.
type tab struct {
	c    *chrome
	t    testing.TB
	ctx  context.Context
	base string
	who  string
}

func (c *chrome) person(t *testing.T, base, who string) *tab {
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// Two people's tabs run at once: each behaves as the window in front,
	// so where focus is never depends on which tab was brought forward last.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	return &tab{c: c, t: t, ctx: ctx, base: base, who: who}
}

// visit goes to an address of the site and answers the page's status.
func (b *tab) visit(path string) int64 {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return res.Status
}

// open goes to a page of the site by its address, and fails unless it is there.
func (b *tab) open(path string) {
	b.t.Helper()
	if status := b.visit(path); status != 200 {
		b.t.Fatalf("open %s: %d", path, status)
	}
}

// click clicks what the selector finds (a link or a form's button), waits
// for the page it leads to and answers its status.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s on %s: %v", sel, b.path(), err)
	}
	return res.Status
}

// follow clicks what the selector finds and fails unless the page it leads to is there.
func (b *tab) follow(sel string) {
	b.t.Helper()
	if status := b.click(sel); status != 200 {
		b.t.Fatalf("follow %s: %d at %s", sel, status, b.path())
	}
}

// fill types text into a field, key by key.
func (b *tab) fill(sel, text string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		b.t.Fatalf("fill %s: %v", sel, err)
	}
}

// eval runs an expression in the page.
func eval[T any](b *tab, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.t.Fatalf("%s: %.80s: %v", b.path(), js, err)
	}
	return v
}

// path is the page's address on the site.
func (b *tab) path() string {
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(loc, b.base)
}

// see fails unless the page shows (renders, not merely holds) every text.
func (b *tab) see(texts ...string) {
	b.t.Helper()
	shown := eval[string](b, `document.body.innerText`)
	for _, s := range texts {
		if !strings.Contains(shown, s) {
			b.t.Errorf("%s does not show %q", b.path(), s)
		}
	}
	if b.t.Failed() {
		b.t.Fatalf("the page shows: %.3000s", shown)
	}
}

// lang is the page's language, as its <html lang> says.
func (b *tab) lang() string { return eval[string](b, `document.documentElement.lang`) }

// signIn signs in as a development role from the sign-in page, as a person
// does: choose the role, press the button.
func (b *tab) signIn(role string) {
	b.t.Helper()
	b.open("/app/sign-in")
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`input[name="role"][value="`+role+`"]`))); err != nil {
		b.t.Fatal(err)
	}
	b.follow(`main form button[type="submit"]`)
	b.see("Your pages")
}

// switchLanguage follows the page's own link to itself in the other language.
func (b *tab) switchLanguage() {
	b.t.Helper()
	was := b.lang()
	b.click(`header a[hreflang]`)
	if now := b.lang(); now == was {
		b.t.Fatalf("%s: the language switch left the page in %q", b.path(), now)
	}
}

// check is every check of the page shown: a screenshot, axe-core's WCAG
// 2.2 AA rules, and a walk with the keyboard. label names the screenshot
// ("" names it by the page's address).
func (b *tab) check(label string) {
	b.t.Helper()
	if label == "" {
		label = pageName(b.path())
	}
	b.screenshot(label)
	b.axe()
	b.walk()
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9.-]+`)

// pageName is a page's address as a file name: the path under /app/ and
// the query's values but its language.
func pageName(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return unsafeName.ReplaceAllString(path, "-")
	}
	name := strings.Trim(strings.TrimPrefix(u.Path, "/app"), "/")
	if name == "" {
		name = "home"
	}
	q := u.Query()
	q.Del("lang")
	for _, k := range slices.Sorted(maps.Keys(q)) {
		name += "-" + q.Get(k)
	}
	return strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-")
}

// screenshot writes the whole page as a PNG: {who}_{page}_{lang}.png.
func (b *tab) screenshot(label string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot of %s: %v", b.path(), err)
	}
	name := filepath.Join(b.c.shots, b.who+"_"+label+"_"+b.lang()+".png")
	if err := os.WriteFile(name, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// violation is what axe-core found wrong, and where.
type violation struct {
	ID, Impact, Help string
	Nodes            []string
}

// axe runs axe-core in the page (evaluated through the DevTools protocol,
// which the page's Content-Security-Policy does not govern) and fails with
// each violation.
func (b *tab) axe() {
	b.t.Helper()
	if !eval[bool](b, `typeof axe === "object"`) {
		eval[chromedp.Void](b, b.c.axe)
	}
	found := eval[[]violation](b, `axe.run(document, {runOnly: {type: "tag", values: `+jsList(axeTags)+`}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`,
		chromedp.EvalAwaitPromise)
	for _, v := range found {
		b.t.Errorf("%s (%s): axe %s (%s): %s at %s", b.path(), b.lang(), v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
	}
}

func jsList(s []string) string { return `["` + strings.Join(s, `", "`) + `"]` }

// stopsJS lists, in the document's order, every element Tab should reach:
// links, buttons and fields (one stop for a group of radios: the checked
// one, else the first), kept in window.__stops for the walk.
const stopsJS = `(() => {
	const groups = new Set(), stops = [];
	for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
		if (el.disabled || el.type === "hidden" || el.tabIndex < 0 || !el.checkVisibility({visibilityProperty: true})) continue;
		if (el.type === "radio" && el.name) {
			const key = (el.form ? el.form.action : "") + "|" + el.name;
			if (groups.has(key)) continue;
			groups.add(key);
			const group = [...document.getElementsByName(el.name)].filter(r => r.form === el.form);
			stops.push(group.find(r => r.checked) || el);
			continue;
		}
		stops.push(el);
	}
	window.__stops = stops;
	document.activeElement && document.activeElement.blur();
	window.scrollTo(0, 0);
	return stops.map(el => el.tabIndex > 0 ? "tabindex=" + el.tabIndex + " on " + el.outerHTML.slice(0, 80) : "");
})()`

// focusJS is where focus is now: its place among the stops (-1 none), what
// it is, whether its focus is shown (an outline or a shadow under
// :focus-visible) and whether it is on the screen.
const focusJS = `(() => {
	const el = document.activeElement, st = getComputedStyle(el), r = el.getBoundingClientRect();
	const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60);
	return {
		index: window.__stops.indexOf(el),
		what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.getAttribute("href") ? "[href=" + el.getAttribute("href") + "]" : "") + " " + JSON.stringify(text),
		skip: el.matches("a.skip-link[href='#main']"),
		shown: el.matches(":focus-visible") && ((st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== "none"),
		onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
	};
})()`

type focusState struct {
	Index    int
	What     string
	Skip     bool
	Shown    bool
	OnScreen bool
}

// walk presses Tab from the top of the page to past its end: the skip link
// comes first, every link, button and field follows in the document's
// order, each with its focus shown on the screen, and the last lets focus
// go (nothing traps it).
func (b *tab) walk() {
	b.t.Helper()
	page := b.path() + " (" + b.lang() + ")"
	positive := eval[[]string](b, stopsJS)
	for _, p := range positive {
		if p != "" {
			b.t.Errorf("%s: a positive %s reorders the keyboard's path", page, p)
		}
	}
	for i := 0; i <= len(positive); i++ {
		if err := chromedp.Do(b.ctx, chromedp.KeyEvent("\t")); err != nil {
			b.t.Fatal(err)
		}
		at := eval[focusState](b, focusJS)
		switch {
		case i == len(positive):
			if at.Index > 0 {
				b.t.Errorf("%s: Tab after the last stop kept focus in the page, on %s", page, at.What)
			}
			return
		case i == 0 && !at.Skip:
			b.t.Errorf("%s: the first Tab reached %s, not the skip link", page, at.What)
		case at.Index != i:
			b.t.Errorf("%s: Tab %d reached %s (stop %d), not stop %d of %d", page, i+1, at.What, at.Index, i, len(positive))
			return
		}
		if !at.Shown {
			b.t.Errorf("%s: the focus on %s is not shown", page, at.What)
		}
		if !at.OnScreen {
			b.t.Errorf("%s: the focus on %s is off the screen", page, at.What)
		}
	}
}

// links are the page's links to other pages of the site (not the language
// switch, not a download), as addresses on the site.
func (b *tab) links() []string {
	hrefs := eval[[]string](b, `[...document.querySelectorAll("a[href]:not([hreflang])")].map(a => a.href)`)
	var out []string
	for _, h := range hrefs {
		u, err := url.Parse(h)
		if err != nil || u.Scheme+"://"+u.Host != b.base || !strings.HasPrefix(u.Path, "/app/") ||
			isDownload(u.Path) || strings.HasPrefix(u.Path, "/app/static/") {
			continue
		}
		u.Fragment = ""
		out = append(out, u.RequestURI())
	}
	return out
}

// isDownload is a link to a file to keep rather than a page: a CSV, a
// receipt, a document, a chain or an export's file.
func isDownload(path string) bool {
	for _, ext := range []string{".csv", ".jws", ".json", ".jsonl", ".xlsx", ".zip"} {
		if strings.HasSuffix(path, ext) {
			return true
		}
	}
	return strings.Contains(path, "/files/")
}

// shape is what makes a page a page of its own for the crawl: its path with
// every name or period in it a wildcard, and its query's keys. The same
// page for another year, fund or partner adds nothing to check.
func shape(path string) string {
	u, _ := url.Parse(path)
	segs := strings.Split(u.Path, "/")
	for i := range segs {
		if i > 0 && slices.Contains([]string{"regions", "partners", "funds", "versions", "uploads"}, segs[i-1]) || strings.ContainsAny(segs[i], "0123456789") {
			segs[i] = "*"
		}
	}
	keys := slices.Sorted(maps.Keys(u.Query()))
	return strings.Join(segs, "/") + "?" + strings.Join(keys, "&")
}

// crawl visits every page reachable from start by links, one of each
// shape and at most max of them, and checks each in English and, through
// its language switch, in Welsh. It returns the addresses visited.
func (b *tab) crawl(start string, max int) []string {
	b.t.Helper()
	seen := map[string]bool{shape(start): true}
	queue, visited := []string{start}, []string(nil)
	for len(queue) > 0 && len(visited) < max {
		path := queue[0]
		queue = queue[1:]
		b.open(path)
		visited = append(visited, path)
		for _, l := range b.links() {
			if !seen[shape(l)] {
				seen[shape(l)] = true
				queue = append(queue, l)
			}
		}
		b.check("")
		b.switchLanguage()
		b.check("")
	}
	if len(queue) > 0 {
		b.t.Errorf("the crawl from %s stopped at %d pages with %d unvisited: %v", start, max, len(queue), queue)
	}
	return visited
}
