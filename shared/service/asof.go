package service

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// As at any point: a region's state after its event n, read from what its
// writes keep, so that a snapshot and the changes feed line up exactly.
//
// Every write that changes what the region's views are made of is an event
// (events.go), and records the number it took on what it writes, in the
// same transaction:
//
//   - a version its number (VersionRecord.Seq; versions are kept, so the
//     version of a key as at n is its newest with Seq <= n), and a
//     sign-off its own (VersionRecord.SignOffSeq: a version as at n before
//     its sign-off is unsigned);
//   - a report's sign-off or approval its number in its record (they are
//     never removed: as at n, those with a greater number were not yet);
//   - an item a write replaces or deletes (a consent, a lock, a locked
//     quarter's frozen report) a history entry beside it,
//     H#{sk}#{n:012}, with the item as the event left it and as it was
//     before (ItemsAsOf).
//
// Writes before this history existed recorded no number: the sequence
// item notes the first event whose write did (Sequence.HistoryFrom), and a
// record without a number is older than it. So the state as at any n from
// HistoryFrom-1 on can be read; before that it cannot (CheckAsOf).
//
// A current read (no n asked) reads the sequence, then the records, then
// the sequence again: when the two agree, no event committed between, and
// what was read is the state after that event; when they differ, it reads
// as at the later one (ReadAsOf).

// HistorySK is the history entry of the item at sk as event seq left it.
func HistorySK(sk string, seq int64) string { return historyPrefix(sk) + "#" + EventSK(seq) }

func historyPrefix(prefix string) string { return "H#" + prefix }

// historyEntry is an item's state after an event, and before it.
type historyEntry struct {
	Seq int64 `json:"seq"`
	// After is the item's data after the event; absent: deleted.
	After json.RawMessage `json:"after,omitempty"`
	// Before is its data before; absent: it was absent.
	Before json.RawMessage `json:"before,omitempty"`
}

// HistoryOp is the history entry of an event's write of the item (pk, sk):
// after is its data once written (nil: deleted), before its data as read
// (nil: absent). It goes in the write's own transaction.
func HistoryOp(pk, sk string, seq int64, after, before []byte) store.Op {
	return store.PutOp(store.Item{PK: pk, SK: HistorySK(sk, seq), Version: 1,
		Data: Encode(historyEntry{Seq: seq, After: after, Before: before})}, store.IfNotExists())
}

// Seq is the number the sealed write takes in its region's sequence (0:
// the write is not an event).
func (out Sealed) Seq() int64 {
	if out.Event == nil {
		return 0
	}
	return out.Event.Seq
}

// AsOfField is the name of the parameter (and of an export request's
// field) that asks for a state as at an event.
const AsOfField = "asOfSequence"

// CheckAsOf answers whether the region's state as at event n can be read,
// reading its sequence and the event together: 422 naming the query
// parameter (or, pointer not empty, the body's field there) for a number
// beyond the region's last event; 410 for one whose event is older than
// the feed keeps (as the feed answers for such a cursor); 422 again for
// one before the region's history begins.
func (s *Service) CheckAsOf(ctx context.Context, region string, n int64, pointer string) error {
	invalid := func(id string, data map[string]any) error {
		data["Value"] = strconv.FormatInt(n, 10)
		f := apperr.Field(submission.RuleParameterInvalid.Code, id, data)
		if pointer != "" {
			return apperr.Validation([]apperr.FieldError{f.AtPointer(pointer)})
		}
		return apperr.Validation([]apperr.FieldError{f.AtParameter(AsOfField)})
	}
	if n < 0 {
		return invalid("finding.as-of-negative", map[string]any{})
	}
	var sq Sequence
	var ev Event
	var found bool
	var sqErr, evErr error
	var wg sync.WaitGroup
	wg.Go(func() { sq, sqErr = s.ReadSequenceState(ctx, region) })
	if n > 0 {
		wg.Go(func() { ev, found, evErr = s.ReadEvent(ctx, region, n) })
	}
	wg.Wait()
	switch {
	case sqErr != nil:
		return sqErr
	case n > sq.Last:
		return invalid("finding.as-of-ahead", map[string]any{"Last": strconv.FormatInt(sq.Last, 10)})
	case n < sq.Floor():
		return invalid("finding.as-of-before-history", map[string]any{"First": strconv.FormatInt(sq.Floor(), 10)})
	case n == 0:
		return nil // before the first event: nothing yet
	case evErr != nil:
		return evErr
	case !found || !s.EventKept(ev):
		return asOfGone(n)
	}
	return nil
}

func asOfGone(n int64) error {
	return apperr.Localized(apperr.Gone, "gone.as-of", map[string]any{"Value": strconv.FormatInt(n, 10), "Days": int(EventRetention.Hours() / 24)})
}

// Floor is the first event after which the region's state can be read:
// the one before its history's first (its last, before any write
// recorded its number).
func (sq Sequence) Floor() int64 {
	if sq.HistoryFrom == 0 {
		return sq.Last
	}
	return sq.HistoryFrom - 1
}

// ReadAsOf reads a region's state: as at event *asked, checked first, or
// (nil) the current state, read by current between two reads of the
// sequence (current is told the first, and says whether it read anything:
// a state it already knows as at that event needs no second), or, when an
// event committed meanwhile, by asOf as at the later. It returns the event
// the state is after.
func (s *Service) ReadAsOf(ctx context.Context, region string, asked *int64, current func(n int64) (bool, error), asOf func(n int64) error) (int64, error) {
	if asked != nil {
		if err := s.CheckAsOf(ctx, region, *asked, ""); err != nil {
			return 0, err
		}
		return *asked, asOf(*asked)
	}
	before, err := s.ReadSequence(ctx, region)
	if err != nil {
		return 0, err
	}
	if read, err := current(before); err != nil || !read {
		return before, err
	}
	after, err := s.ReadSequence(ctx, region)
	if err != nil || after == before {
		return before, err
	}
	return after, asOf(after)
}

// VersionsAsOf reads the versions of the keys under a version prefix of a
// partner's partition (VersionPrefix, or a shorter one naming several
// keys) and answers, per key in key order, the version that was current
// after event n, as it then stood (unsigned if its sign-off came later).
func (s *Service) VersionsAsOf(ctx context.Context, pk, prefix string, n int64) ([]VersionRecord, error) {
	var out []VersionRecord
	var last [2]string
	var lastKind submission.Kind
	err := s.QueryAll(ctx, store.Query{PK: pk, Prefix: prefix}, func(it store.Item) error {
		r, err := Decode[VersionRecord](it)
		if err != nil {
			return StoreErr(err, "decode version")
		}
		if r.Seq > n {
			return nil // written after: so is every later version of the key
		}
		if r.SignOffSeq > n {
			r.SignOff, r.SignOffSeq = nil, 0
		}
		if len(out) > 0 && r.Kind == lastKind && r.KeyValues == last {
			out[len(out)-1] = r // a newer version of the same key
			return nil
		}
		out, last, lastKind = append(out, r), r.KeyValues, r.Kind
		return nil
	})
	return out, err
}

// ItemsAsOf reads the items under prefix of partition pk as event n left
// them, from the items and their history entries (read together): an item
// with entries is as its last entry at or before n left it, or (none) as
// its first found it; an item without is older than the history, and as it
// is. Items are in sort-key order; their Version is 0. newest is the last
// event at or before n that changed any of them (0: none since the history
// began).
func (s *Service) ItemsAsOf(ctx context.Context, pk, prefix string, n int64) (items []store.Item, newest int64, err error) {
	var live []store.Item
	entries := map[string][]historyEntry{}
	var liveErr, histErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		liveErr = s.QueryAll(ctx, store.Query{PK: pk, Prefix: prefix}, func(it store.Item) error {
			live = append(live, it)
			return nil
		})
	})
	wg.Go(func() {
		histErr = s.QueryAll(ctx, store.Query{PK: pk, Prefix: historyPrefix(prefix)}, func(it store.Item) error {
			e, err := Decode[historyEntry](it)
			if err != nil {
				return StoreErr(err, "decode history")
			}
			sk := strings.TrimPrefix(it.SK[:strings.LastIndexByte(it.SK, '#')], "H#")
			entries[sk] = append(entries[sk], e) // in number order, as the query reads them
			return nil
		})
	})
	wg.Wait()
	if liveErr != nil {
		return nil, 0, liveErr
	}
	if histErr != nil {
		return nil, 0, histErr
	}
	var out []store.Item
	for _, it := range live {
		if _, logged := entries[it.SK]; !logged {
			out = append(out, store.Item{PK: pk, SK: it.SK, Data: it.Data})
		}
	}
	for sk, es := range entries {
		data := []byte(es[0].Before)
		for _, e := range es {
			if e.Seq > n {
				break
			}
			data, newest = e.After, max(newest, e.Seq)
		}
		if data != nil {
			out = append(out, store.Item{PK: pk, SK: sk, Data: data})
		}
	}
	slices.SortFunc(out, func(a, b store.Item) int { return strings.Compare(a.SK, b.SK) })
	return out, newest, nil
}
