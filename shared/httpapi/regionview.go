package httpapi

import (
	"net/http"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/aggregate"
	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func (h *handler) lockPeriod(r *http.Request) (*response, error) {
	// Authorise before the Idempotency-Key: a stored answer is replayed only
	// to a caller who may make the request.
	if _, err := h.svc.AuthorizeRegional(principal(r.Context()), r.PathValue("region"), auth.PeriodsManage); err != nil {
		return nil, err
	}
	return h.idempotent(r, nil, false, func(*service.Claim) (*response, error) {
		return createdOrOK(h.view.LockPeriod(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("fundId"), r.PathValue("period")))
	})
}

func (h *handler) unlockPeriod(r *http.Request) (*response, error) {
	if _, err := h.svc.AuthorizeRegional(principal(r.Context()), r.PathValue("region"), auth.PeriodsManage); err != nil {
		return nil, err
	}
	reason, err := unlockReason(r)
	if err != nil {
		return nil, err
	}
	out, err := h.view.UnlockPeriod(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("fundId"), r.PathValue("period"), reason)
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, out), nil
}

// unlockReason comes from a JSON body {"reason": ...} or the Reason header.
func unlockReason(r *http.Request) (string, error) {
	if r.ContentLength != 0 && r.Header.Get("Content-Type") != "" {
		body, err := readJSONBody(r)
		if err != nil {
			return "", err
		}
		var form submission.Unlock
		if err := submission.DecodeCommand(body, &form); err != nil {
			return "", err
		}
		return form.Reason.String(), nil
	}
	if reason := strings.TrimSpace(r.Header.Get("Reason")); reason != "" {
		return reason, nil
	}
	return "", apperr.Validation([]apperr.FieldError{submission.RuleReasonRequired.FieldError().AtHeader("Reason")})
}

func consentValues(r *http.Request) [2]string {
	return [2]string{r.PathValue("fundId"), r.PathValue("financialYear")}
}

func (h *handler) giveConsent(r *http.Request) (*response, error) {
	p, region, partner := principal(r.Context()), r.PathValue("region"), r.PathValue("partner")
	body, err := h.sliceBody(r, service.SignoffSlice)
	if err != nil {
		return nil, err
	}
	return h.idempotent(r, body, false, func(*service.Claim) (*response, error) {
		return createdOrOK(h.view.GiveConsent(r.Context(), p, region, partner, consentValues(r), body))
	})
}

func (h *handler) withdrawConsent(r *http.Request) (*response, error) {
	rec, err := h.view.WithdrawConsent(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), consentValues(r))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, rec), nil
}

func (h *handler) getConsent(r *http.Request) (*response, error) {
	rec, err := h.view.Consent(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), consentValues(r))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, rec), nil
}

func (h *handler) obligations(r *http.Request) (*response, error) {
	if _, err := h.svc.AuthorizeSlice(principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), service.ReadSlice); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	from, err := dayParam("from", q.Get("from"))
	if err != nil {
		return nil, err
	}
	to, err := dayParam("to", q.Get("to"))
	if err != nil {
		return nil, err
	}
	obs, err := h.view.Obligations(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"),
		regionview.ObligationFilter{Status: q.Get("status"), From: from, To: to})
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, map[string]any{"items": nonNil(obs)}), nil
}

func (h *handler) audit(r *http.Request) (*response, error) {
	if err := h.authorizeAudit(r); err != nil {
		return nil, err
	}
	pg, err := pageRequest(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	page, err := h.view.Audit(r.Context(), principal(r.Context()), r.PathValue("region"),
		regionview.AuditFilter{Partner: q.Get("partner"), From: q.Get("from"), To: q.Get("to")}, pg)
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, pageOf(page.Items, page.NextCursor)), nil
}

// auditExport is a whole audit chain as JSON lines, ending with its signed head.
func (h *handler) auditExport(r *http.Request) (*response, error) {
	if err := h.authorizeAudit(r); err != nil {
		return nil, err
	}
	body, err := h.view.AuditExport(r.Context(), principal(r.Context()), r.PathValue("region"), r.URL.Query().Get("partner"))
	if err != nil {
		return nil, err
	}
	return &response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/jsonl"}, "Cache-Control": {"no-store"}}, body: body}, nil
}

func (h *handler) fundPosition(r *http.Request) (*response, error) {
	if _, err := h.svc.AuthorizeRegional(principal(r.Context()), r.PathValue("region"), auth.RegionRead); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	year, err := yearParam(q.Get("financialYear"))
	if err != nil {
		return nil, err
	}
	asAt, err := quarterParam("asAt", q.Get("asAt"))
	if err != nil {
		return nil, err
	}
	asOf, err := asOfParam(q.Get(service.AsOfField))
	if err != nil {
		return nil, err
	}
	pos, n, err := h.view.FundPositionAsOf(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("fundId"), year, asAt, asOf)
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, struct {
		*position.Position
		AsOfSequence int64 `json:"asOfSequence"`
	}{pos, n}), nil
}

func (h *handler) populationAggregate(r *http.Request) (*response, error) {
	if _, err := h.svc.AuthorizeRegional(principal(r.Context()), r.PathValue("region"), auth.RegionRead); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	var pq regionview.PopulationQuery
	var err error
	if pq.AssessmentYear, err = assessmentYearParam(q.Get("assessmentYear")); err != nil {
		return nil, err
	}
	if v := q.Get("financialYear"); v != "" {
		y, err := yearParam(v)
		if err != nil {
			return nil, err
		}
		pq.FinancialYear = &y
	}
	asOf, err := asOfParam(q.Get(service.AsOfField))
	if err != nil {
		return nil, err
	}
	agg, n, err := h.view.PopulationAggregateAsOf(r.Context(), principal(r.Context()), r.PathValue("region"), pq, asOf)
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, struct {
		*aggregate.PopulationAggregate
		AsOfSequence int64 `json:"asOfSequence"`
	}{agg, n}), nil
}

func (h *handler) marketAggregate(r *http.Request) (*response, error) {
	if _, err := h.svc.AuthorizeRegional(principal(r.Context()), r.PathValue("region"), auth.RegionRead); err != nil {
		return nil, err
	}
	year, err := yearParam(r.URL.Query().Get("financialYear"))
	if err != nil {
		return nil, err
	}
	asOf, err := asOfParam(r.URL.Query().Get(service.AsOfField))
	if err != nil {
		return nil, err
	}
	agg, n, err := h.view.MarketAggregateAsOf(r.Context(), principal(r.Context()), r.PathValue("region"), year, asOf)
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, struct {
		*aggregate.MarketAggregate
		AsOfSequence int64 `json:"asOfSequence"`
	}{agg, n}), nil
}

// authorizeAudit refuses a caller who may not read the trail asked for,
// before its parameters are read: a partner its own, the RCU its region's.
func (h *handler) authorizeAudit(r *http.Request) error {
	p := principal(r.Context())
	if p.IsPartner() {
		partner := r.URL.Query().Get("partner")
		if partner == "" {
			partner = p.Partner
		}
		_, err := h.svc.AuthorizeSlice(p, r.PathValue("region"), partner, service.ReadSlice)
		return err
	}
	_, err := h.svc.AuthorizeRegional(p, r.PathValue("region"), auth.RegionRead)
	return err
}
