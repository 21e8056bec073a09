package web

import (
	"net/http"
	"net/url"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// homeData is what the signed-in person can see: a region's funds year by
// year, or a partner's own pages.
type homeData struct {
	Region      string
	Funds       []table
	Obligations string // the region's obligations page
	Partner     *partnerLinks
	Pages       *regionLinks // the region's reports, locks, aggregates, audit and exports
}

type partnerLinks struct {
	Name, Home, Obligations string
}

// home lists the pages the person's token reaches, from the region's
// configuration as GET /v1/regions/{region} gives it.
func (s *site) home(v *visit) error {
	p, d := v.p, homeData{}
	regional := !p.IsPartner() && p.Has(auth.RegionRead)
	partner := p.IsPartner() && p.Has(auth.SubmissionsRead)
	if regional || partner {
		view, err := s.RegionView.Region(v.r.Context(), p, p.Region)
		if err != nil {
			return err
		}
		reg := view.Region.In(v.lang)
		d.Region = reg.Name
		d.Pages = regionHomeLinks(v, reg)
		if regional {
			d.Obligations = v.link(appPath("regions", reg.ID, "obligations"), nil)
			for i := range reg.Funds {
				d.Funds = append(d.Funds, fundYears(v, reg, &reg.Funds[i]))
			}
		}
		if partner {
			pt, _ := reg.Partner(p.Partner)
			d.Partner = &partnerLinks{Name: pt.Name, Home: v.link(appPath("regions", reg.ID, "partners", pt.ID)+"/", nil),
				Obligations: v.link(appPath("regions", reg.ID, "partners", pt.ID, "obligations"), nil)}
		}
	}
	return s.render(v, http.StatusOK, "home", v.t("page.home.title", nil), d)
}

// fundYears is a fund's years, each with its position and completeness.
func fundYears(v *visit, reg *region.Region, f *region.Fund) table {
	t := table{Caption: f.Name, Columns: []column{{Label: v.t("page.col.year", nil)}, {Label: v.t("page.position.title-short", nil)},
		{Label: v.t("page.completeness.title-short", nil)}}}
	for _, y := range f.Years() {
		q := url.Values{"financialYear": {y.String()}}
		t.Rows = append(t.Rows, []cell{{Text: y.String(), Head: true},
			{Text: v.t("page.position.link", map[string]any{"Year": y.String()}), Href: v.link(appPath("regions", reg.ID, "funds", f.ID, "position"), q)},
			{Text: v.t("page.completeness.link", map[string]any{"Year": y.String()}), Href: v.link(appPath("regions", reg.ID, "funds", f.ID, "completeness"), q)}})
	}
	return t
}
