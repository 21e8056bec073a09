package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// The states of a delivery.
const (
	Pending   = "pending"   // being attempted, or waiting for its next attempt
	Succeeded = "succeeded" // the receiver answered 2xx
	Failed    = "failed"    // given up: replayable
)

// Delivery is a webhook's delivery of one event, once attempted.
type Delivery struct {
	// ID is the delivery's webhook-id, the same on every attempt and replay.
	ID        string     `json:"id"`
	WebhookID string     `json:"webhookId"`
	Seq       int64      `json:"sequence"`
	EventType string     `json:"eventType"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	FirstAt   *time.Time `json:"firstAttemptAt,omitempty"`
	LastAt    *time.Time `json:"lastAttemptAt,omitempty"`
	NextAt    *time.Time `json:"nextAttemptAt,omitempty"`
	// LastStatus is the receiver's last answer (0: none, LastError says why).
	LastStatus int    `json:"lastStatus,omitempty"`
	LastError  string `json:"lastError,omitempty"`
	Replays    int    `json:"replays,omitempty"`
}

// A delivery's record is kept as long as the event it delivers.
func deliveryExpiry(at time.Time) int64 { return at.Add(service.EventRetention).Unix() }

// errRetry is how soon a message whose delivery could not be decided (the
// store did not answer) is tried again.
const errRetry = 30 * time.Second

// MaxReceives is the most receipts of a delivery's message that three days
// of back-off explain: the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// then 12 h) makes 12 attempts in three days, and the rest allows for
// receipts put back because the store did not answer or an invocation
// failed. A message received more often is given up: its delivery failed
// (listed, replayable) before the deliveries queue's dead-letter queue
// (template.yaml: 30 receipts) would take it.
const MaxReceives = 25

// Deliver makes one delivery of m: the event, as the changes feed shows
// it, POSTed to the webhook's receiver signed with its every current
// secret. retryIn > 0: the receiver failed (or it is not yet time for the
// next attempt): put m back for retryIn (at most queue.MaxDelay at a
// time: a message received early is put back for the rest); 0 and nil:
// done, acknowledge m (delivered, given up as failed, or nothing to do: the
// webhook deleted or disabled, the delivery already made). An error is a
// delivery not decided (the store did not answer): m is to be received
// again, after retryIn; one wrapping queue.ErrMalformed is a message that
// cannot be read, to be dropped.
func (h *Hooks) Deliver(ctx context.Context, m queue.Message) (retryIn time.Duration, err error) {
	var msg message
	if err := json.Unmarshal(m.Body, &msg); err != nil || msg.Region == "" || msg.WebhookID == "" || msg.Seq <= 0 {
		return 0, fmt.Errorf("%w: webhook delivery %s", queue.ErrMalformed, m.ID)
	}
	w, _, err := h.webhook(ctx, msg.Region, msg.WebhookID)
	if apperr.Is(err, apperr.NotFound) {
		return 0, nil // deleted: nothing more is delivered to it
	}
	if err != nil {
		return errRetry, err
	}
	if w.Disabled != nil {
		return 0, nil
	}
	d, ver, err := h.delivery(ctx, msg.Region, msg.WebhookID, msg.Seq)
	if err != nil {
		return errRetry, err
	}
	now := h.Clock()
	if d.State != Pending {
		return 0, nil // a repeat of a delivery decided
	}
	if d.NextAt != nil && d.NextAt.After(now) {
		return d.NextAt.Sub(now), nil // received before its time: wait for the rest
	}
	if m.Received > MaxReceives {
		// Received this often and never decided (every try found the store
		// not answering, or its function failing): given up, listed and
		// replayable, before the queue's dead-letter queue takes the
		// message and leaves the delivery pending for ever.
		d.State, d.LastStatus, d.LastError, d.NextAt = Failed, 0, "undecided", nil
		if err := h.saveDelivery(ctx, msg.Region, d, ver); err != nil {
			return errRetry, err
		}
		h.Log.WarnContext(ctx, "webhook delivery failed: its message was received too often", "webhook", w.ID, "delivery", d.ID, "received", m.Received)
		return 0, nil
	}
	ev, err := h.event(ctx, msg.Region, msg.Seq)
	if service.IsNotFound(err) {
		return 0, nil // no longer kept
	}
	if err != nil {
		return errRetry, err
	}
	if !w.Subscribes(ev) {
		return 0, nil
	}
	d.EventType = ev.Type
	body, err := h.d.Body(msg.Region, ev)
	if err != nil {
		return errRetry, err
	}
	secrets, err := h.signingSecrets(w, now)
	if err != nil {
		return errRetry, err
	}
	header, err := webhook.Headers(d.ID, now, body, secrets...)
	if err != nil {
		return errRetry, err
	}
	header.Set("Content-Type", "application/json")
	resp, perr := h.d.Client.Post(ctx, w.URL, header, body)
	d.Attempts++
	if d.FirstAt == nil {
		d.FirstAt = &now
	}
	d.LastAt, d.NextAt, d.LastStatus, d.LastError = &now, nil, 0, ""
	if perr != nil {
		d.LastError = deliveryError(perr)
	} else {
		d.LastStatus = resp.StatusCode
	}
	switch {
	case perr == nil && resp.StatusCode >= 200 && resp.StatusCode < 300:
		d.State = Succeeded
	case perr == nil && resp.StatusCode == http.StatusGone:
		d.State = Failed
		if err := h.disable(ctx, w, now, resp.StatusCode); err != nil {
			return errRetry, err
		}
	default:
		giveUp := d.FirstAt.Add(h.d.GiveUp)
		if !now.Before(giveUp) {
			d.State = Failed
			break
		}
		next := now.Add(h.d.Schedule[min(d.Attempts, len(h.d.Schedule))-1])
		if next.After(giveUp) {
			next = giveUp // the last attempt, three days after the first
		}
		d.NextAt, retryIn = &next, next.Sub(now)
	}
	if err := h.saveDelivery(ctx, msg.Region, d, ver); err != nil {
		return errRetry, err
	}
	if d.State == Failed {
		h.Log.WarnContext(ctx, "webhook delivery failed", "webhook", w.ID, "delivery", d.ID, "attempts", d.Attempts, "status", d.LastStatus, "error", d.LastError)
	}
	return retryIn, nil
}

// deliveryError is why an attempt got no answer, as the API shows it.
func deliveryError(err error) string {
	if reason, ok := webhook.ReasonOf(err); ok {
		return "refused: " + string(reason)
	}
	if errors.Is(err, webhook.ErrTimeout) {
		return "timeout"
	}
	return "no answer"
}

// delivery is webhookID's delivery of event seq (a new pending one, of
// version 0, before its first attempt).
func (h *Hooks) delivery(ctx context.Context, region, webhookID string, seq int64) (Delivery, int64, error) {
	it, err := h.Table.Get(ctx, deliveryPK(region, webhookID), service.EventSK(seq))
	if service.IsNotFound(err) {
		return Delivery{ID: DeliveryID(webhookID, seq), WebhookID: webhookID, Seq: seq, State: Pending}, 0, nil
	}
	if err != nil {
		return Delivery{}, 0, service.StoreErr(err, "read delivery")
	}
	d, err := service.Decode[Delivery](it)
	return d, it.Version, service.StoreErr(err, "decode delivery")
}

func (h *Hooks) saveDelivery(ctx context.Context, region string, d Delivery, ver int64) error {
	cond := store.IfNotExists()
	if ver > 0 {
		cond = store.IfVersion(ver)
	}
	err := h.Table.Transact(ctx, store.PutOp(store.Item{PK: deliveryPK(region, d.WebhookID), SK: service.EventSK(d.Seq), Version: ver + 1,
		Data: service.Encode(d), ExpiresAt: deliveryExpiry(h.Clock())}, cond))
	if errors.Is(err, store.ErrConditionFailed) {
		return fmt.Errorf("hooks: delivery %s recorded meanwhile: %w", d.ID, err) // another attempt's: the message comes again and reads it
	}
	return service.StoreErr(err, "record delivery")
}

// event is region's event seq.
func (h *Hooks) event(ctx context.Context, region string, seq int64) (service.Event, error) {
	it, err := h.Table.Get(ctx, service.EventPK(region), service.EventSK(seq))
	if err != nil {
		return service.Event{}, err
	}
	return service.Decode[service.Event](it)
}

// disable stops deliveries to w: its receiver answered status (410 Gone).
func (h *Hooks) disable(ctx context.Context, w Webhook, now time.Time, status int) error {
	for range 3 {
		cur, ver, err := h.webhook(ctx, w.Region, w.ID)
		if apperr.Is(err, apperr.NotFound) {
			return nil
		}
		if err != nil || cur.Disabled != nil {
			return err
		}
		cur.Disabled = &Disabled{At: now, Status: status}
		err = h.Table.Transact(ctx, store.PutOp(store.Item{PK: webhookPK(w.Region), SK: w.ID, Version: ver + 1, Data: service.Encode(cur)}, store.IfVersion(ver)))
		if !errors.Is(err, store.ErrConditionFailed) {
			if err == nil {
				h.Log.WarnContext(ctx, "webhook disabled: its receiver answered 410 Gone", "webhook", w.ID, "region", w.Region)
			}
			return service.StoreErr(err, "disable webhook")
		}
	}
	return fmt.Errorf("hooks: webhook %s kept changing while being disabled", w.ID)
}

// Deliveries lists one of the caller's webhooks' deliveries, the newest
// event first, those in state alone when it is given.
func (h *Hooks) Deliveries(ctx context.Context, p *auth.Principal, region, id, state string, pg service.PageRequest) ([]Delivery, string, error) {
	if _, _, err := h.own(ctx, p, region, id); err != nil {
		return nil, "", err
	}
	binding := service.CursorBinding(p, "webhook-deliveries", region, id, state)
	q := store.Query{PK: deliveryPK(region, id), Reverse: true}
	if pg.Cursor != "" {
		after, err := h.DecodeCursor(binding, pg.Cursor)
		if err != nil {
			return nil, "", err
		}
		q.After = after
	}
	limit := pg.Limit
	if limit <= 0 {
		limit = service.DefaultLimit
	}
	out := []Delivery{}
	for {
		q.Limit = min(limit+1, store.MaxQueryLimit)
		page, err := h.Table.Query(ctx, q)
		if err != nil {
			return nil, "", service.StoreErr(err, "list deliveries")
		}
		for _, it := range page.Items {
			d, err := service.Decode[Delivery](it)
			if err != nil {
				return nil, "", service.StoreErr(err, "decode delivery")
			}
			if state != "" && d.State != state {
				continue
			}
			if len(out) == limit {
				return out, h.EncodeCursor(binding, service.EventSK(out[len(out)-1].Seq)), nil
			}
			out = append(out, d)
		}
		if page.Next == "" {
			return out, "", nil
		}
		q.After = page.Next
	}
}

// Replay delivers a failed delivery again, from a first attempt, with
// the same webhook-id.
func (h *Hooks) Replay(ctx context.Context, p *auth.Principal, region, id, deliveryID string) (Delivery, error) {
	w, _, err := h.own(ctx, p, region, id)
	if err != nil {
		return Delivery{}, err
	}
	seq, ok := parseDeliveryID(id, deliveryID)
	if !ok {
		return Delivery{}, deliveryNotFound(deliveryID)
	}
	if w.Disabled != nil {
		return Delivery{}, apperr.Localized(apperr.Conflict, "conflict.webhook-disabled", nil)
	}
	d, ver, err := h.delivery(ctx, region, id, seq)
	if err != nil {
		return Delivery{}, err
	}
	if ver == 0 {
		return Delivery{}, deliveryNotFound(deliveryID)
	}
	if d.State != Failed {
		return Delivery{}, apperr.Localized(apperr.Conflict, "conflict.delivery-not-failed", map[string]any{"State": d.State})
	}
	failed := d
	d.State, d.Attempts, d.FirstAt, d.NextAt, d.Replays = Pending, 0, nil, nil, d.Replays+1
	if err := h.saveDelivery(ctx, region, d, ver); err != nil {
		if errors.Is(err, store.ErrConditionFailed) {
			return Delivery{}, apperr.Localized(apperr.Conflict, "conflict.delivery-not-failed", map[string]any{"State": Pending})
		}
		return Delivery{}, err
	}
	if err := h.send(ctx, region, id, seq); err != nil {
		settle, done := service.Settle(ctx)
		defer done()
		if rerr := h.saveDelivery(settle, region, failed, ver+1); rerr != nil {
			h.Log.WarnContext(ctx, "replay not queued, and its delivery not put back as failed", "delivery", deliveryID, "error", rerr)
		}
		return Delivery{}, apperr.Localized(apperr.Unavailable, "unavailable.webhook-queue", nil).Because(err)
	}
	return d, nil
}

func deliveryNotFound(id string) error {
	return apperr.Localized(apperr.NotFound, "not-found.delivery", map[string]any{"Value": fmt.Sprintf("%q", id)})
}
