package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// LockPeriod locks a fund's quarter or year: new versions, sign-offs and
// consent changes in it are refused until it is unlocked. Locking a locked
// period returns the existing lock (created false).
func (s *Service) LockPeriod(ctx context.Context, p *auth.Principal, regionID, fundID, periodText string) (LockRecord, bool, error) {
	reg, err := s.authorizeRegional(p, regionID, auth.PeriodsManage)
	if err != nil {
		return LockRecord{}, false, err
	}
	f, err := fund(reg, fundID)
	if err != nil {
		return LockRecord{}, false, err
	}
	per, err := parsePeriod(f, periodText)
	if err != nil {
		return LockRecord{}, false, err
	}
	now := s.clock()
	rec := LockRecord{Fund: f.ID, Period: per.String(), LockedAt: now, LockedBy: Actor{Sub: p.Subject, Name: p.Name}}
	ops := append([]store.Op{store.PutOp(store.Item{PK: regionPK(reg.ID), SK: lockSK(f.ID, rec.Period), Version: 1, Data: encode(rec)}, store.IfNotExists())},
		auditOps(AuditRecord{ID: newID(now), At: now, Region: reg.ID, Actor: rec.LockedBy, Action: "period.locked",
			Target: map[string]any{"fund": f.ID, "period": rec.Period}, RequestID: logx.RequestID(ctx)})...)
	err = s.table.Transact(ctx, ops...)
	if i, failed := store.FailedOp(err); failed && i == 0 {
		existing, err := s.lock(ctx, reg.ID, f.ID, rec.Period)
		return existing, false, err
	}
	return rec, err == nil, storeErr(err, "lock period")
}

// UnlockPeriod removes a lock, with the reason recorded in the audit trail.
// A quarter inside a locked year stays locked.
func (s *Service) UnlockPeriod(ctx context.Context, p *auth.Principal, regionID, fundID, periodText, reason string) error {
	reg, err := s.authorizeRegional(p, regionID, auth.PeriodsManage)
	if err != nil {
		return err
	}
	f, err := fund(reg, fundID)
	if err != nil {
		return err
	}
	per, err := parsePeriod(f, periodText)
	if err != nil {
		return err
	}
	if per.Quarter != nil {
		if year, err := s.lock(ctx, reg.ID, f.ID, per.Year.String()); err == nil {
			e := lockedError(year)
			e.Detail = fmt.Sprintf("%s stays locked while %s is locked; unlock the year first.", per, per.Year)
			return e
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	it, err := s.table.Get(ctx, regionPK(reg.ID), lockSK(f.ID, per.String()))
	if isNotFound(err) {
		return apperr.Newf(apperr.NotFound, "%s of %s is not locked.", per, f.ID)
	}
	if err != nil {
		return storeErr(err, "read lock")
	}
	now := s.clock()
	ops := append([]store.Op{store.DeleteOp(regionPK(reg.ID), lockSK(f.ID, per.String()), store.IfVersion(it.Version))},
		auditOps(AuditRecord{ID: newID(now), At: now, Region: reg.ID, Actor: Actor{Sub: p.Subject, Name: p.Name}, Action: "period.unlocked",
			Target: map[string]any{"fund": f.ID, "period": per.String()}, Details: map[string]string{"reason": reason}, RequestID: logx.RequestID(ctx)})...)
	err = s.table.Transact(ctx, ops...)
	if errors.Is(err, store.ErrConditionFailed) {
		return apperr.New(apperr.Conflict, "The lock changed while it was being removed; read it again.")
	}
	return storeErr(err, "unlock period")
}

// lock reads one lock (NotFound when the period is not locked).
func (s *Service) lock(ctx context.Context, regionID, fundID, per string) (LockRecord, error) {
	it, err := s.table.Get(ctx, regionPK(regionID), lockSK(fundID, per))
	if isNotFound(err) {
		return LockRecord{}, apperr.Newf(apperr.NotFound, "%s of %s is not locked.", per, fundID)
	}
	if err != nil {
		return LockRecord{}, storeErr(err, "read lock")
	}
	rec, err := decode[LockRecord](it)
	return rec, storeErr(err, "decode lock")
}
