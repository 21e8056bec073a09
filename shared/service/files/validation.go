package files

import (
	"context"
	"errors"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// validationLimit bounds an attempt at validating an upload that has no
// deadline of its own (the local run); on Lambda the uploads function's
// timeout (template.yaml, 300 s) is its deadline.
const validationLimit = 5 * time.Minute

func workItem(rec service.UploadRecord, due time.Time) service.WorkItem {
	return service.WorkItem{Kind: service.WorkUpload, ID: rec.ID, Region: rec.Region, Partner: rec.Partner, Due: due}
}

// UploadArrived validates an object that landed in the uploads bucket (S3
// ObjectCreated in AWS, the local server's presigned PUT locally): an
// accepted CSV becomes a version through exactly the path a JSON PUT takes.
// It is safe to repeat, and every upload ends decided: one already decided
// is left as it is; one an attempt holds is left to it (with an error, so
// that Lambda asks again later); an attempt that stops short releases it,
// and a retry after one that died takes it over once its lease has run
// out; after service.MaxAttempts attempts it is finished as failed. An
// error asks for the event to be retried. An object no upload was started
// for is logged and left alone.
func (s *Service) UploadArrived(ctx context.Context, bucket, key string) error {
	region, partner, id, ok := parseUploadKey(key)
	if !ok {
		s.Log.WarnContext(ctx, "object is not an upload", "bucket", bucket, "key", key)
		return nil
	}
	rec, ver, err := s.upload(ctx, region, partner, id)
	if apperr.Is(err, apperr.NotFound) {
		s.Log.WarnContext(ctx, "object for an unknown upload", "bucket", bucket, "key", key)
		return nil
	}
	if err != nil {
		return err
	}
	now := s.Clock()
	switch {
	case rec.Final():
		return nil // a repeated event
	case rec.Held(now):
		return apperr.Localized(apperr.Unavailable, "unavailable.upload-validating", nil)
	case rec.Attempts >= service.MaxAttempts:
		return ignoreChanged(s.failUpload(ctx, rec, ver, stoppedShort(rec.Attempts)))
	}
	work, lease, cancel := rec.Claim(ctx, now, validationLimit)
	defer cancel()
	rec.State, rec.UpdatedAt, rec.Lease = service.UploadValidating, now, lease
	if err := s.claim(ctx, rec, ver); err != nil {
		return err
	}
	ver++
	out, err := s.validateUpload(work, rec)
	settle, done := service.Settle(ctx)
	defer done()
	if err != nil {
		s.Log.ErrorContext(ctx, "validate upload", "upload", rec.ID, "attempt", rec.Attempts, "error", err)
		if rec.Attempts >= service.MaxAttempts {
			return ignoreChanged(s.failUpload(settle, rec, ver, stoppedShort(rec.Attempts)))
		}
		s.release(settle, rec, ver)
		return err
	}
	if err := s.finishUpload(settle, out, ver); err != nil && !errors.Is(err, errChanged) {
		s.release(settle, rec, ver)
		return err
	}
	return nil
}

// release gives up an attempt's hold, so that Lambda's retry can start at
// once; if even that cannot be written, the retry waits out the lease.
func (s *Service) release(ctx context.Context, rec service.UploadRecord, version int64) {
	rec.Lease = rec.Released()
	if err := s.putUpload(ctx, rec, version, s.Clock().Add(service.RetryWindow)); err != nil {
		s.Log.WarnContext(ctx, "release upload", "upload", rec.ID, "error", err)
	}
}

// ignoreChanged: an upload another finished meanwhile needs nothing more.
func ignoreChanged(err error) error {
	if errors.Is(err, errChanged) {
		return nil
	}
	return err
}

func stoppedShort(attempts int) *i18n.Message {
	return i18n.NewMessage("upload.failure.stopped", map[string]any{"Count": attempts})
}

// claim writes an attempt's hold on the upload. A write that gave no
// definite answer is read back: it holds if the record carries this
// attempt's lease, which no other attempt could have written.
func (s *Service) claim(ctx context.Context, rec service.UploadRecord, version int64) error {
	err := s.putUpload(ctx, rec, version, rec.LeaseUntil.Add(service.RetryWindow))
	if err == nil || apperr.Is(err, apperr.Conflict) {
		return err
	}
	if cur, v, rerr := s.upload(ctx, rec.Region, rec.Partner, rec.ID); rerr == nil && v == version+1 && cur.LeaseHolder == rec.LeaseHolder {
		return nil
	}
	return err
}

// putUpload writes a state short of final, the upload due to have
// finished by due.
func (s *Service) putUpload(ctx context.Context, rec service.UploadRecord, version int64, due time.Time) error {
	err := s.Table.Transact(ctx, store.PutOp(store.Item{PK: service.PartnerPK(rec.Region, rec.Partner), SK: service.UploadSK(rec.ID), Version: version + 1, Data: service.Encode(rec)}, store.IfVersion(version)),
		service.ListWork(workItem(rec, due)))
	if errors.Is(err, store.ErrConditionFailed) {
		return apperr.Localized(apperr.Conflict, "conflict.upload-changed", nil)
	}
	return service.StoreErr(err, "update upload")
}

// errChanged: the upload changed since it was read (the sweeper finished
// an attempt that overran its lease); that outcome stands.
var errChanged = errors.New("the upload changed meanwhile")

// finishUpload records the outcome with its audit record and, for a
// decision (accepted or rejected), its receipt, and takes the upload off
// the unfinished work. A write that raced another on the trail reads the
// upload again: if it changed meanwhile, that outcome stands (errChanged).
func (s *Service) finishUpload(ctx context.Context, rec service.UploadRecord, version int64) error {
	rec.UpdatedAt, rec.Lease = s.Clock(), rec.Released()
	if len(rec.Errors) > maxUploadErrors {
		rec.Errors = rec.Errors[:maxUploadErrors]
	}
	var receipted *service.Receipted
	if rec.State == service.UploadAccepted || rec.State == service.UploadRejected {
		receipted = &service.Receipted{}
	}
	first := true
	return s.Retry.Do(ctx, "unavailable.partner-trail", func() (bool, error) {
		chain, err := s.ReadChainWith(ctx, rec.Region, rec.Partner, func() error {
			if first { // the upload as the caller read it
				return nil
			}
			cur, err := s.Table.Get(ctx, service.PartnerPK(rec.Region, rec.Partner), service.UploadSK(rec.ID))
			if err == nil && cur.Version != version {
				return errChanged
			}
			return service.StoreErr(err, "read upload")
		})
		if err != nil {
			return false, err
		}
		first = false
		sealed, err := s.Seal(ctx, chain, service.AuditRecord{ID: service.NewID(rec.UpdatedAt), At: rec.UpdatedAt, Region: rec.Region, Partner: rec.Partner, Actor: rec.CreatedBy,
			Action: "upload." + rec.State, Target: map[string]any{"uploadId": rec.ID, "purpose": rec.Purpose}, SHA256: rec.SHA256}, receipted)
		if err != nil {
			return false, err
		}
		rec.Receipt = sealed.Receipt
		ops := append([]store.Op{store.PutOp(store.Item{PK: service.PartnerPK(rec.Region, rec.Partner), SK: service.UploadSK(rec.ID), Version: version + 1, Data: service.Encode(rec)}, store.IfVersion(version)),
			service.WorkDone(service.WorkUpload, rec.ID)}, sealed.Ops...)
		err = s.Table.Transact(ctx, ops...)
		if errors.Is(err, store.ErrConditionFailed) {
			return true, err // the upload or the trail moved: read them again
		}
		return false, service.StoreErr(err, "finish upload")
	})
}

// failUpload finishes an upload that will never be decided, reported at
// error: someone has to upload the file again. One that changed meanwhile
// is left as it is (errChanged).
func (s *Service) failUpload(ctx context.Context, rec service.UploadRecord, version int64, reason *i18n.Message) error {
	state := rec.State
	rec.State, rec.Failure, rec.FailureText, rec.Errors = service.UploadFailed, reason.In(i18n.English), reason, []service.UploadError{}
	if err := s.finishUpload(ctx, rec, version); err != nil {
		return err
	}
	s.Log.ErrorContext(ctx, "upload failed", "upload", rec.ID, "region", rec.Region, "partner", rec.Partner, "was", state, "attempts", rec.Attempts, "reason", rec.Failure)
	return nil
}

// SweepUpload finishes as failed an upload listed as overdue, and says why;
// one decided or taken over meanwhile is left as it is (reason "").
func (s *Service) SweepUpload(ctx context.Context, w service.WorkItem) (string, error) {
	rec, ver, err := s.upload(ctx, w.Region, w.Partner, w.ID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return "", service.StoreErr(s.Table.Transact(ctx, service.WorkDone(w.Kind, w.ID)), "tidy work")
	case err != nil:
		return "", err
	case rec.Final():
		return "", service.StoreErr(s.Table.Transact(ctx, service.WorkDone(w.Kind, w.ID)), "tidy work")
	case rec.Held(s.Clock()):
		return "", nil
	}
	reason := stoppedShort(rec.Attempts)
	if rec.State == service.UploadPending {
		reason = i18n.NewMessage("upload.failure.no-file", nil)
		if _, err := s.uploads.Stat(ctx, uploadKey(rec.Region, rec.Partner, rec.ID)); err == nil {
			reason = i18n.NewMessage("upload.failure.never-started", nil)
		} else if !errors.Is(err, blob.ErrNotFound) {
			return "", service.StoreErr(err, "stat upload")
		}
	}
	if err := s.failUpload(ctx, rec, ver, reason); err != nil {
		return "", ignoreChanged(err)
	}
	return reason.In(i18n.English), nil
}
