// Package queue is the port for work handed from one part of the service
// to another to be done later and at least once: a webhook delivery to
// make, again after a back-off if the receiver failed. An embedded
// adapter (bbolt, for the local run) and an AWS one (SQS) implement it;
// queuetest is the conformance suite both pass.
//
// Delivery is at least once: a message received and neither acknowledged
// nor put back comes back after the visibility timeout, so a consumer that
// crashes loses nothing, and a consumer must do a message's work so that
// doing it twice has the effect of once (a webhook delivery keeps its
// webhook-id, by which receivers discard a repeat).
package queue

import (
	"context"
	"time"
)

// Message is one piece of work.
type Message struct {
	// ID names the work (a delivery: the webhook and the event); the
	// sender chooses it. It is not a deduplication key: the same ID sent
	// twice may be received twice.
	ID string
	// Body is the work, as the sender encoded it.
	Body []byte
	// Received counts the times this message has been received, this
	// time included (1 on the first).
	Received int
	// Handle is this receipt's token for Ack and Retry; set on receive.
	Handle string
}

// Queue is a queue of messages.
type Queue interface {
	// Send puts m on the queue, to be received no sooner than delay from
	// now (0: at once; at most MaxSendDelay). Handle and Received are
	// ignored.
	Send(ctx context.Context, m Message, delay time.Duration) error
	// Receive takes up to max messages that are due, waiting up to wait
	// for the first; each is hidden from other receivers for the queue's
	// visibility timeout, after which, unless acknowledged or put back,
	// it is received again.
	Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error)
	// Ack removes a received message: its work is done.
	Ack(ctx context.Context, handle string) error
	// Retry puts a received message back, to be received again no sooner
	// than delay from now (at most MaxDelay).
	Retry(ctx context.Context, handle string, delay time.Duration) error
}

// The longest a message may be deferred: SQS's limits for a message's
// delay when sent, and for changing its visibility once received. A
// longer wait is made of several: a consumer that receives a message
// early puts it back for the rest.
const (
	MaxSendDelay = 15 * time.Minute
	MaxDelay     = 12 * time.Hour
)
