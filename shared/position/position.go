// Package position computes a pooled fund's position for one financial year
// at an as-at quarter: per cell (partner, discipline, area) its variance, and
// who bears the overspend and receives the underspend under the fund's
// risk-share model. It is pure domain: callers load the current
// contributions, returns, consents and the fund-year's arrangement.
//
// Under each-cell-own each cell stands alone (no cross-subsidy between
// counties, health and social care kept separate), so totals add per-cell
// overspends and underspends and never net one cell's variance against
// another's. Under the shared models (riskshare.go) the cells keep those
// figures, describing where the variance arose, and the fund's net variance
// is what the members share (sharing.go), exactly to the penny (apportion.go).
package position

import (
	"errors"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
)

// Line is one pool-contribution line; cash and in-kind count alike.
type Line struct {
	Discipline, AreaCode string
	Amount               money.Pence
}

// Contribution is a member's current pool contribution for the year.
type Contribution struct {
	Partner string
	Version int
	Lines   []Line
}

// ReturnLine is a return's net figure for one (discipline, area): spend minus
// income, already summed over categories and sources.
type ReturnLine struct {
	Discipline, AreaCode string
	Actual, Forecast     money.Pence
}

// Return is a member's current quarterly return for one quarter.
type Return struct {
	Partner   string
	Quarter   period.Quarter
	Version   int
	SignedOff bool
	Final     bool
	Lines     []ReturnLine
}

// Input is everything the position depends on.
type Input struct {
	Fund string
	Year period.FinancialYear
	// Members are the fund's members in configuration order, which orders the output.
	Members []string
	// AsAt nil means the latest quarter of Year for which any member has a
	// return; with no returns at all the position has no as-at quarter.
	AsAt          *period.Quarter
	Contributions []Contribution // at most one per member
	Returns       []Return       // current returns of Year, at most one per member and quarter
	// Consents to pool underspends count under EachCellOwn only.
	Consents map[string]bool
	// RiskShare is the fund-year's arrangement; the zero value is EachCellOwn.
	RiskShare RiskShare
}

// Errors of Compute besides money.ErrOverflow and ErrRiskShare (wrapped, so errors.Is works).
var (
	ErrOutsideYear = errors.New("quarter is not a quarter of the financial year")
	ErrNotMember   = errors.New("partner is not a member of the fund")
	ErrDuplicate   = errors.New("duplicate member, contribution or return")
)

// Destination says where a cell's underspend goes.
type Destination string

// The destinations of an underspend.
const (
	ToPartner Destination = "partner" // each-cell-own: reimbursed to the partner that underspent
	ToPool    Destination = "pool"    // each-cell-own: pooled, as every member consented
	ToShared  Destination = "shared"  // a shared model: netted into the fund's variance, which the members share
)

// Position is the pooled fund position (JSON: the RCU's view).
type Position struct {
	Fund             string            `json:"fund"`
	FinancialYear    string            `json:"financialYear"`
	AsAt             *string           `json:"asAt"`
	Pooling          Pooling           `json:"pooling"`
	Partners         []PartnerPosition `json:"partners"`
	Cells            []Cell            `json:"cells"`
	Totals           FundTotals        `json:"totals"`
	PooledUnderspend money.Pence       `json:"pooledUnderspend"`
	// RiskShare is nil under EachCellOwn, so that position reads as it
	// always has; under a shared model it says who bears what of the fund's
	// net variance.
	RiskShare *SharedVariance `json:"riskShare,omitempty"`
}

// Pooling gives each member's consent; underspends are pooled only when Unanimous.
type Pooling struct {
	Unanimous bool      `json:"unanimous"`
	Consents  []Consent `json:"consents"`
}

// Consent is one member's standing consent to pool underspends for the year.
type Consent struct {
	Partner   string `json:"partner"`
	Consented bool   `json:"consented"`
}

// PartnerPosition is one member's return used, completeness and totals.
type PartnerPosition struct {
	Partner             string       `json:"partner"`
	AsAtQuarter         *string      `json:"asAtQuarter"`
	ReturnVersion       *int         `json:"returnVersion"`
	ContributionVersion *int         `json:"contributionVersion"`
	Missing             bool         `json:"missing"`
	Completeness        Completeness `json:"completeness"`
	Totals              Totals       `json:"totals"`
}

// Completeness is judged against the as-at quarter, never the clock.
type Completeness struct {
	Missing  []string `json:"missing"`  // quarters up to asAt with no current return
	Unsigned []string `json:"unsigned"` // quarters up to asAt whose current return is not signed off
	Final    bool     `json:"final"`    // the Q4 return is final and Q4 is within asAt
}

// Cell is one (partner, discipline, area). Actuals are nil when the partner
// has no return at or before asAt.
type Cell struct {
	Partner         string       `json:"partner"`
	Discipline      string       `json:"discipline"`
	AreaCode        string       `json:"areaCode"`
	Contribution    money.Pence  `json:"contribution"`
	ActualToDate    *money.Pence `json:"actualToDate"`
	ForecastOutturn *money.Pence `json:"forecastOutturn"`
	Variance        *money.Pence `json:"variance"`
	Overspend       money.Pence  `json:"overspend"`
	Underspend      money.Pence  `json:"underspend"`
	Unfunded        bool         `json:"unfunded"`
	UnderspendTo    *Destination `json:"underspendTo"`
}

// Totals add cells. ActualToDate, ForecastOutturn and Variance add only cells
// with actuals; Overspend, Underspend, Reimbursed and Pooled are sums of the
// cells' own figures, so a missing partner adds nothing to them. Under a
// shared model no underspend is reimbursed or pooled: Reimbursed and Pooled
// are zero and the position's RiskShare says who receives what.
type Totals struct {
	Contribution    money.Pence `json:"contribution"`
	ActualToDate    money.Pence `json:"actualToDate"`
	ForecastOutturn money.Pence `json:"forecastOutturn"`
	Variance        money.Pence `json:"variance"`
	Overspend       money.Pence `json:"overspend"`
	Underspend      money.Pence `json:"underspend"`
	Reimbursed      money.Pence `json:"reimbursed"`
	Pooled          money.Pence `json:"pooled"`
}

// DisciplineTotals are the totals of one discipline (JSON: flattened).
type DisciplineTotals struct {
	Discipline string `json:"discipline"`
	Totals
}

// AreaTotals are the totals of one area (JSON: flattened).
type AreaTotals struct {
	AreaCode string `json:"areaCode"`
	Totals
}

// FundTotals break the fund's totals down by discipline and by area, sorted.
type FundTotals struct {
	ByDiscipline []DisciplineTotals `json:"byDiscipline"`
	ByArea       []AreaTotals       `json:"byArea"`
	Fund         Totals             `json:"fund"`
}

// Compute returns the position of in.Fund for in.Year at the as-at quarter.
func Compute(in Input) (*Position, error) {
	ix, err := indexInput(in)
	if err != nil {
		return nil, err
	}
	if err := in.RiskShare.Check(in.Members); err != nil {
		return nil, fmt.Errorf("position: %w", err)
	}
	asAt, err := resolveAsAt(in, ix)
	if err != nil {
		return nil, err
	}
	pooling := poolingOf(in)
	p := &Position{
		Fund:          in.Fund,
		FinancialYear: in.Year.String(),
		AsAt:          quarterString(asAt),
		Pooling:       pooling,
		Partners:      []PartnerPosition{},
		Cells:         []Cell{},
	}
	to := underspendTo(in.RiskShare, pooling)
	for _, m := range in.Members {
		if err := p.addPartner(m, ix, asAt, to); err != nil {
			return nil, err
		}
	}
	if p.Totals, err = breakdown(p.Cells); err != nil {
		return nil, err
	}
	p.PooledUnderspend = p.Totals.Fund.Pooled
	if in.RiskShare.shared() {
		if p.RiskShare, err = shareVariance(in.RiskShare, p.Partners, p.Totals.Fund.Variance); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// underspendTo is where every underspent cell's underspend goes: pooling by
// consent is each-cell-own's; a shared model nets it into the fund's variance.
func underspendTo(rs RiskShare, pooling Pooling) Destination {
	switch {
	case rs.shared():
		return ToShared
	case pooling.Unanimous:
		return ToPool
	}
	return ToPartner
}

// addPartner appends one member's cells and its partner entry.
func (p *Position) addPartner(m string, ix index, asAt *period.Quarter, to Destination) error {
	used := returnUsed(ix.returns[m], asAt)
	cells, err := partnerCells(m, ix.contributions[m], used, to)
	if err != nil {
		return err
	}
	totals, err := sumCells(cells)
	if err != nil {
		return err
	}
	pp := PartnerPosition{
		Partner:      m,
		Missing:      used == nil,
		Completeness: completeness(ix.returns[m], asAt),
		Totals:       totals,
	}
	if used != nil {
		pp.AsAtQuarter = quarterString(&used.Quarter)
		pp.ReturnVersion = intPtr(used.Version) // a copy: the output must not alias the input
	}
	if c := ix.contributions[m]; c != nil {
		pp.ContributionVersion = intPtr(c.Version)
	}
	p.Partners = append(p.Partners, pp)
	p.Cells = append(p.Cells, cells...)
	return nil
}

// poolingOf lists consents in member order; an absent consent is no consent,
// and consents of non-members are ignored because only members decide.
func poolingOf(in Input) Pooling {
	pl := Pooling{Unanimous: len(in.Members) > 0, Consents: []Consent{}}
	for _, m := range in.Members {
		ok := in.Consents[m]
		pl.Consents = append(pl.Consents, Consent{Partner: m, Consented: ok})
		pl.Unanimous = pl.Unanimous && ok
	}
	return pl
}

func intPtr(n int) *int { return &n }

func quarterString(q *period.Quarter) *string {
	if q == nil {
		return nil
	}
	s := q.String()
	return &s
}
