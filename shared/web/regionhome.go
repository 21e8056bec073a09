package web

import (
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// regionLinks are the home page's links to the region's pages the person's
// token reaches: each fund's quarterly reports (a partner: those of the
// funds it is a member of) and locks, the aggregates, the audit trail and
// the exports.
type regionLinks struct {
	Reports, Periods, Pages []link
}

func regionHomeLinks(v *visit, reg *region.Region) *regionLinks {
	p, out := v.p, &regionLinks{}
	regional := !p.IsPartner() && p.Has(auth.RegionRead)
	for i := range reg.Funds {
		f := &reg.Funds[i]
		base := appPath("regions", reg.ID, "funds", f.ID)
		if regional || p.IsPartner() && p.Has(auth.SubmissionsRead) && f.HasMember(p.Partner) {
			out.Reports = append(out.Reports, link{Text: v.t("page.home.reports", map[string]any{"Fund": f.Name}), Href: v.link(base+"/reports", nil)})
		}
		if regional {
			out.Periods = append(out.Periods, link{Text: v.t("page.home.periods", map[string]any{"Fund": f.Name}), Href: v.link(base+"/periods", nil)})
		}
	}
	if regional {
		out.Pages = append(out.Pages,
			link{Text: v.t("page.aggregates.population-link", nil), Href: v.link(appPath("regions", reg.ID, "aggregates", "population"), nil)},
			link{Text: v.t("page.aggregates.market-link", nil), Href: v.link(appPath("regions", reg.ID, "aggregates", "market"), nil)},
			link{Text: v.t("page.audit.link", nil), Href: v.link(appPath("regions", reg.ID, "audit"), nil)})
	}
	if !p.IsPartner() && p.Has(auth.ExportsRead) {
		out.Pages = append(out.Pages, link{Text: v.t("page.exports.link", nil), Href: v.link(appPath("regions", reg.ID, "exports"), nil)})
	}
	if len(out.Reports)+len(out.Pages) == 0 {
		return nil
	}
	return out
}
