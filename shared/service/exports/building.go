package exports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// buildLimit bounds an attempt at building an export that has no deadline
// of its own (in-process); on Lambda the exports function's timeout
// (template.yaml, 900 s) is its deadline.
const buildLimit = 15 * time.Minute

// stored is an export's record as kept: what the API shows, and its
// build's lease (service/work.go).
type stored struct {
	ExportRecord
	service.Lease
}

func workItem(id string, due time.Time) service.WorkItem {
	return service.WorkItem{Kind: service.WorkExport, ID: id, Due: due}
}

func (s *Service) exportRecord(ctx context.Context, id string) (stored, int64, error) {
	it, err := s.Table.Get(ctx, exportPK(id), "EXPORT")
	if service.IsNotFound(err) {
		return stored{}, 0, exportNotFound(id)
	}
	if err != nil {
		return stored{}, 0, service.StoreErr(err, "read export")
	}
	st, err := service.Decode[stored](it)
	return st, it.Version, service.StoreErr(err, "decode export")
}

// RunExport builds a queued export (the exports function, on its job
// object). It is safe to repeat, and every export ends ready or failed: one
// already finished is left as it is; one an attempt holds is left to it
// (with an error, so that Lambda asks again later); an attempt that stops
// short releases it for Lambda's retry, and a retry after one that died
// takes it over once its lease has run out; after service.MaxAttempts
// attempts it is finished as failed.
func (s *Service) RunExport(ctx context.Context, jobKey string) error {
	id, ok := exportJobID(jobKey)
	if !ok {
		return nil
	}
	st, ver, err := s.exportRecord(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		s.Log.WarnContext(ctx, "job for an unknown export", "key", jobKey)
		return nil
	}
	if err != nil {
		return err
	}
	now := s.Clock()
	switch {
	case st.State != ExportBuilding:
		return nil // a repeated event
	case st.Held(now):
		return apperr.Localized(apperr.Unavailable, "unavailable.export-building", nil)
	case st.Attempts >= service.MaxAttempts:
		return ignoreChanged(s.failExport(ctx, st, ver, stoppedShort(st.Attempts)))
	}
	work, lease, cancel := st.Claim(ctx, now, buildLimit)
	defer cancel()
	st.Lease = lease
	if err := s.claim(ctx, st, ver); err != nil {
		return err
	}
	_, err = s.build(ctx, work, st, ver+1, true)
	return err
}

func stoppedShort(attempts int) *i18n.Message {
	if attempts == 0 {
		return i18n.NewMessage("export.failure.never-started", nil)
	}
	return i18n.NewMessage("export.failure.stopped", map[string]any{"Count": attempts})
}

// exportNotFound is the 404 of an export the caller cannot see.
func exportNotFound(id string) error {
	return apperr.Localized(apperr.NotFound, "not-found.export", map[string]any{"Value": strconv.Quote(id)})
}

// claim writes an attempt's hold on the export. A write that gave no
// definite answer is read back: it holds if the record carries this
// attempt's lease, which no other attempt could have written.
func (s *Service) claim(ctx context.Context, st stored, version int64) error {
	err := s.putExport(ctx, st, version, st.LeaseUntil.Add(service.RetryWindow))
	if err == nil || apperr.Is(err, apperr.Conflict) {
		return err
	}
	if cur, v, rerr := s.exportRecord(ctx, st.ID); rerr == nil && v == version+1 && cur.LeaseHolder == st.LeaseHolder {
		return nil
	}
	return err
}

// putExport writes a building export, due to have finished by due.
func (s *Service) putExport(ctx context.Context, st stored, version int64, due time.Time) error {
	err := s.Table.Transact(ctx, store.PutOp(store.Item{PK: exportPK(st.ID), SK: "EXPORT", Version: version + 1, Data: service.Encode(st)}, store.IfVersion(version)),
		service.ListWork(workItem(st.ID, due)))
	if errors.Is(err, store.ErrConditionFailed) {
		return apperr.Localized(apperr.Conflict, "conflict.export-changed", nil)
	}
	return service.StoreErr(err, "update export")
}

// build builds the files in work and records the outcome. A build that
// stops short for a reason a retry may not meet (the store busy, the time
// up) is, when queued with attempts left, released for Lambda's retry and
// its error returned; otherwise the export is recorded as failed, and the
// error returned too when it was built in the request and a retry of the
// request may succeed (503).
func (s *Service) build(ctx, work context.Context, st stored, version int64, queued bool) (*ExportRecord, error) {
	m, jws, err := s.buildExport(work, st.ExportRecord)
	settle, done := service.Settle(ctx)
	defer done()
	if err == nil {
		ready, at := st, s.Clock()
		ready.State, ready.Manifest, ready.ManifestJWS, ready.CompletedAt = ExportReady, m, jws, &at
		ready.AsOfSequence = m.AsOfSequence
		err := s.finishExport(settle, &ready, version)
		if err != nil && !errors.Is(err, errChanged) && queued {
			s.release(settle, st, version)
		}
		return s.finished(settle, ready, err)
	}
	s.Log.ErrorContext(ctx, "build export", "export", st.ID, "attempt", st.Attempts, "error", err)
	transient := apperr.Is(err, apperr.Unavailable) || work.Err() != nil
	if queued && transient && st.Attempts < service.MaxAttempts {
		s.release(settle, st, version)
		return nil, err
	}
	reason := i18n.NewMessage("export.failure.not-built", nil)
	if transient {
		reason = stoppedShort(st.Attempts)
	}
	rec, ferr := s.finished(settle, st, s.failExport(settle, st, version, reason))
	if ferr == nil && transient && !queued {
		return nil, err
	}
	return rec, ferr
}

// release gives up an attempt's hold, so that Lambda's retry can start at
// once; if even that cannot be written, the retry waits out the lease.
func (s *Service) release(ctx context.Context, st stored, version int64) {
	st.Lease = st.Released()
	if err := s.putExport(ctx, st, version, s.Clock().Add(service.RetryWindow)); err != nil {
		s.Log.WarnContext(ctx, "release export", "export", st.ID, "error", err)
	}
}

// finished is the export as recorded: st, or, when it changed meanwhile,
// as it now stands.
func (s *Service) finished(ctx context.Context, st stored, err error) (*ExportRecord, error) {
	if errors.Is(err, errChanged) {
		cur, _, err := s.exportRecord(ctx, st.ID)
		return &cur.ExportRecord, err
	}
	return &st.ExportRecord, err
}

// errChanged: the export changed since it was read (the sweeper finished
// an attempt that overran its lease); that outcome stands.
var errChanged = errors.New("the export changed meanwhile")

func ignoreChanged(err error) error {
	if errors.Is(err, errChanged) {
		return nil
	}
	return err
}

// finishExport records a final state and takes the export off the
// unfinished work. A built export gets its audit record and its receipt,
// in the region's chain, stating the SHA-256 of its canonical manifest.
// A write that raced another on the trail reads the export again: if it
// changed meanwhile, that outcome stands (errChanged).
func (s *Service) finishExport(ctx context.Context, st *stored, version int64) error {
	st.Lease = st.Released()
	first := true
	return s.Retry.Do(ctx, "unavailable.region-trail", func() (bool, error) {
		if !first {
			if _, cur, err := s.exportRecord(ctx, st.ID); err != nil || cur != version {
				return false, cmp.Or(err, errChanged)
			}
		}
		first = false
		var sealed service.Sealed
		if st.State == ExportReady {
			var err error
			if sealed, err = s.sealBuilt(ctx, st); err != nil {
				return false, err
			}
		}
		ops := append([]store.Op{store.PutOp(store.Item{PK: exportPK(st.ID), SK: "EXPORT", Version: version + 1, Data: service.Encode(*st)}, store.IfVersion(version)),
			service.WorkDone(service.WorkExport, st.ID)}, sealed.Ops...)
		err := s.Table.Transact(ctx, ops...)
		if errors.Is(err, store.ErrConditionFailed) {
			return true, err // the export or the trail moved: read them again
		}
		return false, service.StoreErr(err, "record export")
	})
}

// sealBuilt signs a ready export's receipt and links its audit record.
func (s *Service) sealBuilt(ctx context.Context, st *stored) (service.Sealed, error) {
	chain, err := s.ReadChain(ctx, st.Region, "")
	if err != nil {
		return service.Sealed{}, err
	}
	manifest, err := receipt.Canonical(st.Manifest)
	if err != nil {
		return service.Sealed{}, fmt.Errorf("canonical manifest: %w", err)
	}
	at := *st.CompletedAt
	sealed, err := s.Seal(ctx, chain, service.AuditRecord{ID: service.NewID(at), At: at, Region: st.Region, Actor: st.CreatedBy, Action: "export.built",
		Target:  map[string]any{"exportId": st.ID, "financialYear": st.FinancialYear, "format": st.Format},
		SHA256:  receipt.Hash(manifest),
		Details: map[string]string{"asAt": st.Manifest.AsAt}}, &service.Receipted{})
	st.Receipt = sealed.Receipt
	return sealed, err
}

// failExport finishes an export that will not be built, reported at error:
// someone has to request it again.
func (s *Service) failExport(ctx context.Context, st stored, version int64, reason *i18n.Message) error {
	at := s.Clock()
	st.State, st.Failure, st.FailureText, st.CompletedAt = ExportFailed, reason.In(i18n.English), reason, &at
	if err := s.finishExport(ctx, &st, version); err != nil {
		return err
	}
	s.Log.ErrorContext(ctx, "export failed", "export", st.ID, "region", st.Region, "attempts", st.Attempts, "reason", st.Failure)
	return nil
}

// SweepExport finishes as failed an export listed as overdue, and says
// why; one finished or taken over meanwhile is left as it is (reason "").
func (s *Service) SweepExport(ctx context.Context, w service.WorkItem) (string, error) {
	st, ver, err := s.exportRecord(ctx, w.ID)
	switch {
	case apperr.Is(err, apperr.NotFound), err == nil && st.State != ExportBuilding:
		return "", service.StoreErr(s.Table.Transact(ctx, service.WorkDone(w.Kind, w.ID)), "tidy work")
	case err != nil:
		return "", err
	case st.Held(s.Clock()):
		return "", nil
	}
	reason := stoppedShort(st.Attempts)
	if err := s.failExport(ctx, st, ver, reason); err != nil {
		return "", ignoreChanged(err)
	}
	return reason.In(i18n.English), nil
}
