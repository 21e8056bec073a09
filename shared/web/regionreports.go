package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/report"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// reportFund is the fund and year of a report page, from its address: the
// region's configuration only, so that the report's own call (which reads
// and refuses as GET .../reports/{quarter} does) decides who sees it. A
// region or fund that is not there is no page.
func (s *site) reportFund(v *visit, year string) (fundYear, error) {
	reg, ok := s.Service.Regions.Get(v.r.PathValue("region"))
	if !ok || v.p.Region != reg.ID {
		return fundYear{}, errNoPage
	}
	reg = reg.In(v.lang)
	f, ok := reg.Fund(v.r.PathValue("fundId"))
	if !ok {
		return fundYear{}, errNoPage
	}
	fy := fundYear{reg: reg, fund: f, year: defaultYear(f, s.Now())}
	if year != "" {
		var err error
		if fy.year, err = period.ParseFinancialYear(year); err != nil || !f.HasYear(fy.year) {
			return fy, apperr.Validation([]apperr.FieldError{submission.RuleFinancialYear.FieldError().AtParameter("financialYear")})
		}
	}
	return fy, nil
}

func reportsPath(fy fundYear) string {
	return appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "reports")
}

// reports lists a fund's quarterly reports of a year, each as GET
// .../reports/{quarter} gives it (read together), with where its sign-offs
// and approval stand.
func (s *site) reports(v *visit) error {
	fy, err := s.reportFund(v, v.r.URL.Query().Get("financialYear"))
	if err != nil {
		return err
	}
	quarters := fy.year.Quarters()
	reps, errs := make([]*report.Report, len(quarters)), make([]error, len(quarters))
	var wg sync.WaitGroup
	for i, q := range quarters {
		wg.Go(func() {
			reps[i], errs[i] = s.RegionView.FundReport(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, q.String())
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	loc := fy.reg.Location()
	t := table{Caption: v.t("page.reports.caption", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}),
		Columns: []column{{Label: v.t("page.col.quarter", nil)}, {Label: v.t("page.col.status", nil)}, {Label: v.t("page.col.signoffs", nil)},
			{Label: v.t("page.col.signed-by", nil)}, {Label: v.t("page.col.approval", nil)}, {Label: v.t("page.col.locked", nil)}}}
	for i, rep := range reps {
		q := quarters[i].String()
		var who []string
		for _, o := range rep.SignOffs {
			if o.Counts {
				who = append(who, v.t("page.report.signed-by", map[string]any{"Signatory": o.Signatory, "Partner": partnerName(fy.reg, o.Partner),
					"When": v.when(o.At, loc)}))
			}
		}
		t.Rows = append(t.Rows, []cell{headCell(q, v.link(reportsPath(fy)+"/"+url.PathEscape(q), nil)), reportStatusCell(v, rep.Status),
			textCell(signedCount(v, rep)), textCell(joinOr(who, v.t("page.value.none", nil))), textCell(approvalText(v, rep, loc)),
			yesNoCell(v, rep.Locked)})
	}
	d := struct {
		Pick        yearPicker
		Reports     table
		Periods     string
		Back        string
		ShowPeriods bool
	}{Pick: picker(v, fy, false), Reports: t, Back: v.link(Prefix, nil)}
	if !v.p.IsPartner() && v.p.Has(auth.RegionRead) {
		d.ShowPeriods = true
		d.Periods = v.link(appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "periods"), url.Values{"financialYear": {fy.year.String()}})
	}
	return s.render(v, http.StatusOK, "reports", v.t("page.reports.title", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String()}), d)
}

// reportStatusCell says where a report stands, in words and colour.
func reportStatusCell(v *visit, st report.Status) cell {
	class := map[report.Status]string{report.AwaitingSignOff: "status-open", report.Signed: "status-received", report.Approved: "status-signed"}[st]
	return cell{Text: v.t("page.report.status."+string(st), nil), Class: class}
}

func yesNoCell(v *visit, yes bool) cell {
	if yes {
		return textCell(v.t("page.value.yes", nil))
	}
	return textCell(v.t("page.value.no", nil))
}

// signedCount is how many of the required sign-offs stand on the content.
func signedCount(v *visit, rep *report.Report) string {
	n := 0
	for _, r := range rep.Required {
		if r.Signed {
			n++
		}
	}
	return v.t("page.report.signed-count", map[string]any{"Signed": n, "Count": len(rep.Required)})
}

// approvalText is the board's approval of the current content, if any.
func approvalText(v *visit, rep *report.Report, loc *time.Location) string {
	if a := rep.Approval; a != nil && a.Counts {
		return v.t("page.report.approved-by", map[string]any{"Board": a.ApprovedBy, "Reference": a.Reference, "Date": a.ApprovedOn,
			"When": v.when(a.At, loc)})
	}
	return v.t("page.report.not-approved", nil)
}

// reportData is one quarterly report: where it stands, who signed what,
// its figures, and the forms the person's token may use.
type reportData struct {
	Facts     []fact
	Required  table
	SignOffs  table
	Members   table
	Cells     table
	Used      table
	KPIs      table
	Assurance table
	Sign      *reportSignForm
	Approve   *reportApproveForm
	Back      string
	Periods   string
}

// reportSignForm signs the content shown (If-Match: its ETag) in one of the
// roles the fund asks of the person's partner that is not yet signed.
type reportSignForm struct {
	Action, ETag string
	Roles        []option
}

// reportApproveForm approves the content shown, once every sign-off stands.
type reportApproveForm struct {
	Action, ETag, ApprovedBy, Today string
}

// report is GET .../funds/{fundId}/reports/{quarter} as a page.
func (s *site) report(v *visit) error {
	q, err := period.ParseQuarter(v.r.PathValue("quarter"))
	if err != nil {
		return errNoPage
	}
	fy, err := s.reportFund(v, q.Year.String())
	if err != nil {
		return errNoPage
	}
	rep, err := s.RegionView.FundReport(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, q.String())
	if err != nil {
		return err
	}
	loc := fy.reg.Location()
	status := reportStatusCell(v, rep.Status)
	d := reportData{Back: v.link(reportsPath(fy), url.Values{"financialYear": {fy.year.String()}}), Facts: []fact{
		{Label: v.t("page.col.status", nil), Text: status.Text, Class: status.Class},
		{Label: v.t("page.col.signoffs", nil), Text: signedCount(v, rep)},
		{Label: v.t("page.col.approval", nil), Text: approvalText(v, rep, loc)},
		{Label: v.t("page.col.board", nil), Text: rep.ApprovedBy},
		{Label: v.t("page.col.locked", nil), Text: yesNoCell(v, rep.Locked).Text},
		{Label: v.t("page.col.content-sha", nil), Text: rep.ContentSHA256}}}
	if !v.p.IsPartner() && v.p.Has(auth.RegionRead) {
		d.Periods = v.link(appPath("regions", fy.reg.ID, "funds", fy.fund.ID, "periods"), url.Values{"financialYear": {fy.year.String()}})
	}
	d.Required = table{Caption: v.t("page.report.required", nil), Columns: []column{{Label: v.t("page.col.member", nil)},
		{Label: v.t("page.form.role", nil)}, {Label: v.t("page.col.signed", nil)}}}
	for _, r := range rep.Required {
		c := cell{Text: v.t("page.value.no", nil), Class: "status-missing"}
		if r.Signed {
			c = cell{Text: v.t("page.value.yes", nil), Class: "status-signed"}
		}
		d.Required.Rows = append(d.Required.Rows, []cell{headCell(partnerName(fy.reg, r.Partner), ""), textCell(roleName(fy, r.Role)), c})
	}
	d.SignOffs = table{Caption: v.t("page.report.signoffs", nil), Empty: v.t("page.report.no-signoffs", nil), Columns: []column{
		{Label: v.t("page.col.member", nil)}, {Label: v.t("page.form.role", nil)}, {Label: v.t("page.form.signatory", nil)},
		{Label: v.t("page.col.when", nil)}, {Label: v.t("page.col.by", nil)}, {Label: v.t("page.col.counts", nil)}}}
	for _, o := range rep.SignOffs {
		counts := cell{Text: v.t("page.report.counts", nil), Class: "status-signed"}
		if !o.Counts {
			counts = cell{Text: v.t("page.report.earlier-content", nil), Class: "status-open"}
		}
		d.SignOffs.Rows = append(d.SignOffs.Rows, []cell{headCell(partnerName(fy.reg, o.Partner), ""), textCell(roleName(fy, o.Role)),
			textCell(o.Signatory), textCell(v.when(o.At, loc)), textCell(reportActor(o.By)), counts})
	}
	if pos := rep.Position; pos != nil {
		d.Members, d.Cells = membersTable(v, fy, pos), cellsTable(v, fy, pos)
	}
	d.Used = usedTable(v, fy, rep)
	d.KPIs, d.Assurance = kpiTable(v, fy, rep), assuranceTable(v, rep)
	etag := regionview.ReportETag(rep)
	action := reportsPath(fy) + "/" + url.PathEscape(q.String())
	if s.RegionView.AuthorizeReport(v.p, fy.reg.ID, fy.fund.ID, q.String(), regionview.SignReport) == nil && !rep.Locked {
		var roles []option
		for _, r := range rep.Required {
			if r.Partner == v.p.Partner && !r.Signed {
				roles = append(roles, option{Value: r.Role, Label: roleName(fy, r.Role)})
			}
		}
		if len(roles) > 0 {
			d.Sign = &reportSignForm{Action: v.link(action+"/signoffs", nil), ETag: etag, Roles: roles}
		}
	}
	if rep.Status == report.Signed && !rep.Locked &&
		s.RegionView.AuthorizeReport(v.p, fy.reg.ID, fy.fund.ID, q.String(), regionview.ApproveReport) == nil {
		d.Approve = &reportApproveForm{Action: v.link(action+"/approval", nil), ETag: etag, ApprovedBy: rep.ApprovedBy,
			Today: period.DateOf(s.Now().In(loc)).String()}
	}
	return s.render(v, http.StatusOK, "report", v.t("page.report.title", map[string]any{"Fund": fy.fund.Name, "Quarter": q.String()}), d)
}

func roleName(fy fundYear, id string) string {
	if r, ok := fy.reg.Role(id); ok {
		return r.Name
	}
	return id
}

func reportActor(a report.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Sub
}

// usedTable is each return and contribution the report uses, by version
// and SHA-256.
func usedTable(v *visit, fy fundYear, rep *report.Report) table {
	t := table{Caption: v.t("page.report.used", nil), Empty: v.t("page.report.none-used", nil), Columns: []column{{Label: v.t("page.col.member", nil)},
		{Label: v.t("page.col.kind", nil)}, {Label: v.t("page.col.period", nil)}, {Label: v.t("page.col.version", nil), Num: true}, {Label: "SHA-256"}}}
	add := func(k submission.Kind, us []report.Used, periodOf func(report.Used) string) {
		for _, u := range us {
			p := periodOf(u)
			t.Rows = append(t.Rows, []cell{headCell(partnerName(fy.reg, u.Partner), ""), textCell(v.t("page.kind-one."+string(k), nil)), textCell(p),
				{Text: strconv.Itoa(u.Version), Num: true, Href: v.link(appPath("regions", fy.reg.ID, "partners", u.Partner, string(k), fy.fund.ID, p, "versions",
					strconv.Itoa(u.Version)), nil)}, textCell(u.SHA256)})
		}
	}
	add(submission.PoolContributions, rep.Contributions, func(report.Used) string { return fy.year.String() })
	add(submission.QuarterlyReturns, rep.Returns, func(u report.Used) string { return u.Quarter })
	return t
}

// kpiTable is each member's KPIs: plan, actual and whether on track.
func kpiTable(v *visit, fy fundYear, rep *report.Report) table {
	none := v.t("page.value.none", nil)
	t := table{Caption: v.t("page.report.kpis", nil), Empty: v.t("page.report.no-kpis", nil), Columns: []column{{Label: v.t("page.col.member", nil)},
		{Label: v.t("page.col.kpi", nil)}, {Label: v.t("page.field.unit", nil)}, {Label: v.t("page.col.plan", nil), Num: true},
		{Label: v.t("page.col.actual-kpi", nil), Num: true}, {Label: v.t("page.col.on-track", nil)}}}
	opt := func(s *string) cell {
		if s == nil {
			return cell{Text: none, Num: true}
		}
		return cell{Text: *s, Num: true}
	}
	for _, k := range rep.KPIs {
		track := textCell(none)
		if k.OnTrack != nil {
			track = cell{Text: v.t("page.value.no", nil), Class: "status-late"}
			if *k.OnTrack {
				track = cell{Text: v.t("page.value.yes", nil), Class: "status-signed"}
			}
		}
		t.Rows = append(t.Rows, []cell{headCell(partnerName(fy.reg, k.Partner), ""), textCell(k.Name), textCell(k.Unit), opt(k.Plan), opt(k.Actual), track})
	}
	return t
}

// assuranceTable is the host's answer to each of the fund's assurances.
func assuranceTable(v *visit, rep *report.Report) table {
	t := table{Caption: v.t("page.report.assurances", nil), Empty: v.t("page.report.no-assurances", nil), Columns: []column{
		{Label: v.t("page.col.assurance", nil)}, {Label: v.t("page.field.met", nil)}, {Label: v.t("page.field.commentary", nil)}}}
	for _, a := range rep.Assurances {
		met, commentary := cell{Text: v.t("page.report.unanswered", nil), Class: "status-open"}, ""
		if a.Answer != nil {
			met, commentary = cell{Text: v.t("page.value.no", nil), Class: "status-late"}, a.Answer.Commentary
			if a.Answer.Met {
				met = cell{Text: v.t("page.value.yes", nil), Class: "status-signed"}
			}
		}
		t.Rows = append(t.Rows, []cell{headCell(a.Name, ""), met, textCell(commentary)})
	}
	return t
}

// reportForm is a sign-off or approval form's report: the person must be
// able to read it (else the same 404 as any page they cannot see), and
// the action is the service's to refuse.
func (s *site) reportForm(v *visit) (fundYear, string, error) {
	q, err := period.ParseQuarter(v.r.PathValue("quarter"))
	if err != nil {
		return fundYear{}, "", errNoPage
	}
	fy, err := s.reportFund(v, q.Year.String())
	if err != nil {
		return fy, "", errNoPage
	}
	if err := s.RegionView.AuthorizeReport(v.p, fy.reg.ID, fy.fund.ID, q.String(), regionview.ReadReport); err != nil {
		return fy, "", err
	}
	return fy, q.String(), nil
}

// signReport is POST .../reports/{quarter}/signoffs: the person's partner
// signs the content shown (its ETag in If-Match) in the role chosen.
func (s *site) signReport(v *visit) error {
	fy, q, err := s.reportForm(v)
	if err != nil {
		return err
	}
	back := reportsPath(fy) + "/" + url.PathEscape(q)
	_, err = s.RegionView.SignFundReport(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, q, v.r.PostFormValue("ifMatch"), commandBody(v, "signatory", "role"))
	if err != nil {
		return s.refused(v, err, back, nil)
	}
	s.leaveFlash(v, flash{Text: v.t("page.report.signed-done", map[string]any{"Quarter": q})})
	return v.redirect(back, nil)
}

// approveReport is POST .../reports/{quarter}/approval: the board approves
// the content shown (its ETag in If-Match).
func (s *site) approveReport(v *visit) error {
	fy, q, err := s.reportForm(v)
	if err != nil {
		return err
	}
	back := reportsPath(fy) + "/" + url.PathEscape(q)
	_, err = s.RegionView.ApproveFundReport(v.r.Context(), v.p, fy.reg.ID, fy.fund.ID, q, v.r.PostFormValue("ifMatch"),
		commandBody(v, "approvedBy", "reference", "approvedOn"))
	if err != nil {
		return s.refused(v, err, back, nil)
	}
	s.leaveFlash(v, flash{Text: v.t("page.report.approved-done", map[string]any{"Quarter": q})})
	return v.redirect(back, nil)
}

// refusedData is a form the service refused, in the problem's words, with
// the way back to the page the form was on.
type refusedData struct {
	Body    string
	Details []string
	Back    string
}

// refused answers a form on a page the person can read that the service
// refused: a page of its own with the API's status (403 the action is not
// theirs, 409 a conflict or lock, 412 what was shown changed, 422 or 400
// what was sent) and the problem's words. Anything else is the page's own
// error (a 404 says no more than a missing page does).
func (s *site) refused(v *visit, err error, back string, q url.Values) error {
	e := apperr.As(err)
	status, body := 0, ""
	switch e.Code {
	case apperr.Forbidden:
		status, body = http.StatusForbidden, "page.refused.forbidden"
	case apperr.Conflict, apperr.Locked:
		status, body = http.StatusConflict, "page.refused.conflict"
	case apperr.PreconditionFail:
		status, body = http.StatusPreconditionFailed, "page.refused.changed"
	case apperr.Invalid:
		status, body = http.StatusUnprocessableEntity, "page.refused.invalid"
	case apperr.Malformed:
		status, body = http.StatusBadRequest, "page.refused.invalid"
	default:
		return err
	}
	details := problemDetails(v, e)
	if e.Code != apperr.Invalid && e.Code != apperr.Malformed {
		details = []string{e.DetailIn(v.lang)}
	}
	return s.render(v, status, "refused", v.t("page.refused.title", nil), refusedData{Body: v.t(body, nil), Details: details, Back: v.link(back, q)})
}
