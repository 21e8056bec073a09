package csvin

import (
	"slices"
	"strings"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// kind is how a cell's text becomes a JSON value.
type kind uint8

const (
	text    kind = iota // a JSON string, trimmed; guarded against formulas
	integer             // a JSON integer: years, counts
	money               // a JSON string of pounds, digits kept as written
	decimal             // a JSON string, digits kept as written
	flag                // the word true: JSON true
	yesNo               // yes or no (true or false): JSON true or false
)

// number reports whether the column holds figures: a leading sign there is
// a negative number, not a formula.
func (k kind) number() bool { return k == integer || k == money || k == decimal }

// col is a column a record type fills, and the JSON field it becomes.
type col struct {
	column, field string
	kind          kind
	optional      bool
}

func req(column, field string, k kind) col { return col{column: column, field: field, kind: k} }
func opt(column, field string, k kind) col {
	return col{column: column, field: field, kind: k, optional: true}
}

// record is one value of the `record` column: the cells it fills (every
// other cell of the row must be empty) and how a checked row joins the
// document.
type record struct {
	cols []col
	add  func(d *document, r row)
}

func (r *record) col(name string) (col, bool) {
	for _, c := range r.cols {
		if c.column == name {
			return c, true
		}
	}
	return col{}, false
}

// form is one purpose's CSV form (docs: spec/data-dictionary.md, "CSV form").
type form struct {
	columns []string
	// optional are columns a file may have or leave out: ones added to a
	// form after files of it were written (those files stay valid).
	optional []string
	records  map[string]*record
	finish   func(d *document)
	example  []map[string]string // the template's rows: the shared example's figures
	// howTo are the form's own lines of its guide (guide.go), by message
	// id: its units, its periods and where its key comes from.
	howTo []string
	// forFund is the form in one fund's terms (fundtemplate.go): its extra
	// columns, its note rows and its example rows; nil for a form that is
	// no fund's.
	forFund func(example []map[string]string, reg *region.Region, f *region.Fund, lang i18n.Lang) fundForm
}

// known reports whether a header may name the column.
func (f *form) known(column string) bool {
	return slices.Contains(f.columns, column) || slices.Contains(f.optional, column)
}

// columnList names the form's columns for messages, the optional ones marked.
func (f *form) columnList() string {
	out := strings.Join(f.columns, ", ")
	for _, o := range f.optional {
		out += ", " + o + " (optional)"
	}
	return out
}

// forms are the CSV forms, built on first use (only uploads need them).
var forms = sync.OnceValue(func() map[Purpose]*form {
	return map[Purpose]*form{
		PopulationAssessmentCSV: populationForm,
		QuarterlyReturnCSV:      returnForm,
		PoolContributionCSV:     contributionForm,
	}
})

var populationForm = &form{
	columns: []string{"record", "year", "age_band", "sex", "group", "count", "source"},
	records: map[string]*record{
		"population": {cols: []col{req("year", "year", integer), req("age_band", "ageBand", text),
			req("sex", "sex", text), req("count", "count", integer)}, add: appendTo("population")},
		"need": {cols: []col{req("group", "group", text), req("year", "year", integer),
			req("count", "count", integer), opt("source", "source", text)}, add: appendTo("needs")},
	},
	finish: func(d *document) { d.require("population") },
	howTo:  []string{"template.how.years", "template.how.key.population-assessment-csv"},
	// infra/examples/population-assessment.json (its notes have no column).
	example: []map[string]string{
		{"record": "population", "year": "2021", "age_band": "65-74", "sex": "all", "count": "10900"},
		{"record": "population", "year": "2021", "age_band": "75-84", "sex": "all", "count": "6900"},
		{"record": "population", "year": "2021", "age_band": "85+", "sex": "all", "count": "2300"},
		{"record": "population", "year": "2030", "age_band": "85+", "sex": "all", "count": "3100"},
		{"record": "need", "year": "2021", "group": "dementia", "count": "1450", "source": "Daffodil projections"},
		{"record": "need", "year": "2021", "group": "carers", "count": "8700", "source": "Census 2021"},
	},
}

// moneyLine is a spend or income row: the line's kind column differs.
func moneyLine(column, field string) []col {
	return []col{req("discipline", "discipline", text), req("area_code", "areaCode", text), req(column, field, text),
		req("actual_to_date", "actualToDate", money), req("forecast_outturn", "forecastOutturn", money)}
}

// activities are the activity codes in the schema's order.
var activities = []struct{ code, field string }{
	{"placements-at-quarter-end", "placementsAtQuarterEnd"},
	{"new-placements", "newPlacements"},
	{"ended-placements", "endedPlacements"},
	{"bed-weeks", "bedWeeks"},
}

var returnForm = &form{
	columns: []string{"record", "discipline", "area_code", "category", "source", "code", "value", "unit",
		"actual_to_date", "forecast_outturn"},
	// commentary is an assurance's: a file without assurances (every file
	// written before them) needs no such column.
	optional: []string{"commentary"},
	records: map[string]*record{
		"spend":      {cols: moneyLine("category", "category"), add: appendTo("spend")},
		"income":     {cols: moneyLine("source", "source"), add: appendTo("income")},
		"kpi":        {cols: []col{req("code", "code", text), req("value", "value", decimal), req("unit", "unit", text)}, add: appendTo("kpis")},
		"activity":   {cols: []col{req("code", "", text), req("value", "", integer)}, add: addActivity},
		"assurance":  {cols: []col{req("code", "code", text), req("value", "met", yesNo), opt("commentary", "commentary", text)}, add: appendTo("assurances")},
		"rating":     {cols: []col{req("value", "riskRating", text)}, add: setOnce},
		"commentary": {cols: []col{req("value", "commentary", text)}, add: setOnce},
		"final":      {cols: []col{req("value", "final", flag)}, add: setOnce},
	},
	finish:  finishReturn,
	forFund: returnForFund,
	howTo:   []string{"template.how.money", "template.how.periods", "template.how.key.quarterly-return-csv"},
	// infra/examples/quarterly-return.json.
	example: []map[string]string{
		spendRow("residential", "4102337.18", "9450000.00"),
		spendRow("nursing", "2890110.40", "6500000.00"),
		spendRow("residential-dementia", "1010000", "2550000"),
		{"record": "income", "discipline": "social-care", "area_code": "W06000010", "source": "client-contributions",
			"actual_to_date": "1204000.00", "forecast_outturn": "2400000.00"},
		{"record": "activity", "code": "placements-at-quarter-end", "value": "1130"},
		{"record": "activity", "code": "new-placements", "value": "141"},
		{"record": "activity", "code": "ended-placements", "value": "128"},
		{"record": "activity", "code": "bed-weeks", "value": "14602"},
		{"record": "kpi", "code": "avg-weekly-fee", "value": "612.4", "unit": "GBP"},
		{"record": "rating", "value": "amber"},
		{"record": "commentary", "value": "Nursing placements above plan after two home closures in the Llanelli area."},
	},
}

func spendRow(category, actual, forecast string) map[string]string {
	return map[string]string{"record": "spend", "discipline": "social-care", "area_code": "W06000010",
		"category": category, "actual_to_date": actual, "forecast_outturn": forecast}
}

func finishReturn(d *document) {
	d.require("spend")
	d.require("rating")
	d.requireActivities()
}

// contributionForm is a pool contribution: a row per line (with its
// funding stream, for a fund that has them), a row per KPI plan, and the
// approval's two rows.
var contributionForm = &form{
	columns: []string{"record", "discipline", "area_code", "type", "amount", "description", "funding_stream",
		"code", "quarter", "value"},
	records: map[string]*record{
		"line": {cols: []col{req("discipline", "discipline", text), req("area_code", "areaCode", text), req("type", "type", text),
			req("amount", "amount", money), req("description", "description", text), opt("funding_stream", "fundingStream", text)},
			add: appendTo("lines")},
		"kpi-plan":    {cols: []col{req("code", "code", text), req("quarter", "quarter", text), req("value", "value", decimal)}, add: appendTo("kpiPlans")},
		"approved-by": {cols: []col{req("value", "approvedBy", text)}, add: setOnce},
		"approved-on": {cols: []col{req("value", "approvedOn", text)}, add: setOnce},
	},
	finish: func(d *document) {
		d.require("line")
		d.require("approved-by")
		d.require("approved-on")
	},
	// infra/examples/pool-contribution.json.
	example: []map[string]string{
		{"record": "line", "discipline": "social-care", "area_code": "W06000010", "type": "cash", "amount": "14250000.00",
			"description": "Residential and nursing placements, older people"},
		{"record": "line", "discipline": "social-care", "area_code": "W06000010", "type": "in-kind", "amount": "2100000",
			"description": "In-house residential homes, valued at cost"},
		{"record": "approved-by", "value": "Head of Finance, Adult Social Care"},
		{"record": "approved-on", "value": "2018-03-28"},
	},
	forFund: contributionForFund,
	howTo:   []string{"template.how.money", "template.how.periods", "template.how.key.pool-contribution-csv"},
}
