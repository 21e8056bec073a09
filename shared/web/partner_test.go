package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/receipt"
)

const carmUploads = "/app/regions/west-wales/partners/carmarthenshire/uploads"

// postFile sends a form with a file as a browser does (multipart/form-data,
// from a page of the same site); csrf "" leaves the token out.
func (b *browser) postFile(action, csrf string, fields url.Values, name string, file []byte) answer {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if csrf != "" {
		w.WriteField("csrf", csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	part, _ := w.CreateFormFile("file", name)
	part.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", b.base+action, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)" enctype="multipart/form-data"`)
	hrefOf     = func(text string) *regexp.Regexp {
		return regexp.MustCompile(`href="([^"]+)"[^>]*>` + regexp.QuoteMeta(text))
	}
)

// link is the address of a page's link whose text starts with text.
func link(t *testing.T, a answer, text string) string {
	t.Helper()
	m := hrefOf(text).FindStringSubmatch(a.Body)
	if m == nil {
		t.Fatalf("%s has no link %q: %.4000s", a.URL, text, mainOf(a.Body))
	}
	return html.UnescapeString(m[1])
}

// uploadThroughForm fills in the upload form at page with a file, sends
// it, and waits on the upload's page until the file is decided.
func (b *browser) uploadThroughForm(page, name string, file []byte) answer {
	b.t.Helper()
	form := b.get(page)
	m := formAction.FindStringSubmatch(form.Body)
	if form.Status != 200 || m == nil {
		b.t.Fatalf("upload form %s: %d %.3000s", page, form.Status, mainOf(form.Body))
	}
	// The fields as the page filled them in.
	fields := url.Values{}
	for _, f := range regexp.MustCompile(`<input type="hidden" name="purpose" value="([^"]+)">`).FindAllStringSubmatch(form.Body, -1) {
		fields.Set("purpose", f[1])
	}
	for _, f := range regexp.MustCompile(`<select id="key-(\w+)"[^>]*>.*?<option value="([^"]+)" selected>`).FindAllStringSubmatch(form.Body, -1) {
		fields.Set(f[1], html.UnescapeString(f[2]))
	}
	for _, f := range regexp.MustCompile(`<input id="key-(\w+)"[^>]* value="([^"]*)"`).FindAllStringSubmatch(form.Body, -1) {
		fields.Set(f[1], html.UnescapeString(f[2]))
	}
	sent := b.postFile(html.UnescapeString(m[1]), csrf(b.t, form), fields, name, file)
	if sent.Chain[0] != http.StatusSeeOther || !strings.Contains(sent.URL, "/uploads/") {
		b.t.Fatalf("upload: %v %s %.3000s", sent.Chain, sent.URL, mainOf(sent.Body))
	}
	mustContain(b.t, sent, "The file has arrived and is being checked.")
	u, _ := url.Parse(sent.URL)
	deadline := time.Now().Add(10 * time.Second)
	for a := sent; ; a = b.get(u.RequestURI()) {
		if !strings.Contains(a.Body, "Being checked") && !strings.Contains(a.Body, "Waiting for the file") {
			return a
		}
		mustContain(b.t, a, "check again") // a pending upload's page offers itself again, without script
		if time.Now().After(deadline) {
			b.t.Fatalf("the upload was not decided: %.2000s", mainOf(a.Body))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rejectedUpload is a rejected upload as the API gives it: its errors'
// rows and columns.
type rejectedUpload struct {
	State  string
	Errors []struct {
		Row    int
		Column string
	}
}

// rejected reads an upload the API gives, failing unless it is rejected.
func rejected(t *testing.T, upload []byte) rejectedUpload {
	t.Helper()
	var st rejectedUpload
	json.Unmarshal(upload, &st)
	if st.State != "rejected" || len(st.Errors) == 0 {
		t.Fatalf("the upload was not rejected: %s", upload)
	}
	return st
}

// verify checks a downloaded receipt, and the document when given, with
// the verifier's own package against the JWK set the page links to.
func verify(t *testing.T, b *browser, page answer, jws, doc string) *receipt.Statement {
	t.Helper()
	keysAt := link(t, page, "the public key set")
	if keysAt != "/v1/receipt-keys" {
		t.Errorf("the key set's link: %s", keysAt)
	}
	keysAnswer := (&browser{t: t, base: b.base, c: http.DefaultClient}).get(keysAt) // public: no sign-in
	keys, err := receipt.ParseKeySet([]byte(keysAnswer.Body))
	if err != nil {
		t.Fatalf("key set: %v (%d)", err, keysAnswer.Status)
	}
	st, err := receipt.VerifyStatement(jws, keys)
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	if doc != "" {
		if match, err := receipt.CheckDocument(st, []byte(doc)); err != nil || match != receipt.MatchContent {
			t.Errorf("document against its receipt: %v %v", match, err)
		}
	}
	return st
}

// download fetches a file a page offers, checking it comes as an
// attachment of its name.
func download(t *testing.T, b *browser, href, name, contentType string) string {
	t.Helper()
	a := b.get(href)
	if a.Status != 200 || a.Header.Get("Content-Type") != contentType ||
		a.Header.Get("Content-Disposition") != `attachment; filename="`+name+`"` {
		t.Fatalf("download %s: %d %v", href, a.Status, a.Header)
	}
	return a.Body
}

// A partner uploads a CSV with errors through the form and sees each at its
// row and column, uploads it corrected and sees it accepted as the return's
// new version: what changed since version 1, in pounds, and the version's
// receipt and document, which the offline verifier's package accepts.
func TestAPartnerUploadsThroughTheFormAndKeepsTheReceipt(t *testing.T) {
	s, b := signedIn(t, "west-wales/carmarthenshire")
	_, tmpl := s.api("GET", "/v1/templates/quarterly-return-csv.csv", s.token("west-wales/carmarthenshire"), nil)

	home := b.get(carmHome)
	if link(t, home, "Upload a file") != carmUploads+"/new" || link(t, home, "Every upload of this partner") != carmUploads {
		t.Error("the partner's page does not lead to its uploads")
	}
	ret := b.get(carmReturn)
	mustContain(t, ret, "This is the first version: there is no version before it to compare with.")
	formPage := link(t, ret, "Upload a CSV form for this return")
	form := b.get(formPage)
	mustContain(t, form, `enctype="multipart/form-data"`, `<label for="file">The file</label>`,
		`<input id="file" name="file" type="file" required accept=".csv,text/csv" aria-describedby="file-hint">`,
		`<label for="key-fundId">Pooled fund</label>`, `<option value="care-homes-older-people" selected>`,
		`<label for="key-quarter">Quarter</label>`, `value="2018-19-Q2"`, "You are uploading: A quarterly return (CSV form).")

	// With an error: each at its row and column, as the API says.
	bad := b.uploadThroughForm(formPage, "q2.csv", []byte(strings.Replace(string(tmpl), "residential-dementia", "palace", 1)))
	badID := bad.URL[strings.LastIndex(bad.URL, "/")+1:]
	_, out := s.api("GET", slicePath(carm)+"/uploads/"+badID, s.token("west-wales/carmarthenshire"), nil)
	st := rejected(t, out)
	for _, e := range st.Errors {
		mustContain(t, bad, `<td class="num">`+strconv.Itoa(e.Row)+`</td><td>`+e.Column+`</td>`)
	}
	mustContain(t, bad, `<dd class="status-late">Rejected</dd>`, "<caption>1 error</caption>")
	rejected := download(t, b, link(t, bad, "Download the signed receipt"), "upload-"+badID+".receipt.jws", "application/jose")
	if st := verify(t, b, bad, rejected, ""); st.Action != "upload.rejected" || st.About["uploadId"] != badID {
		t.Errorf("the rejection's receipt: %+v", st)
	}

	// Corrected (and one figure changed): accepted as version 2.
	good := b.uploadThroughForm(formPage, "q2.csv", []byte(strings.Replace(string(tmpl), "2890110.40", "2990110.40", 1)))
	mustContain(t, good, `<dd class="status-signed">Accepted</dd>`, "Version 2")
	goodID := good.URL[strings.LastIndex(good.URL, "/")+1:]
	accepted := download(t, b, link(t, good, "Download the signed receipt"), "upload-"+goodID+".receipt.jws", "application/jose")
	if st := verify(t, b, good, accepted, ""); st.Action != "upload.accepted" {
		t.Errorf("the acceptance's receipt: %+v", st)
	}

	v2 := b.get(link(t, good, "Version 2"))
	mustContain(t, v2, "Changes since version 1", "changes from version 1 to version 2</caption>",
		`<th scope="col">Field</th><th scope="col">JSON pointer</th><th scope="col">Change</th><th scope="col">Before</th><th scope="col">After</th>`,
		`<th scope="row">Spend, item 2, Actual to date</th><td>/spend/1/actualToDate</td><td class="change-changed">Changed</td><td>£2,890,110.40</td><td>£2,990,110.40</td>`,
		`<pre><code>go run ./infra/verify receipt --keys receipt-keys.json --receipt quarterly-returns-care-homes-older-people-2018-19-Q2-v2.receipt.jws --document quarterly-returns-care-homes-older-people-2018-19-Q2-v2.json</code></pre>`)
	jws := download(t, b, link(t, v2, "Download the signed receipt"), "quarterly-returns-care-homes-older-people-2018-19-Q2-v2.receipt.jws", "application/jose")
	doc := download(t, b, link(t, v2, "Download the document"), "quarterly-returns-care-homes-older-people-2018-19-Q2-v2.json", "application/json")
	if st := verify(t, b, v2, jws, doc); st.About["version"] != float64(2) {
		t.Errorf("version 2's receipt is about %v", st.About)
	}
	// The version 1 document is not version 2's.
	v1doc := download(t, b, carmReturn+"/versions/1/document.json", "quarterly-returns-care-homes-older-people-2018-19-Q2-v1.json", "application/json")
	if st, _ := receipt.VerifyStatement(jws, mustKeys(t, s)); st != nil {
		if _, err := receipt.CheckDocument(st, []byte(v1doc)); err == nil {
			t.Error("version 1's document passes for version 2's receipt")
		}
	}

	// The return's page lists each version with its receipt and document.
	cur := b.get(carmReturn)
	mustContain(t, cur, `<th scope="col">Receipt</th><th scope="col">Document</th>`, ">Receipt of version 1</a>", ">Document of version 2</a>")

	// The partner's uploads, newest first.
	list := b.get(carmUploads)
	mustContain(t, list, "<caption>Uploads, newest first</caption>", ">Accepted</td>", ">Rejected</td>", "A quarterly return (CSV form)",
		"Care homes for older people pooled fund, 2018-19-Q2", `href="`+carmUploads+"/new")
	if g, r := strings.Index(list.Body, goodID), strings.Index(list.Body, badID); g < 0 || r < 0 || g > r {
		t.Errorf("the uploads are not newest first: %d %d", g, r)
	}

	// In Welsh too.
	b.lang = "cy"
	cy := b.get(link(t, good, "Version 2"))
	mustContain(t, cy, "Newidiadau ers fersiwn 1", "Gwariant, eitem 2", "Newidiwyd", "Sut i wirio&#39;r dderbynneb hon")
}

func mustKeys(t *testing.T, s *site) *receipt.KeySet {
	t.Helper()
	_, out := s.api("GET", "/v1/receipt-keys", "", nil)
	keys, err := receipt.ParseKeySet(out)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// The form refuses what the API refuses, readably: another partner's
// upload is the same 404 as a missing one, a form without its CSRF token
// is not sent, a file larger than its purpose allows is refused before
// anything is stored, and the region's sign-in has no upload form.
func TestTheUploadFormRefusesWhatTheAPIRefuses(t *testing.T) {
	s, b := signedIn(t, "west-wales/carmarthenshire")
	_, tmpl := s.api("GET", "/v1/templates/quarterly-return-csv.csv", s.token("west-wales/carmarthenshire"), nil)
	cereID, _ := s.upload(cere, map[string]any{"purpose": "quarterly-return-csv", "fundId": fund, "quarter": "2018-19-Q3"}, tmpl)

	missing := b.get(carmUploads + "/01ARZ3NDEKTSV4RRFFQ69G5FAV")
	for _, path := range []string{carmUploads + "/" + cereID, "/app/regions/west-wales/partners/ceredigion/uploads/" + cereID,
		"/app/regions/west-wales/partners/ceredigion/uploads/" + cereID + "/receipt.jws", "/app/regions/west-wales/partners/ceredigion/uploads/new",
		"/app/regions/west-wales/partners/ceredigion/uploads"} {
		a := b.get(path)
		if a.Status != 404 || mainOf(a.Body) != mainOf(missing.Body) {
			t.Errorf("%s: %d, not the missing upload's 404", path, a.Status)
		}
	}

	picker := b.get(carmUploads + "/new")
	mustContain(t, picker, "<legend>What the file is</legend>", `<label for="purpose-3">A published market position statement (PDF)</label>`)
	formPage := carmUploads + "/new?purpose=quarterly-return-csv&fundId=" + fund + "&quarter=2018-19-Q3"
	fields := url.Values{"purpose": {"quarterly-return-csv"}, "fundId": {fund}, "quarter": {"2018-19-Q3"}}
	noToken := b.postFile(carmUploads, "", fields, "q3.csv", tmpl)
	if noToken.Status != 403 {
		t.Errorf("a form without its CSRF token: %d", noToken.Status)
	}
	mustContain(t, noToken, "The form could not be sent")

	token := csrf(t, b.get(formPage))
	tooBig := append(bytes.Repeat([]byte("#"), 16<<20), '\n') // a CSV one byte over 16 MiB
	refused := b.postFile(carmUploads, token, fields, "q3.csv", tooBig)
	if refused.Chain[0] != http.StatusSeeOther || !strings.Contains(refused.URL, "/uploads/new?") {
		t.Errorf("an over-size CSV: %v %s", refused.Chain, refused.URL)
	}
	mustContain(t, refused, "That was not done:", "A quarterly-return-csv is 1 to 16777216 bytes.", `value="2018-19-Q3"`)
	huge := b.postFile(carmUploads, token, fields, "q3.csv", bytes.Repeat([]byte("#"), 21<<20))
	if huge.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a file over any limit: %d", huge.Status)
	}
	mustContain(t, huge, "The file is too large", "A CSV form may be at most 16 MiB, a published statement at most 20 MiB.")
	empty := b.postFile(carmUploads, token, fields, "q3.csv", nil)
	mustContain(t, empty, "Choose a file that is not empty to upload.")

	// Nothing was started by any of them.
	if list := b.get(carmUploads); !strings.Contains(list.Body, "No uploads yet.") {
		t.Errorf("a refused form left an upload: %.2000s", mainOf(list.Body))
	}

	// The region reads a partner's uploads but uploads nothing.
	rcu := s.browser()
	rcu.signIn("west-wales/unit")
	if a := rcu.get(carmUploads + "/new"); a.Status != 404 {
		t.Errorf("the RCU's upload form: %d", a.Status)
	}
	if a := rcu.get(carmUploads); a.Status != 200 || strings.Contains(a.Body, carmUploads+"/new") {
		t.Errorf("the RCU's list of uploads: %d, offers an upload %v", a.Status, strings.Contains(a.Body, carmUploads+"/new"))
	}
	if a := rcu.get(carmReturn); strings.Contains(a.Body, "Upload a CSV form") {
		t.Error("the RCU is offered an upload")
	}
}

// The file the pages store is bound as a presigned PUT is: to a pending
// upload of the principal's own partner, of the declared size and SHA-256.
func TestAFileIsStoredOnlyForItsPendingUpload(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	files := s.local.Files
	carmP := &auth.Principal{Subject: "dev-carmarthenshire", Region: region, Partner: carm, Scopes: []auth.Scope{auth.SubmissionsWrite, auth.SubmissionsRead}}
	data := []byte("record\n")
	sum := sha256.Sum256(data)
	body, _ := json.Marshal(map[string]any{"purpose": "quarterly-return-csv", "fundId": fund, "quarter": "2018-19-Q3", "sizeBytes": len(data), "sha256": hex.EncodeToString(sum[:])})
	started, err := files.BeginUpload(ctx, carmP, region, carm, body)
	if err != nil {
		t.Fatal(err)
	}
	id := started.Record.ID
	cereP := &auth.Principal{Subject: "dev-ceredigion", Region: region, Partner: cere, Scopes: carmP.Scopes}
	for _, c := range []struct {
		name string
		p    *auth.Principal
		data []byte
		want apperr.Code
	}{
		{"another partner's upload", cereP, data, apperr.NotFound},
		{"other bytes", carmP, []byte("record,\n"), apperr.Invalid},
		{"the declared file", carmP, data, ""},
		{"again, once it is decided", carmP, data, apperr.Conflict},
	} {
		if strings.HasPrefix(c.name, "again") {
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if u, err := files.GetUpload(ctx, carmP, region, carm, id); err != nil || u.Final() || time.Now().After(deadline) {
					break
				}
			}
		}
		partner := c.p.Partner
		_, err := files.PutUploadFile(ctx, c.p, region, partner, id, c.data)
		if got := apperr.As(err).Code; (err == nil) != (c.want == "") || err != nil && got != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
