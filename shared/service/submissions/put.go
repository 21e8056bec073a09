package submissions

import (
	"cmp"
	"context"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// PutRequest is a new version's request.
type PutRequest struct {
	Principal *auth.Principal
	Region    string
	Partner   string
	Kind      submission.Kind
	KeyValues [2]string
	Body      []byte
	IfMatch   string // the raw header; "" when absent
	DryRun    bool
	Claim     *service.Claim // the request's Idempotency-Key, if any
}

// Outcome is what a PUT did.
type Outcome int

// The outcomes.
const (
	Created   Outcome = iota // a new version (201)
	Unchanged                // the same canonical content as the current version (200)
	DryRun                   // every check passed; nothing stored (200)
)

// PutResult is a PUT's answer.
type PutResult struct {
	Outcome  Outcome
	Version  *Version // the new or current version (nil for a dry run)
	Warnings []submission.Warning
}

// PutSubmission validates a body and stores it as the key's next version,
// answering in api.md's order: slice, parse, validation, lock, If-Match,
// unchanged content, write. The store is reached in three steps, each of
// calls made together: the reads (locks, current version, and what
// validation needs), then the raw body and the document, then the one
// transaction.
func (s *Service) PutSubmission(ctx context.Context, r PutRequest) (*PutResult, error) {
	slice, err := s.AuthorizeSlice(r.Principal, r.Region, r.Partner, service.WriteSlice)
	if err != nil {
		return nil, err
	}
	w := &write{s: s, r: r, slice: slice}
	if err := w.prepare(ctx); err != nil {
		return nil, err
	}
	var out *PutResult
	turnKey := slice.Region.ID + "\x00" + slice.Partner.ID + "\x00" + w.key.String()
	err = s.Retry.Do(ctx, "unavailable.submission", func() (retry bool, err error) {
		end, waited, err := s.KeyTurn(ctx, turnKey)
		if err != nil {
			return false, service.StoreErr(err, "wait for the submission")
		}
		defer end()
		if waited {
			w.state = nil // read before another writer of the key committed: read again
		}
		out, retry, err = w.attempt(ctx)
		return retry, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepare validates the body while the key's stored state is read: the
// reads' answers are used only once the body has passed, and a body that
// fails stops them.
func (w *write) prepare(ctx context.Context) error {
	key, findings := submission.ParseKey(w.r.Kind, w.r.KeyValues, w.slice.Region, w.slice.Partner)
	w.key = key
	if len(findings) > 0 { // no key to read: report the key with the body's errors
		return w.validate(ctx, findings)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var st keyState
	var verr error
	var wg sync.WaitGroup
	wg.Go(func() { st = w.s.readKeyState(rctx, w.slice, key) })
	wg.Go(func() {
		if verr = w.validate(ctx, nil); verr != nil {
			cancel()
		}
	})
	wg.Wait()
	if verr != nil {
		return verr
	}
	w.state = &st
	return nil
}

// validate runs every check that needs no knowledge of the current
// version, reporting every failing field at once, and derives the summary.
func (w *write) validate(ctx context.Context, findings []submission.Finding) error {
	s, slice, r := w.s, w.slice, w.r
	bad := map[string]bool{}
	for _, f := range findings {
		bad[f.Parameter] = true
	}
	vc := &submission.Context{Region: slice.Region, Partner: slice.Partner, Key: w.key, BadParams: bad,
		PreviousReturn:   s.previousReturn(slice, w.key),
		DocumentAccepted: s.documentAccepted(slice)}
	res, err := submission.Validate(ctx, vc, r.Body)
	if err != nil {
		return err
	}
	fields := submission.FieldErrors(append(findings, res.Errors...))
	match, ok := parseIfMatch(r.IfMatch)
	if !ok {
		fields = append(fields, submission.RuleIfMatchInvalid.FieldError().AtHeader("If-Match"))
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	summary, err := submission.Summarize(w.key.Kind, res.Document)
	if err != nil {
		return apperr.Localized(apperr.Invalid, "invalid.overflow", nil).Because(err)
	}
	w.res, w.match, w.summary = res, match, summary
	return nil
}

// keyState is what the store says of a key before a write: the checks that
// keep its periods unlocked, and its current version.
type keyState struct {
	locks  []store.Op
	chain  service.Chain
	cur    service.VersionRecord
	exists bool
	err    error // a locked period first, then any failure to read
}

// readKeyState reads a key's locks and current version together.
func (s *Service) readKeyState(ctx context.Context, slice service.Slice, key submission.Key) keyState {
	var st keyState
	var lockErr, curErr, chainErr error
	var wg sync.WaitGroup
	wg.Go(func() { st.locks, lockErr = s.LockChecks(ctx, slice.Region.ID, key) })
	wg.Go(func() { st.cur, st.exists, curErr = s.current(ctx, slice, key) })
	wg.Go(func() { st.chain, chainErr = s.ReadChain(ctx, slice.Region.ID, slice.Partner.ID) })
	wg.Wait()
	st.err = cmp.Or(lockErr, curErr, chainErr)
	return st
}

// write is one PUT's state across its attempts.
type write struct {
	s           *Service
	r           PutRequest
	slice       service.Slice
	key         submission.Key
	res         *submission.Result
	match       etagMatch
	summary     *submission.Summary
	blobsStored bool
	// state is the first attempt's reading of the key, made during
	// validation; later attempts read again.
	state *keyState
}

// attempt runs the checks that depend on the store, then the transaction.
// retry is true when another writer got in first: everything is checked again.
func (w *write) attempt(ctx context.Context) (out *PutResult, retry bool, err error) {
	s := w.s
	st := w.state
	if st == nil {
		fresh := s.readKeyState(ctx, w.slice, w.key)
		st = &fresh
	}
	w.state = nil
	if st.err != nil {
		return nil, false, st.err
	}
	locks, cur, exists := st.locks, st.cur, st.exists
	if w.match != nil && !w.match(cur.Version, exists) {
		return nil, false, preconditionFailed(cur.Version, exists)
	}
	warnings := w.res.WarningList()
	switch {
	case w.r.DryRun:
		return &PutResult{Outcome: DryRun, Warnings: warnings}, false, nil
	case exists && cur.SHA256 == w.res.SHA256:
		v, err := s.withDocument(ctx, cur)
		return &PutResult{Outcome: Unchanged, Version: v, Warnings: cur.Warnings}, false, err
	}
	rec, ops, err := w.commitVersion(ctx, st.chain, cur, exists, warnings, locks)
	if i, failed := store.FailedOp(err); failed {
		if w.r.Claim != nil && i == ops-1 {
			return nil, false, service.InFlight() // the idempotency key was taken over: this request lost it
		}
		return nil, true, err
	}
	if err != nil {
		return nil, false, service.StoreErr(err, "write version")
	}
	if w.r.Claim != nil {
		w.r.Claim.MarkDone()
	}
	return &PutResult{Outcome: Created, Version: &Version{Record: rec, Key: w.key, Document: w.res.Canonical}, Warnings: warnings}, false, nil
}

// storeBlobs writes the raw body and the canonical document, content-addressed,
// together, before the transaction that references them.
func (w *write) storeBlobs(ctx context.Context) error {
	if w.blobsStored {
		return nil
	}
	var rawErr, docErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		rawErr = blob.PutBytes(ctx, w.s.Blobs, service.RawBlob(submission.SHA256Hex(w.r.Body)), w.r.Body, "application/json")
	})
	wg.Go(func() {
		docErr = blob.PutBytes(ctx, w.s.Blobs, service.DocumentBlob(w.res.SHA256), w.res.Canonical, "application/json")
	})
	wg.Wait()
	if rawErr != nil {
		return service.StoreErr(rawErr, "store raw body")
	}
	if docErr != nil {
		return service.StoreErr(docErr, "store document")
	}
	w.blobsStored = true
	return nil
}

// commitVersion runs the one transaction of a new version: the version
// (must not exist), the current pointer (must still be the version read),
// the period locks (must still be absent), the audit records with the chain
// head they move (see service.Append) and the idempotency answer; ops is
// how many operations it had. The blobs are written while the write waits
// its turn at the chain and its receipt is signed: neither adds a round
// trip of its own.
func (w *write) commitVersion(ctx context.Context, chain service.Chain, cur service.VersionRecord, exists bool, warnings []submission.Warning, locks []store.Op) (rec service.VersionRecord, ops int, err error) {
	s, p := w.s, w.r.Principal
	now := s.Clock()
	n := cur.Version + 1
	rec = service.VersionRecord{
		Region: w.slice.Region.ID, Partner: w.slice.Partner.ID, Kind: w.key.Kind, KeyValues: w.key.Values(),
		Version: n, ReceivedAt: now, ReceivedBy: service.Actor{Sub: p.Subject, Name: p.Name},
		SHA256: w.res.SHA256, RawSHA256: submission.SHA256Hex(w.r.Body), ReceiptID: service.NewID(now),
		Warnings: warnings, RequestID: logx.RequestID(ctx), Summary: w.summary, FirstReceivedAt: now,
	}
	if exists {
		rec.FirstReceivedAt = cur.FirstReceivedAt
	}
	blobs := make(chan error, 1)
	go func() { blobs <- w.storeBlobs(ctx) }()
	_, err = s.Append(ctx, chain, service.AuditRecord{
		ID: rec.ReceiptID, At: now, Region: rec.Region, Partner: rec.Partner, Actor: rec.ReceivedBy,
		Action: "submission.version-created", Target: targetOf(w.key, n), SHA256: rec.SHA256, RequestID: rec.RequestID,
	}, &service.Receipted{RawSHA256: rec.RawSHA256}, func() error { return <-blobs }, func(sealed service.Sealed) error {
		rec.Receipt, rec.Seq = sealed.Receipt, sealed.Seq()
		pk, data := service.PartnerPK(rec.Region, rec.Partner), service.EncodeRecord(rec)
		curCond := store.IfNotExists()
		if exists {
			curCond = store.IfVersion(int64(cur.Version))
		}
		txn := []store.Op{
			store.PutOp(store.Item{PK: pk, SK: service.VersionSK(w.key, n), Version: 1, Data: data}, store.IfNotExists()),
			store.PutOp(store.Item{PK: pk, SK: service.CurrentSK(w.key), Version: int64(n), Data: data}, curCond),
		}
		txn = append(txn, service.FundCopyOps(w.key, rec)...)
		txn = append(txn, locks...)
		txn = append(txn, sealed.Ops...)
		if w.r.Claim != nil {
			txn = append(txn, w.r.Claim.VersionCompletion(service.VersionRef{Region: rec.Region, Partner: rec.Partner, Kind: rec.Kind, KeyValues: rec.KeyValues, Version: n}))
		}
		ops = len(txn)
		return s.Table.Transact(ctx, txn...)
	})
	return rec, ops, err
}

func targetOf(k submission.Key, version int) map[string]any {
	t := map[string]any{"kind": k.Kind, "key": k.Fields()}
	if version > 0 {
		t["version"] = version
	}
	return t
}

func preconditionFailed(current int, exists bool) error {
	detail, field, data := "precondition.stale-none", "finding.no-submission-yet", map[string]any(nil)
	if exists {
		detail, field, data = "precondition.stale", "finding.current-version", map[string]any{"Version": current}
	}
	return apperr.Localized(apperr.PreconditionFail, detail, data).
		WithFields(apperr.Field("if-match.stale", field, data).AtHeader("If-Match"))
}

// previousReturn finds the summary of the partner's current return for the
// quarter before key's: one record read, no document.
func (s *Service) previousReturn(slice service.Slice, key submission.Key) func(context.Context) (*submission.Summary, error) {
	return func(ctx context.Context) (*submission.Summary, error) {
		prevQ, ok := key.Quarter.Previous()
		if !ok {
			return nil, nil
		}
		prevKey := key
		prevKey.Quarter = prevQ
		rec, exists, err := s.current(ctx, slice, prevKey)
		if err != nil || !exists {
			return nil, err
		}
		return rec.Summary, nil
	}
}

// documentAccepted reports whether an upload is an accepted published
// statement of this partner.
func (s *Service) documentAccepted(slice service.Slice) func(context.Context, string) (bool, error) {
	return func(ctx context.Context, id string) (bool, error) {
		it, err := s.Table.Get(ctx, service.PartnerPK(slice.Region.ID, slice.Partner.ID), service.UploadSK(id))
		if service.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, service.StoreErr(err, "read upload")
		}
		u, err := service.Decode[service.UploadRecord](it)
		return err == nil && u.Purpose == service.PurposeDocument && u.State == service.UploadAccepted, err
	}
}
