// Package hooks is the region's webhooks: a partner (its own slice) or the
// region's own roles (the whole region) register a receiver for the
// changes feed's events, and every event its owner may read is delivered
// to it, signed per Standard Webhooks 1.0, at least once, with back-off
// for three days.
//
// The pipeline: a write commits its event (service/events.go); Dispatch
// turns the event into one queue message per webhook that subscribes to
// it and whose owner may read it; Deliver makes one delivery of one
// message. Locally a follower of the feed calls Dispatch and a worker
// calls Deliver (local.go); on AWS the table's stream and the queue's
// functions do.
//
//	WH#{region}              {webhookId}   a webhook, its signing secrets sealed
//	WHD#{region}#{webhookId} {seq:012}     its delivery of event seq, once attempted
//	WHF#{region}             FOLLOWED      the local follower's cursor (its version: the last event dispatched)
package hooks

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// Deps are what the webhooks run on.
type Deps struct {
	Core *service.Service
	// Queue carries the deliveries to make (nil: none can be made; Dispatch
	// and a replay fail).
	Queue queue.Queue
	// Client makes the deliveries and checks receivers' URLs (nil: the
	// production client, public https receivers only).
	Client *webhook.Client
	// Body is an event as one item of the changes feed shows it: what a
	// delivery carries.
	Body func(region string, ev service.Event) ([]byte, error)
	// Key seals the signing secrets as stored (at least 32 bytes: the
	// deployment's cursor key, from which a key of its own is derived).
	Key []byte
	// Schedule is the wait after each failed attempt, the last repeated
	// (nil: DefaultSchedule); GiveUp is how long after the first attempt a
	// delivery is given up as failed (0: DefaultGiveUp). Tests shrink both.
	Schedule []time.Duration
	GiveUp   time.Duration
	// Wake, when set, is told of each committed event (the local follower's).
	Wake *Wake
}

// DefaultSchedule is the back-off after each failed attempt; the last step
// repeats until DefaultGiveUp.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 12 * time.Hour}

// DefaultGiveUp is how long after its first attempt a delivery is retried.
const DefaultGiveUp = 72 * time.Hour

// Hooks is the webhooks' use cases.
type Hooks struct {
	*service.Service
	d Deps
}

// New builds the webhooks over d.
func New(d Deps) *Hooks {
	if d.Client == nil {
		d.Client = webhook.NewClient(webhook.Options{})
	}
	if len(d.Schedule) == 0 {
		d.Schedule = DefaultSchedule
	}
	if d.GiveUp <= 0 {
		d.GiveUp = DefaultGiveUp
	}
	return &Hooks{Service: d.Core, d: d}
}

// The event types a webhook may subscribe to: every type of the feed.
var eventTypes = []string{
	service.EventVersionCreated, service.EventReturnSigned, service.EventReportSigned, service.EventReportApproved,
	service.EventConsentGiven, service.EventConsentWithdrawn, service.EventPeriodLocked, service.EventPeriodUnlocked,
	service.EventUploadAccepted, service.EventUploadRejected, service.EventExportBuilt, EventObligationDue, EventObligationOverdue,
}

// The obligations' events (appended each morning).
const (
	EventObligationDue     = "obligation.due"
	EventObligationOverdue = "obligation.overdue"
)

// EventTypes are the types a webhook may subscribe to.
func EventTypes() []string { return append([]string(nil), eventTypes...) }

// Webhook is a registered receiver.
type Webhook struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	// Partner owns the webhook and its slice is what it receives; "" is
	// the region's own, which receives every event of the region.
	Partner   string        `json:"partner,omitempty"`
	URL       string        `json:"url"`
	Events    []string      `json:"events"`
	CreatedAt time.Time     `json:"createdAt"`
	CreatedBy service.Actor `json:"createdBy"`
	// After is the region's last event when the webhook was registered:
	// it receives the events after it.
	After    int64     `json:"after"`
	Disabled *Disabled `json:"disabled,omitempty"`
	// Secrets sign its deliveries, the newest first; an older one is kept
	// until it retires, so that both sign during a rotation.
	Secrets []storedSecret `json:"secrets"`
}

// Disabled says why a webhook receives nothing more.
type Disabled struct {
	At time.Time `json:"at"`
	// Status is the receiver's answer that disabled it (410 Gone).
	Status int `json:"status"`
}

type storedSecret struct {
	Sealed    string     `json:"sealed"`
	CreatedAt time.Time  `json:"createdAt"`
	RetiresAt *time.Time `json:"retiresAt,omitempty"`
}

// Subscribes reports whether w is to be sent ev: of a type it asked for,
// after it was registered, and one its owner may read in the feed (a
// partner's webhook: its own slice's events alone).
func (w *Webhook) Subscribes(ev service.Event) bool {
	if w.Disabled != nil || ev.Seq <= w.After || w.Partner != "" && w.Partner != ev.Partner {
		return false
	}
	for _, t := range w.Events {
		if t == ev.Type {
			return true
		}
	}
	return false
}

// RotatedSecretRetires is when an old secret stops signing after a rotation.
func (w *Webhook) RotatedSecretRetires() *time.Time {
	for _, s := range w.Secrets {
		if s.RetiresAt != nil {
			return s.RetiresAt
		}
	}
	return nil
}

func webhookPK(region string) string { return "WH#" + region }

func deliveryPK(region, webhookID string) string { return "WHD#" + region + "#" + webhookID }

func followerPK(region string) string { return "WHF#" + region }

const followerSK = "FOLLOWED"

// DeliveryID is the webhook-id of webhook webhookID's delivery of event
// seq: the same for every attempt and replay, by which a receiver discards
// a repeat.
func DeliveryID(webhookID string, seq int64) string {
	return "msg_" + webhookID + "_" + strconv.FormatInt(seq, 10)
}

// parseDeliveryID is the event a delivery id of webhookID names.
func parseDeliveryID(webhookID, id string) (int64, bool) {
	rest, ok := strings.CutPrefix(id, "msg_"+webhookID+"_")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == rest
}

// webhook reads one webhook of region (not found: apperr.NotFound).
func (h *Hooks) webhook(ctx context.Context, region, id string) (Webhook, int64, error) {
	it, err := h.Table.Get(ctx, webhookPK(region), id)
	if service.IsNotFound(err) {
		return Webhook{}, 0, webhookNotFound(id)
	}
	if err != nil {
		return Webhook{}, 0, service.StoreErr(err, "read webhook")
	}
	w, err := service.Decode[Webhook](it)
	return w, it.Version, service.StoreErr(err, "decode webhook")
}

// regionWebhooks are every webhook of region.
func (h *Hooks) regionWebhooks(ctx context.Context, region string) ([]Webhook, error) {
	return service.DecodeAll[Webhook](ctx, h.Service, store.Query{PK: webhookPK(region)})
}

func webhookNotFound(id string) error {
	return apperr.Localized(apperr.NotFound, "not-found.webhook", map[string]any{"Value": strconv.Quote(id)})
}

var errNoQueue = errors.New("hooks: no queue to send deliveries to")
