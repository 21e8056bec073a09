package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/hooks"
	"github.com/regional-data-exchange/rdx/shared/submission"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// The webhooks' paths.
const (
	webhooksPath   = regionPath + "/webhooks"
	webhookPath    = webhooksPath + "/{webhookId}"
	deliveriesPath = webhookPath + "/deliveries"
)

// ChangeJSON is ev of region as one item of the changes feed shows it: the
// body of its webhook deliveries.
func ChangeJSON(region string, ev service.Event) ([]byte, error) {
	return json.Marshal(changeOf(region, ev))
}

// webhookView is a webhook as the API shows it; its secret only when it
// is made (registered, rotated).
type webhookView struct {
	ID         string     `json:"id"`
	URL        string     `json:"url"`
	Events     []string   `json:"events"`
	Partner    string     `json:"partner,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	Enabled    bool       `json:"enabled"`
	DisabledAt *time.Time `json:"disabledAt,omitempty"`
	// Secret is shown once; PreviousSecretExpiresAt is when the secret a
	// rotation replaced stops signing.
	Secret                  string     `json:"secret,omitempty"`
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt,omitempty"`
}

func webhookOf(w hooks.Webhook, secret webhook.Secret) webhookView {
	v := webhookView{ID: w.ID, URL: w.URL, Events: w.Events, Partner: w.Partner, CreatedAt: w.CreatedAt, Enabled: w.Disabled == nil,
		PreviousSecretExpiresAt: w.RotatedSecretRetires()}
	if w.Disabled != nil {
		v.DisabledAt = &w.Disabled.At
	}
	if !secret.IsZero() {
		v.Secret = secret.Reveal()
	}
	return v
}

func webhookResponse(status int, region string, w hooks.Webhook, secret webhook.Secret) *response {
	res := jsonResponse(status, webhookOf(w, secret))
	res.header.Set("Location", pathOf(webhookPath, map[string]string{"region": region, "webhookId": w.ID}))
	return res
}

func (h *handler) registerWebhook(r *http.Request) (*response, error) {
	p, region := principal(r.Context()), r.PathValue("region")
	if err := h.hooks.Authorize(p, region); err != nil {
		return nil, err
	}
	body, err := readJSONBody(r)
	if err != nil {
		return nil, err
	}
	w, secret, err := h.hooks.Register(r.Context(), p, region, body)
	if err != nil {
		return nil, err
	}
	return webhookResponse(http.StatusCreated, region, w, secret), nil
}

func (h *handler) listWebhooks(r *http.Request) (*response, error) {
	ws, err := h.hooks.List(r.Context(), principal(r.Context()), r.PathValue("region"))
	if err != nil {
		return nil, err
	}
	out := make([]webhookView, 0, len(ws))
	for _, w := range ws {
		out = append(out, webhookOf(w, webhook.Secret{}))
	}
	return jsonResponse(http.StatusOK, pageOf(out, "")), nil
}

func (h *handler) getWebhook(r *http.Request) (*response, error) {
	w, err := h.hooks.Get(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("webhookId"))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, webhookOf(w, webhook.Secret{})), nil
}

func (h *handler) deleteWebhook(r *http.Request) (*response, error) {
	if err := h.hooks.Delete(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("webhookId")); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent, header: http.Header{}}, nil
}

func (h *handler) rotateWebhook(r *http.Request) (*response, error) {
	region := r.PathValue("region")
	w, secret, err := h.hooks.Rotate(r.Context(), principal(r.Context()), region, r.PathValue("webhookId"))
	if err != nil {
		return nil, err
	}
	return webhookResponse(http.StatusOK, region, w, secret), nil
}

// deliveryView is a delivery as the API shows it.
type deliveryView struct {
	hooks.Delivery
	Replay string `json:"replay"`
}

func (h *handler) listDeliveries(r *http.Request) (*response, error) {
	p, region, id := principal(r.Context()), r.PathValue("region"), r.PathValue("webhookId")
	if err := h.hooks.Authorize(p, region); err != nil {
		return nil, err
	}
	state := r.URL.Query().Get("state")
	if state != "" && !slices.Contains([]string{hooks.Pending, hooks.Succeeded, hooks.Failed}, state) {
		return nil, submission.RuleStatusInvalid.ParamError("state", "finding.delivery-state-invalid", map[string]any{"Value": strconv.Quote(state)})
	}
	pg, err := pageRequest(r)
	if err != nil {
		return nil, err
	}
	ds, next, err := h.hooks.Deliveries(r.Context(), p, region, id, state, pg)
	if err != nil {
		return nil, err
	}
	out := make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryOf(region, d))
	}
	return jsonResponse(http.StatusOK, pageOf(out, next)), nil
}

func deliveryOf(region string, d hooks.Delivery) deliveryView {
	return deliveryView{Delivery: d, Replay: pathOf(deliveriesPath+"/{deliveryId}/replay", map[string]string{"region": region, "webhookId": d.WebhookID, "deliveryId": d.ID})}
}

func (h *handler) replayDelivery(r *http.Request) (*response, error) {
	region := r.PathValue("region")
	d, err := h.hooks.Replay(r.Context(), principal(r.Context()), region, r.PathValue("webhookId"), r.PathValue("deliveryId"))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusAccepted, deliveryOf(region, d)), nil
}
