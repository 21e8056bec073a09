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
	"strings"
	"sync"
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

// Region is one region's configuration.
type Region struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Country      string        `json:"country"`
	Timezone     string        `json:"timezone"`
	Areas        []Area        `json:"areas"`
	PartnerTypes []PartnerType `json:"partnerTypes"`
	Partners     []Partner     `json:"partners"`
	Funds        []Fund        `json:"funds"`
	KPIs         []KPI         `json:"kpis"`
	DueDates     DueDates      `json:"dueDates"`

	// location is loaded on first use: reading the zone database costs a
	// Lambda cold start a quarter of a millisecond that most requests never need.
	location func() (*time.Location, error)
}

// Area is a local authority area by its ONS code.
type Area struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PartnerType is a kind of partner and the disciplines it may fund.
type PartnerType struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Disciplines []Discipline `json:"disciplines"`
}

// Partner is a council or NHS body of the region.
type Partner struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Type  string   `json:"type"`
	Code  string   `json:"code"`
	Areas []string `json:"areas"`
}

// Fund is a pooled fund.
type Fund struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Host           string   `json:"host"`
	Members        []string `json:"members"`
	FinancialYears []string `json:"financialYears"`
	RiskShare      string   `json:"riskShare"`

	years []period.FinancialYear
}

// KPI is an indicator partners report in quarterly returns.
type KPI struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// DueDates say when returns fall due.
type DueDates struct {
	QuarterlyReturnDaysAfterQuarterEnd  int `json:"quarterlyReturnDaysAfterQuarterEnd"`
	PoolContributionDaysBeforeYearStart int `json:"poolContributionDaysBeforeYearStart"`
}

// Location is the region's time zone.
// (check has made sure it loads).
func (r *Region) Location() *time.Location {
	loc, _ := r.location()
	return loc
}

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
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("region %q: %w", r.ID, err)
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

// ids are used inside storage keys and URLs: keep them to a safe alphabet.
var (
	// Checked by hand rather than by compiled regular expressions: this
	// package loads in every Lambda cold start.
	idPattern   = pattern{desc: "[a-z0-9][a-z0-9-]{0,62}", max: 63, first: lowerDigit, rest: func(c byte) bool { return lowerDigit(c) || c == '-' }}
	codePattern = pattern{desc: "[A-Z0-9]{1,16}", max: 16, first: upperDigit, rest: upperDigit}
)

// check validates the configuration and derives lookups.
func (r *Region) check() error {
	var errs []string
	fail := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if !idPattern.match(r.ID) {
		fail("id %q must match %s", r.ID, idPattern)
	}
	r.location = sync.OnceValues(func() (*time.Location, error) { return time.LoadLocation(r.Timezone) })
	if !knownZone(r.Timezone) {
		if _, err := r.location(); err != nil || r.Timezone == "" {
			fail("timezone %q: %v", r.Timezone, err)
		}
	}
	areas := uniq(fail, "area", len(r.Areas), func(i int) string { return r.Areas[i].Code }, codePattern)
	types := uniq(fail, "partner type", len(r.PartnerTypes), func(i int) string { return r.PartnerTypes[i].ID }, idPattern)
	partners := uniq(fail, "partner", len(r.Partners), func(i int) string { return r.Partners[i].ID }, idPattern)
	uniq(fail, "fund", len(r.Funds), func(i int) string { return r.Funds[i].ID }, idPattern)
	uniq(fail, "kpi", len(r.KPIs), func(i int) string { return r.KPIs[i].Code }, idPattern)
	for _, t := range r.PartnerTypes {
		for _, d := range t.Disciplines {
			if d != Health && d != SocialCare {
				fail("partner type %s: unknown discipline %q", t.ID, d)
			}
		}
	}
	for _, p := range r.Partners {
		if !types[p.Type] {
			fail("partner %s: unknown type %q", p.ID, p.Type)
		}
		if len(p.Areas) == 0 {
			fail("partner %s serves no area", p.ID)
		}
		for _, a := range p.Areas {
			if !areas[a] {
				fail("partner %s: unknown area %q", p.ID, a)
			}
		}
	}
	for i := range r.Funds {
		r.Funds[i].check(fail, partners)
	}
	if r.DueDates.QuarterlyReturnDaysAfterQuarterEnd < 0 || r.DueDates.PoolContributionDaysBeforeYearStart < 0 {
		fail("due dates must not be negative")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func (f *Fund) check(fail func(string, ...any), partners map[string]bool) {
	if len(f.Members) == 0 || !slices.Contains(f.Members, f.Host) {
		fail("fund %s: the host %q must be a member", f.ID, f.Host)
	}
	for _, m := range f.Members {
		if !partners[m] {
			fail("fund %s: unknown member %q", f.ID, m)
		}
	}
	if f.RiskShare != "each-cell-own" {
		fail("fund %s: riskShare %q is not supported (each-cell-own)", f.ID, f.RiskShare)
	}
	f.years = nil
	for _, s := range f.FinancialYears {
		y, err := period.ParseFinancialYear(s)
		if err != nil {
			fail("fund %s: financial year %q: %v", f.ID, s, err)
			continue
		}
		f.years = append(f.years, y)
	}
	sort.Slice(f.years, func(i, j int) bool { return f.years[i].Start < f.years[j].Start })
}

// uniq checks n ids are present, well-formed and distinct, returning them as a set.
func uniq(fail func(string, ...any), what string, n int, id func(int) string, p pattern) map[string]bool {
	set := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		v := id(i)
		if !p.match(v) {
			fail("%s id %q must match %s", what, v, p)
		}
		if set[v] {
			fail("%s %q appears twice", what, v)
		}
		set[v] = true
	}
	return set
}

// knownZone lists the zones of the regions this product serves, whose names
// need no loading to be trusted at start; any other is loaded to check it.
func knownZone(name string) bool { return name == "Europe/London" }

// pattern is a simple identifier grammar: a first character, then up to
// max-1 more, each from a class.
type pattern struct {
	desc        string
	max         int
	first, rest func(byte) bool
}

func (p pattern) match(s string) bool {
	if s == "" || len(s) > p.max || !p.first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !p.rest(s[i]) {
			return false
		}
	}
	return true
}

func (p pattern) String() string { return p.desc }

func lowerDigit(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
func upperDigit(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
