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
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Message is one piece of work.
type Message struct {
	// ID names the work (a delivery: the webhook and the event); the
	// sender chooses it. It is not a deduplication key: the same ID sent
	// twice may be received twice. 1 to MaxIDSize bytes of text (see Body).
	ID string
	// Body is the work, as the sender encoded it, received byte for byte
	// as sent: 1 to MaxBodySize bytes of UTF-8 text in the characters SQS
	// carries (tab, line feed, carriage return, U+0020 to U+D7FF, U+E000
	// to U+FFFD and U+10000 up), such as JSON.
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
	// ignored. A message Check refuses, or a delay out of range, is
	// ErrInvalid and is not sent.
	Send(ctx context.Context, m Message, delay time.Duration) error
	// Receive takes up to max messages that are due, waiting up to wait
	// for the first; each is hidden from other receivers for the queue's
	// visibility timeout, after which, unless acknowledged or put back,
	// it is received again. It returns no messages and no error when
	// none came in time, and ctx's error when ctx ends first; max is at
	// least 1 (an adapter may return fewer than max that are due: SQS
	// returns at most 10 at a time).
	Receive(ctx context.Context, max int, wait time.Duration) ([]Message, error)
	// Ack removes a received message: its work is done.
	Ack(ctx context.Context, handle string) error
	// Retry puts a received message back, to be received again no sooner
	// than delay from now (at most MaxDelay), and counted again then.
	Retry(ctx context.Context, handle string, delay time.Duration) error
}

// Durations are in whole seconds on SQS; its adapter rounds a delay up, so
// that a message is never due sooner than asked.

// The longest a message may be deferred: SQS's limits for a message's
// delay when sent, and for changing its visibility once received. A
// longer wait is made of several: a consumer that receives a message
// early puts it back for the rest.
const (
	MaxSendDelay = 15 * time.Minute
	MaxDelay     = 12 * time.Hour
)

// Sizes SQS carries: a message of at most 256 KiB, counting the ID, which
// its adapter sends as an attribute, with the attribute's name and type.
const (
	MaxIDSize   = 256
	MaxBodySize = 256<<10 - 1024
)

// ErrInvalid is a message, delay or handle a queue refuses.
var ErrInvalid = errors.New("queue: invalid")

// ErrMalformed is what a consumer returns for a message it cannot read (a
// body that does not decode): retrying would not help, so the message is
// logged and dropped rather than put back.
var ErrMalformed = errors.New("queue: malformed message")

// Check reports whether a queue can carry m (its ID and Body) unchanged.
func Check(m Message) error {
	if err := checkText("ID", []byte(m.ID), MaxIDSize); err != nil {
		return err
	}
	return checkText("body", m.Body, MaxBodySize)
}

// CheckDelay reports whether d is a delay of 0 to max.
func CheckDelay(d, max time.Duration) error {
	if d < 0 || d > max {
		return fmt.Errorf("%w: delay %v is not between 0 and %v", ErrInvalid, d, max)
	}
	return nil
}

func checkText(what string, b []byte, max int) error {
	if len(b) == 0 || len(b) > max {
		return fmt.Errorf("%w: %s of %d bytes (1 to %d)", ErrInvalid, what, len(b), max)
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("%w: %s is not UTF-8 at byte %d", ErrInvalid, what, i)
		}
		if !carried(r) {
			return fmt.Errorf("%w: %s has %U at byte %d, which SQS does not carry", ErrInvalid, what, r, i)
		}
		i += n
	}
	return nil
}

// carried reports whether SQS carries r in a message.
func carried(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
