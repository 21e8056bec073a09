package csvin_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func shippedRegions(t *testing.T) *region.Registry {
	t.Helper()
	reg, err := regions.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// validateAs runs the validator on a converted body for a partner and key.
func validateAs(t *testing.T, r *region.Region, partner string, kind submission.Kind, key [2]string, body []byte) *submission.Result {
	t.Helper()
	p, ok := r.Partner(partner)
	if !ok {
		t.Fatalf("%s has no partner %s", r.ID, partner)
	}
	k, fs := submission.ParseKey(kind, key, r, p)
	if len(fs) > 0 {
		t.Fatalf("key %v: %+v", key, fs)
	}
	res, err := submission.Validate(context.Background(), &submission.Context{Region: r, Partner: p, Key: k}, body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Every fund of every shipped region has a return and a contribution
// template, in each language, that its host can send as it comes (notes
// included): it converts, and the validator accepts it for the fund's first
// year. Its notes name every value of the fund's lists.
func TestEveryFundsTemplateIsAcceptedAsItComes(t *testing.T) {
	for _, lang := range i18n.Langs {
		testFundsTemplatesIn(t, lang)
	}
}

func testFundsTemplatesIn(t *testing.T, lang i18n.Lang) {
	reg := shippedRegions(t)
	for _, id := range reg.IDs() {
		r, _ := reg.Get(id)
		for _, f := range r.Funds {
			year := f.Years()[0].String()
			for _, tc := range []struct {
				purpose csvin.Purpose
				kind    submission.Kind
				period  string
				listed  []string
			}{
				{qr, submission.QuarterlyReturns, year + "-Q2", append(append(f.SpendCategories, f.IncomeSources...), assuranceCodes(f)...)},
				{pc, submission.PoolContributions, year, f.FundingStreams},
			} {
				t.Run(string(lang)+"/"+id+"/"+f.ID+"/"+string(tc.purpose), func(t *testing.T) {
					tmpl, err := csvin.FundTemplateCSV(tc.purpose, r, f.ID, lang)
					if err != nil {
						t.Fatal(err)
					}
					notes := notesOf(t, tmpl)
					for _, v := range append(tc.listed, r.KPIs[0].Code, fundWords[lang][tc.purpose]) {
						if !strings.Contains(notes, v) {
							t.Errorf("the notes do not name %s:\n%s", v, notes)
						}
					}
					res := convert(t, tc.purpose, string(tmpl), csvin.Limits{})
					if len(res.Errors) > 0 {
						t.Fatalf("csv errors: %+v", res.Errors)
					}
					v := validateAs(t, r, f.Host, tc.kind, [2]string{f.ID, tc.period}, res.Body)
					for _, e := range v.Errors {
						row, col, _ := res.Locate(e.Pointer)
						t.Errorf("%s at %s (row %d, %s): %s", e.Rule.Code, e.Pointer, row, col, e.Message)
					}
				})
			}
		}
	}
}

// fundWords are words each fund's notes say in each language.
var fundWords = map[i18n.Lang]map[csvin.Purpose]string{
	i18n.English: {qr: "spend categories (category):", pc: "funding streams (funding_stream):"},
	i18n.Welsh:   {qr: "categorïau gwariant (category):", pc: "ffrydiau ariannu (funding_stream):"},
}

func assuranceCodes(f region.Fund) []string {
	var out []string
	for _, a := range f.Assurances {
		out = append(out, a.Code)
	}
	return out
}

// notesOf is the text of a template's note rows.
func notesOf(t *testing.T, tmpl []byte) string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(tmpl, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, row := range rows[1:] {
		if strings.HasPrefix(row[0], "#") {
			b.WriteString(row[0] + "\n")
		}
	}
	return b.String()
}

// fundTemplate is a fund's template as rows of cells.
func fundTemplate(t *testing.T, p csvin.Purpose, r *region.Region, fundID string) [][]string {
	t.Helper()
	tmpl, err := csvin.FundTemplateCSV(p, r, fundID, i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(tmpl)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// West Wales's care-home funds use the general example's own lists: their
// template is today's, with note rows before its rows.
func TestACareHomeFundsTemplateIsTheGeneralOneWithNotes(t *testing.T) {
	ww, _ := shippedRegions(t).Get("west-wales")
	for _, p := range []csvin.Purpose{qr, pc} {
		rows := fundTemplate(t, p, ww, "care-homes-older-people")
		var kept [][]string
		for _, row := range rows {
			if !strings.HasPrefix(row[0], "#") {
				kept = append(kept, row)
			}
		}
		if want := table(t, p); !reflect.DeepEqual(kept, want) || len(kept) == len(rows) {
			t.Errorf("%s: without its %d notes\n%q\nwant the general template\n%q", p, len(rows)-len(kept), kept, want)
		}
	}
}

func TestFundTemplateErrors(t *testing.T) {
	ww, _ := shippedRegions(t).Get("west-wales")
	if _, err := csvin.FundTemplateCSV(pop, ww, "care-homes-older-people", i18n.English); !errors.Is(err, csvin.ErrNotFundForm) {
		t.Errorf("population form for a fund: %v", err)
	}
	if _, err := csvin.FundTemplateCSV(qr, ww, "better-care-fund", i18n.English); !errors.Is(err, csvin.ErrUnknownFund) {
		t.Errorf("another region's fund: %v", err)
	}
	if _, err := csvin.FundTemplateCSV("nope", ww, "care-homes-older-people", i18n.English); err == nil || errors.Is(err, csvin.ErrUnknownFund) {
		t.Errorf("unknown purpose: %v", err)
	}
}

// The worked Better Care Fund examples, written as a finance lead fills
// the CSV forms in (notes kept, yes and no as answered), are the same
// submissions as the JSON examples: the same canonical documents.
func TestBCFExamplesAsCSV(t *testing.T) {
	reg := shippedRegions(t)
	cw, _ := reg.Get("cheshire-west")
	wi, _ := reg.Get("wiltshire")
	for _, tc := range []struct {
		name, file, partner string
		r                   *region.Region
		purpose             csvin.Purpose
		kind                submission.Kind
		key                 [2]string
		csv                 string
	}{
		{"Cheshire West's council's 2019-20 Q2 return", "cheshire-west-quarterly-return.json", "cheshire-west-and-chester", cw, qr,
			submission.QuarterlyReturns, [2]string{"better-care-fund", "2019-20-Q2"},
			"record,discipline,area_code,category,source,code,value,unit,actual_to_date,forecast_outturn,commentary\r\n" +
				"# spend categories: home-care and the other scheme types,,,,,,,,,,\r\n" +
				"spend,social-care,E06000050,home-care,,,,,\"6,204,310.55\",12650000.00,\r\n" +
				"spend,social-care,E06000050,bed-based-intermediate-care,,,,,2318000,4720000,\r\n" +
				"spend,social-care,E06000050,dfg-related-schemes,,,,,1035500.00,2871000.00,\r\n" +
				"spend,social-care,E06000050,carers-services,,,,,402775.20,810000.00,\r\n" +
				"income,social-care,E06000050,,client-contributions,,,,611200.00,1230000.00,\r\n" +
				"kpi,,,,,discharge-to-usual-residence,92.6,percent,,,\r\n" +
				"kpi,,,,,residential-admissions-65plus-per-100k,281.4,rate,,,\r\n" +
				"assurance,,,,,national-condition-1,Yes,,,,\r\n" +
				"assurance,,,,,national-condition-2,yes,,,,\r\n" +
				"assurance,,,,,national-condition-3,TRUE,,,,\r\n" +
				"assurance,,,,,national-condition-4,No,,,,The discharge plan awaits the Health and Wellbeing Board's sign-off on 14 November.\r\n" +
				"rating,,,,,,amber,,,,\r\n" +
				"commentary,,,,,,Home care hours above plan over the summer; the intermediate care beds reprocured from October.,,,,\r\n"},
		{"Wiltshire's council's 2023-24 contribution", "wiltshire-pool-contribution.json", "wiltshire-council", wi, pc,
			submission.PoolContributions, [2]string{"better-care-fund", "2023-24"},
			"record,discipline,area_code,type,amount,description,funding_stream,code,quarter,value\r\n" +
				"line,social-care,E06000054,cash,\"4,183,562.00\",\"Disabled Facilities Grant, passed through in full\",disabled-facilities-grant,,,\r\n" +
				"line,social-care,E06000054,cash,9876540,Improved Better Care Fund grant,local-authority-bcf,,,\r\n" +
				"line,social-care,E06000054,cash,2311905.00,\"Adult social care discharge fund, local authority allocation\",discharge-fund,,,\r\n" +
				"line,social-care,E06000054,in-kind,750000.00,\"Reablement team, valued at cost\",additional-contribution,,,\r\n" +
				"# KPI plans for the year,,,,,,,,,\r\n" +
				"kpi-plan,,,,,,,discharge-to-usual-residence,2023-24-Q1,92.5\r\n" +
				"kpi-plan,,,,,,,discharge-to-usual-residence,2023-24-Q2,92.8\r\n" +
				"kpi-plan,,,,,,,discharge-to-usual-residence,2023-24-Q3,92.2\r\n" +
				"kpi-plan,,,,,,,discharge-to-usual-residence,2023-24-Q4,92.4\r\n" +
				"kpi-plan,,,,,,,avoidable-admissions-per-100k,2023-24-Q4,172\r\n" +
				"approved-by,,,,,,,,,Corporate Director of Resources (S151 officer)\r\n" +
				"approved-on,,,,,,,,,2023-03-28\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := convert(t, tc.purpose, tc.csv, csvin.Limits{})
			if len(res.Errors) > 0 {
				t.Fatalf("csv errors: %+v", res.Errors)
			}
			fromCSV := validateAs(t, tc.r, tc.partner, tc.kind, tc.key, res.Body)
			raw, err := examples.Read(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON := validateAs(t, tc.r, tc.partner, tc.kind, tc.key, raw)
			if len(fromCSV.Errors)+len(fromJSON.Errors) > 0 || fromCSV.Canonical == nil {
				t.Fatalf("errors: csv %+v, json %+v", fromCSV.Errors, fromJSON.Errors)
			}
			if !bytes.Equal(fromCSV.Canonical, fromJSON.Canonical) {
				t.Errorf("canonical\n csv %s\njson %s", fromCSV.Canonical, fromJSON.Canonical)
			}
		})
	}
}

// An assurance's problems come back to its row: the CSV's own (a value
// that is not yes or no, a commentary on another record) and the
// validator's (not met without commentary, an unknown code).
func TestAssuranceRows(t *testing.T) {
	cw, _ := shippedRegions(t).Get("cheshire-west")
	rows := fundTemplate(t, qr, cw, "better-care-fund")
	col := func(name string) int {
		for i, c := range rows[0] {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, rows[0])
		return -1
	}
	var assurance []int // the assurance rows' indexes
	for i, r := range rows {
		if r[0] == "assurance" {
			assurance = append(assurance, i)
		}
	}
	if len(assurance) != 4 {
		t.Fatalf("%d assurance rows, want the fund's 4: %q", len(assurance), rows)
	}
	edited := func(fn func(rows [][]string)) string {
		cp := make([][]string, len(rows))
		for i := range rows {
			cp[i] = append([]string(nil), rows[i]...)
		}
		fn(cp)
		return encode(cp)
	}

	t.Run("the file's own problems", func(t *testing.T) {
		in := edited(func(rs [][]string) {
			rs[assurance[0]][col("value")] = "maybe"
			rs[assurance[0]-1][col("commentary")] = "not an assurance's" // the KPI row before them
		})
		var got []errAt
		for _, e := range convert(t, qr, in, csvin.Limits{}).Errors {
			got = append(got, errAt{e.Row, e.Column, e.Code})
		}
		want := []errAt{{assurance[0], "commentary", "csv.cell-not-allowed"}, {assurance[0] + 1, "value", "csv.yes-no"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("errors %+v, want %+v", got, want)
		}
	})
	t.Run("the validator's, at their rows", func(t *testing.T) {
		in := edited(func(rs [][]string) {
			rs[assurance[3]][col("value")] = "no"
			rs[assurance[1]][col("code")] = "national-condition-9"
		})
		res := convert(t, qr, in, csvin.Limits{})
		if len(res.Errors) > 0 {
			t.Fatalf("csv errors %+v", res.Errors)
		}
		v := validateAs(t, cw, "cheshire-west-and-chester", submission.QuarterlyReturns, [2]string{"better-care-fund", "2019-20-Q2"}, res.Body)
		var got []errAt
		for _, e := range v.Errors {
			row, column, _ := res.Locate(e.Pointer)
			got = append(got, errAt{row, column, e.Rule.Code})
		}
		want := []errAt{{assurance[1] + 1, "code", "assurance.unknown-code"}, {assurance[3] + 1, "", "assurance.commentary-required"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("findings %+v, want %+v", got, want)
		}
	})
	t.Run("a file without the commentary column is still read", func(t *testing.T) {
		in := edited(func(rs [][]string) {
			for i := range rs {
				rs[i] = rs[i][:len(rs[i])-1] // commentary is the last column
			}
		})
		res := convert(t, qr, in, csvin.Limits{})
		if len(res.Errors) > 0 || !bytes.Contains(res.Body, []byte(`"assurances":[{"code":"national-condition-1","met":true}`)) {
			t.Errorf("errors %+v, body %s", res.Errors, res.Body)
		}
	})
	t.Run("another form has no commentary column", func(t *testing.T) {
		res := convert(t, pop, strings.TrimSuffix(popHeader, "\r\n")+",commentary\r\n", csvin.Limits{})
		if len(res.Errors) == 0 || res.Errors[0].Code != "csv.header" || res.Errors[0].Column != "commentary" {
			t.Errorf("errors %+v", res.Errors)
		}
	})
}

// Every line of every form's guide, and every fund's notes, is a message of
// the catalogues in each language, never its id shown for want of one.
func TestGuidesHaveEveryMessage(t *testing.T) {
	reg := shippedRegions(t)
	for _, lang := range i18n.Langs {
		for _, p := range csvin.Purposes() {
			g := csvin.GuideFor(p, lang, "form")
			var texts []string
			for _, e := range append(g.Records, g.Columns...) {
				texts = append(texts, e.Text)
			}
			texts = append(append(texts, g.Notes()...), g.Save)
			if csvin.IsFundForm(p) {
				for _, id := range reg.IDs() {
					r, _ := reg.Get(id)
					tmpl, err := csvin.FundTemplateCSV(p, r, r.Funds[0].ID, lang)
					if err != nil {
						t.Fatal(err)
					}
					texts = append(texts, notesOf(t, tmpl))
				}
			}
			for _, s := range texts {
				if strings.Contains(s, "template.") || s == "" {
					t.Errorf("%s in %s: %q is no message", p, lang, s)
				}
			}
		}
	}
}
