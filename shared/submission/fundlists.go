package submission

import (
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// A fund submission's lists come from its fund's configuration, not from
// this package: West Wales's care-home fund and an English Better Care Fund
// name their spend in different terms, and a region is data.

// fund is the fund the key names, or nil when the region has none of that
// id (ParseKey has refused the path, and no list can be applied).
func (c *checker) fund() *region.Fund {
	if c.vc.Region == nil || !c.vc.Key.Kind.FundKind() {
		return nil
	}
	f, _ := c.vc.Region.Fund(c.vc.Key.FundID)
	return f
}

// fundList is a string from one of the key's fund's lists (its spend
// categories or income sources), with its own rule code.
type fundList struct {
	rule   *Rule
	values func(*region.Fund) []string
}

func (l fundList) rules() []*Rule { return []*Rule{ruleWrongType, l.rule} }

func (l fundList) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	f := c.fund()
	if f == nil || slices.Contains(l.values(f), s) {
		return s
	}
	c.reportIn(l.rule, ptr, "finding."+l.rule.Code, map[string]any{"Value": strconv.Quote(s), "Fund": f.ID, "Allowed": strings.Join(l.values(f), ", ")})
	return nil
}

// fundingStreamType is a contribution line's funding stream: one of the
// fund's, and none when the fund has none (fundingStreamsNamed requires it
// when the fund has some).
type fundingStreamType struct{}

func (fundingStreamType) rules() []*Rule {
	return []*Rule{ruleWrongType, ruleFundingStream, ruleFundingStreamNotUsed}
}

func (fundingStreamType) norm(c *checker, ptr string, v any) any {
	s, ok := v.(string)
	if !ok {
		c.wrongType(ptr, "a string", v)
		return nil
	}
	f := c.fund()
	switch {
	case f == nil || slices.Contains(f.FundingStreams, s):
		return s
	case len(f.FundingStreams) == 0:
		c.reportIn(ruleFundingStreamNotUsed, ptr, "finding.funding-stream-not-used", map[string]any{"Fund": f.ID})
	default:
		c.reportIn(ruleFundingStream, ptr, "finding.funding-stream-invalid", map[string]any{"Value": strconv.Quote(s), "Fund": f.ID, "Allowed": strings.Join(f.FundingStreams, ", ")})
	}
	return nil
}

// fundingStreamsNamed requires a funding stream on every line of a
// contribution to a fund that has them.
func fundingStreamsNamed(c *checker, doc map[string]any) error {
	f := c.fund()
	if f == nil || len(f.FundingStreams) == 0 {
		return nil
	}
	for i, row := range rows(doc, "lines") {
		ptr := at("lines", i, "fundingStream")
		if _, has := row["fundingStream"]; row != nil && !has && !c.failed(ptr) {
			c.reportIn(ruleFundingStreamRequired, ptr, "finding.funding-stream-required", map[string]any{"Fund": f.ID, "Allowed": strings.Join(f.FundingStreams, ", ")})
		}
	}
	return nil
}

// activityAsked requires the placement activity of a return to a fund that
// asks for it.
func activityAsked(c *checker, doc map[string]any) error {
	if f := c.fund(); f != nil && f.PlacementActivity {
		if _, has := doc["activity"]; !has && !c.failed("/activity") {
			c.reportIn(ruleActivityRequired, "/activity", "finding.activity-required", map[string]any{"Fund": f.ID})
		}
	}
	return nil
}

// kpiPlansInYear keeps a contribution's KPI plans within its financial year.
func kpiPlansInYear(c *checker, doc map[string]any) error {
	if c.vc.BadParams["financialYear"] || c.vc.Key.FinancialYear.IsZero() {
		return nil
	}
	fy := c.vc.Key.FinancialYear
	for i, row := range rows(doc, "kpiPlans") {
		s, ok := str(row, "quarter")
		if !ok {
			continue
		}
		if q, err := period.ParseQuarter(s); err == nil && q.Year != fy {
			c.reportIn(ruleKPIPlanQuarter, at("kpiPlans", i, "quarter"), "finding.kpi-plan-quarter", map[string]any{"Quarter": s, "Year": fy.String()})
		}
	}
	return nil
}

// yearsText names the fund's years in which the partner is a member, runs
// of consecutive years as "first to last".
func yearsText(f *region.Fund, partner string) string {
	var runs []string
	years := f.Years()
	for i := 0; i < len(years); i++ {
		if !f.IsMember(partner, years[i]) {
			continue
		}
		j := i
		for j+1 < len(years) && f.IsMember(partner, years[j+1]) {
			j++
		}
		if j == i {
			runs = append(runs, years[i].String())
		} else {
			runs = append(runs, years[i].String()+" to "+years[j].String())
		}
		i = j
	}
	return strings.Join(runs, ", ")
}
