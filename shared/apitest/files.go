package apitest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/export"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the workbook writer: this process builds exports
	"github.com/regional-data-exchange/rdx/shared/receipt"

	"github.com/xuri/excelize/v2"
)

type started struct {
	UploadID, URL, Method string
	Headers               map[string]string
}

type uploadState struct {
	UploadID string
	State    string
	Failure  string
	Key      map[string]any
	Version  *struct {
		Version int
		Href    string
	}
	Errors []struct {
		Row                   int
		Column, Code, Message string
	}
}

// expectWelshUpload fails when the upload read in Welsh has an error that is
// not the English one in Welsh, at the same row, column and code.
func expectWelshUpload(t *testing.T, e *Env, partner string, en uploadState) {
	t.Helper()
	r := e.Do(Req{Method: "GET", Path: SlicePath(WW, partner) + "/uploads/" + en.UploadID + "?lang=cy", Token: e.PartnerToken(WW, partner)})
	expectLanguage(t, r, "cy")
	var cy uploadState
	decode(t, r, &cy)
	if len(cy.Errors) != len(en.Errors) {
		t.Fatalf("%d errors in Welsh, %d in English", len(cy.Errors), len(en.Errors))
	}
	for i, c := range cy.Errors {
		w := en.Errors[i]
		if c.Row != w.Row || c.Column != w.Column || c.Code != w.Code || c.Message == w.Message || c.Message == "" {
			t.Errorf("row %d %s %s in Welsh: %q; in English: %q", w.Row, w.Column, w.Code, c.Message, w.Message)
		}
	}
}

// upload is uploadTo a partner of West Wales.
func upload(t *testing.T, e *Env, partner string, fields map[string]any, file []byte) uploadState {
	t.Helper()
	return uploadTo(t, e, WW, partner, fields, file)
}

// uploadTo starts an upload, PUTs the file to its presigned URL, delivers
// the ObjectCreated event as S3 (or the local blob server) would, and
// returns the upload's state.
func uploadTo(t *testing.T, e *Env, region, partner string, fields map[string]any, file []byte) uploadState {
	t.Helper()
	id := startUpload(t, e, region, partner, fields, file)
	if err := e.App.Files.UploadArrived(t.Context(), "uploads", "uploads/"+region+"/"+partner+"/"+id); err != nil {
		t.Fatalf("validate upload: %v", err)
	}
	return uploadStateOf(t, e, region, partner, id)
}

// startUpload starts an upload and, unless file is nil, PUTs the file to
// its presigned URL; it returns the upload's id.
func startUpload(t *testing.T, e *Env, region, partner string, fields map[string]any, file []byte) string {
	t.Helper()
	sum := sha256.Sum256(file)
	fields["sizeBytes"], fields["sha256"] = max(len(file), 1), hex.EncodeToString(sum[:])
	body, _ := json.Marshal(fields)
	r := e.Do(Req{Method: "POST", Path: SlicePath(region, partner) + "/uploads", Token: e.PartnerToken(region, partner), Body: body})
	expectStatus(t, r, 201)
	var s started
	json.Unmarshal(r.Body, &s)
	if file == nil {
		return s.UploadID
	}
	if status, out := e.SendPresigned(s.Method, s.URL, s.Headers, file); status/100 != 2 {
		t.Fatalf("presigned %s: %d %s", s.Method, status, out)
	}
	return s.UploadID
}

// uploadStateOf reads an upload through the API.
func uploadStateOf(t *testing.T, e *Env, region, partner, id string) uploadState {
	t.Helper()
	got := e.Get(SlicePath(region, partner)+"/uploads/"+id, e.PartnerToken(region, partner))
	expectStatus(t, got, 200)
	var st uploadState
	json.Unmarshal(got.Body, &st)
	return st
}

func returnUpload(quarter string) map[string]any {
	return map[string]any{"purpose": "quarterly-return-csv", "fundId": Fund, "quarter": quarter}
}

// testUploadsEndToEnd: template, filled CSV, presigned PUT, an accepted
// version identical to the same figures posted as JSON.
func testUploadsEndToEnd(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	tmpl := e.Get("/v1/templates/quarterly-return-csv.csv", tok)
	expectStatus(t, tmpl, 200)
	st := upload(t, e, Carm, returnUpload("2018-19-Q2"), tmpl.Body)
	if st.State != "accepted" || st.Version == nil || st.Version.Version != 1 {
		t.Fatalf("upload: %+v", st)
	}
	// The same figures as JSON are the same content: no new version.
	same := e.Put(QRPath, tok, Example(t, "quarterly-return.json"))
	expectStatus(t, same, 200)
	if v := versionsOf(t, e, QRPath, tok); len(v) != 1 {
		t.Errorf("versions %v: the CSV and the JSON differ", v)
	}
	if audit := string(e.Get("/v1/regions/west-wales/audit", tok).Body); !strings.Contains(audit, "upload.accepted") || !strings.Contains(audit, "submission.version-created") {
		t.Errorf("the upload is not audited like a PUT: %s", audit)
	}
	xlsx := e.Get("/v1/templates/population-assessment-csv.xlsx", tok)
	expectStatus(t, xlsx, 200)
	if _, err := excelize.OpenReader(bytes.NewReader(xlsx.Body)); err != nil {
		t.Errorf("the XLSX template does not open: %v", err)
	}
	expectStatus(t, e.Get("/v1/templates/market-position-document.csv", tok), 404)
	pop := upload(t, e, Cere, map[string]any{"purpose": "population-assessment-csv", "areaCode": "W06000008", "assessmentYear": 2022},
		e.Get("/v1/templates/population-assessment-csv.csv", tok).Body)
	if pop.State != "accepted" {
		t.Errorf("population upload: %+v", pop)
	}
	// Another partner's upload is the same 404 as none at all.
	expectStatus(t, e.Get(SlicePath(WW, Cere)+"/uploads/nothing", e.PartnerToken(WW, Cere)), 404)
}

// testBadUploads: each bad file gets a clear result, never a crash or a hang.
func testBadUploads(t *testing.T, e *Env) {
	tmpl := string(e.Get("/v1/templates/quarterly-return-csv.csv", e.PartnerToken(WW, Carm)).Body)
	lines := strings.Split(strings.TrimRight(tmpl, "\r\n"), "\r\n")
	header := lines[0]
	cases := []struct {
		name  string
		file  []byte
		state string
		code  string
	}{
		{"a UTF-8 BOM is accepted", append([]byte("\ufeff"), tmpl...), "accepted", ""},
		{"UTF-16", append([]byte{0xff, 0xfe}, []byte("r\x00e\x00")...), "rejected", "csv.utf16"},
		{"not UTF-8", []byte(header + "\r\ncommentary,,,,,,caf\xe9,,,\r\n"), "rejected", "csv.encoding"},
		{"a ragged row", []byte(header + "\r\nrating,,,\r\n"), "rejected", "csv.ragged-row"},
		{"formula injection", []byte(strings.Replace(tmpl, "Nursing placements", "=1+2", 1)), "rejected", "csv.formula"},
		{"a formula behind a no-break space", []byte(strings.Replace(tmpl, "Nursing placements", "\u00a0=HYPERLINK(A1)", 1)), "rejected", "csv.formula"},
		{"a formula behind an ideographic space", []byte(strings.Replace(tmpl, "Nursing placements", "\u3000@SUM(1+1)", 1)), "rejected", "csv.formula"},
		{"too many rows", []byte(header + "\r\n" + strings.Repeat("kpi,,,,,avg-weekly-fee,1,GBP,,\r\n", 50000)), "rejected", "csv.too-many-rows"},
		{"a rule of the data dictionary, at its row and column", []byte(strings.Replace(tmpl, "residential-dementia", "palace", 1)), "rejected", "spend-category.invalid"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := upload(t, e, Carm, returnUpload(fmt.Sprintf("2019-20-Q%d", i%4+1)), c.file)
			if st.State != c.state {
				t.Fatalf("state %s, want %s: %+v", st.State, c.state, st)
			}
			if c.code != "" && (len(st.Errors) == 0 || st.Errors[0].Code != c.code) {
				t.Errorf("errors %+v, want %s first", st.Errors, c.code)
			}
			if c.code == "spend-category.invalid" && (st.Errors[0].Row == 0 || st.Errors[0].Column != "category") {
				t.Errorf("the rule's error is not at its row and column: %+v", st.Errors[0])
			}
			expectWelshUpload(t, e, Carm, st)
		})
	}
	// Every error at once, each at its row and column as the file numbers
	// them (the template's note rows counted): the cells' (a count that is
	// not a number, the example's third row) and the data dictionary's on
	// the rows that passed (a negative count, its second; a year out of
	// range, its fourth).
	pop := string(e.Get("/v1/templates/population-assessment-csv.csv", e.PartnerToken(WW, Cere)).Body)
	popLines := strings.Split(pop, "\r\n")
	rowOf := func(s string) int {
		return slices.IndexFunc(popLines, func(l string) bool { return strings.Contains(l, s) }) + 1
	}
	for from, to := range map[string]string{",6900,": ",-6900,", ",2300,": ",lots,", "population,2030,": "population,2100,"} {
		pop = strings.Replace(pop, from, to, 1)
	}
	st := upload(t, e, Cere, map[string]any{"purpose": "population-assessment-csv", "areaCode": "W06000008", "assessmentYear": 2022}, []byte(pop))
	var got []string
	for _, er := range st.Errors {
		got = append(got, fmt.Sprintf("%d %s %s", er.Row, er.Column, er.Code))
	}
	want := []string{fmt.Sprintf("%d count count.invalid", rowOf(",6900,")), fmt.Sprintf("%d count csv.not-a-number", rowOf(",2300,")),
		fmt.Sprintf("%d year population.year-out-of-range", rowOf("population,2030,"))}
	if rowOf(",6900,") < 3 || st.State != "rejected" || !slices.Equal(got, want) {
		t.Errorf("a file with three errors: %s %q, want %q", st.State, got, want)
	}
	expectWelshUpload(t, e, Cere, st)
	// An empty file, or one over the limit, is refused before any upload.
	r := e.Do(Req{Method: "POST", Path: SlicePath(WW, Carm) + "/uploads", Token: e.PartnerToken(WW, Carm),
		Body: []byte(`{"purpose":"quarterly-return-csv","fundId":"care-homes-older-people","quarter":"2019-20-Q1","sizeBytes":0,"sha256":"` + strings.Repeat("0", 64) + `"}`)})
	expectError(t, r, "upload.size-invalid", "/sizeBytes")
	r = e.Do(Req{Method: "POST", Path: SlicePath(WW, Carm) + "/uploads", Token: e.PartnerToken(WW, Carm),
		Body: []byte(`{"purpose":"quarterly-return-csv","fundId":"care-homes-older-people","quarter":"2019-20-Q1","sizeBytes":1.5,"sha256":"0x` + strings.Repeat("0", 62) + `"}`)})
	expectError(t, r, "count.invalid", "/sizeBytes")
	expectError(t, r, "upload.sha256-invalid", "/sha256")
	// A PDF statement, once accepted, can be named by a market position statement.
	statement := map[string]any{"purpose": "market-position-document", "areaCode": "W06000009", "financialYear": "2024-25"}
	pdf := MinimalPDF("Market position statement")
	doc := upload(t, e, Pemb, statement, pdf)
	if doc.State != "accepted" {
		t.Fatalf("a well-formed PDF: %+v", doc)
	}
	// It is served back only as a download, of a type the browser may not sniff.
	dl := e.Get(SlicePath(WW, Pemb)+"/uploads/"+doc.UploadID+"/document", e.PartnerToken(WW, Pemb))
	expectStatus(t, dl, 200)
	if dl.Header.Get("Content-Disposition") != `attachment; filename="pembrokeshire-market-position-W06000009-2024-25.pdf"` ||
		dl.Header.Get("X-Content-Type-Options") != "nosniff" || dl.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(dl.Body, pdf) {
		t.Errorf("the document served as %v (%d bytes)", dl.Header, len(dl.Body))
	}
	expectStatus(t, e.Get(SlicePath(WW, Pemb)+"/uploads/"+doc.UploadID+"/document", e.RCUToken(WW)), 200)
	// It must parse as a PDF: first and last bytes that look right are not one.
	for name, body := range map[string]string{
		"not a PDF at all":        "<html>not a pdf</html>",
		"HTML after a PDF header": "%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n",
	} {
		notPDF := upload(t, e, Pemb, statement, []byte(body))
		if notPDF.State != "rejected" || notPDF.Errors[0].Code != "upload.not-pdf" {
			t.Errorf("%s: %+v", name, notPDF)
		}
		expectStatus(t, e.Get(SlicePath(WW, Pemb)+"/uploads/"+notPDF.UploadID+"/document", e.PartnerToken(WW, Pemb)), 404)
	}
}

type exportDoc struct {
	ExportID, State string
	Manifest        struct {
		AsAt  string
		Files []struct {
			Name, SHA256 string
			Bytes        int
		}
	}
	ManifestJWS string
	Downloads   []struct{ Name, URL, SHA256 string }
}

func requestExport(t *testing.T, e *Env, token, region, format string) exportDoc {
	t.Helper()
	return requestYearExport(t, e, token, region, "2019-20", format)
}

func requestYearExport(t *testing.T, e *Env, token, region, year, format string) exportDoc {
	t.Helper()
	r := e.Do(Req{Method: "POST", Path: "/v1/exports", Token: token, Body: []byte(`{"region":"` + region + `","financialYear":"` + year + `","format":"` + format + `"}`)})
	if r.Status != 201 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	var d exportDoc
	json.Unmarshal(r.Body, &d)
	return d
}

// fileHashes maps each file of an export to its SHA-256, checking the
// downloaded bytes match the manifest and the manifest its signature. The
// signature itself is left out: ECDSA signs differently each time, so two
// signatures of one manifest differ; what they sign does not.
func fileHashes(t *testing.T, e *Env, d exportDoc) map[string]string {
	t.Helper()
	folder := exportFolder(t, e, d)
	if err := checkExportFolder(folder, receiptKeys(t, e)); err != nil {
		t.Errorf("export %s, checked against its signed manifest: %v", d.ExportID, err)
	}
	out := map[string]string{}
	for name, b := range folder {
		if name != export.SignatureFile {
			out[name] = receipt.Hash(b)
		}
	}
	return out
}

// exportFolder downloads every file of an export, as a recipient keeps
// them, checking each is the size and SHA-256 its download names.
func exportFolder(t *testing.T, e *Env, d exportDoc) map[string][]byte {
	t.Helper()
	folder := map[string][]byte{}
	for _, dl := range d.Downloads {
		status, body := e.SendPresigned("GET", dl.URL, nil, nil)
		if status != 200 {
			t.Fatalf("download %s: %d", dl.Name, status)
		}
		if receipt.Hash(body) != dl.SHA256 {
			t.Errorf("%s: downloaded bytes differ from the download's sha256", dl.Name)
		}
		folder[dl.Name] = body
	}
	return folder
}

func download(t *testing.T, e *Env, d exportDoc, name string) []byte {
	t.Helper()
	for _, dl := range d.Downloads {
		if dl.Name == name {
			_, body := e.SendPresigned("GET", dl.URL, nil, nil)
			return body
		}
	}
	t.Fatalf("no %s in the export", name)
	return nil
}

// testExports: reproducible files, a changed figure changing exactly the
// files that hold it, and XLSX cells equal to the JSON.
func testExports(t *testing.T, e *Env) {
	seedFundYear(t, e)
	gov := e.GovToken()
	first := requestExport(t, e, gov, WW, "csv")
	if first.State != "ready" || len(first.Manifest.Files) < 10 {
		t.Fatalf("export: %+v", first)
	}
	a := fileHashes(t, e, first)
	b := fileHashes(t, e, requestExport(t, e, gov, WW, "csv"))
	for name, h := range a {
		if b[name] != h {
			t.Errorf("%s differs between two exports of the same data", name)
		}
	}
	// Carmarthenshire revises its Q2 actual: only the files holding it change.
	expectStatus(t, e.Put(fundPath(Carm, "quarterly-returns", "2019-20-Q2"), e.PartnerToken(WW, Carm), returnBody(t, Fund, "2019-20-Q2",
		[]line{{"social-care", "W06000010", "residential", "710000.00", "1300000.00"}},
		[]line{{"social-care", "W06000010", "client-contributions", "50000.00", "60000.00"}})), 201)
	c := fileHashes(t, e, requestExport(t, e, gov, WW, "csv"))
	var changed []string
	for name, h := range a {
		if c[name] != h {
			changed = append(changed, name)
		}
	}
	want := "fund_position.csv fund_position_partners.csv manifest.json quarterly_return_lines.csv quarterly_returns.csv versions.csv"
	if got := strings.Join(sorted(changed), " "); got != want {
		t.Errorf("changed files: %s\nwant: %s", got, want)
	}
	lines := string(download(t, e, requestExport(t, e, gov, WW, "csv"), "quarterly_return_lines.csv"))
	if !strings.Contains(lines, "710000.00") || strings.Contains(lines, "710,000") {
		t.Errorf("money in CSV: %s", lines)
	}
	// The workbook's cells equal the JSON export's.
	jsonCells := download(t, e, requestExport(t, e, gov, WW, "json"), "fund_position.json")
	book, err := excelize.OpenReader(bytes.NewReader(download(t, e, requestExport(t, e, gov, WW, "xlsx"), "export.xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	json.Unmarshal(jsonCells, &rows)
	got, _ := book.GetRows("fund_position", excelize.Options{RawCellValue: true})
	if len(got) != len(rows)+1 {
		t.Fatalf("fund_position: %d sheet rows, %d JSON rows", len(got), len(rows))
	}
	for i, row := range rows {
		if fmt.Sprint(row["partner"]) != got[i+1][2] || !sameMoney(row["contribution"], got[i+1][5]) {
			t.Errorf("row %d: sheet %v, JSON %v", i, got[i+1], row)
		}
	}
	// The RCU exports its own region only; another region's export is not found.
	own := requestExport(t, e, e.RCUToken(WW), WW, "json")
	r := e.Do(Req{Method: "POST", Path: "/v1/exports", Token: e.RCUToken(WW), Body: []byte(`{"region":"cheshire-west","financialYear":"2019-20","format":"csv"}`)})
	expectStatus(t, r, 403)
	expectStatus(t, e.Get("/v1/exports/"+own.ExportID, e.RCUToken("cheshire-west")), 404)
	expectStatus(t, e.Get("/v1/exports/"+own.ExportID, gov), 200)
	expectStatus(t, e.Get("/v1/exports/"+own.ExportID, e.PartnerToken(WW, Carm)), 403)
	expectError(t, e.Do(Req{Method: "POST", Path: "/v1/exports", Token: gov, Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"pdf"}`)}), "export.format-invalid", "/format")
	testQueuedExport(t, e, a)
}

// testQueuedExport: deployed, the API answers 202 and the exports function
// builds the export from its job object, to the same bytes.
func testQueuedExport(t *testing.T, e *Env, want map[string]string) {
	q := NewEnv(t, e.Backend)
	q.cfg.QueueExports = true
	q.build(e.Backend)
	r := q.Do(Req{Method: "POST", Path: "/v1/exports", Token: q.GovToken(), Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv"}`)})
	expectStatus(t, r, 202)
	var d exportDoc
	json.Unmarshal(r.Body, &d)
	if d.State != "building" || len(d.Downloads) != 0 {
		t.Fatalf("queued export: %s", r.Body)
	}
	if err := q.App.Exports.RunExport(t.Context(), "jobs/"+d.ExportID); err != nil {
		t.Fatal(err)
	}
	got := q.Get("/v1/exports/"+d.ExportID, q.GovToken())
	expectStatus(t, got, 200)
	json.Unmarshal(got.Body, &d)
	if d.State != "ready" {
		t.Fatalf("after its job: %s", got.Body)
	}
	if h := fileHashes(t, q, d); h["pool_contributions.csv"] != want["pool_contributions.csv"] {
		t.Errorf("the queued export's files differ from the one built in place")
	}
}

// sameMoney compares a JSON money string ("1200000.00") with a workbook's
// raw number ("1200000"), as decimals.
func sameMoney(j any, cell string) bool {
	s, _ := j.(string)
	norm := func(v string) string {
		if strings.Contains(v, ".") {
			v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
		}
		return v
	}
	return norm(s) == norm(cell)
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
