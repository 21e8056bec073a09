package service

import (
	"context"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// LockRecord is a locked period of a fund.
type LockRecord struct {
	Fund     string    `json:"fund"`
	Period   string    `json:"period"`
	LockedAt time.Time `json:"lockedAt"`
	LockedBy Actor     `json:"lockedBy"`
}

// lockedPeriods are the periods whose lock covers a key: a year lock covers
// that year's contributions and returns; a quarter lock its returns.
func lockedPeriods(key submission.Key) []string {
	switch key.Kind {
	case submission.PoolContributions:
		return []string{key.FinancialYear.String()}
	case submission.QuarterlyReturns:
		return []string{key.Quarter.Year.String(), key.Quarter.String()}
	}
	return nil
}

// lockChecks refuses a key in a locked period (409 naming the lock), and
// otherwise returns the transaction checks that keep it unlocked until the
// write commits. The periods' locks are read together.
func (s *Service) lockChecks(ctx context.Context, region string, key submission.Key) ([]store.Op, error) {
	periods := lockedPeriods(key)
	items := make([]store.Item, len(periods))
	errs := make([]error, len(periods))
	var wg sync.WaitGroup
	for i, p := range periods {
		wg.Go(func() { items[i], errs[i] = s.table.Get(ctx, regionPK(region), lockSK(key.FundID, p)) })
	}
	wg.Wait()
	var ops []store.Op
	for i, p := range periods {
		switch err := errs[i]; {
		case err == nil:
			lock, derr := decode[LockRecord](items[i])
			if derr != nil {
				return nil, storeErr(derr, "decode lock")
			}
			return nil, lockedError(lock)
		case !isNotFound(err):
			return nil, storeErr(err, "read lock")
		}
		ops = append(ops, store.CheckOp(regionPK(region), lockSK(key.FundID, p), store.IfNotExists()))
	}
	return ops, nil
}

func lockedError(l LockRecord) *apperr.Error {
	by := l.LockedBy.Name
	if by == "" {
		by = l.LockedBy.Sub
	}
	e := apperr.Newf(apperr.Locked, "%s of %s is locked.", l.Period, l.Fund)
	e.Lock = &apperr.Lock{Period: l.Period, LockedAt: l.LockedAt, LockedBy: by}
	return e
}

// RegionView is a region's configuration with its lock state.
type RegionView struct {
	Region *region.Region
	Locks  []LockRecord
}

// Region reads a region's configuration and current locks.
func (s *Service) Region(ctx context.Context, p *auth.Principal, id string) (*RegionView, error) {
	reg, err := s.AuthorizeRegion(p, id)
	if err != nil {
		return nil, err
	}
	locks, err := decodeAll[LockRecord](ctx, s, store.Query{PK: regionPK(reg.ID), Prefix: "LOCK#"})
	if locks == nil {
		locks = []LockRecord{}
	}
	return &RegionView{Region: reg, Locks: locks}, err
}
