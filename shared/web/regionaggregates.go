package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/aggregate"
	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// regionOf is a region page's region, for the region's own token with
// region:read only (as the API's region routes check it), named in the
// page's language.
func (s *site) regionOf(v *visit) (*region.Region, error) {
	reg, err := s.Service.AuthorizeRegional(v.p, v.r.PathValue("region"), auth.RegionRead)
	if err != nil {
		return nil, err
	}
	return reg.In(v.lang), nil
}

// regionYears are the financial years any of the region's funds runs.
func regionYears(reg *region.Region) []period.FinancialYear {
	var out []period.FinancialYear
	for i := range reg.Funds {
		for _, y := range reg.Funds[i].Years() {
			if !slices.Contains(out, y) {
				out = append(out, y)
			}
		}
	}
	slices.SortFunc(out, func(a, b period.FinancialYear) int { return a.Start - b.Start })
	return out
}

// aggregatePicker is the GET form of an aggregate page: its year, and for
// the population an assessment year.
type aggregatePicker struct {
	Action, Lang   string
	Years          []option
	Assessment     *string // the population's assessment year field; nil: none
	YearLabel      string
	AssessmentHint string
	Button         string
	AssessLabel    string
}

func aggregatePick(v *visit, reg *region.Region, chosen string, latest bool) aggregatePicker {
	p := aggregatePicker{Action: v.r.URL.Path, Lang: string(v.explicit), YearLabel: v.t("page.pick.year", nil), Button: v.t("page.pick.button", nil),
		AssessLabel: v.t("page.aggregates.assessment-year", nil), AssessmentHint: v.t("page.aggregates.assessment-hint", nil)}
	if latest {
		p.Years = append(p.Years, option{Value: "", Label: v.t("page.aggregates.latest", nil), Selected: chosen == ""})
	}
	for _, y := range regionYears(reg) {
		p.Years = append(p.Years, option{Value: y.String(), Label: y.String(), Selected: y.String() == chosen})
	}
	return p
}

type areaSection struct {
	Name, Source string
	Tables       []table
	Facts        []fact
}

type aggregateData struct {
	Pick   aggregatePicker
	Intro  string
	Areas  []areaSection
	Totals []table
	Other  link
}

func (v *visit) col(name string) column { return column{Label: v.t("export.column."+name, nil)} }

func (v *visit) numCol(name string) column {
	return column{Label: v.t("export.column."+name, nil), Num: true}
}

func int64Cell(n int64) cell { return cell{Text: strconv.FormatInt(n, 10), Num: true} }

func sourcesText(reg *region.Region, ids []string, none string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = partnerName(reg, id)
	}
	return joinOr(names, none)
}

// population is GET /v1/regions/{region}/aggregates/population as a page.
func (s *site) population(v *visit) error {
	reg, err := s.regionOf(v)
	if err != nil {
		return err
	}
	qs := v.r.URL.Query()
	var pq regionview.PopulationQuery
	if a := qs.Get("assessmentYear"); a != "" {
		y, err := strconv.Atoi(a)
		if err != nil || y < 2000 || y > 2100 || strconv.Itoa(y) != a {
			return submission.RuleAssessmentYear.ParamError("assessmentYear", "finding.assessment-year", map[string]any{"Value": strconv.Quote(a)})
		}
		pq.AssessmentYear = &y
	}
	if f := qs.Get("financialYear"); f != "" {
		y, err := period.ParseFinancialYear(f)
		if err != nil {
			return apperr.Validation([]apperr.FieldError{submission.RuleFinancialYear.FieldError().AtParameter("financialYear")})
		}
		pq.FinancialYear = &y
	}
	agg, err := s.RegionView.PopulationAggregate(v.r.Context(), v.p, reg.ID, pq)
	if err != nil {
		return err
	}
	none := v.t("page.value.none", nil)
	assess := qs.Get("assessmentYear")
	d := aggregateData{Pick: aggregatePick(v, reg, qs.Get("financialYear"), true),
		Other: link{Text: v.t("page.aggregates.market-link", nil), Href: v.link(appPath("regions", reg.ID, "aggregates", "market"), nil)}}
	d.Pick.Assessment = &assess
	d.Intro = v.t("page.aggregates.population-latest", nil)
	if agg.AssessmentYear != nil {
		d.Intro = v.t("page.aggregates.population-year", map[string]any{"Year": *agg.AssessmentYear})
	}
	popCols := []column{v.col("year"), v.col("age_band"), v.col("sex"), v.numCol("count")}
	needCols := []column{v.col("group"), v.col("year"), v.numCol("count")}
	for _, a := range agg.Areas {
		name := areaName(reg, a.AreaCode)
		sec := areaSection{Name: name, Source: v.t("page.aggregates.no-assessment", nil)}
		if a.Source != nil {
			sec.Source = v.t("page.aggregates.assessment-source", map[string]any{"Partner": partnerName(reg, a.Source.Partner),
				"Year": a.Source.AssessmentYear, "Version": a.Source.Version, "SHA": a.Source.SHA256})
		}
		pop := table{Caption: v.t("page.aggregates.population-of", map[string]any{"Area": name}), Columns: popCols, Empty: none}
		for _, r := range a.Population {
			pop.Rows = append(pop.Rows, []cell{headCell(strconv.Itoa(r.Year), ""), textCell(r.AgeBand), textCell(r.Sex), int64Cell(r.Count)})
		}
		needs := table{Caption: v.t("page.aggregates.needs-of", map[string]any{"Area": name}), Columns: needCols, Empty: none}
		for _, r := range a.Needs {
			needs.Rows = append(needs.Rows, []cell{headCell(r.Group, ""), textCell(strconv.Itoa(r.Year)), int64Cell(r.Count)})
		}
		sec.Tables = []table{pop, needs}
		d.Areas = append(d.Areas, sec)
	}
	pop := table{Caption: v.t("page.aggregates.population-total", map[string]any{"Region": reg.Name}), Columns: append(slices.Clone(popCols), v.col("sources")), Empty: none}
	for _, r := range agg.Totals.Population {
		pop.Rows = append(pop.Rows, []cell{headCell(strconv.Itoa(r.Year), ""), textCell(r.AgeBand), textCell(r.Sex), int64Cell(r.Count),
			textCell(sourcesText(reg, r.Sources, none))})
	}
	needs := table{Caption: v.t("page.aggregates.needs-total", map[string]any{"Region": reg.Name}), Columns: append(slices.Clone(needCols), v.col("sources")), Empty: none}
	for _, r := range agg.Totals.Needs {
		needs.Rows = append(needs.Rows, []cell{headCell(r.Group, ""), textCell(strconv.Itoa(r.Year)), int64Cell(r.Count), textCell(sourcesText(reg, r.Sources, none))})
	}
	d.Totals = []table{pop, needs}
	return s.render(v, http.StatusOK, "aggregates", v.t("page.aggregates.population-title", map[string]any{"Region": reg.Name}), d)
}

// market is GET /v1/regions/{region}/aggregates/market as a page: its year
// chosen (by default the year running now).
func (s *site) market(v *visit) error {
	reg, err := s.regionOf(v)
	if err != nil {
		return err
	}
	years := regionYears(reg)
	if len(years) == 0 {
		return errNoPage
	}
	year := years[0]
	today := period.DateOf(s.Now())
	for _, y := range years {
		if !today.Before(y.FirstDay()) {
			year = y
		}
	}
	if f := v.r.URL.Query().Get("financialYear"); f != "" {
		if year, err = period.ParseFinancialYear(f); err != nil {
			return apperr.Validation([]apperr.FieldError{submission.RuleFinancialYear.FieldError().AtParameter("financialYear")})
		}
	}
	agg, err := s.RegionView.MarketAggregate(v.r.Context(), v.p, reg.ID, year)
	if err != nil {
		return err
	}
	none := v.t("page.value.none", nil)
	d := aggregateData{Pick: aggregatePick(v, reg, year.String(), false), Intro: v.t("page.aggregates.market-intro", map[string]any{"Year": year.String()}),
		Other: link{Text: v.t("page.aggregates.population-link", nil), Href: v.link(appPath("regions", reg.ID, "aggregates", "population"), nil)}}
	cols := []column{v.col("category")}
	for _, c := range []string{"homes", "beds", "occupied_beds", "vacant_beds", "local_authority_funded", "health_funded", "self_funded", "occupancy",
		"average_weekly_fee", "min_weekly_fee", "max_weekly_fee"} {
		cols = append(cols, v.numCol(c))
	}
	capacity := func(c aggregate.Capacity) []cell {
		return []cell{int64Cell(c.Homes), int64Cell(c.Beds), int64Cell(c.OccupiedBeds), int64Cell(c.VacantBeds), int64Cell(c.LocalAuthorityFunded),
			int64Cell(c.HealthFunded), int64Cell(c.SelfFunded)}
	}
	optText := func(s *string) cell {
		if s == nil {
			return cell{Text: none, Num: true}
		}
		return cell{Text: *s, Num: true}
	}
	optCount := func(n *int64) string {
		if n == nil {
			return none
		}
		return strconv.FormatInt(*n, 10)
	}
	for _, a := range agg.Areas {
		name := areaName(reg, a.AreaCode)
		sec := areaSection{Name: name, Source: v.t("page.aggregates.no-statement", nil), Facts: []fact{
			{Label: v.t("export.column.providers", nil), Text: optCount(a.Providers)}, {Label: v.t("export.column.closures", nil), Text: optCount(a.Closures)},
			{Label: v.t("export.column.new_entrants", nil), Text: optCount(a.NewEntrants)}}}
		if a.Source != nil {
			sec.Source = v.t("page.aggregates.statement-source", map[string]any{"Partner": partnerName(reg, a.Source.Partner), "Version": a.Source.Version,
				"SHA": a.Source.SHA256})
		}
		t := table{Caption: v.t("page.aggregates.care-homes-of", map[string]any{"Area": name, "Year": year.String()}), Columns: cols, Empty: none}
		for _, r := range a.CareHomes {
			row := append([]cell{headCell(categoryName(reg, r.Category), "")}, capacity(r.Capacity)...)
			t.Rows = append(t.Rows, append(row, optText(r.Occupancy), feeCell(r.AverageWeeklyFee), feeCell(r.MinWeeklyFee), feeCell(r.MaxWeeklyFee)))
		}
		sec.Tables = []table{t}
		d.Areas = append(d.Areas, sec)
	}
	t := table{Caption: v.t("page.aggregates.care-homes-total", map[string]any{"Region": reg.Name, "Year": year.String()}),
		Columns: append(slices.Clone(cols), v.col("sources")), Empty: none}
	for _, r := range agg.Totals {
		avg := cell{Text: none, Num: true}
		if r.AverageWeeklyFee != nil {
			avg = feeCell(*r.AverageWeeklyFee)
		}
		row := append([]cell{headCell(categoryName(reg, r.Category), "")}, capacity(r.Capacity)...)
		t.Rows = append(t.Rows, append(row, optText(r.Occupancy), avg, feeCell(r.MinWeeklyFee), feeCell(r.MaxWeeklyFee),
			textCell(sourcesText(reg, r.Sources, none))))
	}
	d.Totals = []table{t}
	return s.render(v, http.StatusOK, "aggregates", v.t("page.aggregates.market-title", map[string]any{"Region": reg.Name, "Year": year.String()}), d)
}

// feeCell is a weekly fee as the JSON gives it ("742.00"), under a column
// that names the pound.
func feeCell(p money.Pence) cell { return cell{Text: strings.TrimSpace(p.String()), Num: true} }

func categoryName(reg *region.Region, id string) string {
	if c, ok := reg.Category(id); ok {
		return c.Name
	}
	return id
}
