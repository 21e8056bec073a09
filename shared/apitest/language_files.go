package apitest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// utf8BOM is how a file for spreadsheets in Welsh starts.
const utf8BOM = "\uFEFF"

// testTemplatesInWelsh: a Welsh officer asking for a form gets its
// instructions in Welsh (the workbook's instructions sheet, the CSV's note
// rows), under the same header of machine names as in English; the Welsh
// forms, filled in, are accepted as the English ones are, and make the same
// submission.
func testTemplatesInWelsh(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	book := e.Do(welsh(Req{Method: "GET", Path: "/v1/templates/quarterly-return-csv.xlsx", Token: tok}))
	expectStatus(t, book, 200)
	expectLanguage(t, book, "cy")
	x, err := excelize.OpenReader(bytes.NewReader(book.Body))
	if err != nil {
		t.Fatalf("the Welsh workbook does not open: %v", err)
	}
	defer x.Close()
	if got := x.GetSheetList(); !slices.Equal(got, []string{"quarterly-return", "Cyfarwyddiadau"}) {
		t.Fatalf("the Welsh workbook's sheets are %q", got)
	}
	guide, _ := x.GetRows("Cyfarwyddiadau")
	var text strings.Builder
	for _, r := range guide {
		text.WriteString(strings.Join(r, " ") + "\n")
	}
	for _, w := range []string{"Sut i lenwi'r ffurflen chwarterol", "Mae arian mewn punnoedd", "blwyddyn ariannol", "forecast_outturn"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("the instructions sheet does not say %q:\n%s", w, text.String())
		}
	}
	if en := e.Get("/v1/templates/quarterly-return-csv.xlsx", tok); en.Header.Get("Content-Language") != "en" || bytes.Equal(en.Body, book.Body) {
		t.Errorf("asked in no language, the workbook is %q, the same as the Welsh: %v", en.Header.Get("Content-Language"), bytes.Equal(en.Body, book.Body))
	}

	// The CSV in Welsh: a byte order mark, the header of names, Welsh notes.
	cy := e.Get("/v1/templates/quarterly-return-csv.csv?lang=cy", tok)
	expectStatus(t, cy, 200)
	expectLanguage(t, cy, "cy")
	en := e.Get("/v1/templates/quarterly-return-csv.csv", tok)
	expectLanguage(t, en, "en")
	enHeader, _, _ := strings.Cut(string(en.Body), "\r\n")
	cyHeader, cyRest, _ := strings.Cut(string(cy.Body), "\r\n")
	if cyHeader != utf8BOM+enHeader || strings.HasPrefix(enHeader, utf8BOM) || !strings.HasPrefix(enHeader, "record,") {
		t.Errorf("headers: Welsh %q, English %q; want the same names, the Welsh after a byte order mark", cyHeader, enHeader)
	}
	if !strings.HasPrefix(cyRest, "# Sut i lenwi'r ffurflen chwarterol") || !strings.Contains(string(en.Body), "\r\n# How to fill in the quarterly return form") {
		t.Errorf("the notes are not in each language:\n%s", cy.Body)
	}

	// Filled in and sent as it comes, each is the same return: the English
	// makes the version, the Welsh the same content (no new version), and
	// the Welsh workbook's form saved as CSV a version of another quarter.
	for _, c := range []struct {
		quarter string
		file    []byte
	}{{"2018-19-Q2", en.Body}, {"2018-19-Q2", cy.Body}, {"2018-19-Q3", savedAsCSV(t, x, "quarterly-return")}} {
		if st := upload(t, e, Carm, returnUpload(c.quarter), c.file); st.State != "accepted" {
			t.Errorf("the form for %s, filled in: %+v", c.quarter, st)
		}
	}
	if v := versionsOf(t, e, QRPath, tok); len(v) != 1 {
		t.Errorf("the English and the Welsh forms made %d versions of one return, want 1", len(v))
	}
	q3 := strings.Replace(QRPath, "2018-19-Q2", "2018-19-Q3", 1)
	if v := versionsOf(t, e, q3, tok); len(v) != 1 {
		t.Errorf("the Welsh workbook saved as CSV made %d versions", len(v))
	}

	// A fund's form in Welsh names the fund's lists under Welsh notes.
	fund := e.Get("/v1/templates/quarterly-return-csv.csv?region=west-wales&fund="+Fund+"&lang=cy", tok)
	expectStatus(t, fund, 200)
	expectLanguage(t, fund, "cy")
	if !strings.Contains(string(fund.Body), "# categorïau gwariant (category): ") || !strings.Contains(string(fund.Body), "residential-dementia") {
		t.Errorf("the fund's form in Welsh:\n%s", fund.Body)
	}
}

// savedAsCSV is a workbook's sheet as a spreadsheet saves it as CSV: its
// cells as shown, every row as wide as the header.
func savedAsCSV(t *testing.T, x *excelize.File, sheet string) []byte {
	t.Helper()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, r := range rows {
		for len(r) < len(rows[0]) {
			r = append(r, "")
		}
		_ = w.Write(r)
	}
	w.Flush()
	return b.Bytes()
}

// languageExport is an export as its answer shows it, with its language.
type languageExport struct {
	Lang     string
	Labels   bool
	Manifest struct {
		Lang          string
		Labels        bool
		VersionsSheet string
	}
}

func requestExportIn(t *testing.T, e *Env, lang, body string) (exportDoc, languageExport) {
	t.Helper()
	r := e.Do(Req{Method: "POST", Path: "/v1/exports?lang=" + lang, Token: e.GovToken(), Body: []byte(body)})
	if r.Status != 201 {
		t.Fatalf("export in %s: %d %s", lang, r.Status, r.Body)
	}
	var d exportDoc
	var l languageExport
	json.Unmarshal(r.Body, &d)
	json.Unmarshal(r.Body, &l)
	return d, l
}

// testExportsInWelsh: an export asked for in Welsh keeps its language. Its
// workbook opens on Welsh sheets with a row of Welsh labels under the
// header of names, over the same figures as the English; a CSV export has
// a row of labels in the language asked only with labels, and without
// them is the same bytes in Welsh as in English. Each is reproducible,
// signed with its language and checked by the offline verifier; an export
// queued in Welsh is built in Welsh, whatever language the builder runs in.
func testExportsInWelsh(t *testing.T, e *Env) {
	seedFundYear(t, e)
	const xlsxBody, csvBody = `{"region":"west-wales","financialYear":"2019-20","format":"xlsx"}`, `{"region":"west-wales","financialYear":"2019-20","format":"csv"}`
	cy, cyMeta := requestExportIn(t, e, "cy", xlsxBody)
	if cyMeta.Lang != "cy" || !cyMeta.Labels || cyMeta.Manifest.Lang != "cy" || !cyMeta.Manifest.Labels || cyMeta.Manifest.VersionsSheet != "Fersiynau" {
		t.Errorf("the Welsh workbook's record: %+v", cyMeta)
	}
	en, enMeta := requestExportIn(t, e, "en", xlsxBody)
	if enMeta.Lang != "en" || enMeta.Labels || enMeta.Manifest.Labels || enMeta.Manifest.VersionsSheet != "" {
		t.Errorf("the English workbook's record: %+v", enMeta)
	}
	cyHashes, enHashes := fileHashes(t, e, cy), fileHashes(t, e, en)
	if again, _ := requestExportIn(t, e, "cy", xlsxBody); !maps.Equal(fileHashes(t, e, again), cyHashes) {
		t.Error("two Welsh workbooks of the same data differ")
	}
	if cyHashes["export.xlsx"] == enHashes["export.xlsx"] || cyHashes["manifest.json"] == enHashes["manifest.json"] {
		t.Error("the Welsh and the English workbooks are the same bytes")
	}
	cyBook := openBook(t, download(t, e, cy, "export.xlsx"))
	enBook := openBook(t, download(t, e, en, "export.xlsx"))
	sheets := cyBook.GetSheetList()
	for _, want := range []string{"Fersiynau", "Cyfraniadau i'r gronfa", "Ffurflenni chwarterol", "Sefyllfa'r gronfa", "Marchnad y rhanbarth"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("the Welsh workbook has no sheet %q: %q", want, sheets)
		}
	}
	if enSheets := enBook.GetSheetList(); len(enSheets) != len(sheets) || !slices.Contains(enSheets, "fund_position") {
		t.Errorf("the English workbook's sheets %q", enSheets)
	}
	cyRows, _ := cyBook.GetRows("Sefyllfa'r gronfa", excelize.Options{RawCellValue: true})
	enRows, _ := enBook.GetRows("fund_position", excelize.Options{RawCellValue: true})
	if len(cyRows) != len(enRows)+1 || !slices.Equal(cyRows[0], enRows[0]) || !slices.EqualFunc(cyRows[2:], enRows[1:], slices.Equal) {
		t.Fatalf("the Welsh fund position is not the English one's names, a row of labels and the same figures:\n%q\n%q", cyRows, enRows)
	}
	if want := []string{"Cronfa", "Fel ar", "Partner", "Disgyblaeth", "Cod ardal", "Cyfraniad (£)"}; !slices.Equal(cyRows[1][:len(want)], want) {
		t.Errorf("the Welsh labels are %q, want them to start %q", cyRows[1], want)
	}

	// CSV: in Welsh without labels, the same bytes as in English.
	plainCy, _ := requestExportIn(t, e, "cy", csvBody)
	plainEn, _ := requestExportIn(t, e, "en", csvBody)
	plainCyHashes, plainEnHashes := fileHashes(t, e, plainCy), fileHashes(t, e, plainEn)
	delete(plainCyHashes, "manifest.json") // which names the language
	delete(plainEnHashes, "manifest.json")
	if !maps.Equal(plainCyHashes, plainEnHashes) {
		t.Error("a CSV export without labels differs between Welsh and English")
	}
	// With labels, in each language: a byte order mark, the names, the labels, the same rows.
	plain := string(download(t, e, plainEn, "pool_contributions.csv"))
	for lang, wantLabels := range map[string]string{"cy": "Partner,Cronfa,Blwyddyn ariannol,Fersiwn,Disgyblaeth,Cod ardal,Math o gyfraniad,Swm (£)",
		"en": "Partner,Fund,Financial year,Version,Discipline,Area code,Contribution type,Amount (£)"} {
		d, meta := requestExportIn(t, e, lang, `{"region":"west-wales","financialYear":"2019-20","format":"csv","labels":true}`)
		if !meta.Labels || !meta.Manifest.Labels || meta.Manifest.Lang != lang {
			t.Errorf("labelled CSV in %s: %+v", lang, meta)
		}
		fileHashes(t, e, d) // checked against its signed manifest, versions.csv's labels read past
		got := string(download(t, e, d, "pool_contributions.csv"))
		header, rest, _ := strings.Cut(plain, "\r\n")
		labels, tail, _ := strings.Cut(strings.TrimPrefix(got, utf8BOM+header+"\r\n"), "\r\n")
		if !strings.HasPrefix(got, utf8BOM+header+"\r\n") || !strings.HasPrefix(labels, wantLabels) || tail != rest {
			t.Errorf("labelled CSV in %s:\n%s\nwant a BOM, %q, labels starting %q, then the rows of\n%s", lang, got, header, wantLabels, plain)
		}
	}
	// labels: false keeps a Welsh workbook to the names; JSON has nothing to label.
	if _, m := requestExportIn(t, e, "cy", `{"region":"west-wales","financialYear":"2019-20","format":"xlsx","labels":false}`); m.Labels || m.Manifest.VersionsSheet != "" {
		t.Errorf("a Welsh workbook without labels: %+v", m)
	}
	if _, m := requestExportIn(t, e, "cy", `{"region":"west-wales","financialYear":"2019-20","format":"json","labels":true}`); m.Labels || m.Manifest.Labels {
		t.Errorf("JSON with labels: %+v", m)
	}
	expectError(t, e.Do(Req{Method: "POST", Path: "/v1/exports", Token: e.GovToken(),
		Body: []byte(`{"region":"west-wales","financialYear":"2019-20","format":"csv","labels":"yes"}`)}), "body.wrong-type", "/labels")

	// Queued in Welsh, built later by the exports function (whose context
	// has no language): the Welsh workbook, byte for byte.
	q := NewEnv(t, e.Backend)
	q.cfg.QueueExports = true
	q.build(e.Backend)
	r := q.Do(welsh(Req{Method: "POST", Path: "/v1/exports", Token: q.GovToken(), Body: []byte(xlsxBody)}))
	expectStatus(t, r, 202)
	var d exportDoc
	json.Unmarshal(r.Body, &d)
	if err := q.App.Exports.RunExport(t.Context(), "jobs/"+d.ExportID); err != nil {
		t.Fatal(err)
	}
	got := q.Get("/v1/exports/"+d.ExportID, q.GovToken())
	json.Unmarshal(got.Body, &d)
	if h := fileHashes(t, q, d); h["export.xlsx"] != cyHashes["export.xlsx"] {
		t.Errorf("the workbook queued in Welsh is not the Welsh one built in place: %s", got.Body)
	}
}

func openBook(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	return x
}
