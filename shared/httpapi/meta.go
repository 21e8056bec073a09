package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// health is liveness: the process answers. It reads nothing, so that a
// store's trouble never makes a platform restart healthy instances.
func (h *handler) health(*http.Request) (*response, error) {
	return jsonResponse(http.StatusOK, map[string]string{"status": "ok"}), nil
}

// readinessTimeout bounds the readiness check's reads: a store that has not
// answered by then is not ready, and the check says so promptly.
const readinessTimeout = 3 * time.Second

// ready is readiness: the store answers a read now. A store that cannot be
// read, whatever the cause, is 503 with Retry-After.
func (h *handler) ready(r *http.Request) (*response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), readinessTimeout)
	defer cancel()
	if err := h.svc.Health(ctx); err != nil {
		e := apperr.Localized(apperr.Unavailable, "unavailable.not-ready", nil).Because(err)
		e.RetryAfter = 5 * time.Second
		return nil, e
	}
	return jsonResponse(http.StatusOK, map[string]string{"status": "ready"}), nil
}

// meView is the caller as the service sees it.
type meView struct {
	Subject string   `json:"subject"`
	Name    *string  `json:"name"`
	Region  string   `json:"region"`
	Partner *string  `json:"partner"`
	Scopes  []string `json:"scopes"`
}

func (h *handler) me(r *http.Request) (*response, error) {
	p := principal(r.Context())
	v := meView{Subject: p.Subject, Region: p.Region, Name: optional(p.Name), Partner: optional(p.Partner), Scopes: []string{}}
	for _, s := range p.Scopes {
		v.Scopes = append(v.Scopes, string(s))
	}
	return jsonResponse(http.StatusOK, v), nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *handler) rules(r *http.Request) (*response, error) {
	return jsonResponse(http.StatusOK, map[string]any{"rules": submission.CatalogueIn(i18n.From(r.Context()))}), nil
}

// regionView is a region's configuration as the API shows it: its names in
// the request's language where the region has them.
type regionView struct {
	*region.Region
	Locks []service.LockRecord `json:"locks"`
}

func (h *handler) region(r *http.Request) (*response, error) {
	v, err := h.view.Region(r.Context(), principal(r.Context()), r.PathValue("region"))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, regionView{Region: v.Region.In(i18n.From(r.Context())), Locks: v.Locks}), nil
}

// receiptKeysMaxAge is how long a copy of the receipt keys may be used: a
// new key is published before it signs, and a retired one stays.
const receiptKeysMaxAge = "public, max-age=3600"

// receiptKeys is the JWK set that verifies every receipt the service has
// signed, public and cacheable.
func (h *handler) receiptKeys(r *http.Request) (*response, error) {
	body, err := h.svc.ReceiptKeys(r.Context())
	if err != nil {
		return nil, err
	}
	return &response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/jwk-set+json"}, "Cache-Control": {receiptKeysMaxAge}}, body: body}, nil
}
