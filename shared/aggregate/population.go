package aggregate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// The dictionary's orders, used to sort rows the way people read them.
var (
	ageBands   = []string{"0-17", "18-64", "65-74", "75-84", "85+"}
	sexes      = []string{"all", "female", "male"}
	needGroups = []string{
		"older-people-complex-needs", "dementia", "learning-disabilities", "carers", "young-carers",
		"children-complex-needs", "physical-impairment", "sensory-impairment", "mental-health", "autism",
	}
)

// PopulationAggregate is the region's population and needs, per area and in total.
type PopulationAggregate struct {
	AssessmentYear *int             `json:"assessmentYear"`
	Areas          []PopulationArea `json:"areas"`
	Totals         PopulationTotals `json:"totals"`
}

// PopulationArea is one area's chosen assessment; Source is nil (and the
// lists empty) when no partner submitted one, so the gap is visible.
type PopulationArea struct {
	AreaCode   string               `json:"areaCode"`
	Source     *PopulationSourceRef `json:"source"`
	Population []PopulationRow      `json:"population"`
	Needs      []NeedRow            `json:"needs"`
}

// PopulationSourceRef names the assessment, with the year it assessed: areas
// may come from different years when the caller picks the latest per area.
type PopulationSourceRef struct {
	SourceRef
	AssessmentYear int `json:"assessmentYear"`
}

// PopulationRow is a head count for a year, age band and sex.
type PopulationRow struct {
	Year    int    `json:"year"`
	AgeBand string `json:"ageBand"`
	Sex     string `json:"sex"`
	Count   int64  `json:"count"`
}

// NeedRow is the number of people in a needs group in a year.
type NeedRow struct {
	Group string `json:"group"`
	Year  int    `json:"year"`
	Count int64  `json:"count"`
}

// PopulationTotals sum the areas' rows.
type PopulationTotals struct {
	Population []PopulationTotal `json:"population"`
	Needs      []NeedTotal       `json:"needs"`
}

// PopulationTotal is a summed row and the partners whose figures it adds.
type PopulationTotal struct {
	PopulationRow
	Sources []string `json:"sources"`
}

// NeedTotal is a summed needs row and the partners behind it.
type NeedTotal struct {
	NeedRow
	Sources []string `json:"sources"`
}

type populationDoc struct {
	AreaCode       string      `json:"areaCode"`
	AssessmentYear json.Number `json:"assessmentYear"`
	Population     []struct {
		Year    json.Number `json:"year"`
		AgeBand string      `json:"ageBand"`
		Sex     string      `json:"sex"`
		Count   json.Number `json:"count"`
	} `json:"population"`
	Needs []struct {
		Group string      `json:"group"`
		Year  json.Number `json:"year"`
		Count json.Number `json:"count"`
	} `json:"needs"`
}

// Population aggregates the chosen assessments of the region's areas, listed
// in configuration order. With assessmentYear set, every chosen document must
// be for that year; nil means the caller chose per area (e.g. for an export).
func Population(assessmentYear *int, areas []string, chosen map[string]Source) (*PopulationAggregate, error) {
	out := &PopulationAggregate{AssessmentYear: assessmentYear, Areas: make([]PopulationArea, 0, len(areas))}
	pop, needs := newTally[popKey](), newTally[needKey]()
	for _, code := range areas {
		area := PopulationArea{AreaCode: code, Population: []PopulationRow{}, Needs: []NeedRow{}}
		if s, ok := chosen[code]; ok {
			var err error
			if area, err = populationArea(code, assessmentYear, s); err != nil {
				return nil, sourceErr(code, s, err)
			}
			if err := tallyPopulation(pop, needs, area); err != nil {
				return nil, sourceErr(code, s, err)
			}
		}
		out.Areas = append(out.Areas, area)
	}
	out.Totals = PopulationTotals{Population: popTotals(pop), Needs: needTotals(needs)}
	return out, nil
}

// populationArea parses one document into sorted rows.
func populationArea(code string, assessmentYear *int, s Source) (PopulationArea, error) {
	var doc populationDoc
	if err := decode(s, &doc); err != nil {
		return PopulationArea{}, err
	}
	r := &reader{}
	r.area(code, doc.AreaCode)
	year := r.year("assessmentYear", doc.AssessmentYear)
	if assessmentYear != nil && r.err == nil && year != *assessmentYear {
		r.fail("assessmentYear", fmt.Sprintf("document is for %d, aggregate for %d", year, *assessmentYear))
	}
	area := PopulationArea{
		AreaCode:   code,
		Source:     &PopulationSourceRef{SourceRef: refOf(s), AssessmentYear: year},
		Population: make([]PopulationRow, 0, len(doc.Population)),
		Needs:      make([]NeedRow, 0, len(doc.Needs)),
	}
	for i, p := range doc.Population {
		f := fmt.Sprintf("population/%d/", i)
		area.Population = append(area.Population, PopulationRow{
			Year: r.year(f+"year", p.Year), AgeBand: p.AgeBand, Sex: p.Sex, Count: r.count(f+"count", p.Count),
		})
	}
	for i, n := range doc.Needs {
		f := fmt.Sprintf("needs/%d/", i)
		area.Needs = append(area.Needs, NeedRow{Group: n.Group, Year: r.year(f+"year", n.Year), Count: r.count(f+"count", n.Count)})
	}
	if r.err != nil {
		return PopulationArea{}, r.err
	}
	if err := sortUnique("population", area.Population, comparePopulation); err != nil {
		return PopulationArea{}, err
	}
	return area, sortUnique("needs", area.Needs, compareNeed)
}

type popKey struct {
	year         int
	ageBand, sex string
}

type needKey struct {
	group string
	year  int
}

// tally sums counts per key and remembers who contributed.
type tally[K comparable] struct {
	count map[K]int64
	from  map[K]sources
}

func newTally[K comparable]() tally[K] {
	return tally[K]{count: map[K]int64{}, from: map[K]sources{}}
}

func (t tally[K]) add(k K, n int64, partner string) error {
	sum, err := addCount(t.count[k], n)
	if err != nil {
		return err
	}
	t.count[k] = sum
	if t.from[k] == nil {
		t.from[k] = sources{}
	}
	t.from[k][partner] = true
	return nil
}

func tallyPopulation(pop tally[popKey], needs tally[needKey], area PopulationArea) error {
	partner := area.Source.Partner
	for _, p := range area.Population {
		if err := pop.add(popKey{p.Year, p.AgeBand, p.Sex}, p.Count, partner); err != nil {
			return err
		}
	}
	for _, n := range area.Needs {
		if err := needs.add(needKey{n.Group, n.Year}, n.Count, partner); err != nil {
			return err
		}
	}
	return nil
}

func popTotals(t tally[popKey]) []PopulationTotal {
	out := make([]PopulationTotal, 0, len(t.count))
	for k, n := range t.count {
		row := PopulationRow{Year: k.year, AgeBand: k.ageBand, Sex: k.sex, Count: n}
		out = append(out, PopulationTotal{PopulationRow: row, Sources: t.from[k].list()})
	}
	slices.SortFunc(out, func(a, b PopulationTotal) int { return comparePopulation(a.PopulationRow, b.PopulationRow) })
	return out
}

func needTotals(t tally[needKey]) []NeedTotal {
	out := make([]NeedTotal, 0, len(t.count))
	for k, n := range t.count {
		out = append(out, NeedTotal{NeedRow: NeedRow{Group: k.group, Year: k.year, Count: n}, Sources: t.from[k].list()})
	}
	slices.SortFunc(out, func(a, b NeedTotal) int { return compareNeed(a.NeedRow, b.NeedRow) })
	return out
}

func comparePopulation(a, b PopulationRow) int {
	return cmp.Or(cmp.Compare(a.Year, b.Year), rank(ageBands, a.AgeBand, b.AgeBand), rank(sexes, a.Sex, b.Sex))
}

func compareNeed(a, b NeedRow) int {
	return cmp.Or(rank(needGroups, a.Group, b.Group), cmp.Compare(a.Year, b.Year))
}
