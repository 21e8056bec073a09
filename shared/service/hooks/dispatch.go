package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// message is a queue message's body: one webhook's delivery of one event.
type message struct {
	Region    string `json:"region"`
	WebhookID string `json:"webhookId"`
	Seq       int64  `json:"seq"`
}

// MessageID names webhook webhookID's delivery of event seq on the queue.
func MessageID(webhookID string, seq int64) string {
	return webhookID + "/" + strconv.FormatInt(seq, 10)
}

func (h *Hooks) send(ctx context.Context, region, webhookID string, seq int64) error {
	if h.d.Queue == nil {
		return errNoQueue
	}
	body, _ := json.Marshal(message{Region: region, WebhookID: webhookID, Seq: seq})
	if err := h.d.Queue.Send(ctx, queue.Message{ID: MessageID(webhookID, seq), Body: body}, 0); err != nil {
		return fmt.Errorf("hooks: queue delivery %s: %w", MessageID(webhookID, seq), err)
	}
	return nil
}

// Dispatch hands ev, an event of region, to every webhook of the region
// that subscribes to its type and whose owner may read it (a partner's
// webhook: its own slice's events alone): one queue message each, named
// by the webhook and the event, so that a repeat sends the same messages
// (and a receiver discards the repeat by its webhook-id). Safe to call
// more than once for an event; it fails when a message could not be sent,
// and is then to be called again.
func (h *Hooks) Dispatch(ctx context.Context, region string, ev service.Event) error {
	return h.Batch().Dispatch(ctx, region, ev)
}

// Batch dispatches events already committed when it is made (a page of
// the feed, a stream's batch), reading each region's webhooks once, at
// its first event, rather than once an event: a webhook registered after
// that read starts after every one of those events (Webhook.After), so it
// misses none it is to receive.
func (h *Hooks) Batch() *Batch { return &Batch{h: h, webhooks: map[string][]Webhook{}} }

// Batch is a Dispatch that reads each region's webhooks once (Hooks.Batch).
type Batch struct {
	h        *Hooks
	webhooks map[string][]Webhook
}

// Dispatch is Hooks.Dispatch, on the webhooks of region as b first read them.
func (b *Batch) Dispatch(ctx context.Context, region string, ev service.Event) error {
	if ev.Seq <= 0 {
		return fmt.Errorf("hooks: event %s of %s has no sequence number", ev.ID, region)
	}
	whs, read := b.webhooks[region]
	if !read {
		var err error
		if whs, err = b.h.regionWebhooks(ctx, region); err != nil {
			return err
		}
		b.webhooks[region] = whs
	}
	for _, w := range whs {
		if !w.Subscribes(ev) {
			continue
		}
		if err := b.h.send(ctx, region, w.ID, ev.Seq); err != nil {
			return err
		}
	}
	return nil
}
