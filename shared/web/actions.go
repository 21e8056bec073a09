package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// The forms post what the API's bodies carry, as the same JSON, to the same
// service methods: the same rules refuse the same input.

// commandBody is a form's fields as the API's command body.
func commandBody(v *visit, fields ...string) []byte {
	body := map[string]string{}
	for _, f := range fields {
		body[f] = v.r.PostFormValue(f)
	}
	b, _ := json.Marshal(body)
	return b
}

// signOff signs off the quarterly return's version the page showed (POST
// {S}/quarterly-returns/{fundId}/{quarter}/signoff with If-Match "{version}"),
// then goes back to the return.
func (s *site) signOff(v *visit) error {
	slice, err := s.sliceOf(v)
	if err != nil {
		return err
	}
	if v.r.PathValue("kind") != string(submission.QuarterlyReturns) {
		return errNoPage
	}
	values := [2]string{v.r.PathValue("a"), v.r.PathValue("b")}
	back := keyPath(slice, submission.QuarterlyReturns, values)
	ifMatch := ""
	if n, err := strconv.Atoi(v.r.PostFormValue("version")); err == nil && n > 0 {
		ifMatch = submissions.ETag(n)
	}
	ver, err := s.Submissions.SignOff(v.r.Context(), submissions.SignOffRequest{Principal: v.p, Region: slice.Region.ID, Partner: slice.Partner.ID,
		KeyValues: values, IfMatch: ifMatch, Body: commandBody(v, "signatory", "role")})
	if apperr.Is(err, apperr.PreconditionFail) {
		s.leaveFlash(v, flash{Error: true, Text: v.t("page.signoff.changed", nil)})
		return v.redirect(back, nil)
	}
	if err != nil {
		return s.formFailed(v, err, back, nil)
	}
	s.leaveFlash(v, flash{Text: v.t("page.signoff.done", map[string]any{"Version": ver.Record.Version})})
	return v.redirect(back, nil)
}

// consentData is a member's consent to pool a fund's underspends in a year.
type consentData struct {
	Pick   yearPicker
	Given  []fact // nil: none given
	Forms  bool   // the person may give or withdraw it
	Action string
	Year   string
	Back   string
}

// consentYear is the consent page's partner, fund and year; the year from
// the address (GET) or the form (POST).
func (s *site) consentYear(v *visit, year string) (service.Slice, fundYear, error) {
	slice, err := s.sliceOf(v)
	if err != nil {
		return slice, fundYear{}, err
	}
	f, ok := slice.Region.Fund(v.r.PathValue("fundId"))
	if !ok {
		return slice, fundYear{}, errNoPage
	}
	fy := fundYear{reg: slice.Region, fund: f, year: defaultYear(f, s.Now())}
	if year != "" {
		if fy.year, err = period.ParseFinancialYear(year); err != nil {
			return slice, fy, apperr.Validation([]apperr.FieldError{submission.RuleFinancialYear.FieldError().AtParameter("financialYear")})
		}
	}
	return slice, fy, nil
}

// consentPage is GET {S}/funds/{fundId}/years/{financialYear}/pooling-consent
// as a page, with the forms that give or withdraw it.
func (s *site) consentPage(v *visit) error {
	slice, fy, err := s.consentYear(v, v.r.URL.Query().Get("financialYear"))
	if err != nil {
		return err
	}
	d := consentData{Pick: picker(v, fy, false), Year: fy.year.String(),
		Forms:  v.p.Partner == slice.Partner.ID && v.p.Has(auth.SubmissionsSignoff),
		Action: v.link(v.r.URL.Path, nil), Back: v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)+"/", nil)}
	rec, err := s.RegionView.Consent(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, [2]string{fy.fund.ID, fy.year.String()})
	switch {
	case apperr.Is(err, apperr.NotFound): // none given
	case err != nil:
		return err
	default:
		d.Given = []fact{{Label: v.t("page.form.signatory", nil), Text: rec.Signatory}, {Label: v.t("page.form.role", nil), Text: rec.Role},
			{Label: v.t("page.form.reference", nil), Text: rec.Reference}, {Label: v.t("page.col.given", nil), Text: v.when(rec.At, slice.Region.Location())},
			{Label: v.t("page.col.by", nil), Text: actorName(rec.By)}}
	}
	title := v.t("page.consent.title", map[string]any{"Fund": fy.fund.Name, "Year": fy.year.String(), "Partner": slice.Partner.Name})
	return s.render(v, http.StatusOK, "consent", title, d)
}

// consent gives (PUT .../pooling-consent) or withdraws (DELETE) the
// member's consent, then goes back to its page.
func (s *site) consent(v *visit) error {
	slice, fy, err := s.consentYear(v, v.r.PostFormValue("financialYear"))
	if err != nil {
		return err
	}
	values := [2]string{fy.fund.ID, fy.year.String()}
	back, q := appPath("regions", slice.Region.ID, "partners", slice.Partner.ID, "funds", fy.fund.ID, "pooling-consent"), url.Values{"financialYear": {values[1]}}
	done := "page.consent.given"
	if v.r.PostFormValue("action") == "withdraw" {
		done = "page.consent.withdrawn"
		_, err = s.RegionView.WithdrawConsent(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, values)
		if apperr.Is(err, apperr.NotFound) { // the page was read: only the consent can be missing
			s.leaveFlash(v, flash{Error: true, Text: v.t("page.consent.none-to-withdraw", nil)})
			return v.redirect(back, q)
		}
	} else {
		_, _, err = s.RegionView.GiveConsent(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, values, commandBody(v, "signatory", "role", "reference"))
	}
	if err != nil {
		return s.formFailed(v, err, back, q)
	}
	s.leaveFlash(v, flash{Text: v.t(done, nil)})
	return v.redirect(back, q)
}
