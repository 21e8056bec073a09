package service

import (
	"context"
	"time"

	"github.com/regional-data-exchange/rdx/shared/store"
)

// Background work — an upload's validation, an export's build — runs
// outside any request: in the function an S3 event starts (AWS), which
// Lambda retries when it fails or times out, or in-process (the local run).
// Whatever happens to the process, each item must reach a final state, so:
//
//   - an attempt claims its item with a lease that ends with the attempt's
//     own deadline (on Lambda, the function's timeout), and counts itself; a
//     retry that finds the lease run out takes the item over, and one that
//     finds MaxAttempts attempts begun finishes it as failed, with a reason;
//   - every unfinished item is listed in one partition (WorkPK) with the
//     time by which it is due to have finished: the end of its lease and
//     of the retries that may follow it (RetryWindow). The sweeper reads it
//     with one query, never a scan, and finishes as failed whatever is
//     overdue: an event lost or dead-lettered, a retry that never came.
//
// The listing is written in the same transaction as the item's state, and
// removed in the one that finishes it.

// Lease is an item's hold by its running attempt, kept in its record.
type Lease struct {
	// Attempts counts the attempts begun.
	Attempts int `json:"attempts,omitempty"`
	// LeaseUntil is when the running attempt's hold ends; zero when none
	// holds it. LeaseHolder tells one attempt's claim from another's, to
	// read back a claim whose write gave no definite answer.
	LeaseUntil  time.Time `json:"leaseUntil,omitzero"`
	LeaseHolder string    `json:"leaseHolder,omitempty"`
}

// Held reports whether an attempt holds the item at now.
func (l Lease) Held(now time.Time) bool { return now.Before(l.LeaseUntil) }

const (
	// MaxAttempts is how many attempts an item gets: Lambda's first and its
	// two retries (template.yaml: MaximumRetryAttempts).
	MaxAttempts = 3
	// RetryWindow is how long after an attempt stops its item waits for a
	// retry: Lambda drops an event older than this (template.yaml:
	// MaximumEventAgeInSeconds), so after it the sweeper may finish the item.
	RetryWindow = 15 * time.Minute
	// leaseMargin covers the clocks of two instances differing.
	leaseMargin = 10 * time.Second
)

// Claim is a new attempt's lease: the attempt's context, which ends
// settleTime before the attempt's deadline (without one, in-process, limit
// from now) so that the attempt can still record how it ended; the lease,
// ending just after that deadline as the service's clock (now) counts; and
// the function that releases the context.
func (l Lease) Claim(ctx context.Context, now time.Time, limit time.Duration) (context.Context, Lease, context.CancelFunc) {
	budget := limit
	if d, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(d))
	}
	work := budget - settleTime
	if work <= 0 {
		work = budget
	}
	ctx, cancel := context.WithTimeout(ctx, work)
	return ctx, Lease{Attempts: l.Attempts + 1, LeaseUntil: now.Add(budget + leaseMargin).UTC(), LeaseHolder: NewID(now)}, cancel
}

// settleTime is what an attempt keeps back to record its outcome.
const settleTime = 10 * time.Second

// Settle is the context in which an attempt records how it ended: apart
// from its work's, which may have run out, and bounded.
func Settle(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), settleTime)
}

// Released is the lease once its attempt has stopped short: a retry may
// take the item over at once.
func (l Lease) Released() Lease { return Lease{Attempts: l.Attempts} }

// WorkPK is the partition listing unfinished background work.
const WorkPK = "WORK"

// Kinds of background work.
const (
	WorkUpload = "upload"
	WorkExport = "export"
)

// WorkItem is an unfinished item as the listing holds it: what it is,
// where its record is, and when it is due to have finished.
type WorkItem struct {
	Kind    string    `json:"kind"`
	ID      string    `json:"id"`
	Region  string    `json:"region,omitempty"`
	Partner string    `json:"partner,omitempty"`
	Due     time.Time `json:"due"`
}

func workSK(kind, id string) string { return kind + "#" + id }

// workExpiry keeps a listing that somehow outlived its item from staying
// for ever (the sweeper removes any it finds finished long before).
const workExpiry = 30 * 24 * time.Hour

// ListWork lists an item, or moves its due time.
func ListWork(w WorkItem) store.Op {
	return store.PutOp(store.Item{PK: WorkPK, SK: workSK(w.Kind, w.ID), Version: 1, Data: Encode(w), ExpiresAt: w.Due.Add(workExpiry).Unix()}, store.Condition{})
}

// WorkDone removes an item from the listing: it has reached a final state.
func WorkDone(kind, id string) store.Op {
	return store.DeleteOp(WorkPK, workSK(kind, id), store.Condition{})
}

// OverdueWork lists the items due to have finished before now.
func (s *Service) OverdueWork(ctx context.Context, now time.Time) ([]WorkItem, error) {
	var out []WorkItem
	err := s.QueryAll(ctx, store.Query{PK: WorkPK}, func(it store.Item) error {
		w, err := Decode[WorkItem](it)
		if err != nil {
			return StoreErr(err, "decode work")
		}
		if w.Due.Before(now) {
			out = append(out, w)
		}
		return nil
	})
	return out, err
}
