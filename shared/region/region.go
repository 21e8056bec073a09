// Package region is a region's configuration: its areas, partner types and
// the disciplines each may fund, partners and the areas they serve, pooled
// funds, KPI catalogue and due dates. A region is data, never code.
package region

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // Lambda images need not ship a zone database

	"github.com/regional-data-exchange/rdx/shared/period"
)

// Discipline is who pays for a service: the NHS (health) or the council (social care).
type Discipline string

// The disciplines the data dictionary knows.
const (
	Health     Discipline = "health"
	SocialCare Discipline = "social-care"
)

// Disciplines lists every discipline.
var Disciplines = []string{string(Health), string(SocialCare)}

// Region is one region's configuration. The validate tags are the rules a
// configuration must keep (rules.go has the tags of its own and the rules
// across fields); a region that breaks any never starts.
type Region struct {
	ID           string        `json:"id" validate:"id"`
	Name         string        `json:"name" validate:"required"`
	Country      string        `json:"country" validate:"required"`
	Timezone     string        `json:"timezone" validate:"timezone"`
	Areas        []Area        `json:"areas" validate:"dive"`
	PartnerTypes []PartnerType `json:"partnerTypes" validate:"dive"`
	Partners     []Partner     `json:"partners" validate:"dive"`
	Funds        []Fund        `json:"funds" validate:"dive"`
	KPIs         []KPI         `json:"kpis" validate:"dive"`
	DueDates     DueDates      `json:"dueDates"`

	location *time.Location
}

// Area is a local authority area by its ONS code.
type Area struct {
	Code string `json:"code" validate:"code"`
	Name string `json:"name" validate:"required"`
}

// PartnerType is a kind of partner and the disciplines it may fund.
type PartnerType struct {
	ID          string       `json:"id" validate:"id"`
	Name        string       `json:"name" validate:"required"`
	Disciplines []Discipline `json:"disciplines" validate:"dive,oneof=health social-care"`
}

// Partner is a council or NHS body of the region; Code is its ONS or ODS code.
type Partner struct {
	ID    string   `json:"id" validate:"id"`
	Name  string   `json:"name" validate:"required"`
	Type  string   `json:"type" validate:"partner-type"`
	Code  string   `json:"code" validate:"omitempty,code"`
	Areas []string `json:"areas" validate:"min=1,dive,area"`
}

// Fund is a pooled fund; its host must be one of its members.
type Fund struct {
	ID             string   `json:"id" validate:"id"`
	Name           string   `json:"name" validate:"required"`
	Host           string   `json:"host" validate:"required"`
	Members        []string `json:"members" validate:"min=1,dive,partner"`
	FinancialYears []string `json:"financialYears" validate:"min=1,dive,financial-year"`
	RiskShare      string   `json:"riskShare" validate:"oneof=each-cell-own"`

	years []period.FinancialYear
}

// KPI is an indicator partners report in quarterly returns.
type KPI struct {
	Code string `json:"code" validate:"id"`
	Name string `json:"name" validate:"required"`
	Unit string `json:"unit" validate:"required"`
}

// DueDates say when returns fall due.
type DueDates struct {
	QuarterlyReturnDaysAfterQuarterEnd  int `json:"quarterlyReturnDaysAfterQuarterEnd" validate:"min=0"`
	PoolContributionDaysBeforeYearStart int `json:"poolContributionDaysBeforeYearStart" validate:"min=0"`
}

// Location is the region's time zone (check has loaded it).
func (r *Region) Location() *time.Location { return r.location }

// Partner finds a partner by id.
func (r *Region) Partner(id string) (*Partner, bool) {
	for i := range r.Partners {
		if r.Partners[i].ID == id {
			return &r.Partners[i], true
		}
	}
	return nil, false
}

// Fund finds a fund by id.
func (r *Region) Fund(id string) (*Fund, bool) {
	for i := range r.Funds {
		if r.Funds[i].ID == id {
			return &r.Funds[i], true
		}
	}
	return nil, false
}

// HasArea reports whether code is one of the region's areas.
func (r *Region) HasArea(code string) bool {
	return slices.ContainsFunc(r.Areas, func(a Area) bool { return a.Code == code })
}

// HasKPI reports whether code is in the KPI catalogue.
func (r *Region) HasKPI(code string) bool {
	return slices.ContainsFunc(r.KPIs, func(k KPI) bool { return k.Code == code })
}

// Disciplines a partner may fund, from its type.
func (r *Region) DisciplinesOf(p *Partner) []Discipline {
	for _, t := range r.PartnerTypes {
		if t.ID == p.Type {
			return t.Disciplines
		}
	}
	return nil
}

// Serves reports whether the partner serves the area.
func (p *Partner) Serves(area string) bool { return slices.Contains(p.Areas, area) }

// HasMember reports whether the partner is a member of the fund.
func (f *Fund) HasMember(partner string) bool { return slices.Contains(f.Members, partner) }

// Years are the fund's financial years, in order.
func (f *Fund) Years() []period.FinancialYear { return f.years }

// HasYear reports whether the fund runs in that financial year.
func (f *Fund) HasYear(y period.FinancialYear) bool { return slices.Contains(f.years, y) }

// Registry holds every region a deployment serves.
type Registry struct {
	byID map[string]*Region
	ids  []string
}

// NewRegistry checks and indexes regions.
func NewRegistry(regions ...*Region) (*Registry, error) {
	reg := &Registry{byID: map[string]*Region{}}
	for _, r := range regions {
		if faults := r.check(); len(faults) > 0 {
			return nil, fmt.Errorf("region %q: %w", r.ID, faults)
		}
		if _, dup := reg.byID[r.ID]; dup {
			return nil, fmt.Errorf("region %q configured twice", r.ID)
		}
		reg.byID[r.ID] = r
		reg.ids = append(reg.ids, r.ID)
	}
	sort.Strings(reg.ids)
	return reg, nil
}

// Get finds a region.
func (g *Registry) Get(id string) (*Region, bool) {
	r, ok := g.byID[id]
	return r, ok
}

// IDs lists the regions in id order.
func (g *Registry) IDs() []string { return g.ids }

// LoadFS reads every *.json file at the top of fsys as a region.
func LoadFS(fsys fs.FS) ([]*Region, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	var out []*Region
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		r, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(name), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// check applies every rule of the configuration, reporting every fault,
// and derives the lookups the rules guarantee.
func (r *Region) check() Faults {
	if faults := validateRegion(r); len(faults) > 0 {
		return faults
	}
	r.location, _ = time.LoadLocation(r.Timezone) // the timezone tag has loaded it once
	for i := range r.Funds {
		f := &r.Funds[i]
		f.years = make([]period.FinancialYear, 0, len(f.FinancialYears))
		for _, s := range f.FinancialYears {
			y, _ := period.ParseFinancialYear(s)
			f.years = append(f.years, y)
		}
		sort.Slice(f.years, func(i, j int) bool { return f.years[i].Start < f.years[j].Start })
	}
	return nil
}
