package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// Every write that is audited appends to a hash chain: a partner's write
// to the partner's, the region's own writes (locks, unlocks, exports, a
// board's approval) to the region's. Its audit record is linked into the
// chain, and an accepted write's receipt into the chain's series of
// receipts. A chain's head — its last record's place and hash, its last
// receipt's — is one item, moved in the write's own transaction on the
// condition that it is still the head the write read: two writers can
// never fork a chain, the loser's transaction fails and it runs again, as
// racing versions do. Partners' chains are their own, so one partner's
// writes never wait on another's.
//
//	CH#{region}   REGION       the region's chain head
//	              P#{partner}  a partner's chain head

// chainPK is the partition of a region's chain heads.
func chainPK(region string) string { return "CH#" + region }

func chainSK(partner string) string {
	if partner == "" {
		return "REGION"
	}
	return "P#" + partner
}

// head is a chain's head as stored.
type head struct {
	AuditSeq    int64  `json:"auditSeq"`
	AuditHash   string `json:"auditHash"`
	ReceiptSeq  int64  `json:"receiptSeq"`
	ReceiptHash string `json:"receiptHash"`
	// version is the item's, for the condition that moves it.
	version int64
}

// Chain is what a write read of the head it will move: its partner's, or
// the region's for the region's own writes.
type Chain struct {
	region, partner string
	head            head
	// seq is the region's event sequence as read (see events.go): the
	// number of its last event, and where its history starts.
	seq Sequence
}

// ReadChain reads the head a write of partner ("" for the region's own)
// will move.
// The region's event sequence, which the write moves too when it is an
// event, is read beside it.
func (s *Service) ReadChain(ctx context.Context, region, partner string) (Chain, error) {
	c := Chain{region: region, partner: partner}
	var headErr, seqErr error
	var wg sync.WaitGroup
	wg.Go(func() { c.seq, seqErr = s.ReadSequenceState(ctx, region) })
	c.head, headErr = s.readHead(ctx, region, partner)
	wg.Wait()
	if headErr != nil {
		return c, headErr
	}
	return c, seqErr
}

// ReadChainWith reads the head beside read, the write's other reads, so
// that the head costs no round trip of its own; read's error comes first.
func (s *Service) ReadChainWith(ctx context.Context, region, partner string, read func() error) (Chain, error) {
	var c Chain
	var readErr, chainErr error
	var wg sync.WaitGroup
	wg.Go(func() { readErr = read() })
	wg.Go(func() { c, chainErr = s.ReadChain(ctx, region, partner) })
	wg.Wait()
	if readErr != nil {
		return c, readErr
	}
	return c, chainErr
}

func (s *Service) readHead(ctx context.Context, region, partner string) (head, error) {
	it, err := s.Table.Get(ctx, chainPK(region), chainSK(partner))
	if IsNotFound(err) {
		return head{}, nil
	}
	if err != nil {
		return head{}, StoreErr(err, "read chain head")
	}
	h, err := Decode[head](it)
	h.version = it.Version
	return h, err
}

// Sealed is a write's appended records and the head they move, to be
// added to its transaction, and its receipt if it has one.
type Sealed struct {
	Ops []store.Op
	// Receipt is the write's signed receipt ("" for a write that gets none).
	Receipt string
	// Event is the event the write is in its region's changes feed, with
	// its number; nil for a write that is not one.
	Event *Event
	// next is the head the write moves its chain to.
	next head
	// rec is the record as linked, for the event Seal numbers.
	rec AuditRecord
}

// Receipted says what a receipt states beyond the audit record: the
// SHA-256 of the bytes as received, when they are not the content.
type Receipted struct {
	RawSHA256 string
}

// Seal links rec into its chain and, when receipted is not nil, signs the
// write's receipt: the statement of rec (its id, action, target as what it
// is about, content SHA-256, time and actor) with the hash of the chain's
// previous receipt. The record notes the receipt's hash, so the audit
// trail vouches for the receipts and each receipt for its forebears. A
// partner's record is kept in the region's trail too, with the same link.
// Signing is the one slow step (a KMS call in AWS): callers run Seal while
// their blobs are written. When rec's action is an event (see events.go)
// the write also moves the region's event sequence, as read in c, and
// puts the event at its next number: a write that raced another for it
// fails its condition and runs again, as one that raced for the head.
func (s *Service) Seal(ctx context.Context, c Chain, rec AuditRecord, receipted *Receipted) (Sealed, error) {
	out, err := s.sealChain(ctx, c, rec, receipted)
	if err == nil {
		out.number(c.seq.Last, c.seq)
	}
	return out, err
}

// number adds to a sealed write, when it is an event, the ops that give
// it number n+1 in its region's sequence (sq as read).
func (out *Sealed) number(n int64, sq Sequence) {
	ev, ok := EventOf(out.rec)
	if !ok {
		return
	}
	ev.Seq, ev.Receipt = n+1, out.Receipt
	out.Event = &ev
	out.Ops = append(out.Ops, eventOps(out.rec.Region, n, sq, ev)...)
}

// sealChain is Seal but for the event: the receipt, the audit records and
// the head they move.
func (s *Service) sealChain(ctx context.Context, c Chain, rec AuditRecord, receipted *Receipted) (Sealed, error) {
	var out Sealed
	if rec.Region != c.region || rec.Partner != c.partner {
		return out, fmt.Errorf("seal: a record of %s/%s in the chain of %s/%s", rec.Region, rec.Partner, c.region, c.partner)
	}
	h := c.head
	if receipted != nil {
		st := receipt.Statement{
			ID: rec.ID, Action: rec.Action, Region: rec.Region, Partner: rec.Partner, About: rec.Target,
			ContentSHA256: rec.SHA256, RawSHA256: receipted.RawSHA256, At: FormatTime(rec.At),
			By: receipt.Actor{Sub: rec.Actor.Sub, Name: rec.Actor.Name}, Chain: ChainName(rec.Partner),
			Seq: h.ReceiptSeq + 1, Prev: h.ReceiptHash,
		}
		jws, err := receipt.Issue(ctx, s.Receipts, st)
		if err != nil {
			return out, StoreErr(err, "sign receipt")
		}
		out.Receipt = jws
		rec.ReceiptSHA256 = receipt.Hash([]byte(jws))
		h.ReceiptSeq, h.ReceiptHash = st.Seq, rec.ReceiptSHA256
	}
	rec.Link = receipt.Link{Chain: ChainName(rec.Partner), Seq: h.AuditSeq + 1, Prev: h.AuditHash}
	hash, err := receipt.RecordHash(Encode(rec))
	if err != nil {
		return out, err
	}
	rec.Link.Hash = hash
	out.rec = rec
	h.AuditSeq, h.AuditHash = rec.Link.Seq, hash
	out.next = h
	out.next.version = h.version + 1
	cond := store.IfNotExists()
	if h.version > 0 {
		cond = store.IfVersion(h.version)
	}
	sk, data := AuditSK(rec.At, rec.ID), Encode(rec)
	out.Ops = append(out.Ops,
		store.PutOp(store.Item{PK: AuditPK(rec.Region), SK: sk, Version: 1, Data: data}, store.IfNotExists()),
		store.PutOp(store.Item{PK: chainPK(rec.Region), SK: chainSK(rec.Partner), Version: h.version + 1, Data: Encode(h)}, cond))
	if rec.Partner != "" {
		out.Ops = append(out.Ops, store.PutOp(store.Item{PK: PartnerAuditPK(rec.Region, rec.Partner), SK: sk, Version: 1, Data: data}, store.IfNotExists()))
	}
	return out, nil
}

// ChainName is the name of a partner's chain, or the region's.
func ChainName(partner string) string {
	if partner == "" {
		return receipt.RegionChain
	}
	return receipt.PartnerChain(partner)
}

// FormatTime is a stored time as receipts state it: RFC 3339, UTC,
// milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ChainHead is a chain's signed head: what an audit export ends with, so
// that a reader can tell the chain was not cut short.
func (s *Service) ChainHead(ctx context.Context, region, partner string) (receipt.Head, string, error) {
	h, err := s.readHead(ctx, region, partner)
	if err != nil {
		return receipt.Head{}, "", err
	}
	hd := receipt.Head{Region: region, Chain: ChainName(partner), Seq: h.AuditSeq, Hash: h.AuditHash, At: FormatTime(s.Clock())}
	payload, err := receipt.Canonical(hd)
	if err != nil {
		return hd, "", err
	}
	jws, err := receipt.Sign(ctx, s.Receipts, receipt.TypeHead, payload)
	if err != nil {
		return hd, "", StoreErr(err, "sign chain head")
	}
	return hd, jws, nil
}

// ReceiptKeys is the JWK set that verifies every receipt the service has
// signed: its current key and the retired ones.
func (s *Service) ReceiptKeys(ctx context.Context) (json.RawMessage, error) {
	pub, err := s.Receipts.Public(ctx)
	if err != nil {
		return nil, StoreErr(err, "read the receipt key")
	}
	ks, err := receipt.NewKeySet(pub)
	if err != nil {
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	if s.retired != nil {
		ks.Merge(s.retired)
	}
	return json.Marshal(ks)
}

// AppendNew writes new records (ops, whose items must not exist yet) with
// rec linked into its chain, in one transaction; a write that raced
// another on the chain links to the new head and runs again. It is for
// writes whose only condition is their own records' absence (an upload
// started, an export requested): any failed condition is the chain's.
func (s *Service) AppendNew(ctx context.Context, what string, rec AuditRecord, ops ...store.Op) error {
	return s.Retry.Do(ctx, "unavailable.trail", func() (bool, error) {
		chain, err := s.ReadChain(ctx, rec.Region, rec.Partner)
		if err != nil {
			return false, err
		}
		_, err = s.Append(ctx, chain, rec, nil, nil, func(sealed Sealed) error {
			return s.Table.Transact(ctx, append(slices.Clone(ops), sealed.Ops...)...)
		})
		if errors.Is(err, store.ErrConditionFailed) {
			return true, err // another write moved the chain: link to its new head
		}
		return false, StoreErr(err, what)
	})
}
