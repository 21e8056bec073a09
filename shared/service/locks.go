package service

import (
	"context"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// LockRecord is a locked period of a fund.
type LockRecord struct {
	Fund     string    `json:"fund"`
	Period   string    `json:"period"`
	LockedAt time.Time `json:"lockedAt"`
	LockedBy Actor     `json:"lockedBy"`
	// Receipt is the lock's signed receipt (a compact JWS).
	Receipt string `json:"receipt,omitempty"`
}

// UnlockRecord is what an unlock did: the lock it removed, by whom, when
// and why, and the unlock's receipt.
type UnlockRecord struct {
	Fund       string    `json:"fund"`
	Period     string    `json:"period"`
	UnlockedAt time.Time `json:"unlockedAt"`
	UnlockedBy Actor     `json:"unlockedBy"`
	Reason     string    `json:"reason"`
	Receipt    string    `json:"receipt"`
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

// LockChecks refuses a key in a locked period (409 naming the lock), and
// otherwise returns the transaction checks that keep it unlocked until the
// write commits. The periods' locks are read together.
func (s *Service) LockChecks(ctx context.Context, region string, key submission.Key) ([]store.Op, error) {
	periods := lockedPeriods(key)
	items := make([]store.Item, len(periods))
	errs := make([]error, len(periods))
	var wg sync.WaitGroup
	for i, p := range periods {
		wg.Go(func() { items[i], errs[i] = s.Table.Get(ctx, RegionPK(region), LockSK(key.FundID, p)) })
	}
	wg.Wait()
	var ops []store.Op
	for i, p := range periods {
		switch err := errs[i]; {
		case err == nil:
			lock, derr := Decode[LockRecord](items[i])
			if derr != nil {
				return nil, StoreErr(derr, "decode lock")
			}
			return nil, LockedError(lock)
		case !IsNotFound(err):
			return nil, StoreErr(err, "read lock")
		}
		ops = append(ops, store.CheckOp(RegionPK(region), LockSK(key.FundID, p), store.IfNotExists()))
	}
	return ops, nil
}

// LockedError is the 409 that names a lock.
func LockedError(l LockRecord) *apperr.Error {
	by := l.LockedBy.Name
	if by == "" {
		by = l.LockedBy.Sub
	}
	e := apperr.Localized(apperr.Locked, "locked.period", map[string]any{"Period": l.Period, "Fund": l.Fund})
	e.Lock = &apperr.Lock{Period: l.Period, LockedAt: l.LockedAt, LockedBy: by}
	return e
}
