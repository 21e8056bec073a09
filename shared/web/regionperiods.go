package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// periodRow is a fund's year or one of its quarters: locked or not, and
// the form that locks or unlocks it.
type periodRow struct {
	Period string
	ID     string // the period as an element id
	State  cell
	Action string // the form's address; "" no form
	Locked bool
}

type periodsData struct {
	Pick    yearPicker
	Caption string
	Rows    []periodRow
	Reports string
	Forms   bool
}

// periods shows which of a fund's periods of a year are locked, with the
// forms that lock (PUT .../periods/{period}/lock) and unlock (DELETE, with
// a reason) them when the person's token may.
func (s *site) periods(v *visit) error {
	fy, err := s.fundYearOf(v)
	if err != nil {
		return err
	}
	locks, err := s.RegionView.Locks(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID)
	if err != nil {
		return err
	}
	held := map[string]service.LockRecord{}
	for _, l := range locks {
		held[l.Period] = l
	}
	d := periodsData{Pick: picker(v, fy, false), Forms: v.p.Has(auth.PeriodsManage),
		Caption: v.t("page.periods.caption", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}),
		Reports: v.link(reportsPath(fy), url.Values{"financialYear": {fy.year.String()}})}
	pers := []string{fy.year.String()}
	for _, q := range fy.year.Quarters() {
		pers = append(pers, q.String())
	}
	base := appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "periods")
	for _, p := range pers {
		row := periodRow{Period: p, ID: strings.ReplaceAll(p, "-", "")}
		if l, ok := held[p]; ok {
			row.Locked = true
			row.State = cell{Text: v.t("page.periods.locked", map[string]any{"By": actorName(l.LockedBy), "When": v.when(l.LockedAt, fy.reg.Location())}),
				Class: "status-signed"}
		} else {
			row.State = cell{Text: v.t("page.periods.open", nil), Class: "status-open"}
		}
		if d.Forms {
			verb := "/lock"
			if row.Locked {
				verb = "/unlock"
			}
			row.Action = v.link(base+"/"+url.PathEscape(p)+verb, nil)
		}
		d.Rows = append(d.Rows, row)
	}
	return s.render(v, http.StatusOK, "periods", v.t("page.periods.title", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}), d)
}

// periodForm is a lock or unlock form's fund and period: the person must
// read the region's pages (else the same 404 as any), and the lock is the
// service's to refuse. Back is the periods page of the period's year.
func (s *site) periodForm(v *visit) (fy fundYear, per, back string, q url.Values, err error) {
	if fy, err = s.fundYearOf(v); err != nil {
		return
	}
	per = v.r.PathValue("period")
	year := per
	if qq, perr := period.ParseQuarter(per); perr == nil {
		year = qq.Year.String()
	}
	return fy, per, appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "periods"), url.Values{"financialYear": {year}}, nil
}

// lockPeriod is PUT .../periods/{period}/lock as a form.
func (s *site) lockPeriod(v *visit) error {
	fy, per, back, q, err := s.periodForm(v)
	if err != nil {
		return err
	}
	if _, _, err := s.RegionView.LockPeriod(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, per); err != nil {
		return s.refused(v, err, back, q)
	}
	s.leaveFlash(v, flash{Text: v.t("page.periods.lock-done", map[string]any{"Period": per})})
	return v.redirect(back, q)
}

// unlockPeriod is DELETE .../periods/{period}/lock as a form: its reason
// read as the API reads a JSON body's, so the same reasons are refused.
func (s *site) unlockPeriod(v *visit) error {
	fy, per, back, q, err := s.periodForm(v)
	if err != nil {
		return err
	}
	var form submission.Unlock
	if err := submission.DecodeCommand(commandBody(v, "reason"), &form); err != nil {
		return s.refused(v, err, back, q)
	}
	if _, err := s.RegionView.UnlockPeriod(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, per, form.Reason.String()); err != nil {
		if apperr.Is(err, apperr.NotFound) { // the page was read: only the lock can be missing
			s.leaveFlash(v, flash{Error: true, Text: v.t("page.periods.not-locked", map[string]any{"Period": per})})
			return v.redirect(back, q)
		}
		return s.refused(v, err, back, q)
	}
	s.leaveFlash(v, flash{Text: v.t("page.periods.unlock-done", map[string]any{"Period": per})})
	return v.redirect(back, q)
}
