package regionview

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Period is a fund period: a whole financial year or one quarter.
type Period struct {
	Year    period.FinancialYear
	Quarter *period.Quarter
}

func (p Period) String() string {
	if p.Quarter != nil {
		return p.Quarter.String()
	}
	return p.Year.String()
}

// parsePeriod reads a lockable period of a fund.
func parsePeriod(f *region.Fund, s string) (Period, error) {
	var p Period
	if q, err := period.ParseQuarter(s); err == nil {
		p = Period{Year: q.Year, Quarter: &q}
	} else if y, err := period.ParseFinancialYear(s); err == nil {
		p = Period{Year: y}
	} else {
		return p, submission.RulePeriodInvalid.ParamError("period", "finding.period-invalid", map[string]any{"Value": strconv.Quote(s)})
	}
	if !f.HasYear(p.Year) {
		return p, submission.RulePeriodOutside.ParamError("period", "finding.fund-not-running", map[string]any{"Fund": f.ID, "Year": p.Year.String()})
	}
	return p, nil
}

// LockPeriod locks a fund's quarter or year: new versions, sign-offs and
// consent changes in it are refused until it is unlocked. Locking a locked
// period returns the existing lock (created false).
func (s *Service) LockPeriod(ctx context.Context, p *auth.Principal, regionID, fundID, periodText string) (service.LockRecord, bool, error) {
	reg, f, err := s.regionalFund(p, regionID, fundID, auth.PeriodsManage)
	if err != nil {
		return service.LockRecord{}, false, err
	}
	per, err := parsePeriod(f, periodText)
	if err != nil {
		return service.LockRecord{}, false, err
	}
	var rec service.LockRecord
	created := false
	err = s.Retry.Do(ctx, "unavailable.report-locking", func() (bool, error) {
		chain, err := s.ReadChain(ctx, reg.ID, "")
		if err != nil {
			return false, err
		}
		now := s.Clock()
		rec = service.LockRecord{Fund: f.ID, Period: per.String(), LockedAt: now, LockedBy: service.Actor{Sub: p.Subject, Name: p.Name}}
		sealed, err := s.Seal(ctx, chain, service.AuditRecord{ID: service.NewID(now), At: now, Region: reg.ID, Actor: rec.LockedBy, Action: "period.locked",
			Target: map[string]any{"fund": f.ID, "period": rec.Period}, RequestID: logx.RequestID(ctx)}, &service.Receipted{})
		if err != nil {
			return false, err
		}
		rec.Receipt = sealed.Receipt
		data := service.Encode(rec)
		ops := append([]store.Op{store.PutOp(store.Item{PK: service.RegionPK(reg.ID), SK: service.LockSK(f.ID, rec.Period), Version: 1, Data: data}, store.IfNotExists()),
			service.HistoryOp(service.RegionPK(reg.ID), service.LockSK(f.ID, rec.Period), sealed.Seq(), data, nil)},
			sealed.Ops...)
		if per.Quarter != nil {
			freeze, err := s.freezeReport(ctx, reportScope{reg: reg, fund: f, quarter: *per.Quarter}, sealed.Seq())
			if err != nil {
				return false, err
			}
			ops = append(ops, freeze...)
		}
		err = s.Table.Transact(ctx, ops...)
		if i, failed := store.FailedOp(err); failed && i == 0 {
			rec, err = s.lock(ctx, reg.ID, f.ID, rec.Period) // locked already: that lock is the answer
			return false, err
		}
		switch {
		case err == nil:
			created = true
			return false, nil
		case errors.Is(err, store.ErrConditionFailed):
			return true, err // the report's inputs changed as it was frozen: freeze it again
		}
		return false, service.StoreErr(err, "lock period")
	})
	return rec, created, err
}

// freezeReport are the ops that keep, with a quarter's lock, the content of
// the fund's report for the quarter as it stands, so that the locked
// quarter's report does not move when something its lock does not hold
// changes (the year's contributions, an earlier quarter's return a member's
// position still uses): the content, held to the records it came from.
// The lock's event seq notes it in the content's history (a frozen content
// left behind by a raced unlock is noted as absent before: it is used only
// while a lock stands).
func (s *Service) freezeReport(ctx context.Context, sc reportScope, seq int64) ([]store.Op, error) {
	b, err := s.buildReport(ctx, sc)
	if err != nil {
		return nil, err
	}
	it := store.Item{PK: service.RegionPK(sc.reg.ID), SK: reportFrozenSK(sc.fund.ID, sc.quarter), Version: 1, Data: service.Encode(b.report.Content)}
	return append([]store.Op{store.PutOp(it, store.Condition{}), service.HistoryOp(it.PK, it.SK, seq, it.Data, nil)}, b.inputs...), nil
}

// UnlockPeriod removes a lock, with the reason recorded in the audit trail,
// and answers with the unlock's receipt. A quarter inside a locked year
// stays locked.
func (s *Service) UnlockPeriod(ctx context.Context, p *auth.Principal, regionID, fundID, periodText, reason string) (service.UnlockRecord, error) {
	var out service.UnlockRecord
	reg, f, err := s.regionalFund(p, regionID, fundID, auth.PeriodsManage)
	if err != nil {
		return out, err
	}
	per, err := parsePeriod(f, periodText)
	if err != nil {
		return out, err
	}
	if per.Quarter != nil {
		if year, err := s.lock(ctx, reg.ID, f.ID, per.Year.String()); err == nil {
			return out, service.LockedError(year).Saying("locked.year-first", map[string]any{"Period": per.String(), "Year": per.Year.String()})
		} else if !apperr.Is(err, apperr.NotFound) {
			return out, err
		}
	}
	err = s.Retry.Do(ctx, "unavailable.unlocking", func() (bool, error) {
		var it, frozen store.Item
		chain, err := s.ReadChainWith(ctx, reg.ID, "", func() (err error) {
			var frozenErr error
			var wg sync.WaitGroup
			if per.Quarter != nil { // the frozen content, for its history
				wg.Go(func() {
					frozen, frozenErr = s.Table.Get(ctx, service.RegionPK(reg.ID), reportFrozenSK(f.ID, *per.Quarter))
				})
			}
			it, err = s.Table.Get(ctx, service.RegionPK(reg.ID), service.LockSK(f.ID, per.String()))
			wg.Wait()
			if service.IsNotFound(err) {
				return notLocked(per.String(), f.ID)
			}
			if err == nil && !service.IsNotFound(frozenErr) {
				err = frozenErr
			}
			return service.StoreErr(err, "read lock")
		})
		if err != nil {
			return false, err
		}
		now := s.Clock()
		out = service.UnlockRecord{Fund: f.ID, Period: per.String(), UnlockedAt: now, UnlockedBy: service.Actor{Sub: p.Subject, Name: p.Name}, Reason: reason}
		sealed, err := s.Seal(ctx, chain, service.AuditRecord{ID: service.NewID(now), At: now, Region: reg.ID, Actor: out.UnlockedBy, Action: "period.unlocked",
			Target: map[string]any{"fund": f.ID, "period": per.String()}, Details: map[string]string{"reason": reason}, RequestID: logx.RequestID(ctx)}, &service.Receipted{})
		if err != nil {
			return false, err
		}
		out.Receipt = sealed.Receipt
		pk := service.RegionPK(reg.ID)
		ops := []store.Op{store.DeleteOp(pk, service.LockSK(f.ID, per.String()), store.IfVersion(it.Version)),
			service.HistoryOp(pk, service.LockSK(f.ID, per.String()), sealed.Seq(), nil, it.Data)}
		if per.Quarter != nil {
			ops = append(ops, store.DeleteOp(pk, reportFrozenSK(f.ID, *per.Quarter), store.Condition{}),
				service.HistoryOp(pk, reportFrozenSK(f.ID, *per.Quarter), sealed.Seq(), nil, frozen.Data))
		}
		err = s.Table.Transact(ctx, append(ops, sealed.Ops...)...)
		if errors.Is(err, store.ErrConditionFailed) {
			return true, err // the lock or the trail moved: read both again
		}
		return false, service.StoreErr(err, "unlock period")
	})
	return out, err
}

// lock reads one lock (NotFound when the period is not locked).
func (s *Service) lock(ctx context.Context, regionID, fundID, per string) (service.LockRecord, error) {
	it, err := s.Table.Get(ctx, service.RegionPK(regionID), service.LockSK(fundID, per))
	if service.IsNotFound(err) {
		return service.LockRecord{}, notLocked(per, fundID)
	}
	if err != nil {
		return service.LockRecord{}, service.StoreErr(err, "read lock")
	}
	rec, err := service.Decode[service.LockRecord](it)
	return rec, service.StoreErr(err, "decode lock")
}

// notLocked is the 404 of a period that is not locked.
func notLocked(per, fundID string) error {
	return apperr.Localized(apperr.NotFound, "not-found.lock", map[string]any{"Period": per, "Fund": fundID})
}
