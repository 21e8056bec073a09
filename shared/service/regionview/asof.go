package regionview

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// The region's views as at an event (see service/asof.go for what is kept):
// each reads, as at event n, the same records its current read reads, in
// the same form, so that the same code computes both.

// readPositionItemsAsOf reads a fund-year's records as event n left them:
// each member's contribution and returns as they stood (from the versions
// they keep, in the fund-year copies' form) and the consents (from their
// history), all together.
func (s *Service) readPositionItemsAsOf(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear, n int64) (positionItems, error) {
	members := f.MembersIn(year)
	contributions := make([][]store.Item, len(members))
	returns := make([][]store.Item, len(members))
	errs := make([]error, 2*len(members)+1)
	var items positionItems
	var wg sync.WaitGroup
	pk := service.PartnerPK
	fy := service.FundYearPK(reg.ID, f.ID, year)
	for i, m := range members {
		wg.Go(func() {
			key := submission.Key{Kind: submission.PoolContributions, FundID: f.ID, FinancialYear: year}
			contributions[i], errs[2*i] = s.copiesAsOf(ctx, pk(reg.ID, m), service.VersionPrefix(key), n, fy, func(service.VersionRecord) string { return "C#" + m })
		})
		wg.Go(func() {
			prefix := service.VersionPrefixAny(submission.QuarterlyReturns) + f.ID + "#" + year.String() + "-Q"
			returns[i], errs[2*i+1] = s.copiesAsOf(ctx, pk(reg.ID, m), prefix, n, fy, func(r service.VersionRecord) string { return "Q#" + m + "#" + r.KeyValues[1] })
		})
	}
	wg.Go(func() {
		items.consents, _, errs[len(errs)-1] = s.ItemsAsOf(ctx, service.RegionPK(reg.ID), consentPrefix(f.ID, year.String()), n)
	})
	wg.Wait()
	if err := cmp.Or(errs...); err != nil {
		return items, err
	}
	for i := range members {
		items.contributions = append(items.contributions, contributions[i]...)
		items.returns = append(items.returns, returns[i]...)
	}
	return items, nil
}

// copiesAsOf reads the versions under prefix as at n, as the fund-year
// partition's copies (sk names each).
func (s *Service) copiesAsOf(ctx context.Context, pk, prefix string, n int64, fy string, sk func(service.VersionRecord) string) ([]store.Item, error) {
	recs, err := s.VersionsAsOf(ctx, pk, prefix, n)
	out := make([]store.Item, 0, len(recs))
	for _, r := range recs {
		out = append(out, store.Item{PK: fy, SK: sk(r), Version: int64(r.Version), Data: service.Encode(service.PositionRecordOf(r))})
	}
	return out, err
}

// currentOfAsOf is currentOf as event n left it.
func (s *Service) currentOfAsOf(ctx context.Context, reg *region.Region, kind submission.Kind, n int64) (map[string][]service.VersionRecord, error) {
	per := make([][]service.VersionRecord, len(reg.Partners))
	errs := make([]error, len(reg.Partners))
	var wg sync.WaitGroup
	for i, p := range reg.Partners {
		wg.Go(func() {
			per[i], errs[i] = s.VersionsAsOf(ctx, service.PartnerPK(reg.ID, p.ID), service.VersionPrefixAny(kind), n)
		})
	}
	wg.Wait()
	if err := cmp.Or(errs...); err != nil {
		return nil, err
	}
	out := make(map[string][]service.VersionRecord, len(reg.Partners))
	for i, p := range reg.Partners {
		out[p.ID] = per[i]
	}
	return out, nil
}

// ConsentsAsOf reads a fund-year's consents as event n left them (an
// export's snapshot), and the last event at or before n that gave or
// withdrew one (0: none since the region's history began).
func (s *Service) ConsentsAsOf(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear, n int64) ([]ConsentRecord, int64, error) {
	items, newest, err := s.ItemsAsOf(ctx, service.RegionPK(reg.ID), consentPrefix(f.ID, year.String()), n)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ConsentRecord, 0, len(items))
	for _, it := range items {
		c, err := service.Decode[ConsentRecord](it)
		if err != nil {
			return nil, 0, service.StoreErr(err, "decode consent")
		}
		out = append(out, c)
	}
	return out, newest, nil
}

// buildReportAsOf builds the report of sc as event n left it: the
// fund-year's records, the sign-offs and approvals given by then, the
// locks and frozen content that stood then.
func (s *Service) buildReportAsOf(ctx context.Context, sc reportScope, n int64) (builtReport, error) {
	year := sc.quarter.Year
	var items positionItems
	var records, locks []store.Item
	var itemsErr, recordsErr, locksErr error
	var wg sync.WaitGroup
	wg.Go(func() { items, itemsErr = s.readPositionItemsAsOf(ctx, sc.reg, sc.fund, year, n) })
	wg.Go(func() {
		records, _, recordsErr = s.ItemsAsOf(ctx, service.RegionPK(sc.reg.ID), reportPrefix(sc.fund.ID, sc.quarter), n)
	})
	wg.Go(func() {
		locks, _, locksErr = s.ItemsAsOf(ctx, service.RegionPK(sc.reg.ID), service.LockSK(sc.fund.ID, ""), n)
	})
	wg.Wait()
	if err := cmp.Or(itemsErr, recordsErr, locksErr); err != nil {
		return builtReport{}, err
	}
	given := records[:0]
	for _, it := range records {
		if seqOf(it.Data) <= n {
			given = append(given, it)
		}
	}
	var lock error
	for _, it := range locks {
		if it.SK != service.LockSK(sc.fund.ID, year.String()) && it.SK != service.LockSK(sc.fund.ID, sc.quarter.String()) {
			continue
		}
		l, err := service.Decode[service.LockRecord](it)
		if err != nil {
			return builtReport{}, service.StoreErr(err, "decode lock")
		}
		lock = service.LockedError(l)
		break
	}
	return assembleReport(sc, items, given, nil, lock)
}

// withSeq is a record's stored form with the event it was written in
// beside its fields (a report's sign-off or approval, whose own type the
// answers show as it is).
func withSeq(v any, seq int64) []byte {
	data := service.Encode(v)
	if seq == 0 || len(data) < 2 || data[0] != '{' {
		return data
	}
	sep := ","
	if bytes.Equal(data, []byte("{}")) {
		sep = ""
	}
	return append([]byte(`{"seq":`+strconv.FormatInt(seq, 10)+sep), data[1:]...)
}

// seqOf is the event a stored record was written in (0: before the
// region's history, or a record that never says: a frozen content, which
// its history places).
func seqOf(data []byte) int64 {
	var v struct {
		Seq int64 `json:"seq"`
	}
	_ = json.Unmarshal(data, &v) // a record that is not an object has none
	return v.Seq
}
