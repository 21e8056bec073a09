// Package submission is the domain of what partners send: the four kinds,
// their natural keys, their documents, every validation rule of the data
// dictionary and the canonical form whose SHA-256 identifies a version.
//
// The four kinds are checked by this package's own schema engine
// (schema.go), which walks the decoded JSON and reports every error of a
// body in one pass, each at its JSON Pointer, and normalises as it goes
// (money to pence, texts trimmed). encoding/json would stop at the first
// value of the wrong type, and a partner correcting a long return needs
// every error at once. The small command bodies (commands.go) are plain
// structs, decoded by encoding/json and checked by validator/v10 tags
// mapped to the same rules.
package submission

import (
	"fmt"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/period"
)

// Kind is a submission kind, named as its path segment.
type Kind string

// The kinds.
const (
	PopulationAssessments    Kind = "population-assessments"
	MarketPositionStatements Kind = "market-position-statements"
	PoolContributions        Kind = "pool-contributions"
	QuarterlyReturns         Kind = "quarterly-returns"
)

// Kinds lists every kind in a fixed order.
var Kinds = []Kind{PopulationAssessments, MarketPositionStatements, PoolContributions, QuarterlyReturns}

// ParseKind reads a path segment.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// KeyParams are the path parameters (and body key fields) of a kind, in path order.
func (k Kind) KeyParams() [2]string {
	switch k {
	case PopulationAssessments:
		return [2]string{"areaCode", "assessmentYear"}
	case MarketPositionStatements:
		return [2]string{"areaCode", "financialYear"}
	case PoolContributions:
		return [2]string{"fundId", "financialYear"}
	default:
		return [2]string{"fundId", "quarter"}
	}
}

// FundKind reports whether the kind belongs to a pooled fund (and so to its
// periods and locks).
func (k Kind) FundKind() bool { return k == PoolContributions || k == QuarterlyReturns }

// Key is a submission's natural key within its partner: which fields are set
// depends on the kind.
type Key struct {
	Kind           Kind
	AreaCode       string
	AssessmentYear int
	FundID         string
	FinancialYear  period.FinancialYear
	Quarter        period.Quarter
}

// Values gives the key's two parameters as text, in path order.
func (k Key) Values() [2]string {
	switch k.Kind {
	case PopulationAssessments:
		return [2]string{k.AreaCode, strconv.Itoa(k.AssessmentYear)}
	case MarketPositionStatements:
		return [2]string{k.AreaCode, k.FinancialYear.String()}
	case PoolContributions:
		return [2]string{k.FundID, k.FinancialYear.String()}
	default:
		return [2]string{k.FundID, k.Quarter.String()}
	}
}

// ID is the key as one string, "a/b", used in storage keys and URLs; it sorts
// in key order.
func (k Key) ID() string {
	v := k.Values()
	return v[0] + "/" + v[1]
}

// Fields are the key as the JSON object the envelope carries.
func (k Key) Fields() map[string]any {
	p, v := k.Kind.KeyParams(), k.Values()
	out := map[string]any{p[0]: v[0], p[1]: v[1]}
	if k.Kind == PopulationAssessments {
		out[p[1]] = k.AssessmentYear
	}
	return out
}

// Year is the financial year a fund kind's key falls in (zero for the others).
func (k Key) Year() period.FinancialYear {
	switch k.Kind {
	case PoolContributions, MarketPositionStatements:
		return k.FinancialYear
	case QuarterlyReturns:
		return k.Quarter.Year
	}
	return period.FinancialYear{}
}

func (k Key) String() string { return fmt.Sprintf("%s/%s", k.Kind, k.ID()) }

// KeyOf rebuilds a stored key from its two values, without the region checks
// ParseKey makes of a new request.
func KeyOf(kind Kind, v [2]string) (Key, error) {
	k := Key{Kind: kind}
	var err error
	switch kind {
	case PopulationAssessments:
		k.AreaCode = v[0]
		k.AssessmentYear, err = strconv.Atoi(v[1])
	case MarketPositionStatements:
		k.AreaCode = v[0]
		k.FinancialYear, err = period.ParseFinancialYear(v[1])
	case PoolContributions:
		k.FundID = v[0]
		k.FinancialYear, err = period.ParseFinancialYear(v[1])
	case QuarterlyReturns:
		k.FundID = v[0]
		k.Quarter, err = period.ParseQuarter(v[1])
	default:
		err = fmt.Errorf("unknown kind %q", kind)
	}
	return k, err
}
