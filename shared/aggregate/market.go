package aggregate

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// careCategories is the dictionary's order of care-home categories.
var careCategories = []string{
	"residential", "nursing", "residential-dementia", "nursing-dementia", "learning-disabilities", "respite",
}

// MarketAggregate is the region's care-home market, per area and in total.
type MarketAggregate struct {
	FinancialYear string          `json:"financialYear"`
	Areas         []MarketArea    `json:"areas"`
	Totals        []CareHomeTotal `json:"totals"`
}

// MarketArea is one area's chosen statement. With no source, the counts are
// null rather than 0, so a missing statement does not read as an empty market.
type MarketArea struct {
	AreaCode    string        `json:"areaCode"`
	Source      *SourceRef    `json:"source"`
	CareHomes   []CareHomeRow `json:"careHomes"`
	Providers   *int64        `json:"providers"`
	Closures    *int64        `json:"closures"`
	NewEntrants *int64        `json:"newEntrants"`
}

// Capacity is the bed counts of a category; totals add them field by field.
type Capacity struct {
	Homes                int64 `json:"homes"`
	Beds                 int64 `json:"beds"`
	OccupiedBeds         int64 `json:"occupiedBeds"`
	VacantBeds           int64 `json:"vacantBeds"`
	LocalAuthorityFunded int64 `json:"localAuthorityFunded"`
	HealthFunded         int64 `json:"healthFunded"`
	SelfFunded           int64 `json:"selfFunded"`
}

// CareHomeRow is one category in one area, as its partner reported it.
type CareHomeRow struct {
	Category string `json:"category"`
	Capacity
	Occupancy        *string     `json:"occupancy"`
	AverageWeeklyFee money.Pence `json:"averageWeeklyFee"`
	MinWeeklyFee     money.Pence `json:"minWeeklyFee"`
	MaxWeeklyFee     money.Pence `json:"maxWeeklyFee"`
}

// CareHomeTotal is one category across the areas. AverageWeeklyFee is the
// areas' averages weighted by occupied beds (null when none are occupied):
// a plain mean would let a small county's fee count as much as a large one's.
type CareHomeTotal struct {
	Category string `json:"category"`
	Capacity
	Occupancy        *string      `json:"occupancy"`
	AverageWeeklyFee *money.Pence `json:"averageWeeklyFee"`
	MinWeeklyFee     money.Pence  `json:"minWeeklyFee"`
	MaxWeeklyFee     money.Pence  `json:"maxWeeklyFee"`
	Sources          []string     `json:"sources"`
}

type marketDoc struct {
	AreaCode      string `json:"areaCode"`
	FinancialYear string `json:"financialYear"`
	CareHomes     []struct {
		Category             string       `json:"category"`
		Homes                json.Number  `json:"homes"`
		Beds                 json.Number  `json:"beds"`
		OccupiedBeds         json.Number  `json:"occupiedBeds"`
		VacantBeds           json.Number  `json:"vacantBeds"`
		LocalAuthorityFunded json.Number  `json:"localAuthorityFunded"`
		HealthFunded         json.Number  `json:"healthFunded"`
		SelfFunded           json.Number  `json:"selfFunded"`
		AverageWeeklyFee     *money.Pence `json:"averageWeeklyFee"`
		MinWeeklyFee         *money.Pence `json:"minWeeklyFee"`
		MaxWeeklyFee         *money.Pence `json:"maxWeeklyFee"`
	} `json:"careHomes"`
	Providers   json.Number `json:"providers"`
	Closures    json.Number `json:"closures"`
	NewEntrants json.Number `json:"newEntrants"`
}

// Market aggregates the chosen market position statements for financialYear
// over the region's areas, listed in configuration order.
func Market(financialYear string, areas []string, chosen map[string]Source) (*MarketAggregate, error) {
	out := &MarketAggregate{FinancialYear: financialYear, Areas: make([]MarketArea, 0, len(areas))}
	totals := map[string]*categoryTally{}
	for _, code := range areas {
		area := MarketArea{AreaCode: code, CareHomes: []CareHomeRow{}}
		if s, ok := chosen[code]; ok {
			var err error
			if area, err = marketArea(code, financialYear, s); err != nil {
				return nil, sourceErr(code, s, err)
			}
			if err := tallyMarket(totals, area); err != nil {
				return nil, sourceErr(code, s, err)
			}
		}
		out.Areas = append(out.Areas, area)
	}
	out.Totals = marketTotals(totals)
	return out, nil
}

// marketArea parses one statement into rows in category order.
func marketArea(code, financialYear string, s Source) (MarketArea, error) {
	var doc marketDoc
	if err := decode(s, &doc); err != nil {
		return MarketArea{}, err
	}
	r := &reader{}
	r.area(code, doc.AreaCode)
	if doc.FinancialYear != financialYear {
		r.fail("financialYear", fmt.Sprintf("document is for %q, aggregate for %q", doc.FinancialYear, financialYear))
	}
	ref := refOf(s)
	area := MarketArea{AreaCode: code, Source: &ref, CareHomes: make([]CareHomeRow, 0, len(doc.CareHomes))}
	for i, c := range doc.CareHomes {
		f := fmt.Sprintf("careHomes/%d/", i)
		row := CareHomeRow{Category: c.Category, Capacity: Capacity{
			Homes: r.count(f+"homes", c.Homes), Beds: r.count(f+"beds", c.Beds),
			OccupiedBeds: r.count(f+"occupiedBeds", c.OccupiedBeds), VacantBeds: r.count(f+"vacantBeds", c.VacantBeds),
			LocalAuthorityFunded: r.count(f+"localAuthorityFunded", c.LocalAuthorityFunded),
			HealthFunded:         r.count(f+"healthFunded", c.HealthFunded), SelfFunded: r.count(f+"selfFunded", c.SelfFunded),
		}}
		row.Occupancy = occupancy(row.OccupiedBeds, row.Beds)
		row.AverageWeeklyFee = r.money(f+"averageWeeklyFee", c.AverageWeeklyFee)
		row.MinWeeklyFee = r.money(f+"minWeeklyFee", c.MinWeeklyFee)
		row.MaxWeeklyFee = r.money(f+"maxWeeklyFee", c.MaxWeeklyFee)
		area.CareHomes = append(area.CareHomes, row)
	}
	area.Providers = ptr(r.count("providers", doc.Providers))
	area.Closures = ptr(r.count("closures", doc.Closures))
	area.NewEntrants = ptr(r.count("newEntrants", doc.NewEntrants))
	if r.err != nil {
		return MarketArea{}, r.err
	}
	return area, sortUnique("careHomes", area.CareHomes, func(a, b CareHomeRow) int {
		return rank(careCategories, a.Category, b.Category)
	})
}

func ptr[T any](v T) *T { return &v }

// categoryTally accumulates one category across areas; the fee-times-beds sum
// is a big.Int so the weighted average is exact whatever the volumes.
type categoryTally struct {
	capacity Capacity
	feeBeds  big.Int
	min, max money.Pence
	from     sources
}

func tallyMarket(totals map[string]*categoryTally, area MarketArea) error {
	for _, row := range area.CareHomes {
		t := totals[row.Category]
		if t == nil {
			t = &categoryTally{min: row.MinWeeklyFee, max: row.MaxWeeklyFee, from: sources{}}
			totals[row.Category] = t
		}
		if err := t.capacity.add(row.Capacity); err != nil {
			return fmt.Errorf("careHomes %s: %w", row.Category, err)
		}
		weighted := new(big.Int).Mul(big.NewInt(int64(row.AverageWeeklyFee)), big.NewInt(row.OccupiedBeds))
		t.feeBeds.Add(&t.feeBeds, weighted)
		t.min, t.max = min(t.min, row.MinWeeklyFee), max(t.max, row.MaxWeeklyFee)
		t.from[area.Source.Partner] = true
	}
	return nil
}

// add sums capacities field by field, overflow-checked.
func (c *Capacity) add(o Capacity) error {
	to := []*int64{&c.Homes, &c.Beds, &c.OccupiedBeds, &c.VacantBeds, &c.LocalAuthorityFunded, &c.HealthFunded, &c.SelfFunded}
	from := []int64{o.Homes, o.Beds, o.OccupiedBeds, o.VacantBeds, o.LocalAuthorityFunded, o.HealthFunded, o.SelfFunded}
	for i, sum := range to {
		v, err := addCount(*sum, from[i])
		if err != nil {
			return err
		}
		*sum = v
	}
	return nil
}

func marketTotals(totals map[string]*categoryTally) []CareHomeTotal {
	out := make([]CareHomeTotal, 0, len(totals))
	for category, t := range totals {
		out = append(out, CareHomeTotal{
			Category: category, Capacity: t.capacity,
			Occupancy:        occupancy(t.capacity.OccupiedBeds, t.capacity.Beds),
			AverageWeeklyFee: weightedFee(&t.feeBeds, t.capacity.OccupiedBeds),
			MinWeeklyFee:     t.min, MaxWeeklyFee: t.max, Sources: t.from.list(),
		})
	}
	slices.SortFunc(out, func(a, b CareHomeTotal) int { return rank(careCategories, a.Category, b.Category) })
	return out
}

// weightedFee is Σ(fee × occupied) / Σ occupied, half-up to the penny. The
// result lies between the areas' fees, so it always fits in Pence.
func weightedFee(feeBeds *big.Int, occupied int64) *money.Pence {
	if occupied == 0 {
		return nil
	}
	p := money.Pence(roundHalfUp(feeBeds, big.NewInt(occupied)).Int64())
	return &p
}
