// Package region is a region's configuration: its areas, partner types and
// the disciplines each may fund, partners and the areas they serve, pooled
// funds, KPI catalogue and due dates. A region is data, never code.
package region

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // Lambda images need not ship a zone database

	"github.com/regional-data-exchange/rdx/shared/i18n"
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
//
// Every thing the region names (itself, its areas, partner types, partners,
// funds and their assurances and boards, KPIs, categories and roles) has its
// name in the region's first language and, in Names, in each of its other
// languages (names.go).
type Region struct {
	ID   string `json:"id" validate:"id"`
	Name string `json:"name" validate:"required"`
	// Names are the region's name in its languages after the first.
	Names Names `json:"names,omitempty"`
	// Languages are the languages the region gives its names in, its own
	// first (the one every name field is in), each one the service answers in.
	Languages    []i18n.Lang   `json:"languages" validate:"min=1,dive,language"`
	Country      string        `json:"country" validate:"required"`
	Timezone     string        `json:"timezone" validate:"timezone"`
	Areas        []Area        `json:"areas" validate:"dive"`
	PartnerTypes []PartnerType `json:"partnerTypes" validate:"dive"`
	Partners     []Partner     `json:"partners" validate:"dive"`
	Funds        []Fund        `json:"funds" validate:"dive"`
	KPIs         []KPI         `json:"kpis" validate:"dive"`
	// Categories name every spend category, income source and funding
	// stream the funds' lists use; Roles every role their reports are
	// signed in.
	Categories []Term   `json:"categories" validate:"dive"`
	Roles      []Term   `json:"roles" validate:"dive"`
	DueDates   DueDates `json:"dueDates"`

	location *time.Location
	views    map[i18n.Lang]*Region // the region in each language (In)
}

// Area is a local authority area by its ONS code.
type Area struct {
	Code  string `json:"code" validate:"code"`
	Name  string `json:"name" validate:"required"`
	Names Names  `json:"names,omitempty"`
}

// PartnerType is a kind of partner and the disciplines it may fund.
type PartnerType struct {
	ID          string       `json:"id" validate:"id"`
	Name        string       `json:"name" validate:"required"`
	Names       Names        `json:"names,omitempty"`
	Disciplines []Discipline `json:"disciplines" validate:"dive,oneof=health social-care"`
}

// Partner is a council or NHS body of the region; Code is its ONS or ODS code.
type Partner struct {
	ID    string   `json:"id" validate:"id"`
	Name  string   `json:"name" validate:"required"`
	Names Names    `json:"names,omitempty"`
	Type  string   `json:"type" validate:"partner-type"`
	Code  string   `json:"code" validate:"omitempty,code"`
	Areas []string `json:"areas" validate:"min=1,dive,area"`
}

// Fund is a pooled fund: its members year by year, how it shares the
// variance between them, the lists its submissions use, and how its
// quarterly report is signed and approved.
type Fund struct {
	ID    string `json:"id" validate:"id"`
	Name  string `json:"name" validate:"required"`
	Names Names  `json:"names,omitempty"`
	// Host is the member that hosts the pool (it must be a member every year).
	Host string `json:"host" validate:"required,partner"`
	// Membership is who is a member in which of the fund's years, in the
	// order the fund's outputs list them.
	Membership     []Member `json:"members" validate:"min=1,dive"`
	FinancialYears []string `json:"financialYears" validate:"min=1,dive,financial-year"`
	// RiskShare is how the fund's variance is borne (shared/position).
	RiskShare string `json:"riskShare" validate:"oneof=each-cell-own pro-rata-contributions fixed-shares host-bears"`
	// SpendCategories and IncomeSources are what a return's spend and income
	// lines may name; FundingStreams, when given, what each contribution
	// line must name: each one of the region's categories.
	SpendCategories []string `json:"spendCategories" validate:"min=1,dive,category"`
	IncomeSources   []string `json:"incomeSources" validate:"min=1,dive,category"`
	FundingStreams  []string `json:"fundingStreams,omitempty" validate:"omitempty,dive,category"`
	// Assurances are the statements the host's returns must answer.
	Assurances []Assurance `json:"assurances,omitempty" validate:"omitempty,dive"`
	// PlacementActivity says each member's returns give the quarter's
	// placement activity (placements at the quarter's end, new and ended
	// placements, bed-weeks): a fund that buys placements (care homes)
	// asks for it; one whose schemes are not placements (a Better Care
	// Fund) does not.
	PlacementActivity bool `json:"placementActivity,omitempty"`
	// ReportSignOffs are the roles that must sign the fund's quarterly
	// report, per partner type of its members.
	ReportSignOffs []SignOffRule `json:"reportSignOffs" validate:"min=1,dive"`
	// ApprovedBy is the board that approves the fund's quarterly reports,
	// ApprovedByNames its name in the region's other languages.
	ApprovedBy      string `json:"approvedBy" validate:"required"`
	ApprovedByNames Names  `json:"approvedByNames,omitempty"`
	// Notes are for the people who maintain the configuration.
	Notes string `json:"notes,omitempty"`

	// Members, for a fund built in code, are its members in every year
	// (when Membership is empty); check derives it from Membership otherwise:
	// every partner that is a member in any year, in configuration order.
	Members []string `json:"-"`

	years []period.FinancialYear
}

// Member is a partner's membership of a fund from one financial year to
// another (either open: the fund's first or last year).
type Member struct {
	Partner string `json:"partner" validate:"partner"`
	From    string `json:"from,omitempty" validate:"omitempty,financial-year"`
	Until   string `json:"until,omitempty" validate:"omitempty,financial-year"`
	// Share is the member's fixed share of the fund's variance in per cent
	// (at most two decimals), for the fixed-shares model only.
	Share *json.Number `json:"share,omitempty" validate:"omitempty,percent"`

	from, until period.FinancialYear
	share       Percent
}

// Assurance is a statement a fund's host answers in its returns (met, or
// not met with commentary).
type Assurance struct {
	Code  string `json:"code" validate:"id"`
	Name  string `json:"name" validate:"required"`
	Names Names  `json:"names,omitempty"`
}

// SignOffRule is the roles of one partner type that sign a fund's report.
type SignOffRule struct {
	PartnerType string   `json:"partnerType" validate:"partner-type"`
	Roles       []string `json:"roles" validate:"min=1,dive,role"`
}

// KPI is an indicator partners report in quarterly returns, and whether a
// lower or a higher value is the better.
type KPI struct {
	Code      string `json:"code" validate:"id"`
	Name      string `json:"name" validate:"required"`
	Names     Names  `json:"names,omitempty"`
	Unit      string `json:"unit" validate:"required"`
	Direction string `json:"direction,omitempty" validate:"omitempty,oneof=lower-is-better higher-is-better"`
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

// HasMember reports whether the partner is a member of the fund in any year.
func (f *Fund) HasMember(partner string) bool { return slices.Contains(f.Members, partner) }

// MembersIn are the fund's members in year y, in configuration order.
func (f *Fund) MembersIn(y period.FinancialYear) []string {
	var out []string
	for i := range f.Membership {
		if m := &f.Membership[i]; m.covers(y) {
			out = append(out, m.Partner)
		}
	}
	return out
}

// IsMember reports whether the partner is a member of the fund in year y.
func (f *Fund) IsMember(partner string, y period.FinancialYear) bool {
	_, ok := f.membership(partner, y)
	return ok
}

// ShareOf is the partner's fixed share of the fund's variance in year y, in
// basis points (fixed-shares funds only).
func (f *Fund) ShareOf(partner string, y period.FinancialYear) (Percent, bool) {
	m, ok := f.membership(partner, y)
	if !ok || m.Share == nil {
		return 0, false
	}
	return m.share, true
}

// YearsOf are the fund's years in which the partner is a member.
func (f *Fund) YearsOf(partner string) []period.FinancialYear {
	var out []period.FinancialYear
	for _, y := range f.years {
		if f.IsMember(partner, y) {
			out = append(out, y)
		}
	}
	return out
}

func (f *Fund) membership(partner string, y period.FinancialYear) (*Member, bool) {
	for i := range f.Membership {
		if m := &f.Membership[i]; m.Partner == partner && m.covers(y) {
			return m, true
		}
	}
	return nil, false
}

// covers reports whether y is within the membership (check has set its
// bounds: open ends are the fund's first and last years).
func (m *Member) covers(y period.FinancialYear) bool {
	return m.from.Start <= y.Start && y.Start <= m.until.Start
}

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
	for i := range r.Funds {
		f := &r.Funds[i]
		if len(f.Membership) == 0 { // built in code: members in every year
			for _, p := range f.Members {
				f.Membership = append(f.Membership, Member{Partner: p})
			}
		}
		f.derive()
	}
	if faults := validateRegion(r); len(faults) > 0 {
		return faults
	}
	r.location, _ = time.LoadLocation(r.Timezone) // the timezone tag has loaded it once
	r.views = make(map[i18n.Lang]*Region, len(i18n.Langs))
	for _, l := range i18n.Langs {
		r.views[l] = r.localise(l)
	}
	return nil
}

// derive sets the fund's years in order, each membership's bounds and the
// list of every member, from what parses (the rules report the rest).
func (f *Fund) derive() {
	f.years = nil
	for _, s := range f.FinancialYears {
		if y, err := period.ParseFinancialYear(s); err == nil {
			f.years = append(f.years, y)
		}
	}
	sort.Slice(f.years, func(i, j int) bool { return f.years[i].Start < f.years[j].Start })
	f.Members = nil
	for i := range f.Membership {
		m := &f.Membership[i]
		m.from, m.until = bound(m.From, f.years, 0), bound(m.Until, f.years, len(f.years)-1)
		if m.Share != nil {
			m.share, _ = ParsePercent(m.Share.String())
		}
		if !slices.Contains(f.Members, m.Partner) {
			f.Members = append(f.Members, m.Partner)
		}
	}
}

// bound is a membership's first or last year: the year given, or else the
// fund's year at index i (none when the fund has no years).
func bound(s string, years []period.FinancialYear, i int) period.FinancialYear {
	if y, err := period.ParseFinancialYear(s); err == nil {
		return y
	}
	if s == "" && i >= 0 && i < len(years) {
		return years[i]
	}
	return period.FinancialYear{}
}
