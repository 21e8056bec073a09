package position

import (
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/period"
)

// index is the input keyed for lookup. Pointers point into the caller's
// slices, which Compute only reads.
type index struct {
	contributions map[string]*Contribution
	returns       map[string]map[int]*Return // partner -> quarter number -> current return
}

// indexInput checks the input's shape: data of a non-member or a duplicate
// would otherwise be silently dropped or double-counted.
func indexInput(in Input) (index, error) {
	ix := index{contributions: map[string]*Contribution{}, returns: map[string]map[int]*Return{}}
	for _, m := range in.Members {
		if ix.returns[m] != nil {
			return index{}, fmt.Errorf("position: member %q listed twice: %w", m, ErrDuplicate)
		}
		ix.returns[m] = map[int]*Return{}
	}
	for i := range in.Contributions {
		if err := ix.addContribution(&in.Contributions[i]); err != nil {
			return index{}, err
		}
	}
	for i := range in.Returns {
		if err := ix.addReturn(&in.Returns[i], in.Year); err != nil {
			return index{}, err
		}
	}
	return ix, nil
}

func (ix index) addContribution(c *Contribution) error {
	switch {
	case ix.returns[c.Partner] == nil:
		return fmt.Errorf("position: contribution of %q: %w", c.Partner, ErrNotMember)
	case ix.contributions[c.Partner] != nil:
		return fmt.Errorf("position: two contributions of %q: %w", c.Partner, ErrDuplicate)
	}
	ix.contributions[c.Partner] = c
	return nil
}

func (ix index) addReturn(r *Return, year period.FinancialYear) error {
	byQuarter := ix.returns[r.Partner]
	switch {
	case byQuarter == nil:
		return fmt.Errorf("position: return of %q: %w", r.Partner, ErrNotMember)
	case !inYear(r.Quarter, year):
		return fmt.Errorf("position: return of %q for %s in %s: %w", r.Partner, r.Quarter, year, ErrOutsideYear)
	case byQuarter[r.Quarter.N] != nil:
		return fmt.Errorf("position: two returns of %q for %s: %w", r.Partner, r.Quarter, ErrDuplicate)
	}
	byQuarter[r.Quarter.N] = r
	return nil
}

func inYear(q period.Quarter, y period.FinancialYear) bool {
	return q.Year == y && q.N >= 1 && q.N <= 4
}

// resolveAsAt returns the asked quarter, or by default the latest quarter
// with any member's return (nil when there is none).
func resolveAsAt(in Input, ix index) (*period.Quarter, error) {
	if in.AsAt != nil {
		if !inYear(*in.AsAt, in.Year) {
			return nil, fmt.Errorf("position: as at %s in %s: %w", *in.AsAt, in.Year, ErrOutsideYear)
		}
		q := *in.AsAt
		return &q, nil
	}
	latest := 0
	for _, byQuarter := range ix.returns {
		for n := range byQuarter {
			latest = max(latest, n)
		}
	}
	if latest == 0 {
		return nil, nil
	}
	return &period.Quarter{Year: in.Year, N: latest}, nil
}

// returnUsed is the partner's current return for the latest quarter at or
// before asAt: returns are cumulative from 1 April, so the latest one is
// the partner's best word on the year.
func returnUsed(byQuarter map[int]*Return, asAt *period.Quarter) *Return {
	if asAt == nil {
		return nil
	}
	for n := asAt.N; n >= 1; n-- {
		if r := byQuarter[n]; r != nil {
			return r
		}
	}
	return nil
}

// completeness looks only at quarters up to asAt: a later return, or the
// date today, must not change what the position as at a quarter says.
func completeness(byQuarter map[int]*Return, asAt *period.Quarter) Completeness {
	c := Completeness{Missing: []string{}, Unsigned: []string{}}
	if asAt == nil {
		return c
	}
	for _, q := range asAt.Year.Quarters()[:asAt.N] {
		switch r := byQuarter[q.N]; {
		case r == nil:
			c.Missing = append(c.Missing, q.String())
		case !r.SignedOff:
			c.Unsigned = append(c.Unsigned, q.String())
		}
	}
	q4 := byQuarter[4]
	c.Final = asAt.N == 4 && q4 != nil && q4.Final
	return c
}
