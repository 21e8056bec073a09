package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// The fund-year partition F#{region}#{fund}#{year} holds, of every member's
// current contribution (C#{partner}) and quarterly returns
// (Q#{partner}#{quarter}) of that fund-year, what the position needs of it
// (PositionRecord: the version, its sign-off, the figures per cell), so that
// the fund position, read far more often than returns are written, is one
// query of one partition of small records however many members the fund
// has, instead of two reads of whole records per member.
//
// A copy is written in the same transaction as the current record it is
// taken from (a new version, a sign-off), so it always agrees with it.
// Records written before the partition existed are copied in once, by the
// first position read that finds the partition without its marker
// (indexFundYear).
const fundYearMarker = "INDEXED"

// FundYearPK is a fund-year's partition of copies.
func FundYearPK(region, fund string, year period.FinancialYear) string {
	return "F#" + region + "#" + fund + "#" + year.String()
}

// fundCopy is where a key's current record is copied, if it is a fund kind.
func fundCopy(region, partner string, key submission.Key) (pk, sk string, ok bool) {
	switch key.Kind {
	case submission.PoolContributions:
		return FundYearPK(region, key.FundID, key.FinancialYear), "C#" + partner, true
	case submission.QuarterlyReturns:
		return FundYearPK(region, key.FundID, key.Quarter.Year), "Q#" + partner + "#" + key.Quarter.String(), true
	}
	return "", "", false
}

// FundCopyOps are the puts that keep a current record's copy in step with
// it; the current record's own condition orders them.
func FundCopyOps(key submission.Key, rec VersionRecord) []store.Op {
	pk, sk, ok := fundCopy(rec.Region, rec.Partner, key)
	if !ok {
		return nil
	}
	return []store.Op{store.PutOp(store.Item{PK: pk, SK: sk, Version: int64(rec.Version), Data: Encode(PositionRecordOf(rec))}, store.Condition{})}
}

// FundYearItems reads a fund-year's copies: contributions and returns of the
// fund's members, each in member order.
func (s *Service) FundYearItems(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear) (contributions, returns []store.Item, err error) {
	err = s.Retry.Do(ctx, "unavailable.fund-year", func() (bool, error) {
		items, indexed, err := s.readFundYear(ctx, reg, f, year)
		if err == nil && !indexed {
			err = s.indexFundYear(ctx, reg, f, year, items)
			if err == nil { // read what is now complete
				items, indexed, err = s.readFundYear(ctx, reg, f, year)
			}
		}
		switch {
		case err == nil && indexed:
			contributions, returns = byMember(f.MembersIn(year), items)
			return false, nil
		case err == nil, errors.Is(err, store.ErrConditionFailed):
			return true, err // a writer copied a record in first: read again
		}
		return false, StoreErr(err, "index fund-year")
	})
	return contributions, returns, err
}

// readFundYear reads a fund-year's partition: its copies, and whether its
// marker says they are complete.
func (s *Service) readFundYear(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear) (items []store.Item, indexed bool, err error) {
	err = s.QueryAll(ctx, store.Query{PK: FundYearPK(reg.ID, f.ID, year)}, func(it store.Item) error {
		if it.SK == fundYearMarker {
			indexed = true
		} else {
			items = append(items, it)
		}
		return nil
	})
	return items, indexed, err
}

// byMember keeps the year's members' copies, in member order (a partner
// not a member that year keeps its records, but is not in the year's
// position).
func byMember(members []string, items []store.Item) (contributions, returns []store.Item) {
	type copies struct{ contributions, returns []store.Item }
	of := make(map[string]*copies, len(members))
	for _, m := range members {
		of[m] = &copies{}
	}
	for _, it := range items {
		kind, rest, _ := strings.Cut(it.SK, "#")
		partner, _, _ := strings.Cut(rest, "#")
		c := of[partner]
		switch {
		case c == nil:
		case kind == "C":
			c.contributions = append(c.contributions, it)
		case kind == "Q":
			c.returns = append(c.returns, it)
		}
	}
	for _, m := range members {
		contributions = append(contributions, of[m].contributions...)
		returns = append(returns, of[m].returns...)
	}
	return contributions, returns
}

// indexFundYear copies into the fund-year partition the members' current
// records that it lacks (have: the copies already there), then writes the
// marker. Every put requires its item to be absent: a writer that got in
// first has written a copy at least as new, and the caller reads again
// (ErrConditionFailed). Transactions are at most store.MaxTxnOps; the marker
// goes with the last, so an interrupted indexing is finished by the next.
func (s *Service) indexFundYear(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear, have []store.Item) error {
	current, err := s.membersCurrent(ctx, reg, f, year)
	if err != nil {
		return err
	}
	there := make(map[string]bool, len(have))
	for _, it := range have {
		there[it.SK] = true
	}
	pk := FundYearPK(reg.ID, f.ID, year)
	var ops []store.Op
	for _, c := range current {
		if there[c.sk] {
			continue
		}
		rec, err := decodeRecord(c.item.Data)
		if err != nil {
			return fmt.Errorf("decode %s/%s: %w", c.item.PK, c.item.SK, err)
		}
		ops = append(ops, store.PutOp(store.Item{PK: pk, SK: c.sk, Version: c.item.Version, Data: Encode(PositionRecordOf(rec))}, store.IfNotExists()))
	}
	ops = append(ops, store.PutOp(store.Item{PK: pk, SK: fundYearMarker, Version: 1, Data: []byte("{}")}, store.IfNotExists()))
	for len(ops) > 0 {
		n := min(len(ops), store.MaxTxnOps)
		if err := s.Table.Transact(ctx, ops[:n]...); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// memberRecord is a member's current record and the sort key of its copy.
type memberRecord struct {
	sk   string
	item store.Item
}

// membersCurrent reads each member's current contribution and returns of
// the year from the partners' own partitions, members read together (at
// most eight at once: this runs once per fund-year).
func (s *Service) membersCurrent(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear) ([]memberRecord, error) {
	per := make([][]memberRecord, len(f.Members))
	errs := make([]error, len(f.Members))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, m := range f.Members {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			per[i], errs[i] = s.memberCurrent(ctx, reg.ID, m, f.ID, year)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []memberRecord
	for _, p := range per {
		out = append(out, p...)
	}
	return out, nil
}

func (s *Service) memberCurrent(ctx context.Context, regionID, partner, fundID string, year period.FinancialYear) ([]memberRecord, error) {
	pk := PartnerPK(regionID, partner)
	var out []memberRecord
	it, err := s.Table.Get(ctx, pk, CurrentPrefix(submission.PoolContributions)+fundID+"#"+year.String())
	switch {
	case err == nil:
		out = append(out, memberRecord{sk: "C#" + partner, item: it})
	case !IsNotFound(err):
		return nil, err
	}
	q := store.Query{PK: pk, Prefix: CurrentPrefix(submission.QuarterlyReturns) + fundID + "#" + year.String() + "-Q"}
	err = s.QueryAll(ctx, q, func(it store.Item) error {
		_, _, quarter, _ := splitCurrentSK(it.SK)
		out = append(out, memberRecord{sk: "Q#" + partner + "#" + quarter, item: it})
		return nil
	})
	return out, err
}
