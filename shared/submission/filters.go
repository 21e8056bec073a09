package submission

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// FilterParams are the list filters a kind accepts.
func (k Kind) FilterParams() []string {
	if k == QuarterlyReturns {
		return []string{"fundId", "financialYear", "quarter"}
	}
	p := k.KeyParams()
	return []string{p[0], p[1]}
}

// Filter selects keys of one kind. Zero fields select everything.
type Filter struct {
	Kind   Kind
	First  string // the first key value, exact
	Second string // the second key value, exact
	Year   string // quarterly returns: the financial year of the quarter
}

// ParseFilter reads list filters from query values, reporting bad values as
// parameter findings.
func ParseFilter(kind Kind, q map[string]string, reg *region.Region) (Filter, []Finding) {
	f := Filter{Kind: kind}
	var fs []Finding
	fail := func(f Finding) { fs = append(fs, f) }
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // findings in a stable order
	for _, name := range names {
		v := q[name]
		switch name {
		case "areaCode":
			if !reg.HasArea(v) {
				fail(findingIn(ruleAreaUnknown, "", name, "finding.area-unknown", map[string]any{"Value": strconv.Quote(v), "Region": reg.ID}))
			}
			f.First = v
		case "fundId":
			if _, ok := reg.Fund(v); !ok {
				fail(findingIn(ruleFundUnknown, "", name, "finding.fund-unknown", map[string]any{"Value": strconv.Quote(v), "Region": reg.ID}))
			}
			f.First = v
		case "assessmentYear":
			if y, err := strconv.Atoi(v); err != nil || y < 2000 || y > 2100 || strconv.Itoa(y) != v {
				fail(findingIn(ruleAssessmentYear, "", name, "finding.assessment-year", map[string]any{"Value": strconv.Quote(v)}))
			}
			f.Second = v
		case "financialYear":
			if _, err := period.ParseFinancialYear(v); err != nil {
				fail(findingIn(ruleFinancialYear, "", name, "finding.financial-year-invalid", map[string]any{"Value": strconv.Quote(v)}))
			}
			if kind == QuarterlyReturns {
				f.Year = v
			} else {
				f.Second = v
			}
		case "quarter":
			if _, err := period.ParseQuarter(v); err != nil {
				fail(findingIn(ruleQuarter, "", name, "finding.quarter-invalid", map[string]any{"Value": strconv.Quote(v)}))
			}
			f.Second = v
		}
	}
	return f, fs
}

// Prefix is the longest key prefix ("a#b") the filter fixes, for a range read.
func (f Filter) Prefix() string {
	if f.First == "" {
		return ""
	}
	switch {
	case f.Second != "":
		return f.First + "#" + f.Second
	case f.Year != "":
		return f.First + "#" + f.Year + "-Q"
	}
	return f.First + "#"
}

// Match reports whether a key's two values pass the filter.
func (f Filter) Match(a, b string) bool {
	return (f.First == "" || a == f.First) &&
		(f.Second == "" || b == f.Second) &&
		(f.Year == "" || strings.HasPrefix(b, f.Year+"-Q"))
}

// Binding is the filter as text, to bind a cursor to it.
func (f Filter) Binding() string {
	return fmt.Sprintf("%s|%s|%s|%s", f.Kind, f.First, f.Second, f.Year)
}

// filterRules lists the rules ParseFilter applies to a kind's filters.
func filterRules(kind Kind) []struct {
	rule  *Rule
	field string
} {
	byParam := map[string]*Rule{"areaCode": ruleAreaUnknown, "fundId": ruleFundUnknown, "assessmentYear": ruleAssessmentYear,
		"financialYear": ruleFinancialYear, "quarter": ruleQuarter}
	var out []struct {
		rule  *Rule
		field string
	}
	for _, p := range kind.FilterParams() {
		out = append(out, struct {
			rule  *Rule
			field string
		}{byParam[p], p})
	}
	return out
}
