// Package hooks is the region's webhooks: a partner (its own slice) or the
// region's collaboration unit (the whole region) registers a receiver for
// the changes feed's events, and every event it may read is delivered to
// it, signed per Standard Webhooks 1.0, at least once, with back-off for
// three days.
//
// The pipeline: a write commits its event (service/events.go); Dispatch
// turns the event into one queue message per webhook that subscribes to
// it and whose owner may read it; Deliver makes one delivery of one
// message. Locally a follower of the feed calls Dispatch and a worker
// calls Deliver (Local); on AWS the table's stream and the queue's
// functions do.
package hooks

import (
	"context"
	"errors"
	"time"

	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// Deps are what the webhooks run on.
type Deps struct {
	Core *service.Service
	// Queue carries the deliveries to make.
	Queue queue.Queue
	// Client makes the deliveries (public https receivers only, unless
	// built to allow loopback for the local run).
	Client *webhook.Client
	// Body is an event as one item of the changes feed shows it: what a
	// delivery carries.
	Body func(region string, ev service.Event) ([]byte, error)
	// Key seals the signing secrets as stored (at least 32 bytes; the
	// deployment's cursor key, from which a key of its own is derived).
	Key []byte
	// Schedule is the back-off between attempts (nil: DefaultSchedule).
	Schedule []time.Duration
}

// Hooks is the webhooks' use cases.
type Hooks struct {
	*service.Service
	d Deps
}

// New builds the webhooks over d.
func New(d Deps) *Hooks { return &Hooks{Service: d.Core, d: d} }

// Dispatch hands ev, an event of region, to every webhook of the region
// that subscribes to its type and whose owner may read it: one queue
// message each, named by the webhook and the event, so that a repeat sends
// the same messages.
func (h *Hooks) Dispatch(ctx context.Context, region string, ev service.Event) error {
	return errors.New("hooks: Dispatch is not written yet")
}

// Deliver makes one delivery of m. retryIn > 0: put m back for that long
// (at most queue.MaxDelay at a time); 0 and nil: acknowledge it.
func (h *Hooks) Deliver(ctx context.Context, m queue.Message) (retryIn time.Duration, err error) {
	return 0, errors.New("hooks: Deliver is not written yet")
}
