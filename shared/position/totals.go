package position

import (
	"fmt"
	"slices"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// add adds one cell. Overspend and underspend are the cell's own, never a
// netted variance, so one cell's underspend cannot hide another's overspend.
func (t *Totals) add(c Cell) error {
	var err error
	plus := func(dst *money.Pence, v money.Pence) {
		if err == nil {
			*dst, err = money.Add(*dst, v)
		}
	}
	plus(&t.Contribution, c.Contribution)
	if c.Variance != nil {
		plus(&t.ActualToDate, *c.ActualToDate)
		plus(&t.ForecastOutturn, *c.ForecastOutturn)
		plus(&t.Variance, *c.Variance)
	}
	plus(&t.Overspend, c.Overspend)
	plus(&t.Underspend, c.Underspend)
	if c.UnderspendTo != nil {
		switch *c.UnderspendTo {
		case ToPool:
			plus(&t.Pooled, c.Underspend)
		case ToPartner:
			plus(&t.Reimbursed, c.Underspend)
		} // ToShared: neither; the position's RiskShare shares it
	}
	if err != nil {
		return fmt.Errorf("position: totals: %w", err)
	}
	return nil
}

func sumCells(cells []Cell) (Totals, error) {
	var t Totals
	for _, c := range cells {
		if err := t.add(c); err != nil {
			return Totals{}, err
		}
	}
	return t, nil
}

// breakdown totals the fund, per discipline and per area.
func breakdown(cells []Cell) (FundTotals, error) {
	fund, err := sumCells(cells)
	if err != nil {
		return FundTotals{}, err
	}
	disciplines, byDiscipline, err := groupTotals(cells, func(c Cell) string { return c.Discipline })
	if err != nil {
		return FundTotals{}, err
	}
	areas, byArea, err := groupTotals(cells, func(c Cell) string { return c.AreaCode })
	if err != nil {
		return FundTotals{}, err
	}
	ft := FundTotals{Fund: fund, ByDiscipline: []DisciplineTotals{}, ByArea: []AreaTotals{}}
	for _, d := range disciplines {
		ft.ByDiscipline = append(ft.ByDiscipline, DisciplineTotals{Discipline: d, Totals: *byDiscipline[d]})
	}
	for _, a := range areas {
		ft.ByArea = append(ft.ByArea, AreaTotals{AreaCode: a, Totals: *byArea[a]})
	}
	return ft, nil
}

// groupTotals totals cells per key and returns the keys sorted.
func groupTotals(cells []Cell, key func(Cell) string) ([]string, map[string]*Totals, error) {
	totals := map[string]*Totals{}
	for _, c := range cells {
		k := key(c)
		if totals[k] == nil {
			totals[k] = &Totals{}
		}
		if err := totals[k].add(c); err != nil {
			return nil, nil, err
		}
	}
	keys := make([]string, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, totals, nil
}
