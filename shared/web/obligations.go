package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// statusCell says an obligation's state in words, with a class for its
// colour: signed off, received (on time or late), missing and late, or not
// yet due.
func statusCell(v *visit, o regionview.Obligation) cell {
	id, class := "open", "status-open"
	switch o.Status {
	case regionview.StatusSignedOff:
		id, class = "signed-off", "status-signed"
	case regionview.StatusReceived:
		id, class = "received", "status-received"
		if o.ReceivedLate {
			id, class = "received-late", "status-received-late"
		}
	case regionview.StatusLate:
		id, class = "late", "status-late"
	}
	text := v.t("page.status."+id, nil)
	if o.Locked {
		text += " " + v.t("page.status.locked", nil)
	}
	return cell{Text: text, Class: class}
}

// obligationsOf reads each partner's obligations as GET {S}/obligations
// does, the partners' reads together.
func (s *site) obligationsOf(v *visit, reg *region.Region, partners []string, f regionview.ObligationFilter) ([][]regionview.Obligation, error) {
	out, errs := make([][]regionview.Obligation, len(partners)), make([]error, len(partners))
	var wg sync.WaitGroup
	for i, id := range partners {
		wg.Go(func() { out[i], errs[i] = s.RegionView.Obligations(v.r.Context(), v.p, reg.ID, id, f) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// completeness is a fund-year's grid: each member's pool contribution and
// quarterly returns, received, late, signed off or missing.
func (s *site) completeness(v *visit) error {
	fy, err := s.fundYearOf(v)
	if err != nil {
		return err
	}
	if !fy.fund.HasYear(fy.year) {
		return apperr.Validation([]apperr.FieldError{apperr.FieldError{Code: submission.RuleFinancialYear.Code, Parameter: "financialYear"}.
			Localize("finding.fund-not-running", map[string]any{"Fund": fy.fund.ID, "Year": fy.year.String()})})
	}
	members := fy.fund.MembersIn(fy.year)
	obs, err := s.obligationsOf(v, fy.reg, members, regionview.ObligationFilter{})
	if err != nil {
		return err
	}
	periods := []string{fy.year.String()}
	t := table{Caption: v.t("page.completeness.caption", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}),
		Columns: []column{{Label: v.t("page.col.member", nil)}, {Label: v.t("page.completeness.contribution", map[string]any{"Year": fy.year.String()})}}}
	for _, q := range fy.year.Quarters() {
		periods = append(periods, q.String())
		t.Columns = append(t.Columns, column{Label: v.t("page.completeness.quarter", map[string]any{"Quarter": q.String()})})
	}
	for i, m := range members {
		row := []cell{headCell(partnerName(fy.reg, m), v.link(appPath("regions", fy.reg.ID, "partners", m)+"/", nil))}
		for j, per := range periods {
			kind := submission.QuarterlyReturns
			if j == 0 {
				kind = submission.PoolContributions
			}
			at := slices.IndexFunc(obs[i], func(o regionview.Obligation) bool {
				return o.FundID == fy.fund.ID && o.Kind == string(kind) && o.Period == per
			})
			if at < 0 {
				row = append(row, textCell(v.t("page.value.none", nil)))
				continue
			}
			c := statusCell(v, obs[i][at])
			if obs[i][at].Version != nil {
				c.Href = v.link(appPath("regions", fy.reg.ID, "partners", m, string(kind), fy.fund.ID, per), nil)
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, row)
	}
	d := struct {
		Pick           yearPicker
		Grid           table
		Year, Position string
	}{picker(v, fy, false), t, fy.year.String(), v.link(appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "position"), map[string][]string{"financialYear": {fy.year.String()}})}
	return s.render(v, http.StatusOK, "completeness", v.t("page.completeness.title", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}), d)
}

// obligationsData is one or more partners' obligations, filtered by status.
type obligationsData struct {
	Filter  statusFilter
	Tables  []table
	Partner string // a partner's own page: its home
}

type statusFilter struct {
	Action, Lang  string
	Options       []option
	Label, Button string
}

// statusOf reads the page's status filter: one of the obligation statuses,
// "all", or by default what is late.
func statusOf(v *visit, fallback string) (string, statusFilter) {
	asked := v.r.URL.Query().Get("status")
	if asked == "" {
		asked = fallback
	}
	f := statusFilter{Action: v.r.URL.Path, Lang: string(v.explicit), Label: v.t("page.pick.status", nil), Button: v.t("page.pick.button", nil)}
	for _, st := range append([]string{"all"}, regionview.ObligationStatuses...) {
		f.Options = append(f.Options, option{Value: st, Label: v.t("page.filter."+st, nil), Selected: st == asked})
	}
	if asked == "all" {
		asked = ""
	}
	return asked, f
}

// regionObligations is what every partner of the region owes, late first
// by default: each partner's obligations as its own page reads them.
func (s *site) regionObligations(v *visit) error {
	reg, err := s.Service.AuthorizeRegional(v.p, v.r.PathValue("region"), auth.RegionRead)
	if err != nil {
		return err
	}
	reg = reg.In(v.lang)
	status, filter := statusOf(v, regionview.StatusLate)
	ids := make([]string, len(reg.Partners))
	for i, p := range reg.Partners {
		ids[i] = p.ID
	}
	obs, err := s.obligationsOf(v, reg, ids, regionview.ObligationFilter{Status: status})
	if err != nil {
		return err
	}
	d := obligationsData{Filter: filter}
	for i, p := range reg.Partners {
		d.Tables = append(d.Tables, obligationsTable(v, reg, p.ID, p.Name, obs[i]))
	}
	return s.render(v, http.StatusOK, "obligations", v.t("page.obligations.region-title", map[string]any{"Region": reg.Name}), d)
}

// partnerObligations is what a partner owes and the state of each.
func (s *site) partnerObligations(v *visit) error {
	slice, err := s.sliceOf(v)
	if err != nil {
		return err
	}
	status, filter := statusOf(v, "all")
	obs, err := s.RegionView.Obligations(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, regionview.ObligationFilter{Status: status})
	if err != nil {
		return err
	}
	d := obligationsData{Filter: filter, Tables: []table{obligationsTable(v, slice.Region, slice.Partner.ID, slice.Partner.Name, obs)},
		Partner: v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)+"/", nil)}
	return s.render(v, http.StatusOK, "obligations", v.t("page.obligations.title", map[string]any{"Partner": slice.Partner.Name}), d)
}

func obligationsTable(v *visit, reg *region.Region, partner, name string, obs []regionview.Obligation) table {
	t := table{Caption: name, Empty: v.t("page.obligations.none", nil), Columns: []column{{Label: v.t("page.col.fund", nil)},
		{Label: v.t("page.col.what", nil)}, {Label: v.t("page.col.period", nil)}, {Label: v.t("page.col.due", nil)},
		{Label: v.t("page.col.status", nil)}, {Label: v.t("page.col.version", nil), Num: true}}}
	for _, o := range obs {
		fund := o.FundID
		if f, ok := reg.Fund(o.FundID); ok {
			fund = f.Name
		}
		what := v.t("page.kind-one."+o.Kind, nil)
		if role, ok := reg.Role(o.Role); ok {
			what += " (" + role.Name + ")"
		}
		version := cell{Text: v.t("page.value.none", nil), Num: true}
		if o.Version != nil {
			version = cell{Text: strconv.Itoa(*o.Version), Num: true,
				Href: v.link(appPath("regions", reg.ID, "partners", partner, o.Kind, o.FundID, o.Period), nil)}
		}
		t.Rows = append(t.Rows, []cell{headCell(fund, ""), textCell(what), textCell(o.Period), textCell(o.DueDate), statusCell(v, o), version})
	}
	return t
}
