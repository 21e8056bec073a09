package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/regional-data-exchange/rdx/shared/store"
)

// The changes feed: every write a reader of the region may want to follow
// (a version, a sign-off, a lock, a consent, an upload decided, an export
// built) is an event with a number, in the region's one sequence, given in
// the write's own transaction. The sequence is one item beside the chain
// heads, moved from n to n+1 on the condition that it is still n, as a
// head is; the event is put at n+1, and a partner's event again in the
// partner's own partition, so that a partner's feed is a query of its own.
//
//	CH#{region}            SEQ       the region's last event number (the item's version)
//	EV#{region}            {n:012}   the region's events, in order
//	EVP#{region}#{partner} {n:012}   a partner's events, the same items
//
// Events are kept EventRetention and a day: the table's expiry deletes
// them after that (DynamoDB's TTL; the embedded store's sweep), and a
// reader whose cursor is older than EventRetention is told to start again
// from an export (see regionview's Changes).

// The event types.
const (
	EventVersionCreated   = "submission.version-created"
	EventReturnSigned     = "return.signed"
	EventReportSigned     = "report.signed"
	EventReportApproved   = "report.approved"
	EventConsentGiven     = "consent.given"
	EventConsentWithdrawn = "consent.withdrawn"
	EventPeriodLocked     = "period.locked"
	EventPeriodUnlocked   = "period.unlocked"
	EventUploadAccepted   = "upload.accepted"
	EventUploadRejected   = "upload.rejected"
	EventExportBuilt      = "export.built"
	// EventObligationDue and EventObligationOverdue are no write's: the
	// daily run gives them (regionview's ObligationEvents).
	EventObligationDue     = "obligation.due"
	EventObligationOverdue = "obligation.overdue"
)

// The kinds of thing an event concerns, beside the submission kinds.
const (
	SubjectReport  = "fund-report"
	SubjectConsent = "pooling-consent"
	SubjectPeriod  = "period"
	SubjectUpload  = "upload"
	SubjectExport  = "export"
	// SubjectObligation is a return or report sign-off a partner owes.
	SubjectObligation = "obligation"
)

// EventRetention is how long the feed keeps an event.
const EventRetention = 400 * 24 * time.Hour

// eventExpiry is when the store may delete an event: a day after the feed
// stops answering for it, so that an event a cursor still reaches is never
// gone while clocks differ by less than that.
const eventExpiry = EventRetention + 24*time.Hour

// MaxSealOps is the most operations Seal adds to a write's transaction:
// the audit record twice, the chain head, the sequence and the event twice.
const MaxSealOps = 6

// Event is one entry of a region's changes feed.
type Event struct {
	Seq  int64     `json:"seq"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	// ID is the write's audit record's.
	ID    string `json:"id"`
	Actor Actor  `json:"actor"`
	// Partner is the partner whose slice the event is in ("" for the region's own).
	Partner string  `json:"partner,omitempty"`
	Subject Subject `json:"subject"`
	// Receipt is the write's signed receipt (a compact JWS), ReceiptSHA256 its hash.
	Receipt       string `json:"receipt,omitempty"`
	ReceiptSHA256 string `json:"receiptSha256,omitempty"`
}

// Subject is what an event concerns: a kind (a submission kind or one of
// the Subject constants), the values that name it and, for a submission,
// the version.
type Subject struct {
	Kind    string            `json:"kind"`
	Key     map[string]string `json:"key"`
	Version int               `json:"version,omitempty"`
}

// eventKind is how an audited action becomes an event: its type, and
// which of its target's values name its subject, under which names.
type eventKind struct {
	typ, subject string
	names        [][2]string // target name, subject key name
}

// eventKinds are the audited actions that are events; every other action
// (an upload started, an export requested, an upload failed) takes no
// number.
var eventKinds = map[string]eventKind{
	"submission.version-created":  {typ: EventVersionCreated},
	"quarterly-return.signed-off": {typ: EventReturnSigned},
	"report.signed":               {EventReportSigned, SubjectReport, [][2]string{{"fund", "fundId"}, {"quarter", "quarter"}}},
	"report.approved":             {EventReportApproved, SubjectReport, [][2]string{{"fund", "fundId"}, {"quarter", "quarter"}}},
	"pooling-consent.given":       {EventConsentGiven, SubjectConsent, [][2]string{{"fund", "fundId"}, {"financialYear", "financialYear"}}},
	"pooling-consent.withdrawn":   {EventConsentWithdrawn, SubjectConsent, [][2]string{{"fund", "fundId"}, {"financialYear", "financialYear"}}},
	"period.locked":               {EventPeriodLocked, SubjectPeriod, [][2]string{{"fund", "fundId"}, {"period", "period"}}},
	"period.unlocked":             {EventPeriodUnlocked, SubjectPeriod, [][2]string{{"fund", "fundId"}, {"period", "period"}}},
	"upload.accepted":             {EventUploadAccepted, SubjectUpload, [][2]string{{"uploadId", "uploadId"}}},
	"upload.rejected":             {EventUploadRejected, SubjectUpload, [][2]string{{"uploadId", "uploadId"}}},
	"export.built":                {EventExportBuilt, SubjectExport, [][2]string{{"exportId", "exportId"}}},
}

// EventOf is the event rec's write is, without its number; false when
// rec's action is not an event.
func EventOf(rec AuditRecord) (Event, bool) {
	k, ok := eventKinds[rec.Action]
	if !ok {
		return Event{}, false
	}
	ev := Event{Type: k.typ, At: rec.At, ID: rec.ID, Actor: rec.Actor, Partner: rec.Partner, ReceiptSHA256: rec.ReceiptSHA256}
	if k.subject == "" { // a submission's version: its kind, key and version
		ev.Subject = Subject{Kind: fmt.Sprint(rec.Target["kind"]), Key: map[string]string{}}
		if key, ok := rec.Target["key"].(map[string]any); ok {
			for name, v := range key {
				ev.Subject.Key[name] = fmt.Sprint(v)
			}
		}
		ev.Subject.Version, _ = rec.Target["version"].(int)
		return ev, true
	}
	ev.Subject = Subject{Kind: k.subject, Key: make(map[string]string, len(k.names))}
	for _, n := range k.names {
		ev.Subject.Key[n[1]] = fmt.Sprint(rec.Target[n[0]])
	}
	return ev, true
}

// seqSK is the sequence item's sort key in the chain heads' partition.
const seqSK = "SEQ"

// EventPK is a region's events; PartnerEventPK a partner's.
func EventPK(region string) string { return "EV#" + region }

// PartnerEventPK is the events of one partner's slice.
func PartnerEventPK(region, partner string) string { return "EVP#" + region + "#" + partner }

// EventSK is event n's sort key: ordered by number.
func EventSK(n int64) string { return fmt.Sprintf("%012d", n) }

// ReadEvent reads the region's event n; found is false when the region
// has none numbered n (not yet, or no longer).
func (s *Service) ReadEvent(ctx context.Context, region string, n int64) (ev Event, found bool, err error) {
	it, err := s.Table.Get(ctx, EventPK(region), EventSK(n))
	if IsNotFound(err) {
		return Event{}, false, nil
	}
	if err != nil {
		return Event{}, false, StoreErr(err, "read event")
	}
	ev, err = Decode[Event](it)
	if err != nil {
		return Event{}, false, StoreErr(err, "decode event")
	}
	return ev, true, nil
}

// EventKept says whether the feed still answers for ev: it is younger than
// EventRetention.
func (s *Service) EventKept(ev Event) bool { return ev.At.Add(EventRetention).After(s.Clock()) }

// ReadSequence is the region's last event number (0 before its first).
func (s *Service) ReadSequence(ctx context.Context, region string) (int64, error) {
	sq, err := s.ReadSequenceState(ctx, region)
	return sq.Last, err
}

// Sequence is a region's event sequence as read: its last number, and the
// first number from which every write records, on what it writes, the
// number it took (see asof.go).
type Sequence struct {
	Last int64 `json:"seq"`
	// HistoryFrom is the first event whose write recorded its number (0:
	// none has yet; the region's first event is 1).
	HistoryFrom int64 `json:"historyFrom,omitempty"`
}

// ReadSequenceState reads the region's sequence item.
func (s *Service) ReadSequenceState(ctx context.Context, region string) (Sequence, error) {
	it, err := s.Table.Get(ctx, chainPK(region), seqSK)
	if IsNotFound(err) {
		return Sequence{}, nil
	}
	if err != nil {
		return Sequence{}, StoreErr(err, "read event sequence")
	}
	sq, err := Decode[Sequence](it)
	sq.Last = it.Version
	return sq, StoreErr(err, "decode event sequence")
}

// next is the sequence once event n+1 is written: a sequence whose writes
// did not yet record their numbers starts its history at n+1. (A writer
// that read the sequence before another started it may start it later: a
// later start is still true, only more cautious.)
func (sq Sequence) next(n int64) Sequence {
	h := sq.HistoryFrom
	if h == 0 {
		h = n + 1
	}
	return Sequence{Last: n + 1, HistoryFrom: h}
}

// eventOps number ev n+1 in its region's sequence, which must still be at
// n (sq is the sequence as read, for its history's start): the sequence
// moved, the event and its partner's copy.
func eventOps(region string, n int64, sq Sequence, ev Event) []store.Op {
	ev.Seq = n + 1
	cond := store.IfNotExists()
	if n > 0 {
		cond = store.IfVersion(n)
	}
	data, sk, exp := Encode(ev), EventSK(ev.Seq), ev.At.Add(eventExpiry).Unix()
	ops := []store.Op{
		store.PutOp(store.Item{PK: chainPK(region), SK: seqSK, Version: ev.Seq, Data: Encode(sq.next(n))}, cond),
		store.PutOp(store.Item{PK: EventPK(region), SK: sk, Version: 1, Data: data, ExpiresAt: exp}, store.IfNotExists()),
	}
	if ev.Partner != "" {
		ops = append(ops, store.PutOp(store.Item{PK: PartnerEventPK(region, ev.Partner), SK: sk, Version: 1, Data: data, ExpiresAt: exp}, store.IfNotExists()))
	}
	return ops
}

// ErrAppendRefused is AppendEvent's answer when a condition of the
// caller's own operations failed: nothing was appended.
var ErrAppendRefused = errors.New("service: the event's own operations were refused: nothing appended")

// AppendEvent numbers an event that is no write of its own (an
// obligation falling due) in its region's sequence, in a transaction of
// its own; ev's Seq is set from the sequence. extra are operations of the
// caller's put in the same transaction (an idempotency item, so that the
// event is appended at most once): when one of their conditions fails,
// nothing is appended and the error wraps ErrAppendRefused; when
// another event took the number, the append is tried again at the next.
func (s *Service) AppendEvent(ctx context.Context, region string, ev Event, extra ...store.Op) (Event, error) {
	err := s.Retry.Do(ctx, "unavailable.trail", func() (bool, error) {
		sq, err := s.ReadSequenceState(ctx, region)
		if err != nil {
			return false, err
		}
		n := sq.Last
		ops := eventOps(region, n, sq, ev)
		err = s.Table.Transact(ctx, append(ops, extra...)...)
		if i, ok := store.FailedOp(err); ok && i >= len(ops) {
			return false, fmt.Errorf("%w: operation %d: %w", ErrAppendRefused, i-len(ops), err)
		}
		if errors.Is(err, store.ErrConditionFailed) {
			return true, err // another event took the number: take the next
		}
		ev.Seq = n + 1
		return false, StoreErr(err, "append event")
	})
	return ev, err
}
