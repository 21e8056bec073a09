package httpapi

import (
	"net/http"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// keyValues are a kind's two key values from the path.
func keyValues(r *http.Request, k submission.Kind) [2]string {
	p := k.KeyParams()
	return [2]string{r.PathValue(p[0]), r.PathValue(p[1])}
}

func (h *handler) putSubmission(kind submission.Kind) serveFunc {
	return func(r *http.Request) (*response, error) {
		p, region, partner := principal(r.Context()), r.PathValue("region"), r.PathValue("partner")
		body, err := h.sliceBody(r, service.WriteSlice)
		if err != nil {
			return nil, err
		}
		dryRun, err := boolParam(r, "dryRun")
		if err != nil {
			return nil, err
		}
		return h.idempotent(r, body, dryRun, func(claim *service.Claim) (*response, error) {
			res, err := h.submissions.PutSubmission(r.Context(), submissions.PutRequest{
				Principal: p, Region: region, Partner: partner, Kind: kind, KeyValues: keyValues(r, kind),
				Body: body, IfMatch: r.Header.Get("If-Match"), DryRun: dryRun, Claim: claim,
			})
			if err != nil {
				return nil, err
			}
			switch res.Outcome {
			case submissions.DryRun:
				return jsonResponse(http.StatusOK, map[string]any{"valid": true, "warnings": submission.WarningsIn(res.Warnings, i18n.From(r.Context()))}), nil
			case submissions.Unchanged:
				return versionResponse(http.StatusOK, res.Version, i18n.From(r.Context())), nil
			}
			return versionResponse(http.StatusCreated, res.Version, i18n.From(r.Context())), nil
		})
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (h *handler) getSubmission(kind submission.Kind) serveFunc {
	return func(r *http.Request) (*response, error) {
		v, err := h.submissions.GetSubmission(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), kind, keyValues(r, kind))
		if err != nil {
			return nil, err
		}
		return versionResponse(http.StatusOK, v, i18n.From(r.Context())), nil
	}
}

func (h *handler) getVersion(kind submission.Kind) serveFunc {
	return func(r *http.Request) (*response, error) {
		p := principal(r.Context())
		region, partner := r.PathValue("region"), r.PathValue("partner")
		if _, err := h.svc.AuthorizeSlice(p, region, partner, service.ReadSlice); err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(r.PathValue("version"))
		if err != nil || n < 1 || strconv.Itoa(n) != r.PathValue("version") {
			return nil, apperr.Validation([]apperr.FieldError{submission.RuleVersionInvalid.FieldError().AtParameter("version")})
		}
		v, err := h.submissions.GetVersion(r.Context(), p, region, partner, kind, keyValues(r, kind), n)
		if err != nil {
			return nil, err
		}
		return versionResponse(http.StatusOK, v, i18n.From(r.Context())), nil
	}
}

func (h *handler) listVersions(kind submission.Kind) serveFunc {
	return func(r *http.Request) (*response, error) {
		if _, err := h.svc.AuthorizeSlice(principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), service.ReadSlice); err != nil {
			return nil, err
		}
		pg, err := pageRequest(r)
		if err != nil {
			return nil, err
		}
		lp, err := h.submissions.ListVersions(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), kind, keyValues(r, kind), pg)
		if err != nil {
			return nil, err
		}
		items := make([]versionSummary, 0, len(lp.Items))
		for _, rec := range lp.Items {
			e := envelopeOf(rec, nil, i18n.From(r.Context()))
			items = append(items, versionSummary{Version: e.Version, ReceivedAt: e.ReceivedAt, ReceivedBy: e.ReceivedBy,
				SHA256: e.SHA256, Warnings: e.Warnings, SignOff: e.SignOff, Receipt: e.Receipt})
		}
		return jsonResponse(http.StatusOK, pageOf(items, lp.NextCursor)), nil
	}
}

func (h *handler) listCurrent(kind submission.Kind) serveFunc {
	return func(r *http.Request) (*response, error) {
		p := principal(r.Context())
		region, partner := r.PathValue("region"), r.PathValue("partner")
		if _, err := h.svc.AuthorizeSlice(p, region, partner, service.ReadSlice); err != nil {
			return nil, err
		}
		pg, err := pageRequest(r)
		if err != nil {
			return nil, err
		}
		lp, err := h.submissions.ListCurrent(r.Context(), p, region, partner, kind, filters(r, kind), pg)
		if err != nil {
			return nil, err
		}
		items := make([]envelope, 0, len(lp.Items))
		for _, rec := range lp.Items {
			items = append(items, envelopeOf(rec, nil, i18n.From(r.Context())))
		}
		return jsonResponse(http.StatusOK, pageOf(items, lp.NextCursor)), nil
	}
}

// signOff signs off a quarterly return's current version.
func (h *handler) signOff(r *http.Request) (*response, error) {
	p, region, partner := principal(r.Context()), r.PathValue("region"), r.PathValue("partner")
	body, err := h.sliceBody(r, service.SignoffSlice)
	if err != nil {
		return nil, err
	}
	return h.idempotent(r, body, false, func(*service.Claim) (*response, error) {
		v, err := h.submissions.SignOff(r.Context(), submissions.SignOffRequest{Principal: p, Region: region, Partner: partner,
			KeyValues: keyValues(r, submission.QuarterlyReturns), IfMatch: r.Header.Get("If-Match"), Body: body})
		if err != nil {
			return nil, err
		}
		return versionResponse(http.StatusOK, v, i18n.From(r.Context())), nil
	})
}

// sliceBody authorises a write to the path's partner slice, then reads its
// JSON body: 403 comes before anything about the body.
func (h *handler) sliceBody(r *http.Request, a service.Access) ([]byte, error) {
	if _, err := h.svc.AuthorizeSlice(principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), a); err != nil {
		return nil, err
	}
	return readJSONBody(r)
}
