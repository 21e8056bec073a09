package apitest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Wiltshire's Better Care Fund, the English fund with funding streams,
// assurances and KPI plans, and its host.
const (
	Wilts        = "wiltshire"
	WiltsCouncil = "wiltshire-council"
	BCF          = "better-care-fund"
	MHLD         = "mental-health-learning-disabilities"
)

// testFundTemplates: a finance lead asks for the form of its own fund and
// gets it in the fund's terms; a request that cannot be one fund's form is
// told which parameter is wrong; a region or fund that is not there is 404.
func testFundTemplates(t *testing.T, e *Env) {
	tok := e.PartnerToken(Wilts, WiltsCouncil)
	r := e.Get("/v1/templates/pool-contribution-csv.csv?region=wiltshire&fund=better-care-fund", tok)
	expectStatus(t, r, 200)
	if got := r.Header.Get("Content-Disposition"); got != `attachment; filename="wiltshire-better-care-fund-pool-contribution-csv.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	for _, want := range []string{"# ", "nhs-minimum-contribution", "disabled-facilities-grant", "E06000054", "discharge-to-usual-residence"} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("the Better Care Fund's contribution form does not name %s:\n%s", want, r.Body)
		}
	}
	// The joint MH/LD pool's return names its own categories and no funding streams or assurances.
	r = e.Get("/v1/templates/quarterly-return-csv.csv?region=wiltshire&fund=mental-health-learning-disabilities", tok)
	expectStatus(t, r, 200)
	// Nor placement activity: a fund without placementActivity does not ask for it.
	if !bytes.Contains(r.Body, []byte("section-117-aftercare")) || bytes.Contains(r.Body, []byte("national-condition")) || bytes.Contains(r.Body, []byte("bed-weeks")) {
		t.Errorf("the MH/LD pool's return form:\n%s", r.Body)
	}
	// A care-homes fund's return asks for it.
	if ww := e.Get("/v1/templates/quarterly-return-csv.csv?region=west-wales&fund=care-homes-older-people", tok); !bytes.Contains(ww.Body, []byte("activity,")) || !bytes.Contains(ww.Body, []byte("bed-weeks")) {
		t.Errorf("the care-homes return form has no activity rows:\n%s", ww.Body)
	}
	// Asked in Welsh, its notes name the fund as the region does in Welsh.
	if cy := e.Get("/v1/templates/quarterly-return-csv.csv?region=west-wales&fund=care-homes-older-people&lang=cy", tok); !bytes.Contains(cy.Body, []byte("Cronfa gyfun cartrefi gofal i bobl hŷn")) {
		t.Errorf("the Welsh care-homes return form does not name the fund in Welsh:\n%s", cy.Body)
	}
	// The forms carry configuration, no partner's data: any token may read any region's.
	expectStatus(t, e.Get("/v1/templates/quarterly-return-csv.csv?region=wiltshire&fund=better-care-fund", e.PartnerToken(WW, Carm)), 200)
	// Without region and fund, the general form: its guide's notes, none
	// of a fund's (its lists are the fund's form's).
	if general := e.Get("/v1/templates/pool-contribution-csv.csv", tok); !bytes.Contains(general.Body, []byte("\r\n# How to fill in")) ||
		bytes.Contains(general.Body, []byte("nhs-minimum-contribution")) || bytes.Contains(general.Body, []byte("# The form for")) {
		t.Errorf("the general form's notes:\n%s", general.Body)
	}
	expectError(t, e.Get("/v1/templates/pool-contribution-csv.csv?region=wiltshire", tok), "query.required", "fund")
	expectError(t, e.Get("/v1/templates/pool-contribution-csv.csv?fund=better-care-fund", tok), "query.required", "region")
	// A fund's form is a CSV: the workbook is refused, pointing at the CSV.
	r = e.Get("/v1/templates/pool-contribution-csv.xlsx?region=wiltshire&fund=better-care-fund", tok)
	expectError(t, r, "query.invalid", "file")
	if !bytes.Contains(r.Body, []byte("pool-contribution-csv.csv")) {
		t.Errorf("the refusal does not say which file to ask for: %s", r.Body)
	}
	// Every failing parameter at once: a form no fund has, and the region left out.
	r = e.Get("/v1/templates/population-assessment-csv.csv?fund=better-care-fund", tok)
	expectError(t, r, "query.invalid", "fund")
	expectError(t, r, "query.required", "region")
	expectStatus(t, e.Get("/v1/templates/pool-contribution-csv.csv?region=nowhere&fund=better-care-fund", tok), 404)
	r = e.Get("/v1/templates/pool-contribution-csv.csv?region=wiltshire&fund=care-homes-older-people", tok)
	expectStatus(t, r, 404)
	if !bytes.Contains(r.Body, []byte(MHLD)) {
		t.Errorf("the 404 does not name the region's funds: %s", r.Body)
	}
	if r := e.Get("/v1/templates/market-position-document.csv", tok); !bytes.Contains(r.Body, []byte("pool-contribution-csv")) {
		t.Errorf("the 404 does not list the contribution form: %s", r.Body)
	}
}

// formFilledIn is the fund's form as a finance lead fills it in: its header
// and note rows kept, the example rows replaced by the document's own (a row
// per line, per KPI plan, and the approval's two).
func formFilledIn(t *testing.T, form []byte, doc []byte) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(form)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	out := [][]string{header}
	for _, row := range rows[1:] {
		if strings.HasPrefix(row[0], "#") {
			out = append(out, row)
		}
	}
	var d struct {
		Lines []struct {
			Discipline, AreaCode, Type, Description, FundingStream string
			Amount                                                 json.Number
		}
		KPIPlans               []struct{ Code, Quarter, Value string }
		ApprovedBy, ApprovedOn string
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	row := func(cells map[string]string) {
		r := make([]string, len(header))
		for i, c := range header {
			r[i] = cells[c]
		}
		out = append(out, r)
	}
	for _, l := range d.Lines {
		row(map[string]string{"record": "line", "discipline": l.Discipline, "area_code": l.AreaCode, "type": l.Type,
			"amount": l.Amount.String(), "description": l.Description, "funding_stream": l.FundingStream})
	}
	for _, k := range d.KPIPlans {
		row(map[string]string{"record": "kpi-plan", "code": k.Code, "quarter": k.Quarter, "value": k.Value})
	}
	row(map[string]string{"record": "approved-by", "value": d.ApprovedBy})
	row(map[string]string{"record": "approved-on", "value": d.ApprovedOn})
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rowOf is the row number (the header is row 1) of the first line holding s.
func rowOf(t *testing.T, file []byte, s string) int {
	t.Helper()
	for i, line := range strings.Split(string(file), "\r\n") {
		if strings.Contains(line, s) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", s)
	return 0
}

// testPoolContributionUploads: Wiltshire's council fills in its Better Care
// Fund's contribution form (funding streams, KPI plans) and uploads it; the
// upload is accepted with the version it made, the same document as the
// JSON example. A file with a wrong stream and a plan outside the year is
// rejected with the row and column of each, and makes no version.
func testPoolContributionUploads(t *testing.T, e *Env) {
	tok := e.PartnerToken(Wilts, WiltsCouncil)
	form := e.Get("/v1/templates/pool-contribution-csv.csv?region=wiltshire&fund=better-care-fund", tok)
	expectStatus(t, form, 200)
	example := Example(t, "wiltshire-pool-contribution.json")
	good := formFilledIn(t, form.Body, example)
	key := map[string]any{"purpose": "pool-contribution-csv", "fundId": BCF, "financialYear": "2023-24"}
	fields := func() map[string]any {
		out := map[string]any{}
		for k, v := range key {
			out[k] = v
		}
		return out
	}
	path := SlicePath(Wilts, WiltsCouncil) + "/pool-contributions/better-care-fund/2023-24"

	bad := bytes.Replace(good, []byte(",discharge-fund,"), []byte(",lottery-fund,"), 1)
	bad = bytes.Replace(bad, []byte("2023-24-Q3"), []byte("2024-25-Q3"), 1)
	st := uploadTo(t, e, Wilts, WiltsCouncil, fields(), bad)
	if st.State != "rejected" || st.Version != nil {
		t.Fatalf("a contribution with a wrong stream: %+v", st)
	}
	want := map[string]bool{
		fmt.Sprintf("funding-stream.invalid@%d/funding_stream", rowOf(t, bad, "lottery-fund")): true,
		fmt.Sprintf("kpi-plan.quarter-outside-year@%d/quarter", rowOf(t, bad, "2024-25-Q3")):   true,
	}
	for _, er := range st.Errors {
		delete(want, fmt.Sprintf("%s@%d/%s", er.Code, er.Row, er.Column))
	}
	if len(want) > 0 {
		t.Errorf("missing %v among the errors %+v", want, st.Errors)
	}
	expectStatus(t, e.Get(path, tok), 404)

	st = uploadTo(t, e, Wilts, WiltsCouncil, fields(), good)
	if st.State != "accepted" || st.Version == nil || st.Version.Version != 1 || st.Version.Href != path+"/versions/1" {
		t.Fatalf("the filled-in form: %+v", st)
	}
	if st.Key["fundId"] != BCF || st.Key["financialYear"] != "2023-24" {
		t.Errorf("the upload's key: %v", st.Key)
	}
	v, _ := e.Get(st.Version.Href, tok).JSON(t)["document"].(map[string]any)
	lines, _ := v["lines"].([]any)
	plans, _ := v["kpiPlans"].([]any)
	if len(lines) != 4 || lines[2].(map[string]any)["fundingStream"] != "discharge-fund" || len(plans) != 5 {
		t.Errorf("the version the upload made: %v", v)
	}
	// The same figures as JSON are the same content: no new version.
	expectStatus(t, e.Put(path, tok, example), 200)
	// A partner that is not a member that year cannot start one.
	r := e.Do(Req{Method: "POST", Path: SlicePath(Wilts, "wiltshire-ccg") + "/uploads", Token: e.PartnerToken(Wilts, "wiltshire-ccg"),
		Body: []byte(`{"purpose":"pool-contribution-csv","fundId":"better-care-fund","financialYear":"2023-24","sizeBytes":10,"sha256":"` + strings.Repeat("0", 64) + `"}`)})
	expectError(t, r, "fund.not-member-in-year", "/financialYear")
	r = e.Do(Req{Method: "POST", Path: SlicePath(Wilts, WiltsCouncil) + "/uploads", Token: tok,
		Body: []byte(`{"purpose":"pool-contribution-csv","fundId":"better-care-fund","sizeBytes":10,"sha256":"` + strings.Repeat("0", 64) + `"}`)})
	expectError(t, r, "field.required", "/financialYear")
}
