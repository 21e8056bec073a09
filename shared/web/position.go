package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// fundYear is the fund and year a region's fund page is about, from its
// address: the region's token with region:read only, checked before any
// parameter is read (as the API's fund routes check it).
type fundYear struct {
	reg  *region.Region
	fund *region.Fund
	year period.FinancialYear
}

func (s *site) fundYearOf(v *visit) (fundYear, error) {
	reg, err := s.Service.AuthorizeRegional(v.p, v.r.PathValue("region"), auth.RegionRead)
	if err != nil {
		return fundYear{}, err
	}
	f, ok := reg.Fund(v.r.PathValue("fundId"))
	if !ok {
		return fundYear{}, errNoPage
	}
	reg = reg.In(v.lang) // names in the page's language
	f, _ = reg.Fund(f.ID)
	fy := fundYear{reg: reg, fund: f, year: defaultYear(f, s.Now())}
	if asked := v.r.URL.Query().Get("financialYear"); asked != "" {
		if fy.year, err = period.ParseFinancialYear(asked); err != nil {
			return fy, apperr.Validation([]apperr.FieldError{submission.RuleFinancialYear.FieldError().AtParameter("financialYear")})
		}
	}
	return fy, nil
}

// defaultYear is the fund's year running now, else its last year begun,
// else its first.
func defaultYear(f *region.Fund, now time.Time) period.FinancialYear {
	years := f.Years()
	today := period.DateOf(now)
	for i := len(years) - 1; i >= 0; i-- {
		if !today.Before(years[i].FirstDay()) {
			return years[i]
		}
	}
	return years[0]
}

// asAtOf reads the page's quarter (Q1 to Q4 of the year; none: the latest
// with a return).
func asAtOf(v *visit, year period.FinancialYear) (*period.Quarter, error) {
	q := v.r.URL.Query().Get("quarter")
	if q == "" {
		return nil, nil
	}
	at, err := period.ParseQuarter(year.String() + "-" + q)
	if err != nil || !strings.HasPrefix(q, "Q") {
		return nil, apperr.Validation([]apperr.FieldError{submission.RuleQuarter.FieldError().AtParameter("quarter")})
	}
	return &at, nil
}

type positionData struct {
	Fund, Region string
	Year, AsAt   string
	Pick         yearPicker
	Members      table
	CSV          string
	Chart        chart
	Cells        table
	Model        string
	RiskShare    *table
	Consents     table
	Pooling      string
	Completeness string
}

// yearPicker is the GET form that chooses a fund's year (and quarter).
type yearPicker struct {
	Action   string
	Lang     string
	Years    []option
	Quarters []option // nil: no quarter to choose

	YearLabel, QuarterLabel, Button string
}

type option struct {
	Value, Label string
	Selected     bool
}

func (s *site) position(v *visit) error {
	fy, pos, err := s.readPosition(v)
	if err != nil {
		return err
	}
	d := positionData{Fund: fy.fund.Name, Region: fy.reg.Name, Year: fy.year.String(), Pick: picker(v, fy, true),
		Members: membersTable(v, fy, pos), Cells: cellsTable(v, fy, pos), Consents: consentsTable(v, fy, pos)}
	d.AsAt = v.t("page.position.as-at-none", nil)
	if pos.AsAt != nil {
		d.AsAt = *pos.AsAt
	}
	d.CSV = v.link(appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "position.csv"), v.r.URL.Query())
	d.Completeness = v.link(appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "completeness"), url.Values{"financialYear": {d.Year}})
	rows := make([]chartRow, len(pos.Partners))
	for i, pp := range pos.Partners {
		rows[i] = chartRow{label: partnerName(fy.reg, pp.Partner), amount: pp.Totals.Variance}
	}
	d.Chart = varianceChart("variance", v.t("page.position.chart.title", map[string]any{"Fund": d.Fund, "Year": d.Year}),
		v.t("page.position.chart.desc", nil), rows)
	d.Model = v.t("page.model."+string(modelOf(pos)), nil)
	if pos.RiskShare != nil {
		t := riskShareTable(v, fy, pos.RiskShare)
		d.RiskShare = &t
	}
	d.Pooling = v.t("page.pooling.not-unanimous", nil)
	if pos.Pooling.Unanimous {
		d.Pooling = v.t("page.pooling.unanimous", map[string]any{"Amount": pounds(pos.PooledUnderspend)})
	}
	title := v.t("page.position.title", map[string]any{"Fund": d.Fund, "Year": d.Year})
	return s.render(v, http.StatusOK, "position", title, d)
}

// positionCSV is the position page's members table as CSV, in the page's
// language: the same call, the same table.
func (s *site) positionCSV(v *visit) error {
	fy, pos, err := s.readPosition(v)
	if err != nil {
		return err
	}
	body := membersTable(v, fy, pos).csv()
	h := v.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+fy.reg.ID+"-"+fy.fund.ID+"-"+fy.year.String()+`-position.csv"`)
	h.Set("Content-Language", string(v.lang))
	_, err = v.w.Write(body)
	return err
}

// readPosition is GET /v1/regions/{region}/funds/{fundId}/position's call.
func (s *site) readPosition(v *visit) (fundYear, *position.Position, error) {
	fy, err := s.fundYearOf(v)
	if err != nil {
		return fy, nil, err
	}
	asAt, err := asAtOf(v, fy.year)
	if err != nil {
		return fy, nil, err
	}
	pos, err := s.RegionView.FundPosition(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, fy.year, asAt)
	return fy, pos, err
}

func modelOf(pos *position.Position) position.Model {
	if pos.RiskShare == nil {
		return position.EachCellOwn
	}
	return pos.RiskShare.Model
}

// picker chooses the fund's year, and with quarters the as-at quarter.
func picker(v *visit, fy fundYear, quarters bool) yearPicker {
	p := yearPicker{Action: v.r.URL.Path, Lang: string(v.explicit), YearLabel: v.t("page.pick.year", nil),
		QuarterLabel: v.t("page.pick.quarter", nil), Button: v.t("page.pick.button", nil)}
	for _, y := range fy.fund.Years() {
		p.Years = append(p.Years, option{Value: y.String(), Label: y.String(), Selected: y == fy.year})
	}
	if quarters {
		asked := v.r.URL.Query().Get("quarter")
		p.Quarters = []option{{Value: "", Label: v.t("page.position.latest", nil), Selected: asked == ""}}
		for _, q := range []string{"Q1", "Q2", "Q3", "Q4"} {
			p.Quarters = append(p.Quarters, option{Value: q, Label: q, Selected: asked == q})
		}
	}
	return p
}

func partnerName(reg *region.Region, id string) string {
	if p, ok := reg.Partner(id); ok {
		return p.Name
	}
	return id
}

func areaName(reg *region.Region, code string) string {
	for _, a := range reg.Areas {
		if a.Code == code {
			return a.Name
		}
	}
	return code
}

func joinOr(items []string, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, ", ")
}

// membersTable is each member's totals, the return the position uses and
// what it lacks, with the fund's totals as its footer.
func membersTable(v *visit, fy fundYear, pos *position.Position) table {
	none := v.t("page.value.none", nil)
	t := table{Caption: v.t("page.position.members", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}),
		Columns: []column{{Label: v.t("page.col.member", nil)}}}
	for _, id := range []string{"contribution", "actual", "forecast", "variance", "overspend", "underspend", "reimbursed", "pooled"} {
		t.Columns = append(t.Columns, column{Label: v.t("page.col."+id, nil), Num: true})
	}
	t.Columns = append(t.Columns, column{Label: v.t("page.col.return-used", nil)}, column{Label: v.t("page.col.missing", nil)},
		column{Label: v.t("page.col.unsigned", nil)})
	totals := func(tt position.Totals) []cell {
		return []cell{moneyCell(tt.Contribution), moneyCell(tt.ActualToDate), moneyCell(tt.ForecastOutturn), moneyCell(tt.Variance),
			moneyCell(tt.Overspend), moneyCell(tt.Underspend), moneyCell(tt.Reimbursed), moneyCell(tt.Pooled)}
	}
	for _, pp := range pos.Partners {
		used := none
		if pp.AsAtQuarter != nil && pp.ReturnVersion != nil {
			used = v.t("page.position.return-used", map[string]any{"Quarter": *pp.AsAtQuarter, "Version": *pp.ReturnVersion})
		}
		row := append([]cell{headCell(partnerName(fy.reg, pp.Partner), "")}, totals(pp.Totals)...)
		t.Rows = append(t.Rows, append(row, textCell(used), textCell(joinOr(pp.Completeness.Missing, none)),
			textCell(joinOr(pp.Completeness.Unsigned, none))))
	}
	t.Foot = append(append([]cell{{Text: v.t("page.position.fund-total", nil), Head: true}}, totals(pos.Totals.Fund)...),
		textCell(""), textCell(""), textCell(""))
	return t
}

// cellsTable is each member's (discipline, area) cells.
func cellsTable(v *visit, fy fundYear, pos *position.Position) table {
	none := v.t("page.value.none", nil)
	t := table{Caption: v.t("page.position.cells", nil), Columns: []column{{Label: v.t("page.col.member", nil)},
		{Label: v.t("page.col.discipline", nil)}, {Label: v.t("page.col.area", nil)}}}
	for _, id := range []string{"contribution", "actual", "forecast", "variance", "overspend", "underspend"} {
		t.Columns = append(t.Columns, column{Label: v.t("page.col."+id, nil), Num: true})
	}
	t.Columns = append(t.Columns, column{Label: v.t("page.col.underspend-to", nil)})
	for _, c := range pos.Cells {
		to := none
		if c.UnderspendTo != nil {
			to = v.t("page.destination."+string(*c.UnderspendTo), nil)
		}
		if c.Unfunded {
			to = v.t("page.position.unfunded", nil)
		}
		t.Rows = append(t.Rows, []cell{headCell(partnerName(fy.reg, c.Partner), ""), textCell(v.t("page.discipline."+c.Discipline, nil)),
			textCell(areaName(fy.reg, c.AreaCode)), moneyCell(c.Contribution), optMoneyCell(c.ActualToDate, none), optMoneyCell(c.ForecastOutturn, none),
			optMoneyCell(c.Variance, none), moneyCell(c.Overspend), moneyCell(c.Underspend), textCell(to)})
	}
	t.Empty = v.t("page.position.no-cells", nil)
	return t
}

// riskShareTable is each member's share of the fund's variance under a
// shared model.
func riskShareTable(v *visit, fy fundYear, rs *position.SharedVariance) table {
	none := v.t("page.value.none", nil)
	t := table{Caption: v.t("page.position.risk-share", map[string]any{"Variance": pounds(rs.Variance)}),
		Columns: []column{{Label: v.t("page.col.member", nil)}, {Label: v.t("page.col.basis", nil)},
			{Label: v.t("page.col.share", nil), Num: true}, {Label: v.t("page.col.overspend", nil), Num: true}, {Label: v.t("page.col.underspend", nil), Num: true}}}
	for _, sh := range rs.Shares {
		basis := none
		switch b := sh.Basis; {
		case b.Contribution != nil:
			basis = v.t("page.basis.contribution", map[string]any{"Amount": pounds(*b.Contribution)})
		case b.Percent != nil:
			basis = v.t("page.basis.percent", map[string]any{"Percent": b.Percent.String()})
		case b.Host != nil && *b.Host:
			basis = v.t("page.basis.host", nil)
		case b.Host != nil:
			basis = v.t("page.basis.not-host", nil)
		}
		t.Rows = append(t.Rows, []cell{headCell(partnerName(fy.reg, sh.Partner), ""), textCell(basis), optMoneyCell(sh.ShareOfVariance, none),
			optMoneyCell(sh.Overspend, none), optMoneyCell(sh.Underspend, none)})
	}
	return t
}

// consentsTable is each member's consent to pool underspends.
func consentsTable(v *visit, fy fundYear, pos *position.Position) table {
	t := table{Caption: v.t("page.position.consents", nil), Columns: []column{{Label: v.t("page.col.member", nil)}, {Label: v.t("page.col.consented", nil)}}}
	for _, c := range pos.Pooling.Consents {
		word, class := v.t("page.value.no", nil), "status-missing"
		if c.Consented {
			word, class = v.t("page.value.yes", nil), "status-signed"
		}
		t.Rows = append(t.Rows, []cell{headCell(partnerName(fy.reg, c.Partner), ""), {Text: word, Class: class}})
	}
	return t
}
