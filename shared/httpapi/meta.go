package httpapi

import (
	"net/http"

	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func (h *handler) health(*http.Request) (*response, error) {
	return jsonResponse(http.StatusOK, map[string]string{"status": "ok"}), nil
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

func (h *handler) rules(*http.Request) (*response, error) {
	return jsonResponse(http.StatusOK, map[string]any{"rules": submission.Catalogue()}), nil
}

// regionView is a region's configuration as the API shows it.
type regionView struct {
	*region.Region
	Locks []service.LockRecord `json:"locks"`
}

func (h *handler) region(r *http.Request) (*response, error) {
	v, err := h.view.Region(r.Context(), principal(r.Context()), r.PathValue("region"))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, regionView{Region: v.Region, Locks: v.Locks}), nil
}
