package csvin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

const (
	pop = csvin.PopulationAssessmentCSV
	qr  = csvin.QuarterlyReturnCSV
	pc  = csvin.PoolContributionCSV
)

// exampleCase ties a purpose to its shared example and the key it is sent to.
type exampleCase struct {
	purpose        csvin.Purpose
	file, partner  string
	kind           submission.Kind
	key            [2]string
	keyFields      []string
	noColumn       []string // example fields the CSV form has no column for
	decimalFields  []string // "list/field": JSON numbers the CSV keeps as text (money and decimals)
	wantAtPointers map[string]where
}

type where struct {
	row    int
	column string
}

var exampleCases = []exampleCase{
	{
		purpose: pop, file: "population-assessment.json", partner: "ceredigion", kind: submission.PopulationAssessments,
		key: [2]string{"W06000008", "2022"}, keyFields: []string{"areaCode", "assessmentYear"},
		noColumn: []string{"notes"},
		wantAtPointers: map[string]where{
			"/population/0":       {2, ""},
			"/population/3/count": {5, "count"},
			"/population/2/year":  {4, "year"},
			"/needs/1/source":     {7, "source"},
			"/needs/0/group":      {6, "group"},
		},
	},
	{
		purpose: qr, file: "quarterly-return.json", partner: "carmarthenshire", kind: submission.QuarterlyReturns,
		key: [2]string{"care-homes-older-people", "2018-19-Q2"}, keyFields: []string{"fundId", "quarter"},
		decimalFields: []string{"kpis/value"},
		wantAtPointers: map[string]where{
			"/spend/1/actualToDate":    {3, "actual_to_date"},
			"/spend/2/forecastOutturn": {4, "forecast_outturn"},
			"/income/0/source":         {5, "source"},
			"/activity/bedWeeks":       {9, "value"},
			"/kpis/0/value":            {10, "value"},
			"/riskRating":              {11, "value"},
			"/commentary":              {12, "value"},
			"/spend/0/nosuchfield":     {2, ""}, // inside a row: the row
		},
	},
	{
		purpose: pc, file: "pool-contribution.json", partner: "carmarthenshire", kind: submission.PoolContributions,
		key: [2]string{"care-homes-older-people", "2018-19"}, keyFields: []string{"fundId", "financialYear"},
		decimalFields: []string{"lines/amount"},
		wantAtPointers: map[string]where{
			"/lines/0/areaCode":    {2, "area_code"},
			"/lines/1/amount":      {3, "amount"},
			"/lines/1/description": {3, "description"},
			"/approvedBy":          {4, "value"},
			"/approvedOn":          {5, "value"},
		},
	},
}

func readExample(t *testing.T, ex exampleCase) map[string]any {
	t.Helper()
	raw, err := examples.Read(ex.file)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, raw).(map[string]any)
	for _, f := range append(slices.Clone(ex.keyFields), ex.noColumn...) {
		delete(doc, f)
	}
	for _, lf := range ex.decimalFields {
		list, field, _ := strings.Cut(lf, "/")
		for _, item := range doc[list].([]any) {
			m := item.(map[string]any)
			if n, ok := m[field].(json.Number); ok {
				m[field] = string(n)
			}
		}
	}
	return doc
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func convert(t *testing.T, p csvin.Purpose, in string, l csvin.Limits) *csvin.Result {
	t.Helper()
	res, err := csvin.Convert(p, strings.NewReader(in), l)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustConvert(t *testing.T, p csvin.Purpose, in string) []byte {
	t.Helper()
	res := convert(t, p, in, csvin.Limits{})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	return res.Body
}

// The template, filled in as it comes, is the shared example: a partner
// sending the CSV makes the same submission as one sending the JSON,
// whichever language its guide's note rows are in.
func TestTemplateIsTheExample(t *testing.T) {
	for _, lang := range i18n.Langs {
		for _, ex := range exampleCases {
			t.Run(string(lang)+"/"+string(ex.purpose), func(t *testing.T) {
				body := mustConvert(t, ex.purpose, string(csvin.TemplateCSV(ex.purpose, lang)))
				want := readExample(t, ex)
				if got := decode(t, body); !reflect.DeepEqual(got, any(want)) {
					t.Errorf("body\n got %s\nwant %s", body, mustJSON(t, want))
				}
				// The validator's canonical documents are the same too.
				wantBody := mustJSON(t, want)
				if got, want := canonical(t, ex, body), canonical(t, ex, wantBody); !bytes.Equal(got, want) {
					t.Errorf("canonical\n got %s\nwant %s", got, want)
				}
			})
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func westWales(t *testing.T) *region.Region {
	t.Helper()
	r, err := regions.Load("west-wales")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// validate runs the submission validator on a body as the example's partner.
func validate(t *testing.T, ex exampleCase, body []byte) *submission.Result {
	t.Helper()
	r := westWales(t)
	p, _ := r.Partner(ex.partner)
	key, fs := submission.ParseKey(ex.kind, ex.key, r, p)
	if len(fs) > 0 {
		t.Fatalf("key: %+v", fs)
	}
	res, err := submission.Validate(context.Background(), &submission.Context{Region: r, Partner: p, Key: key}, body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func canonical(t *testing.T, ex exampleCase, body []byte) []byte {
	t.Helper()
	res := validate(t, ex, body)
	for _, f := range res.Errors {
		t.Errorf("%s at %s: %s", f.Rule.Code, f.Pointer, f.Message)
	}
	return res.Canonical
}

func TestLocate(t *testing.T) {
	for _, ex := range exampleCases {
		t.Run(string(ex.purpose), func(t *testing.T) {
			res := convert(t, ex.purpose, encode(table(t, ex.purpose)), csvin.Limits{})
			for ptr, want := range ex.wantAtPointers {
				row, col, ok := res.Locate(ptr)
				if !ok || row != want.row || col != want.column {
					t.Errorf("Locate(%s) = %d, %q, %v; want %d, %q", ptr, row, col, ok, want.row, want.column)
				}
			}
			for _, ptr := range []string{"", "/", "/nosuch", "/spend", "/population", "/activity"} {
				if row, col, ok := res.Locate(ptr); ok || row != 0 || col != "" {
					t.Errorf("Locate(%q) = %d, %q, %v; want nothing", ptr, row, col, ok)
				}
			}
		})
	}
}

// The validator's findings on the body come back to the cells they came from.
func TestLocateValidatorFindings(t *testing.T) {
	ex := exampleCases[1]
	rows := table(t, ex.purpose)
	rows[3][3] = "bogus-category" // row 4, category
	rows[10][6] = "purple"        // row 11, the rating's value
	rows[2][8] = "12.345"         // row 3, actual_to_date
	res := convert(t, qr, encode(rows), csvin.Limits{})
	if len(res.Errors) > 0 {
		t.Fatalf("csv errors: %+v", res.Errors)
	}
	var got []where
	for _, f := range validate(t, ex, res.Body).Errors {
		row, col, ok := res.Locate(f.Pointer)
		if !ok {
			t.Errorf("no cell for %s (%s)", f.Pointer, f.Rule.Code)
		}
		got = append(got, where{row, col})
	}
	want := []where{{3, "actual_to_date"}, {4, "category"}, {11, "value"}}
	slices.SortFunc(got, func(a, b where) int { return a.row - b.row })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings at %+v; want %+v", got, want)
	}
}

// table is a purpose's form as rows of cells: its header and example rows,
// without the template's notes, so that rows count as the form's.
func table(t *testing.T, p csvin.Purpose) [][]string {
	t.Helper()
	rows, ok := csvin.TemplateRows(p)
	if !ok {
		t.Fatalf("no form %s", p)
	}
	return slices.Clone(rows)
}

func encode(rows [][]string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.String()
}

// edit is the template with cells changed: row numbers as in the file
// (the header is row 1), columns by name.
func edit(t *testing.T, p csvin.Purpose, changes map[where]string) string {
	t.Helper()
	rows := table(t, p)
	for at, v := range changes {
		i := slices.Index(rows[0], at.column)
		if i < 0 {
			t.Fatalf("no column %s", at.column)
		}
		rows[at.row-1][i] = v
	}
	return encode(rows)
}

// without is the template less some rows (numbered as in the file), plus extra lines.
func without(t *testing.T, p csvin.Purpose, drop []int, extra ...string) string {
	t.Helper()
	var keep [][]string
	for i, r := range table(t, p) {
		if !slices.Contains(drop, i+1) {
			keep = append(keep, r)
		}
	}
	return encode(keep) + strings.Join(extra, "")
}

func utf16LE(s string, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func utf16BE(s string) string {
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return string(b)
}

type errAt struct {
	row          int
	column, code string
}

const popHeader = "record,year,age_band,sex,group,count,source\r\n"

func TestBadFiles(t *testing.T) {
	popCSV := encode(table(t, pop))
	cases := []struct {
		name    string
		purpose csvin.Purpose
		in      string
		limits  csvin.Limits
		want    []errAt
	}{
		{"empty", pop, "", csvin.Limits{}, []errAt{{0, "", "csv.empty"}}},
		{"only a BOM", pop, "\xEF\xBB\xBF", csvin.Limits{}, []errAt{{0, "", "csv.empty"}}},
		{"only line ends", qr, "\r\n\r\n\n", csvin.Limits{}, []errAt{{0, "", "csv.empty"}}},
		{"UTF-16LE with BOM", pop, utf16LE(popCSV, true), csvin.Limits{}, []errAt{{0, "", "csv.utf16"}}},
		{"UTF-16BE with BOM", pop, utf16BE(popCSV), csvin.Limits{}, []errAt{{0, "", "csv.utf16"}}},
		{"UTF-16LE without BOM", pop, utf16LE(popCSV, false), csvin.Limits{}, []errAt{{0, "", "csv.utf16"}}},
		{"invalid UTF-8 in a cell", pop, edit(t, pop, map[where]string{{7, "source"}: "Census \xff2021"}), csvin.Limits{}, []errAt{{7, "source", "csv.encoding"}}},
		{"Latin-1 in the header", pop, "record,year,\xe2ge_band,sex,group,count,source\r\n", csvin.Limits{},
			[]errAt{{1, "", "csv.encoding"}, {1, "age_band", "csv.header"}}},
		{"ragged row", pop, without(t, pop, nil, "population,2031,85+,all,,3200\r\n", "population,2032,85+,all,,3300,,\r\n"), csvin.Limits{},
			[]errAt{{8, "", "csv.ragged-row"}, {9, "", "csv.ragged-row"}}},
		{"bare quote", pop, without(t, pop, nil, "need,2021,,,carers,8700,Census \"2021\"\r\n"), csvin.Limits{}, []errAt{{8, "", "csv.malformed"}}},
		{"unclosed quote", pop, without(t, pop, nil, "need,2021,,,carers,8700,\"Census 2021\r\n", "population,2031,85+,all,,3200,\r\n"), csvin.Limits{},
			[]errAt{{8, "", "csv.malformed"}}},
		{"unknown column", pop, "record,year,age_band,sex,group,count,source,colour\r\n", csvin.Limits{}, []errAt{{1, "colour", "csv.header"}}},
		{"missing column", pop, "record,year,age_band,sex,group,count\r\n", csvin.Limits{}, []errAt{{1, "source", "csv.header"}}},
		{"duplicate column", pop, "record,year,age_band,sex,group,count,source,YEAR\r\n", csvin.Limits{}, []errAt{{1, "year", "csv.header"}}},
		{"every header problem at once", pop, "record,year,age_band,sex,group,count,colour,,Year\r\n", csvin.Limits{},
			[]errAt{{1, "colour", "csv.header"}, {1, "", "csv.header"}, {1, "year", "csv.header"}, {1, "source", "csv.header"}}},
		{"unnamed column", pop, "record,year,age_band,sex,group,count,source,\r\n", csvin.Limits{}, []errAt{{1, "", "csv.header"}}},
		{"header only", pop, popHeader, csvin.Limits{}, []errAt{{0, "record", "csv.missing-record"}}},
		{"unknown record", pop, edit(t, pop, map[where]string{{3, "record"}: "populaton"}), csvin.Limits{}, []errAt{{3, "record", "csv.unknown-record"}}},
		{"no record", pop, edit(t, pop, map[where]string{{3, "record"}: " "}), csvin.Limits{}, []errAt{{3, "record", "csv.cell-required"}}},
		{"cell of another record", pop, edit(t, pop, map[where]string{{2, "group"}: "dementia", {6, "sex"}: "all"}), csvin.Limits{},
			[]errAt{{2, "group", "csv.cell-not-allowed"}, {6, "sex", "csv.cell-not-allowed"}}},
		{"required cell empty", pop, edit(t, pop, map[where]string{{2, "sex"}: "", {6, "count"}: "  "}), csvin.Limits{},
			[]errAt{{2, "sex", "csv.cell-required"}, {6, "count", "csv.cell-required"}}},
		{"formulas in text cells", pop, edit(t, pop, map[where]string{
			{2, "sex"}: "=1+1", {3, "age_band"}: "  +44", {4, "age_band"}: "-2+3", {5, "sex"}: "@SUM(A1)",
			{6, "source"}: "\t=cmd", {7, "source"}: "\r=cmd", {6, "group"}: "＝1",
		}), csvin.Limits{}, []errAt{{2, "sex", "csv.formula"}, {3, "age_band", "csv.formula"}, {4, "age_band", "csv.formula"},
			{5, "sex", "csv.formula"}, {6, "group", "csv.formula"}, {6, "source", "csv.formula"}, {7, "source", "csv.formula"}}},
		{"formulas behind every kind of white space", pop, edit(t, pop, map[where]string{
			{2, "sex"}: "\u00a0=1+1", {3, "age_band"}: "\u3000+44", {4, "age_band"}: "\u2007\u202f@SUM(A1)", {6, "source"}: "\ufeff=cmd", {7, "source"}: "\u200b-cmd",
		}), csvin.Limits{}, []errAt{{2, "sex", "csv.formula"}, {3, "age_band", "csv.formula"}, {4, "age_band", "csv.formula"},
			{6, "source", "csv.formula"}, {7, "source", "csv.formula"}}},
		{"formula in the record cell", pop, edit(t, pop, map[where]string{{2, "record"}: "=population"}), csvin.Limits{}, []errAt{{2, "record", "csv.formula"}}},
		{"formula in a number cell", qr, edit(t, qr, map[where]string{{2, "actual_to_date"}: "=4102337.18", {6, "value"}: "+A1", {10, "value"}: "@1"}), csvin.Limits{},
			[]errAt{{2, "actual_to_date", "csv.formula"}, {6, "value", "csv.formula"}, {10, "value", "csv.formula"}}},
		{"formulas in return text", qr, edit(t, qr, map[where]string{{12, "value"}: "- fewer homes", {10, "unit"}: "-x", {10, "code"}: "@x", {11, "value"}: "=\"red\""}), csvin.Limits{},
			[]errAt{{10, "code", "csv.formula"}, {10, "unit", "csv.formula"}, {11, "value", "csv.formula"}, {12, "value", "csv.formula"}}},
		{"not whole numbers", pop, edit(t, pop, map[where]string{{2, "year"}: "2021.0", {3, "count"}: "1e3", {4, "count"}: "2,30", {6, "year"}: "twenty"}), csvin.Limits{},
			[]errAt{{2, "year", "csv.not-a-number"}, {3, "count", "csv.not-a-number"}, {4, "count", "csv.not-a-number"}, {6, "year", "csv.not-a-number"}}},
		{"activity not a whole number", qr, edit(t, qr, map[where]string{{9, "value"}: "14602.5"}), csvin.Limits{}, []errAt{{9, "value", "csv.not-a-number"}}},
		{"too many rows", pop, popCSV, csvin.Limits{MaxRows: 3}, []errAt{{5, "", "csv.too-many-rows"}}},
		{"too large", pop, popCSV, csvin.Limits{MaxBytes: 100}, []errAt{{0, "", "csv.too-large"}}},
		{"cell too long", pop, popCSV, csvin.Limits{MaxCellBytes: 12}, []errAt{{6, "source", "csv.cell-too-long"}}},
		{"two ratings", qr, without(t, qr, nil, "rating,,,,,,red,,,\r\n"), csvin.Limits{}, []errAt{{13, "record", "csv.duplicate"}}},
		{"two commentaries", qr, without(t, qr, nil, "commentary,,,,,,more,,,\r\n"), csvin.Limits{}, []errAt{{13, "record", "csv.duplicate"}}},
		{"two finals", qr, without(t, qr, nil, "final,,,,,,true,,,\r\n", "final,,,,,,true,,,\r\n"), csvin.Limits{}, []errAt{{14, "record", "csv.duplicate"}}},
		{"final not true", qr, without(t, qr, nil, "final,,,,,,yes,,,\r\n"), csvin.Limits{}, []errAt{{13, "value", "csv.final-value"}}},
		{"activity twice", qr, without(t, qr, nil, "activity,,,,,bed-weeks,1,,,\r\n"), csvin.Limits{}, []errAt{{13, "code", "csv.duplicate"}}},
		{"activity missing", qr, without(t, qr, []int{6, 9}), csvin.Limits{},
			[]errAt{{0, "code", "csv.missing-record"}, {0, "code", "csv.missing-record"}}},
		{"unknown activity", qr, edit(t, qr, map[where]string{{9, "code"}: "bed-nights"}), csvin.Limits{}, []errAt{{9, "code", "csv.unknown-activity"}}},
		{"no rating", qr, without(t, qr, []int{11}), csvin.Limits{}, []errAt{{0, "record", "csv.missing-record"}}},
		{"no spend", qr, without(t, qr, []int{2, 3, 4}), csvin.Limits{}, []errAt{{0, "record", "csv.missing-record"}}},
		{"a bad row is not also missing", qr, edit(t, qr, map[where]string{{11, "record"}: "ratin"}), csvin.Limits{}, []errAt{{11, "record", "csv.unknown-record"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := convert(t, tc.purpose, tc.in, tc.limits)
			var got []errAt
			for _, e := range res.Errors {
				got = append(got, errAt{e.Row, e.Column, e.Code})
				if e.Message == "" {
					t.Errorf("%+v has no message", e)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors %+v\nwant %+v\n(%+v)", got, tc.want, res.Errors)
			}
			if res.Body != nil {
				t.Errorf("a rejected file has a body: %s", res.Body)
			}
		})
	}
}

// Files that look odd but say the same thing give the template's body.
func TestAcceptedVariants(t *testing.T) {
	popCSV := string(csvin.TemplateCSV(pop, i18n.English))
	popBody := mustConvert(t, pop, popCSV)
	qrBody := mustConvert(t, qr, string(csvin.TemplateCSV(qr, i18n.English)))
	cases := []struct {
		name    string
		purpose csvin.Purpose
		in      string
		want    []byte
	}{
		{"UTF-8 BOM", pop, "\xEF\xBB\xBF" + popCSV, popBody},
		{"the Welsh template, its own BOM and Welsh notes", pop, string(csvin.TemplateCSV(pop, i18n.Welsh)), popBody},
		{"LF line ends", pop, strings.ReplaceAll(popCSV, "\r\n", "\n"), popBody},
		{"the form without the guide's notes", pop, encode(table(t, pop)), popBody},
		{"header any case, spaced, any order", pop, reorder(t, pop, []string{" Source ", "COUNT", "group", "Sex", "age_band", "Year", "RECORD"}), popBody},
		{"blank rows", pop, without(t, pop, nil, ",,,,,,\r\n", " , ,,,,,\r\n"), popBody},
		{"record in capitals, cells padded", pop, edit(t, pop, map[where]string{{2, "record"}: " Population ", {2, "count"}: " 10900 "}), popBody},
		{"thousands separators and leading zeros", qr, edit(t, qr, map[where]string{{2, "actual_to_date"}: "4,102,337.18", {9, "value"}: "014,602"}), qrBody},
		{"final TRUE as a spreadsheet writes it", qr, without(t, qr, nil, "FINAL,,,,,,TRUE,,,\r\n"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustConvert(t, tc.purpose, tc.in)
			if tc.want == nil { // the template plus final: true
				var doc map[string]any
				_ = json.Unmarshal(got, &doc)
				if doc["final"] != true {
					t.Errorf("final: %s", got)
				}
				return
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("body\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// reorder is the template with its columns in another order, under the given header names.
func reorder(t *testing.T, p csvin.Purpose, names []string) string {
	t.Helper()
	rows := table(t, p)
	out := [][]string{names}
	for _, r := range rows[1:] {
		var cells []string
		for _, n := range names {
			cells = append(cells, r[slices.Index(rows[0], strings.ToLower(strings.TrimSpace(n)))])
		}
		out = append(out, cells)
	}
	return encode(out)
}

// Figures pass as their text: negative ones are numbers (the validator
// judges them), money and decimals stay strings, counts become integers.
func TestFiguresKeptAsText(t *testing.T) {
	body := mustConvert(t, qr, edit(t, qr, map[where]string{
		{2, "actual_to_date"}: "-5", {3, "actual_to_date"}: "0.1000000000000000055511151231257827",
		{10, "value"}: "-612.400", {9, "value"}: "+007",
	}))
	var doc struct {
		Spend    []struct{ ActualToDate any }
		KPIs     []struct{ Value any } `json:"kpis"`
		Activity struct{ BedWeeks json.Number }
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Spend[0].ActualToDate != "-5" || doc.Spend[1].ActualToDate != "0.1000000000000000055511151231257827" ||
		doc.KPIs[0].Value != "-612.400" || doc.Activity.BedWeeks != "7" {
		t.Errorf("figures changed: %s", body)
	}
	popBody := mustConvert(t, pop, edit(t, pop, map[where]string{{2, "count"}: "-5", {3, "count"}: "99999999999999999999"}))
	if !bytes.Contains(popBody, []byte(`"count":-5,`)) || !bytes.Contains(popBody, []byte(`"count":99999999999999999999,`)) {
		t.Errorf("counts changed: %s", popBody)
	}
}

// countingReader counts what Convert takes from the upload.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader is a line repeated times times, made as it is read.
type repeatReader struct {
	line  []byte
	times int
	at    int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.times > 0 {
		c := copy(p[n:], r.line[r.at:])
		n += c
		if r.at += c; r.at == len(r.line) {
			r.at, r.times = 0, r.times-1
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// A million-row file stops at the row limit, having read only that far:
// bounded time and memory, judged by bytes read rather than the clock.
func TestMillionRows(t *testing.T) {
	line := []byte("population,2021,65-74,all,,10900,\r\n")
	in := &countingReader{r: io.MultiReader(strings.NewReader(popHeader), &repeatReader{line: line, times: 1_000_000})}
	res, err := csvin.Convert(pop, in, csvin.DefaultLimits(pop))
	if err != nil {
		t.Fatal(err)
	}
	max := csvin.DefaultLimits(pop).MaxRows
	want := []csvin.CellError{{Row: max + 2, Code: "csv.too-many-rows", Message: "The file has more than 5000 data rows; reading stopped at this row.",
		ID: "csv.too-many-rows", Data: map[string]any{"Max": max}}}
	if !reflect.DeepEqual(res.Errors, want) {
		t.Errorf("errors %+v; want %+v", res.Errors, want)
	}
	bound := int64(len(popHeader)+(max+1)*len(line)) + 64<<10
	if in.n > bound {
		t.Errorf("read %d bytes; at most %d expected", in.n, bound)
	}
	t.Logf("read %d of %d bytes", in.n, len(popHeader)+1_000_000*len(line))
}

// One endless cell stops at MaxBytes.
func TestEndlessCell(t *testing.T) {
	l := csvin.Limits{MaxBytes: 1 << 20}
	in := &countingReader{r: io.MultiReader(strings.NewReader(popHeader+"need,2021,,,carers,8700,\""), &repeatReader{line: []byte("x"), times: 1 << 30})}
	res, err := csvin.Convert(pop, in, l)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Code != "csv.too-large" || res.Errors[0].Row != 0 {
		t.Errorf("errors %+v", res.Errors)
	}
	if in.n > l.MaxBytes+1 {
		t.Errorf("read %d bytes past a limit of %d", in.n, l.MaxBytes)
	}
}

// A row of a million cells is refused before it is split into cells.
func TestEndlessRow(t *testing.T) {
	commas := &repeatReader{line: []byte(","), times: 1_000_000}
	for _, tc := range []struct {
		name string
		in   io.Reader
		want errAt
	}{
		{"header", commas, errAt{1, "", "csv.header"}},
		{"data row", io.MultiReader(strings.NewReader(popHeader), &repeatReader{line: []byte(","), times: 1_000_000}), errAt{2, "", "csv.ragged-row"}},
		{"data row after quoted commas", io.MultiReader(strings.NewReader(popHeader+"need,2021,,,carers,8700,\"a,b,\nc,d\"\r\n"),
			&repeatReader{line: []byte(","), times: 1_000_000}), errAt{3, "", "csv.ragged-row"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &countingReader{r: tc.in}
			res, err := csvin.Convert(pop, in, csvin.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) != 1 || (errAt{res.Errors[0].Row, res.Errors[0].Column, res.Errors[0].Code}) != tc.want {
				t.Errorf("errors %+v; want %+v", res.Errors, tc.want)
			}
			if in.n > 64<<10 {
				t.Errorf("read %d bytes", in.n)
			}
		})
	}
}

// A file of nothing but problems stops once the list is long enough.
func TestTooManyErrors(t *testing.T) {
	in := popHeader + strings.Repeat("population,x,65-74,all,,y,\r\n", 2000)
	res := convert(t, pop, in, csvin.Limits{})
	n := len(res.Errors)
	if n < 1000 || n > 1010 || res.Errors[n-1].Code != "csv.too-many-errors" {
		t.Errorf("%d errors, the last %+v", n, res.Errors[n-1])
	}
}

func TestReaderFailure(t *testing.T) {
	_, err := csvin.Convert(pop, io.MultiReader(strings.NewReader(popHeader), failing{}), csvin.Limits{})
	if err == nil {
		t.Error("a failing reader is not an error")
	}
	if _, err := csvin.Convert("nope", strings.NewReader(popHeader), csvin.Limits{}); err == nil {
		t.Error("an unknown purpose is not an error")
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestParsePurpose(t *testing.T) {
	for _, p := range csvin.Purposes() {
		if got, ok := csvin.ParsePurpose(string(p)); !ok || got != p {
			t.Errorf("ParsePurpose(%s) = %s, %v", p, got, ok)
		}
	}
	for _, s := range []string{"", "market-position-document", "Quarterly-Return-CSV", "quarterly-return"} {
		if _, ok := csvin.ParsePurpose(s); ok {
			t.Errorf("ParsePurpose(%q) ok", s)
		}
	}
	if csvin.TemplateCSV("nope", i18n.English) != nil {
		t.Error("template for an unknown purpose")
	}
	if _, err := csvin.TemplateXLSX("nope", i18n.English); err == nil {
		t.Error("workbook for an unknown purpose")
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range csvin.Codes {
		if !strings.HasPrefix(c.Code, "csv.") || strings.ToLower(c.Code) != c.Code || c.Message == "" || c.Message == "code."+c.Code || seen[c.Code] {
			t.Errorf("bad code %+v", c)
		}
		seen[c.Code] = true
	}
}

// The CSV template in each language: the machine header first, then the
// guide's note rows in that language (how to fill it in, money in pounds,
// the periods, each record type and column), then the form's example
// rows. The Welsh starts with a byte order mark so that spreadsheets show
// its letters; the English has none, and no letter that would need one.
func TestTemplateCSV(t *testing.T) {
	for _, c := range []struct {
		lang                  i18n.Lang
		bom                   bool
		money, periods, years string
	}{
		{i18n.English, false, "Money is in pounds", "a financial year runs from April to March", "Years are written in full"},
		{i18n.Welsh, true, "Mae arian mewn punnoedd", "mae blwyddyn ariannol yn rhedeg o fis Ebrill i fis Mawrth", "Ysgrifennir blynyddoedd yn llawn"},
	} {
		for _, p := range csvin.Purposes() {
			t.Run(string(c.lang)+"/"+string(p), func(t *testing.T) {
				b := csvin.TemplateCSV(p, c.lang)
				if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
					t.Errorf("not CRLF: %q", b)
				}
				if bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) != c.bom {
					t.Errorf("starts %q; a byte order mark: %v", b[:min(len(b), 8)], c.bom)
				}
				if !c.bom && strings.ContainsFunc(string(b), func(r rune) bool { return r > 0x7f }) {
					t.Errorf("the English template has letters outside ASCII, which a spreadsheet may misread without a BOM:\n%s", b)
				}
				rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				form := table(t, p)
				if !reflect.DeepEqual(rows[0], form[0]) {
					t.Errorf("header %q, want the machine names %q", rows[0], form[0])
				}
				var notes []string
				for _, r := range rows[1:] {
					if strings.HasPrefix(r[0], "# ") {
						notes = append(notes, r[0])
						if strings.Join(r[1:], "") != "" {
							t.Errorf("a note row fills other cells: %q", r)
						}
					} else if len(notes) == 0 {
						t.Errorf("an example row before the guide: %q", r)
					}
				}
				if !reflect.DeepEqual(rows[1+len(notes):], form[1:]) {
					t.Errorf("after the notes\n%q\nwant the form's rows\n%q", rows[1+len(notes):], form[1:])
				}
				text := strings.Join(notes, "\n")
				want := []string{c.years}
				if p != pop {
					want = []string{c.money, c.periods}
				}
				for _, col := range form[0] {
					want = append(want, "# "+col+": ")
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("the notes do not say %q:\n%s", w, text)
					}
				}
			})
		}
	}
}

func TestTemplateXLSX(t *testing.T) {
	for _, lang := range i18n.Langs {
		testTemplateXLSX(t, lang)
	}
}

func testTemplateXLSX(t *testing.T, lang i18n.Lang) {
	for _, p := range csvin.Purposes() {
		t.Run(string(lang)+"/"+string(p), func(t *testing.T) {
			b, err := csvin.TemplateXLSX(p, lang)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := csvin.TemplateXLSX(p, lang); !bytes.Equal(b, again) {
				t.Error("the workbook's bytes differ between two builds")
			}
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheet := f.GetSheetList()[0]
			want := table(t, p)
			checkRows(t, f, sheet, want)
			checkTypes(t, f, sheet, want)
			checkHeader(t, f, sheet, len(want[0]))
			// Saved from the spreadsheet as CSV (values as shown: money
			// with separators and two decimals), it is still the example's
			// submission.
			shown, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for i := range shown {
				shown[i] = pad(shown[i], len(want[0]))
			}
			ex := exampleCases[slices.IndexFunc(exampleCases, func(e exampleCase) bool { return e.purpose == p })]
			got, wantDoc := canonical(t, ex, mustConvert(t, p, encode(shown))), canonical(t, ex, mustConvert(t, p, encode(want)))
			if !bytes.Equal(got, wantDoc) {
				t.Errorf("saved as CSV\n got %s\nwant %s", got, wantDoc)
			}
		})
	}
}

func pad(r []string, n int) []string {
	for len(r) < n {
		r = append(r, "")
	}
	return r
}

func checkRows(t *testing.T, f *excelize.File, sheet string, want [][]string) {
	t.Helper()
	got, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = pad(got[i], len(want[0]))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells\n got %q\nwant %q", got, want)
	}
}

// numberColumns are the cells that hold figures, by record.
var numberColumns = map[string][]string{
	"population": {"year", "count"}, "need": {"year", "count"},
	"spend": {"actual_to_date", "forecast_outturn"}, "income": {"actual_to_date", "forecast_outturn"},
	"kpi": {"value"}, "activity": {"value"}, "line": {"amount"}, "kpi-plan": {"value"},
}

func checkTypes(t *testing.T, f *excelize.File, sheet string, want [][]string) {
	t.Helper()
	for r, cells := range want[1:] {
		for i, v := range cells {
			if v == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, r+2)
			typ, err := f.GetCellType(sheet, cell)
			if err != nil {
				t.Fatal(err)
			}
			// A cell without a type attribute is a number (OOXML's default).
			isNumber := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset
			wantNumber := slices.Contains(numberColumns[cells[0]], want[0][i])
			if isNumber != wantNumber {
				t.Errorf("%s (%s %s) typed %v", cell, cells[0], want[0][i], typ)
			}
			money := strings.HasSuffix(want[0][i], "_to_date") || strings.HasSuffix(want[0][i], "_outturn") || want[0][i] == "amount"
			if got := numFmt(t, f, sheet, cell); money != (got == "#,##0.00") {
				t.Errorf("%s format %q", cell, got)
			}
		}
	}
}

func numFmt(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	if st.NumFmt == 4 {
		return "#,##0.00"
	}
	return ""
}

func checkHeader(t *testing.T, f *excelize.File, sheet string, columns int) {
	t.Helper()
	for i := 1; i <= columns; i++ {
		cell, _ := excelize.CoordinatesToCellName(i, 1)
		id, _ := f.GetCellStyle(sheet, cell)
		if st, err := f.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s is not bold", cell)
		}
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	if props, err := f.GetDocProps(); err != nil || props.Created == "" || props.Created != props.Modified {
		t.Errorf("properties %+v %v", props, err)
	}
}

var knownCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range csvin.Codes {
		m[c.Code] = true
	}
	return m
}()

// FuzzConvert: no input panics, hangs or escapes the limits; a rejection
// always says why with a published code; a body is JSON whose every value
// locates to a cell.
func FuzzConvert(f *testing.F) {
	for _, p := range csvin.Purposes() {
		tmpl := string(csvin.TemplateCSV(p, i18n.English))
		f.Add(tmpl)
		f.Add(string(csvin.TemplateCSV(p, i18n.Welsh)))
		f.Add("\xEF\xBB\xBF" + tmpl)
		f.Add(strings.Replace(tmpl, "2021", "=2021", 1))
		f.Add(strings.Replace(tmpl, "\r\n", ",\r\n", 3))
		f.Add(utf16LE(tmpl, true))
	}
	// The funds' templates: note rows, the optional commentary column,
	// assurance rows, funding streams.
	if reg, err := regions.Registry(); err == nil {
		for _, id := range reg.IDs() {
			r, _ := reg.Get(id)
			for _, fund := range r.Funds {
				for _, p := range []csvin.Purpose{qr, pc} {
					if tmpl, err := csvin.FundTemplateCSV(p, r, fund.ID, i18n.English); err == nil {
						f.Add(string(tmpl))
						f.Add(strings.Replace(string(tmpl), ",yes,", ",maybe,", 1))
					}
				}
			}
		}
	}
	f.Add("")
	f.Add("\"")
	f.Add("record\r\n\"a\"b\r\n")
	f.Add(popHeader + "need,1,,,x,1,\"\r\n\"\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		for _, p := range csvin.Purposes() {
			res, err := csvin.Convert(p, strings.NewReader(in), csvin.Limits{MaxRows: 100, MaxBytes: 1 << 16, MaxCellBytes: 300})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res)
		}
	})
}

func checkResult(t *testing.T, res *csvin.Result) {
	t.Helper()
	for _, e := range res.Errors {
		if !knownCodes[e.Code] || e.Message == "" || e.Row < 0 {
			t.Fatalf("bad error %+v", e)
		}
		// Said in Welsh from the catalogue, with the same values: not English under a Welsh tag.
		if e.ID == "" || i18n.Text(i18n.English, e.ID, e.Data) != e.Message || i18n.Text(i18n.Welsh, e.ID, e.Data) == e.Message {
			t.Fatalf("%+v is not the catalogue's message in English and Welsh", e)
		}
	}
	if len(res.Errors) > 0 {
		if res.Body != nil {
			t.Fatal("a body with errors")
		}
		return
	}
	var doc any
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
	walk(doc, "", func(ptr string) {
		if row, col, ok := res.Locate(ptr); !ok || row < 2 || col == "" {
			t.Fatalf("%s located at %d, %q, %v", ptr, row, col, ok)
		}
	})
}

// walk visits the pointer of every value that is not an object or array.
func walk(v any, ptr string, visit func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			walk(c, ptr+"/"+k, visit)
		}
	case []any:
		for i, c := range x {
			walk(c, ptr+"/"+itoa(i), visit)
		}
	default:
		visit(ptr)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// A file with failing rows still gives the document of the rows that
// passed, located, so the validator can judge them too; a file whose rows
// could not be read gives none.
func TestPartialDocumentOfTheRowsThatPassed(t *testing.T) {
	res := convert(t, pop, edit(t, pop, map[where]string{{4, "count"}: "lots", {3, "count"}: "-6900"}), csvin.Limits{})
	if len(res.Errors) != 1 || res.Body != nil || res.Partial == nil {
		t.Fatalf("errors %+v, body %s, partial %s", res.Errors, res.Body, res.Partial)
	}
	var doc struct {
		Population []struct {
			AgeBand string
			Count   json.Number
		}
	}
	if err := json.Unmarshal(res.Partial, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Population) != 3 || doc.Population[1].Count != "-6900" {
		t.Errorf("partial document %s: want rows 2, 3 and 5", res.Partial)
	}
	if row, col, ok := res.Locate("/population/2/count"); !ok || row != 5 || col != "count" {
		t.Errorf("the third row that passed is at %d %q, want row 5", row, col)
	}
	noHeader := convert(t, pop, "record,year\r\npopulation,2021\r\n", csvin.Limits{})
	if noHeader.Partial != nil || noHeader.Body != nil {
		t.Errorf("a file with a bad header gave a document: %s", noHeader.Partial)
	}
}
