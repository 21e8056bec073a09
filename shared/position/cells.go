package position

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/regional-data-exchange/rdx/shared/money"
)

type cellKey struct{ discipline, area string }

// cellSums gathers one cell's figures before it is settled.
type cellSums struct {
	contribution, actual, forecast money.Pence
	funded                         bool // the contribution has a line for the cell
	inReturn                       bool // the return used has a line for the cell
}

// partnerCells builds one partner's cells from its contribution and the
// return used (either may be nil), sorted by discipline then area; to is
// where an underspent cell's underspend goes.
func partnerCells(partner string, c *Contribution, r *Return, to Destination) ([]Cell, error) {
	sums, err := gather(c, r)
	if err != nil {
		return nil, fmt.Errorf("position: %s: %w", partner, err)
	}
	keys := make([]cellKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cellKey) int {
		return cmp.Or(cmp.Compare(a.discipline, b.discipline), cmp.Compare(a.area, b.area))
	})
	cells := make([]Cell, 0, len(keys))
	for _, k := range keys {
		cell, err := settle(partner, k, sums[k], r != nil, to)
		if err != nil {
			return nil, fmt.Errorf("position: %s %s %s: %w", partner, k.discipline, k.area, err)
		}
		cells = append(cells, cell)
	}
	return cells, nil
}

// gather sums contribution and return lines per cell, overflow-checked.
func gather(c *Contribution, r *Return) (map[cellKey]*cellSums, error) {
	sums := map[cellKey]*cellSums{}
	cell := func(discipline, area string) *cellSums {
		k := cellKey{discipline, area}
		if sums[k] == nil {
			sums[k] = &cellSums{}
		}
		return sums[k]
	}
	var err error
	if c != nil {
		for _, l := range c.Lines {
			s := cell(l.Discipline, l.AreaCode)
			s.funded = true
			if s.contribution, err = money.Add(s.contribution, l.Amount); err != nil {
				return nil, err
			}
		}
	}
	if r != nil {
		for _, l := range r.Lines {
			s := cell(l.Discipline, l.AreaCode)
			s.inReturn = true
			if s.actual, err = money.Add(s.actual, l.Actual); err != nil {
				return nil, err
			}
			if s.forecast, err = money.Add(s.forecast, l.Forecast); err != nil {
				return nil, err
			}
		}
	}
	return sums, nil
}

// settle turns a cell's sums into its variance and who bears or receives it.
// Without a return the partner has no actuals, so nothing is over- or
// underspent yet: the cell shows its contribution only.
func settle(partner string, k cellKey, s *cellSums, hasReturn bool, to Destination) (Cell, error) {
	c := Cell{
		Partner:      partner,
		Discipline:   k.discipline,
		AreaCode:     k.area,
		Contribution: s.contribution,
		Unfunded:     s.inReturn && !s.funded,
	}
	if !hasReturn {
		return c, nil
	}
	variance, err := money.Sub(s.forecast, s.contribution)
	if err != nil {
		return Cell{}, err
	}
	actual, forecast := s.actual, s.forecast
	c.ActualToDate, c.ForecastOutturn, c.Variance = &actual, &forecast, &variance
	// Under each-cell-own the overspend is borne by this partner alone.
	if c.Overspend, c.Underspend, err = sides(variance); err != nil {
		return Cell{}, err
	}
	if variance < 0 {
		c.UnderspendTo = &to
	}
	return c, nil
}

// sides splits a signed amount into its overspend and underspend.
func sides(v money.Pence) (over, under money.Pence, err error) {
	if v >= 0 {
		return v, 0, nil
	}
	under, err = money.Sub(0, v)
	return 0, under, err
}
