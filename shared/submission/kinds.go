package submission

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// check is a rule that needs more than one field (or the store) to decide.
// fields are the catalogue's field patterns for it.
type check struct {
	rule   *Rule
	fields []string
	run    func(c *checker, doc map[string]any) error
}

type kindSpec struct {
	schema object
	checks []check
}

var (
	disciplineType = enum{ruleDiscipline, region.Disciplines}
	careCategories = []string{"residential", "nursing", "residential-dementia", "nursing-dementia", "learning-disabilities", "respite"}
	careCategory   = enum{ruleCareCategory, careCategories}
	ageBands       = []string{"0-17", "18-64", "65-74", "75-84", "85+"}
	needGroups     = []string{"older-people-complex-needs", "dementia", "learning-disabilities", "carers", "young-carers",
		"children-complex-needs", "physical-impairment", "sensory-impairment", "mental-health", "autism"}
	idText = text{min: 1, max: 100}
)

// specs is the data dictionary, kind by kind, built on first use: most
// requests (reads) never validate, and a Lambda cold start pays for every
// package-level value it builds.
var specs = sync.OnceValue(func() map[Kind]kindSpec {
	return map[Kind]kindSpec{
		PopulationAssessments: {
			schema: object{[]field{
				req("areaCode", keyField{areaType{}}),
				req("assessmentYear", keyField{assessmentYearType{}}),
				req("population", list{min: 1, max: 2000, elem: object{[]field{
					req("year", integerType{}),
					req("ageBand", enum{ruleAgeBand, ageBands}),
					req("sex", enum{ruleSex, []string{"female", "male", "all"}}),
					req("count", countType{}),
				}}}),
				opt("needs", list{max: 500, elem: object{[]field{
					req("group", enum{ruleNeedGroup, needGroups}),
					req("year", integerType{}),
					req("count", countType{}),
					opt("source", text{max: 200}),
				}}}),
				opt("notes", text{max: 5000}),
			}},
			checks: []check{
				{rulePopulationDuplicate, []string{"/population/*"}, uniqueRows("population", rulePopulationDuplicate, "year", "ageBand", "sex")},
				{rulePopulationYear, []string{"/population/*/year"}, populationYears},
				{ruleNeedsDuplicate, []string{"/needs/*"}, uniqueRows("needs", ruleNeedsDuplicate, "group", "year")},
				{ruleNeedsOverPopulation, []string{"/needs/*/count"}, needsWithinPopulation},
				{ruleSexTotal, []string{"/population/*"}, sexTotals},
			},
		},
		MarketPositionStatements: {
			schema: object{[]field{
				req("areaCode", keyField{areaType{}}),
				req("financialYear", keyField{financialYearType}),
				req("careHomes", list{min: 1, max: 20, elem: object{[]field{
					req("category", careCategory),
					req("homes", countType{}), req("beds", countType{}),
					req("occupiedBeds", countType{}), req("vacantBeds", countType{}),
					req("localAuthorityFunded", countType{}), req("healthFunded", countType{}), req("selfFunded", countType{}),
					req("averageWeeklyFee", moneyType{nonNegative}),
					req("minWeeklyFee", moneyType{nonNegative}),
					req("maxWeeklyFee", moneyType{nonNegative}),
				}}}),
				req("providers", countType{}),
				req("closures", countType{}),
				req("newEntrants", countType{}),
				opt("commissioningIntentions", list{max: 50, elem: text{min: 1, max: 1000}}),
				opt("documentUploadId", idText),
			}},
			checks: []check{
				{ruleCareHomeDuplicate, []string{"/careHomes/*/category"}, uniqueRows("careHomes", ruleCareHomeDuplicate, "category")},
				{ruleCareHomeBeds, []string{"/careHomes/*"}, careHomeRow(bedsFit)},
				{ruleCareHomeFunding, []string{"/careHomes/*"}, careHomeRow(fundingFits)},
				{ruleCareHomeFeeOrder, []string{"/careHomes/*/averageWeeklyFee"}, careHomeRow(feeOrder)},
				{ruleLowOccupancy, []string{"/careHomes/*/occupiedBeds"}, careHomeRow(occupancy)},
				{ruleFeeRange, []string{"/careHomes/*/averageWeeklyFee", "/careHomes/*/minWeeklyFee", "/careHomes/*/maxWeeklyFee"}, careHomeRow(feeRange)},
				{ruleDocumentUpload, []string{"/documentUploadId"}, documentAccepted},
			},
		},
		PoolContributions: {
			schema: object{[]field{
				req("fundId", keyField{idText}),
				req("financialYear", keyField{financialYearType}),
				req("lines", list{min: 1, max: 200, elem: object{[]field{
					req("discipline", disciplineType),
					req("areaCode", areaType{}),
					req("type", enum{ruleContributionType, []string{"cash", "in-kind"}}),
					req("amount", moneyType{positive}),
					req("description", text{min: 1, max: 200}),
					opt("fundingStream", fundingStreamType{}),
				}}}),
				opt("kpiPlans", list{max: 200, elem: object{[]field{
					req("code", kpiType{}),
					req("quarter", quarterType),
					req("value", decimalType{}),
				}}}),
				req("approvedBy", text{min: 1, max: 200}),
				req("approvedOn", dateType),
			}},
			checks: append(linePermissions("lines"),
				check{ruleFundingStreamRequired, []string{"/lines/*/fundingStream"}, fundingStreamsNamed},
				check{ruleKPIPlanDuplicate, []string{"/kpiPlans/*"}, uniqueRows("kpiPlans", ruleKPIPlanDuplicate, "code", "quarter")},
				check{ruleKPIPlanQuarter, []string{"/kpiPlans/*/quarter"}, kpiPlansInYear},
			),
		},
		QuarterlyReturns: {
			schema: object{[]field{
				req("fundId", keyField{idText}),
				req("quarter", keyField{quarterType}),
				req("spend", list{min: 1, max: 500, elem: object{[]field{
					req("discipline", disciplineType),
					req("areaCode", areaType{}),
					req("category", fundList{ruleSpendCategory, func(f *region.Fund) []string { return f.SpendCategories }}),
					req("actualToDate", moneyType{nonNegative}),
					req("forecastOutturn", moneyType{nonNegative}),
				}}}),
				opt("income", list{max: 200, elem: object{[]field{
					req("discipline", disciplineType),
					req("areaCode", areaType{}),
					req("source", fundList{ruleIncomeSource, func(f *region.Fund) []string { return f.IncomeSources }}),
					req("actualToDate", moneyType{nonNegative}),
					req("forecastOutturn", moneyType{nonNegative}),
				}}}),
				opt("activity", object{[]field{
					req("placementsAtQuarterEnd", countType{}),
					req("newPlacements", countType{}),
					req("endedPlacements", countType{}),
					req("bedWeeks", countType{}),
				}}),
				opt("kpis", list{max: 50, elem: object{[]field{
					req("code", kpiType{}),
					req("value", decimalType{}),
					req("unit", text{min: 1, max: 20}),
				}}}),
				opt("assurances", list{max: 50, elem: object{[]field{
					req("code", idText),
					req("met", boolType{}),
					opt("commentary", text{max: 2000}),
				}}}),
				req("riskRating", enum{ruleRiskRating, []string{"green", "amber", "red"}}),
				opt("commentary", text{max: 5000}),
				opt("final", boolType{}),
			}},
			checks: append(append(linePermissions("spend"), linePermissions("income")...),
				check{ruleSpendDuplicate, []string{"/spend/*"}, uniqueRows("spend", ruleSpendDuplicate, "discipline", "areaCode", "category")},
				check{ruleIncomeDuplicate, []string{"/income/*"}, uniqueRows("income", ruleIncomeDuplicate, "discipline", "areaCode", "source")},
				check{ruleKPIDuplicate, []string{"/kpis/*/code"}, uniqueRows("kpis", ruleKPIDuplicate, "code")},
				check{ruleRedCommentary, []string{"/commentary"}, redNeedsCommentary},
				check{ruleFinalNotQ4, []string{"/final"}, finalOnlyInQ4},
				check{ruleForecastBelow, []string{"/spend/*/forecastOutturn", "/income/*/forecastOutturn"}, forecastNotBelowActual},
				check{ruleActualDecreased, []string{"/spend/*/actualToDate", "/income/*/actualToDate"}, actualsNotFalling},
				check{ruleActivityRequired, []string{"/activity"}, activityAsked},
				check{ruleAssuranceHostOnly, []string{"/assurances"}, assurancesFromHostOnly},
				check{ruleAssuranceUnknown, []string{"/assurances/*/code"}, assurances(knownAssurances)},
				check{ruleAssuranceDuplicate, []string{"/assurances/*/code"}, assurances(assurancesOnce)},
				check{ruleAssuranceMissing, []string{"/assurances"}, assurances(everyAssuranceAnswered)},
				check{ruleAssuranceCommentary, []string{"/assurances/*/commentary"}, assurances(unmetExplained)},
			),
		},
	}
})

// rows returns a list field's items, keeping their indexes; items that
// failed validation entirely are nil.
func rows(doc map[string]any, name string) []map[string]any {
	arr, _ := doc[name].([]any)
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i], _ = v.(map[string]any)
	}
	return out
}

func str(m map[string]any, k string) (string, bool)        { v, ok := m[k].(string); return v, ok }
func num(m map[string]any, k string) (int64, bool)         { v, ok := m[k].(int64); return v, ok }
func pence(m map[string]any, k string) (money.Pence, bool) { v, ok := m[k].(money.Pence); return v, ok }

// tuple is the values of the named fields, or false if any is missing.
func tuple(m map[string]any, names ...string) (string, bool) {
	key := ""
	for _, n := range names {
		v, ok := m[n]
		if !ok {
			return "", false
		}
		key += fmt.Sprintf("%v\x00", v)
	}
	return key, true
}

func at(list string, i int, field string) string {
	p := "/" + list + "/" + strconv.Itoa(i)
	if field != "" {
		p += "/" + field
	}
	return p
}

// uniqueRows reports each row that repeats an earlier row's fields.
func uniqueRows(list string, r *Rule, names ...string) func(*checker, map[string]any) error {
	return func(c *checker, doc map[string]any) error {
		first := map[string]int{}
		for i, row := range rows(doc, list) {
			key, ok := tuple(row, names...)
			if row == nil || !ok {
				continue
			}
			if j, dup := first[key]; dup {
				ptr := at(list, i, "")
				if len(names) == 1 {
					ptr = at(list, i, names[0])
				}
				c.reportIn(r, ptr, "finding.duplicate-row", map[string]any{"List": list, "Index": j, "Names": strings.Join(names, ", ")})
				continue
			}
			first[key] = i
		}
		return nil
	}
}

// joinDisciplines is a list of disciplines as a message shows it: their codes.
func joinDisciplines(ds []region.Discipline) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d)
	}
	return strings.Join(out, ", ")
}

// linePermissions enforces "no cross-subsidy between counties, health and
// social care kept separate" on a list of money lines.
func linePermissions(list string) []check {
	return []check{
		{ruleDisciplineNotAllowed, []string{"/" + list + "/*/discipline"}, func(c *checker, doc map[string]any) error {
			allowed := c.vc.Region.DisciplinesOf(c.vc.Partner)
			for i, row := range rows(doc, list) {
				if d, ok := str(row, "discipline"); ok && !slices.Contains(allowed, region.Discipline(d)) {
					c.reportIn(ruleDisciplineNotAllowed, at(list, i, "discipline"), "finding.discipline-not-allowed",
						map[string]any{"Partner": c.vc.Partner.ID, "Type": c.vc.Partner.Type, "Allowed": joinDisciplines(allowed), "Discipline": d})
				}
			}
			return nil
		}},
		{ruleAreaNotServed, []string{"/" + list + "/*/areaCode"}, func(c *checker, doc map[string]any) error {
			for i, row := range rows(doc, list) {
				if a, ok := str(row, "areaCode"); ok && !c.vc.Partner.Serves(a) {
					c.reportIn(ruleAreaNotServed, at(list, i, "areaCode"), "finding.area-not-served", map[string]any{"Partner": c.vc.Partner.ID, "Area": a})
				}
			}
			return nil
		}},
	}
}

func populationYears(c *checker, doc map[string]any) error {
	if c.vc.BadParams["assessmentYear"] {
		return nil
	}
	ay := int64(c.vc.Key.AssessmentYear)
	for i, row := range rows(doc, "population") {
		if y, ok := num(row, "year"); ok && (y < ay-10 || y > ay+25) {
			c.reportIn(rulePopulationYear, at("population", i, "year"), "finding.population-year", map[string]any{"Year": y, "From": ay - 10, "To": ay + 25})
		}
	}
	return nil
}

// populationTotals is each year's total: per age band, the 'all' row if
// given, else female plus male.
func populationTotals(doc map[string]any) map[int64]int64 {
	type yb struct {
		year int64
		band string
	}
	bySex := map[yb]map[string]int64{}
	for _, row := range rows(doc, "population") {
		y, ok1 := num(row, "year")
		b, ok2 := str(row, "ageBand")
		s, ok3 := str(row, "sex")
		n, ok4 := num(row, "count")
		if ok1 && ok2 && ok3 && ok4 {
			k := yb{y, b}
			if bySex[k] == nil {
				bySex[k] = map[string]int64{}
			}
			bySex[k][s] = n
		}
	}
	totals := map[int64]int64{}
	for k, s := range bySex {
		if all, ok := s["all"]; ok {
			totals[k.year] = saturatingAdd(totals[k.year], all)
		} else {
			totals[k.year] = saturatingAdd(totals[k.year], saturatingAdd(s["female"], s["male"]))
		}
	}
	return totals
}

// saturatingAdd adds counts (each at most 2^53) without wrapping: 2000 rows
// of the largest count would overflow int64, and a total that large is
// simply "more than any needs count".
func saturatingAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func needsWithinPopulation(c *checker, doc map[string]any) error {
	totals := populationTotals(doc)
	for i, row := range rows(doc, "needs") {
		y, ok1 := num(row, "year")
		n, ok2 := num(row, "count")
		if total, has := totals[y]; ok1 && ok2 && has && n > total {
			c.reportIn(ruleNeedsOverPopulation, at("needs", i, "count"), "finding.needs-over-population", map[string]any{"Needs": n, "Total": total, "Year": y})
		}
	}
	return nil
}

func sexTotals(c *checker, doc map[string]any) error {
	type yb struct {
		year int64
		band string
	}
	counts := map[yb]map[string]int64{}
	allRow := map[yb]int{}
	for i, row := range rows(doc, "population") {
		y, ok1 := num(row, "year")
		b, ok2 := str(row, "ageBand")
		s, ok3 := str(row, "sex")
		n, ok4 := num(row, "count")
		if !(ok1 && ok2 && ok3 && ok4) {
			continue
		}
		k := yb{y, b}
		if counts[k] == nil {
			counts[k] = map[string]int64{}
		}
		if _, seen := counts[k][s]; seen {
			continue // a duplicate row: reported by its own rule
		}
		counts[k][s] = n
		if s == "all" {
			allRow[k] = i
		}
	}
	keys := make([]yb, 0, len(allRow))
	for k := range allRow {
		keys = append(keys, k)
	}
	// Report in row order, whatever order the map gives.
	slices.SortFunc(keys, func(a, b yb) int { return allRow[a] - allRow[b] })
	for _, k := range keys {
		i, s := allRow[k], counts[k]
		f, hasF := s["female"]
		m, hasM := s["male"]
		if hasF && hasM && s["all"] != f+m {
			c.reportIn(ruleSexTotal, at("population", i, ""), "finding.sex-total", map[string]any{"Year": k.year, "Band": k.band, "All": s["all"], "Sum": f + m})
		}
	}
	return nil
}

// careHomeRow runs a per-row check on every care-home row.
func careHomeRow(fn func(c *checker, i int, row map[string]any)) func(*checker, map[string]any) error {
	return func(c *checker, doc map[string]any) error {
		for i, row := range rows(doc, "careHomes") {
			if row != nil {
				fn(c, i, row)
			}
		}
		return nil
	}
}

func bedsFit(c *checker, i int, row map[string]any) {
	beds, ok1 := num(row, "beds")
	occ, ok2 := num(row, "occupiedBeds")
	vac, ok3 := num(row, "vacantBeds")
	if ok1 && ok2 && ok3 && occ+vac > beds {
		c.reportIn(ruleCareHomeBeds, at("careHomes", i, ""), "finding.beds-exceeded", map[string]any{"Occupied": occ, "Vacant": vac, "Beds": beds})
	}
}

func fundingFits(c *checker, i int, row map[string]any) {
	occ, ok := num(row, "occupiedBeds")
	la, ok1 := num(row, "localAuthorityFunded")
	h, ok2 := num(row, "healthFunded")
	s, ok3 := num(row, "selfFunded")
	if ok && ok1 && ok2 && ok3 && la+h+s > occ {
		c.reportIn(ruleCareHomeFunding, at("careHomes", i, ""), "finding.funding-exceeds-occupied", map[string]any{"LA": la, "Health": h, "Self": s, "Occupied": occ})
	}
}

func feeOrder(c *checker, i int, row map[string]any) {
	lo, ok1 := pence(row, "minWeeklyFee")
	avg, ok2 := pence(row, "averageWeeklyFee")
	hi, ok3 := pence(row, "maxWeeklyFee")
	if ok1 && ok2 && ok3 && (lo > avg || avg > hi) {
		c.reportIn(ruleCareHomeFeeOrder, at("careHomes", i, "averageWeeklyFee"), "finding.fee-order", map[string]any{"Min": lo.String(), "Average": avg.String(), "Max": hi.String()})
	}
}

func occupancy(c *checker, i int, row map[string]any) {
	beds, ok1 := num(row, "beds")
	occ, ok2 := num(row, "occupiedBeds")
	if ok1 && ok2 && beds > 0 && occ*2 < beds {
		c.reportIn(ruleLowOccupancy, at("careHomes", i, "occupiedBeds"), "finding.low-occupancy", map[string]any{"Occupied": occ, "Beds": beds})
	}
}

const (
	feeFloor   money.Pence = 300_00
	feeCeiling money.Pence = 3000_00
)

func feeRange(c *checker, i int, row map[string]any) {
	for _, name := range []string{"averageWeeklyFee", "minWeeklyFee", "maxWeeklyFee"} {
		if fee, ok := pence(row, name); ok && (fee < feeFloor || fee > feeCeiling) {
			c.reportIn(ruleFeeRange, at("careHomes", i, name), "finding.fee-outside-range", map[string]any{"Fee": fee})
		}
	}
}

func documentAccepted(c *checker, doc map[string]any) error {
	id, ok := str(doc, "documentUploadId")
	if !ok {
		return nil
	}
	accepted := false
	if c.vc.DocumentAccepted != nil {
		var err error
		if accepted, err = c.vc.DocumentAccepted(c.ctx, id); err != nil {
			return fmt.Errorf("look up document upload: %w", err)
		}
	}
	if !accepted {
		c.reportIn(ruleDocumentUpload, "/documentUploadId", "finding.document-unavailable", nil)
	}
	return nil
}

func redNeedsCommentary(c *checker, doc map[string]any) error {
	if r, _ := str(doc, "riskRating"); r == "red" && !c.failed("/commentary") {
		if _, has := doc["commentary"]; !has {
			c.reportIn(ruleRedCommentary, "/commentary", "finding.red-commentary", nil)
		}
	}
	return nil
}

func finalOnlyInQ4(c *checker, doc map[string]any) error {
	if f, _ := doc["final"].(bool); f && c.vc.Key.Quarter.N != 4 && !c.vc.BadParams["quarter"] {
		c.reportIn(ruleFinalNotQ4, "/final", "finding.final-not-q4", map[string]any{"Quarter": c.vc.Key.Quarter.String()})
	} else if !f {
		delete(doc, "final") // false means the same as absent
	}
	return nil
}

var lineLists = []struct{ list, kind string }{{"spend", "category"}, {"income", "source"}}

func forecastNotBelowActual(c *checker, doc map[string]any) error {
	for _, l := range lineLists {
		for i, row := range rows(doc, l.list) {
			a, ok1 := pence(row, "actualToDate")
			f, ok2 := pence(row, "forecastOutturn")
			if ok1 && ok2 && f < a {
				c.reportIn(ruleForecastBelow, at(l.list, i, "forecastOutturn"), "finding.forecast-below-actual", map[string]any{"Forecast": f.String(), "Actual": a.String()})
			}
		}
	}
	return nil
}

func actualsNotFalling(c *checker, doc map[string]any) error {
	if _, has := c.vc.Key.Quarter.Previous(); !has || c.vc.PreviousReturn == nil || c.vc.BadParams["quarter"] || c.vc.BadParams["fundId"] {
		return nil
	}
	prev, err := c.vc.PreviousReturn(c.ctx)
	if err != nil || prev == nil {
		return err
	}
	for _, l := range lineLists {
		for i, row := range rows(doc, l.list) {
			k, ok := lineKey(l.list, row, l.kind)
			a, ok2 := pence(row, "actualToDate")
			if b, had := prev.Actuals[k]; ok && ok2 && had && a < b {
				c.reportIn(ruleActualDecreased, at(l.list, i, "actualToDate"), "finding.actual-decreased", map[string]any{"Actual": a.String(), "Previous": b.String()})
			}
		}
	}
	return nil
}

// ParseKey reads a kind's key from its two path values, checking them
// against the caller's region and partner. Problems come back as parameter
// findings (HTTP 422).
func ParseKey(kind Kind, values [2]string, reg *region.Region, partner *region.Partner) (Key, []Finding) {
	names := kind.KeyParams()
	k := Key{Kind: kind}
	var fs []Finding
	fail := func(f Finding) { fs = append(fs, f) }
	switch kind {
	case PopulationAssessments, MarketPositionStatements:
		k.AreaCode = values[0]
		switch {
		case !reg.HasArea(values[0]):
			fail(findingIn(ruleAreaUnknown, "", names[0], "finding.area-unknown", map[string]any{"Value": strconv.Quote(values[0]), "Region": reg.ID}))
		case !partner.Serves(values[0]):
			fail(findingIn(ruleAreaNotServed, "", names[0], "finding.area-not-served", map[string]any{"Partner": partner.ID, "Area": values[0]}))
		}
	default:
		k.FundID = values[0]
		if fund, ok := reg.Fund(values[0]); !ok {
			fail(findingIn(ruleFundUnknown, "", names[0], "finding.fund-unknown", map[string]any{"Value": strconv.Quote(values[0]), "Region": reg.ID}))
		} else if !fund.HasMember(partner.ID) {
			fail(findingIn(ruleFundNotMember, "", names[0], "finding.fund-not-member", map[string]any{"Partner": partner.ID, "Fund": fund.ID}))
		}
	}
	before := len(fs)
	parseSecond(&k, values[1], reg, fail)
	if len(fs) == before && kind.FundKind() {
		memberInYear(k, reg, partner, fail)
	}
	return k, fs
}

// memberInYear refuses a fund submission for a year of the fund in which
// the partner, a member in other years, is not one: organisations end and
// are succeeded (CCGs became ICBs), and each keeps its own years. The
// finding is on the period, the part of the key to change.
func memberInYear(k Key, reg *region.Region, partner *region.Partner, fail func(Finding)) {
	fund, ok := reg.Fund(k.FundID)
	if !ok || !fund.HasMember(partner.ID) || fund.IsMember(partner.ID, k.Year()) {
		return
	}
	fail(findingIn(ruleFundNotMemberInYear, "", k.Kind.KeyParams()[1], "finding.fund-not-member-in-year",
		map[string]any{"Partner": partner.ID, "Fund": fund.ID, "Years": yearsText(fund, partner.ID), "Year": k.Year()}))
}

func parseSecond(k *Key, v string, reg *region.Region, fail func(Finding)) {
	param := k.Kind.KeyParams()[1]
	fund, _ := reg.Fund(k.FundID)
	switch k.Kind {
	case PopulationAssessments:
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 || strconv.Itoa(y) != v {
			fail(findingIn(ruleAssessmentYear, "", param, "finding.assessment-year", map[string]any{"Value": strconv.Quote(v)}))
		}
		k.AssessmentYear = y
	case MarketPositionStatements, PoolContributions:
		fy, err := period.ParseFinancialYear(v)
		if err != nil {
			fail(findingIn(ruleFinancialYear, "", param, "finding.financial-year-invalid", map[string]any{"Value": strconv.Quote(v)}))
		} else if fund != nil && !fund.HasYear(fy) {
			fail(findingIn(ruleYearOutsideFund, "", param, "finding.fund-not-running", map[string]any{"Fund": fund.ID, "Year": fy.String()}))
		}
		k.FinancialYear = fy
	default:
		q, err := period.ParseQuarter(v)
		if err != nil {
			fail(findingIn(ruleQuarter, "", param, "finding.quarter-invalid", map[string]any{"Value": strconv.Quote(v)}))
		} else if fund != nil && !fund.HasYear(q.Year) {
			fail(findingIn(ruleQuarterOutsideFund, "", param, "finding.fund-not-running", map[string]any{"Fund": fund.ID, "Year": q.Year.String()}))
		}
		k.Quarter = q
	}
}

// keyRules lists the rules ParseKey applies to a kind's path parameters.
func keyRules(kind Kind) []struct {
	rule  *Rule
	field string
} {
	type pr = struct {
		rule  *Rule
		field string
	}
	switch kind {
	case PopulationAssessments:
		return []pr{{ruleAreaUnknown, "areaCode"}, {ruleAreaNotServed, "areaCode"}, {ruleAssessmentYear, "assessmentYear"}}
	case MarketPositionStatements:
		return []pr{{ruleAreaUnknown, "areaCode"}, {ruleAreaNotServed, "areaCode"}, {ruleFinancialYear, "financialYear"}}
	case PoolContributions:
		return []pr{{ruleFundUnknown, "fundId"}, {ruleFundNotMember, "fundId"}, {ruleFinancialYear, "financialYear"}, {ruleYearOutsideFund, "financialYear"},
			{ruleFundNotMemberInYear, "financialYear"}}
	}
	return []pr{{ruleFundUnknown, "fundId"}, {ruleFundNotMember, "fundId"}, {ruleQuarter, "quarter"}, {ruleQuarterOutsideFund, "quarter"},
		{ruleFundNotMemberInYear, "quarter"}}
}
