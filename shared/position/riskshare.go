package position

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Model is how a fund's members share its variance.
type Model string

// The risk-share models. The zero Model is EachCellOwn, so an Input that
// names no arrangement keeps the rule every fund had before models existed.
const (
	// EachCellOwn: each cell's overspend is borne by its partner; its
	// underspend is reimbursed to the partner, or pooled when every member
	// consents.
	EachCellOwn Model = "each-cell-own"
	// ProRataContributions: the fund's net variance is shared among the
	// members in proportion to each one's total contribution to the fund-year.
	ProRataContributions Model = "pro-rata-contributions"
	// FixedShares: the fund's net variance is shared by configured percentages.
	FixedShares Model = "fixed-shares"
	// HostBears: the host bears all of the fund's net variance.
	HostBears Model = "host-bears"
)

// FullShare is 100% in basis points, the unit of RiskShare.Shares.
const FullShare = 10_000

// RiskShare is a fund-year's risk-share arrangement, as plain configuration.
type RiskShare struct {
	Model Model // "" is EachCellOwn
	// Host is the member who bears the variance under HostBears; it is
	// ignored by the other models (every fund has a host).
	Host string
	// Shares are FixedShares' percentages in basis points (hundredths of a
	// percent: 4500 is 45%), one for every member, summing to FullShare.
	// Only FixedShares may have them.
	Shares map[string]int
}

// ErrRiskShare is wrapped by every error about the arrangement itself.
var ErrRiskShare = errors.New("invalid risk-share arrangement")

// model is the arrangement's model with the zero value resolved.
func (rs RiskShare) model() Model { return cmp.Or(rs.Model, EachCellOwn) }

// shared reports whether the fund's net variance is shared among members
// rather than each cell's staying with its partner.
func (rs RiskShare) shared() bool { return rs.model() != EachCellOwn }

// Check returns every fault of the arrangement for the year's members (in
// configuration order), joined; each wraps ErrRiskShare. Compute runs it, and
// a configuration loader can run it for each fund-year at start.
func (rs RiskShare) Check(members []string) error {
	var errs []error
	fault := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("risk share: "+format+": %w", append(a, ErrRiskShare)...))
	}
	switch rs.model() {
	case EachCellOwn, ProRataContributions:
	case FixedShares:
		checkShares(rs.Shares, members, fault)
	case HostBears:
		if !slices.Contains(members, rs.Host) {
			fault("host %q is not a member of the fund", rs.Host)
		}
	default:
		fault("unknown model %q", rs.Model)
	}
	if rs.model() != FixedShares && len(rs.Shares) > 0 {
		fault("shares are configured but model %q does not use them", rs.model())
	}
	return errors.Join(errs...)
}

// checkShares: a share per member, none of another, each 0–100%, 100% in all.
func checkShares(shares map[string]int, members []string, fault func(string, ...any)) {
	sum, complete := 0, true // the sum is judged only when every member has a share in range
	for _, m := range members {
		bp, ok := shares[m]
		switch {
		case !ok:
			fault("member %q has no share", m)
			complete = false
		case bp < 0 || bp > FullShare:
			fault("the share of %q is %d basis points, not 0 to %d", m, bp, FullShare)
			complete = false
		default:
			sum += bp
		}
	}
	others := make([]string, 0, len(shares))
	for p := range shares {
		if !slices.Contains(members, p) {
			others = append(others, p)
		}
	}
	slices.Sort(others)
	for _, p := range others {
		fault("a share names %q, who is not a member of the fund", p)
	}
	if complete && sum != FullShare {
		fault("the members' shares sum to %d basis points, not %d (100%%)", sum, FullShare)
	}
}
