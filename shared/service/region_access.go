package service

import (
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// AuthorizeRegional checks a regional (no partner) scope on the token's own
// region; handlers call it before reading a body or parameters, so a caller
// without the right gets 403 before anything else.
func (s *Service) AuthorizeRegional(p *auth.Principal, regionID string, scope auth.Scope) (*region.Region, error) {
	return s.authorizeRegional(p, regionID, scope)
}

// authorizeRegional checks a regional (no partner) scope on the token's own region.
func (s *Service) authorizeRegional(p *auth.Principal, regionID string, scope auth.Scope) (*region.Region, error) {
	if p.Region != regionID || p.IsPartner() || !p.Has(scope) {
		return nil, forbidden()
	}
	reg, ok := s.regions.Get(regionID)
	if !ok {
		return nil, forbidden()
	}
	return reg, nil
}

// fund finds a fund of the region; the region's own callers may know it is absent.
func fund(reg *region.Region, id string) (*region.Fund, error) {
	f, ok := reg.Fund(id)
	if !ok {
		return nil, apperr.Newf(apperr.NotFound, "%s has no fund %q.", reg.ID, id)
	}
	return f, nil
}

// Period is a fund period: a whole financial year or one quarter.
type Period struct {
	Year    period.FinancialYear
	Quarter *period.Quarter
}

func (p Period) String() string {
	if p.Quarter != nil {
		return p.Quarter.String()
	}
	return p.Year.String()
}

// parsePeriod reads a lockable period of a fund.
func parsePeriod(f *region.Fund, s string) (Period, error) {
	var p Period
	if q, err := period.ParseQuarter(s); err == nil {
		p = Period{Year: q.Year, Quarter: &q}
	} else if y, err := period.ParseFinancialYear(s); err == nil {
		p = Period{Year: y}
	} else {
		return p, paramError(submission.RulePeriodInvalid, "period", fmt.Sprintf("%q is neither a financial year nor a quarter.", s))
	}
	if !f.HasYear(p.Year) {
		return p, paramError(submission.RulePeriodOutside, "period", fmt.Sprintf("%s does not run in %s.", f.ID, p.Year))
	}
	return p, nil
}

// paramError is a 422 naming one parameter.
func paramError(r *submission.Rule, param, msg string) error {
	return apperr.Validation([]apperr.FieldError{{Code: r.Code, Parameter: param, Message: msg}})
}
