package position

import (
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// SharedVariance is how the fund's net variance is shared under a model other
// than EachCellOwn (JSON: the position's riskShare, absent under EachCellOwn).
type SharedVariance struct {
	Model Model `json:"model"`
	// Variance is the fund's net variance V: the sum of the variances of every
	// cell with actuals (the fund's totals' variance). A member without a
	// return adds nothing to it, yet bears its share.
	Variance   money.Pence `json:"variance"`
	Overspend  money.Pence `json:"overspend"`  // max(V, 0)
	Underspend money.Pence `json:"underspend"` // max(−V, 0)
	// Apportioned is false only under ProRataContributions when V is not zero
	// and no member has contributed: with no basis, no share is invented (the
	// shares' figures are nil) until the contributions are in.
	Apportioned bool          `json:"apportioned"`
	Shares      []MemberShare `json:"shares"` // every member, in configuration order
}

// MemberShare is one member's basis and share of V.
type MemberShare struct {
	Partner string `json:"partner"`
	Basis   Basis  `json:"basis"`
	// ExactShare is V × basis ÷ the members' total basis, in pence, as a
	// reduced fraction ("-1000001/3"; "5" when whole).
	ExactShare *string `json:"exactShare"`
	// ShareOfVariance is the share of V in whole pence by largest remainder;
	// the members' shares sum to V.
	ShareOfVariance *money.Pence `json:"shareOfVariance"`
	Overspend       *money.Pence `json:"overspend"`  // max(share, 0): the member's part of the fund's overspend
	Underspend      *money.Pence `json:"underspend"` // max(−share, 0): its part of the fund's underspend
	RemainderPenny  bool         `json:"remainderPenny"`
}

// Basis is what a member's share is proportional to: exactly one field is
// set, the one of the model.
type Basis struct {
	Contribution *money.Pence   `json:"contribution,omitempty"` // ProRataContributions: Σ its contribution lines
	Percent      *money.Decimal `json:"percent,omitempty"`      // FixedShares: its configured percentage
	Host         *bool          `json:"host,omitempty"`         // HostBears: whether it is the host
}

// shareVariance shares v among the members (partners, in configuration
// order) by rs, which Check has passed and which is not EachCellOwn.
func shareVariance(rs RiskShare, partners []PartnerPosition, v money.Pence) (*SharedVariance, error) {
	sv := &SharedVariance{Model: rs.model(), Variance: v, Shares: make([]MemberShare, len(partners))}
	var err error
	sv.Overspend, sv.Underspend, err = sides(v)
	if err != nil {
		return nil, fmt.Errorf("position: risk share: %w", err)
	}
	weights := make([]int64, len(partners))
	anyBasis := false
	for i, pp := range partners {
		b, w, err := basis(rs, pp)
		if err != nil {
			return nil, err
		}
		sv.Shares[i] = MemberShare{Partner: pp.Partner, Basis: b}
		weights[i] = w
		anyBasis = anyBasis || w > 0
	}
	sv.Apportioned = v == 0 || anyBasis
	if !sv.Apportioned {
		return sv, nil
	}
	for i, p := range apportion(v, weights) {
		ms := &sv.Shares[i]
		exact, share := p.exact.RatString(), p.share
		over, under, err := sides(share)
		if err != nil {
			return nil, fmt.Errorf("position: risk share of %s: %w", ms.Partner, err)
		}
		ms.ExactShare, ms.ShareOfVariance, ms.Overspend, ms.Underspend = &exact, &share, &over, &under
		ms.RemainderPenny = p.penny
	}
	return sv, nil
}

// basis is a member's basis under the model and its weight in the apportionment.
func basis(rs RiskShare, pp PartnerPosition) (Basis, int64, error) {
	switch rs.model() {
	case ProRataContributions:
		c := pp.Totals.Contribution
		if c < 0 {
			return Basis{}, 0, fmt.Errorf("position: risk share: the contributions of %q total %s, and a pro-rata basis cannot be negative: %w", pp.Partner, c, ErrRiskShare)
		}
		return Basis{Contribution: &c}, int64(c), nil
	case FixedShares:
		bp := rs.Shares[pp.Partner]
		pct, err := money.ParseDecimal(fmt.Sprintf("%d.%02d", bp/100, bp%100))
		if err != nil { // Check bounds bp to 0–FullShare, which always parses
			return Basis{}, 0, fmt.Errorf("position: risk share of %q: %w", pp.Partner, err)
		}
		return Basis{Percent: &pct}, int64(bp), nil
	default: // HostBears
		host := pp.Partner == rs.Host
		w := int64(0)
		if host {
			w = 1
		}
		return Basis{Host: &host}, w, nil
	}
}
