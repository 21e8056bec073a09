package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// RotationOverlap is how long a rotated secret still signs beside the new one.
const RotationOverlap = 24 * time.Hour

// The bounds of a registration.
const (
	MaxURLLength = 2048
	// MaxWebhooks is the most webhooks one owner (a partner, or the
	// region's roles) keeps in a region.
	MaxWebhooks = 20
)

// The codes of a registration's field errors.
const (
	CodeURLRefused   = "webhook.url-refused"
	CodeEventUnknown = "webhook.event-unknown"
)

// owner is whose webhooks the caller manages in region: a partner its own
// (submissions:read on its slice), the region's roles the region's
// (region:read); "" is the region's.
func (h *Hooks) owner(p *auth.Principal, region string) (string, error) {
	if p.IsPartner() {
		slice, err := h.AuthorizeSlice(p, region, p.Partner, service.ReadSlice)
		if err != nil {
			return "", err
		}
		return slice.Partner.ID, nil
	}
	_, err := h.AuthorizeRegional(p, region, auth.RegionRead)
	return "", err
}

// Authorize answers whether p may manage webhooks in region at all; the
// handlers ask before reading a body.
func (h *Hooks) Authorize(p *auth.Principal, region string) error {
	_, err := h.owner(p, region)
	return err
}

// own is one of the caller's webhooks; another owner's is not found, as a
// missing one is.
func (h *Hooks) own(ctx context.Context, p *auth.Principal, region, id string) (Webhook, int64, error) {
	owner, err := h.owner(p, region)
	if err != nil {
		return Webhook{}, 0, err
	}
	w, ver, err := h.webhook(ctx, region, id)
	if err != nil {
		return Webhook{}, 0, err
	}
	if w.Partner != owner {
		return Webhook{}, 0, webhookNotFound(id)
	}
	return w, ver, nil
}

// Registration is a registration's body.
type Registration struct {
	URL    *string  `json:"url"`
	Events []string `json:"events"`
}

// Register registers a receiver for the caller's events of region: the
// webhook, and its secret, shown this once.
func (h *Hooks) Register(ctx context.Context, p *auth.Principal, region string, body []byte) (Webhook, webhook.Secret, error) {
	owner, err := h.owner(p, region)
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	form, err := h.registration(ctx, body)
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	mine, err := h.owned(ctx, region, owner)
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	if len(mine) >= MaxWebhooks {
		return Webhook{}, webhook.Secret{}, apperr.Localized(apperr.Conflict, "conflict.webhooks-too-many", map[string]any{"Max": MaxWebhooks})
	}
	after, err := h.ReadSequence(ctx, region)
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	now := h.Clock()
	w := Webhook{ID: service.NewID(now), Region: region, Partner: owner, URL: *form.URL, Events: form.Events,
		CreatedAt: now, CreatedBy: service.Actor{Sub: p.Subject, Name: p.Name}, After: after}
	secret, err := h.newSecret(&w, now)
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	err = h.AppendNew(ctx, "register webhook", h.record(ctx, p, region, owner, now, ActionRegistered, w),
		store.PutOp(store.Item{PK: webhookPK(region), SK: w.ID, Version: 1, Data: service.Encode(w)}, store.IfNotExists()))
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	return w, secret, nil
}

// The audited actions of a webhook's owner: each is linked into the
// owner's chain (the partner's, or the region's) in the change's own
// transaction, and shows in the audit trail; none is an event of the
// changes feed. The record names the webhook, its receiver and the events
// it takes, never a secret.
const (
	ActionRegistered = "webhook.registered"
	ActionRotated    = "webhook.secret-rotated"
	ActionDeleted    = "webhook.deleted"
)

// record is the audit record of p's action on w at now.
func (h *Hooks) record(ctx context.Context, p *auth.Principal, region, owner string, now time.Time, action string, w Webhook) service.AuditRecord {
	return service.AuditRecord{ID: service.NewID(now), At: now, Region: region, Partner: owner, Actor: service.Actor{Sub: p.Subject, Name: p.Name},
		Action: action, Target: map[string]any{"webhookId": w.ID, "url": w.URL, "events": w.Events}, RequestID: logx.RequestID(ctx)}
}

// change writes one of the caller's webhooks as change makes it from the
// webhook as read now (del: removes it), audited as action in the same
// transaction; a write that raced another, on the webhook or the chain,
// reads both again and runs again.
func (h *Hooks) change(ctx context.Context, p *auth.Principal, region, id, action string, del bool, change func(w *Webhook, now time.Time) error) (Webhook, error) {
	var out Webhook
	err := h.Retry.Do(ctx, "unavailable.trail", func() (bool, error) {
		w, ver, err := h.own(ctx, p, region, id)
		if err != nil {
			return false, err
		}
		chain, err := h.ReadChain(ctx, region, w.Partner)
		if err != nil {
			return false, err
		}
		now := h.Clock()
		if err := change(&w, now); err != nil {
			return false, err
		}
		op := store.PutOp(store.Item{PK: webhookPK(region), SK: id, Version: ver + 1, Data: service.Encode(w)}, store.IfVersion(ver))
		if del {
			op = store.DeleteOp(webhookPK(region), id, store.IfVersion(ver))
		}
		sealed, err := h.Seal(ctx, chain, h.record(ctx, p, region, w.Partner, now, action, w), nil)
		if err != nil {
			return false, err
		}
		err = h.Table.Transact(ctx, append([]store.Op{op}, sealed.Ops...)...)
		if errors.Is(err, store.ErrConditionFailed) {
			return true, err // rotated, disabled or deleted meanwhile, or the chain moved: read both again
		}
		out = w
		return false, service.StoreErr(err, action)
	})
	return out, err
}

// newSecret makes w a new secret, the first it signs with.
func (h *Hooks) newSecret(w *Webhook, now time.Time) (webhook.Secret, error) {
	secret, err := webhook.GenerateSecret()
	if err != nil {
		return webhook.Secret{}, err
	}
	sealed, err := h.seal(w.Region, w.ID, secret)
	if err != nil {
		return webhook.Secret{}, err
	}
	w.Secrets = append([]storedSecret{{Sealed: sealed, CreatedAt: now}}, w.Secrets...)
	return secret, nil
}

// registration reads and checks a registration: a URL the client may
// call (refused with its reason otherwise) and known event types, each once.
func (h *Hooks) registration(ctx context.Context, body []byte) (Registration, error) {
	var form Registration
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&form); err != nil || dec.More() {
		if err == nil {
			err = apperr.Localized(apperr.Malformed, "body.unreadable", nil)
		}
		return form, submission.Malformed(err)
	}
	var fs []apperr.FieldError
	switch {
	case form.URL == nil || *form.URL == "":
		fs = append(fs, apperr.Field("field.required", "finding.required", map[string]any{"Name": "url"}).AtPointer("/url"))
	case len(*form.URL) > MaxURLLength:
		fs = append(fs, apperr.Field(CodeURLRefused, "finding.webhook-url-long", map[string]any{"Max": MaxURLLength}).AtPointer("/url"))
	default:
		if _, err := h.d.Client.CheckURL(ctx, *form.URL); err != nil {
			reason, ok := webhook.ReasonOf(err)
			if !ok {
				return form, err
			}
			fs = append(fs, apperr.Field(CodeURLRefused, "finding.webhook-url-refused", map[string]any{"Reason": string(reason)}).AtPointer("/url"))
		}
	}
	if len(form.Events) == 0 {
		fs = append(fs, apperr.Field("field.required", "finding.required", map[string]any{"Name": "events"}).AtPointer("/events"))
	}
	for i, t := range form.Events {
		if !slices.Contains(eventTypes, t) || slices.Index(form.Events, t) < i {
			fs = append(fs, apperr.Field(CodeEventUnknown, "finding.webhook-event-unknown", map[string]any{"Value": strconv.Quote(t)}).AtPointer("/events/"+strconv.Itoa(i)))
		}
	}
	if len(fs) > 0 {
		return form, apperr.Validation(fs)
	}
	return form, nil
}

// List is the caller's webhooks of region, oldest first: a partner's own,
// or the region's.
func (h *Hooks) List(ctx context.Context, p *auth.Principal, region string) ([]Webhook, error) {
	owner, err := h.owner(p, region)
	if err != nil {
		return nil, err
	}
	return h.owned(ctx, region, owner)
}

// owned are owner's webhooks of region, oldest first ("" the region's).
func (h *Hooks) owned(ctx context.Context, region, owner string) ([]Webhook, error) {
	all, err := h.regionWebhooks(ctx, region)
	if err != nil {
		return nil, err
	}
	out := []Webhook{}
	for _, w := range all {
		if w.Partner == owner {
			out = append(out, w)
		}
	}
	return out, nil
}

// Get is one of the caller's webhooks.
func (h *Hooks) Get(ctx context.Context, p *auth.Principal, region, id string) (Webhook, error) {
	w, _, err := h.own(ctx, p, region, id)
	return w, err
}

// Delete removes one of the caller's webhooks: nothing more is delivered
// to it.
func (h *Hooks) Delete(ctx context.Context, p *auth.Principal, region, id string) error {
	_, err := h.change(ctx, p, region, id, ActionDeleted, true, func(*Webhook, time.Time) error { return nil })
	return err
}

// Rotate gives one of the caller's webhooks a new secret, shown this once;
// the one it replaces still signs, beside it, for RotationOverlap.
func (h *Hooks) Rotate(ctx context.Context, p *auth.Principal, region, id string) (Webhook, webhook.Secret, error) {
	var secret webhook.Secret
	w, err := h.change(ctx, p, region, id, ActionRotated, false, func(w *Webhook, now time.Time) error {
		retires := now.Add(RotationOverlap)
		var kept []storedSecret
		if len(w.Secrets) > 0 && (w.Secrets[0].RetiresAt == nil || w.Secrets[0].RetiresAt.After(now)) {
			prev := w.Secrets[0]
			prev.RetiresAt = &retires // the current one; any older one retires now
			kept = append(kept, prev)
		}
		w.Secrets = kept
		var err error
		secret, err = h.newSecret(w, now)
		return err
	})
	if err != nil {
		return Webhook{}, webhook.Secret{}, err
	}
	return w, secret, nil
}

// signingSecrets are w's secrets that sign at now, the newest first.
func (h *Hooks) signingSecrets(w Webhook, now time.Time) ([]webhook.Secret, error) {
	var out []webhook.Secret
	for _, s := range w.Secrets {
		if s.RetiresAt != nil && !s.RetiresAt.After(now) {
			continue
		}
		secret, err := h.open(w.Region, w.ID, s.Sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, secret)
	}
	return out, nil
}
