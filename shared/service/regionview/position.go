package regionview

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// FundPosition computes the pooled fund position of a fund-year as at a
// quarter (nil: the latest with any return), now (see FundPositionAsOf).
func (s *Service) FundPosition(ctx context.Context, p *auth.Principal, regionID, fundID string, year period.FinancialYear, asAt *period.Quarter) (*position.Position, error) {
	pos, _, err := s.FundPositionAsOf(ctx, p, regionID, fundID, year, asAt, nil)
	return pos, err
}

// FundPositionAsOf computes the pooled fund position of a fund-year as at
// a quarter (nil: the latest with any return) as the region stood after
// event *asOf (nil: now), and answers the event it reflects. Now, it reads,
// per member, one contribution record and one range of at most four return
// records, plus the consents: a bounded number of store calls however many
// versions exist, made together (see readPositionItems), between two reads
// of the region's sequence (service.ReadAsOf); as at an event, each
// member's versions of the fund-year and the consents' history
// (readPositionItemsAsOf). The position is computed again only when it is
// not known for that event and the records differ from the last
// computation's (see positionCache); the one returned is shared, and
// callers must not change it.
func (s *Service) FundPositionAsOf(ctx context.Context, p *auth.Principal, regionID, fundID string, year period.FinancialYear, asAt *period.Quarter, asOf *int64) (*position.Position, int64, error) {
	reg, f, err := s.regionalFund(p, regionID, fundID, auth.RegionRead)
	if err != nil {
		return nil, 0, err
	}
	if !f.HasYear(year) {
		return nil, 0, submission.RuleParameterInvalid.ParamError("financialYear", "finding.fund-not-running", map[string]any{"Fund": f.ID, "Year": year.String()})
	}
	key := positionKey(reg.ID, f.ID, year, asAt)
	var items positionItems
	var known *position.Position // the position as at the event, already computed
	n, err := s.ReadAsOf(ctx, reg.ID, asOf, func(n int64) (bool, error) {
		if known = s.positions.at(key, n); known != nil {
			return false, nil
		}
		items, err = s.readPositionItems(ctx, reg, f, year)
		return true, err
	}, func(n int64) error {
		if known = s.positions.at(key, n); known != nil {
			return nil
		}
		items, err = s.readPositionItemsAsOf(ctx, reg, f, year, n)
		return err
	})
	if err != nil || known != nil {
		return known, n, err
	}
	var sum [sha256.Size]byte
	if s.positions.enabled() {
		sum = items.fingerprint()
		if pos := s.positions.get(key, sum); pos != nil {
			s.positions.put(key, sum, pos, n)
			return pos, n, nil
		}
	}
	in, err := items.input(f, year)
	if err != nil {
		return nil, 0, err
	}
	in.AsAt = asAt
	pos, err := position.Compute(in)
	if errors.Is(err, position.ErrOutsideYear) {
		return nil, 0, submission.RuleParameterInvalid.ParamError("asAt", "finding.as-at-outside-year", map[string]any{"Quarter": asAt.String(), "Year": year.String()})
	}
	if err != nil {
		return nil, 0, service.StoreErr(err, "compute position")
	}
	s.positions.put(key, sum, pos, n)
	return pos, n, nil
}

// PositionFrom computes a fund-year's position as at its latest quarter
// from records already read (an export's snapshot, past the cache): current,
// the current versions of any partner and kind, of which it takes the
// members' contributions and returns of the fund-year in member order as the
// fund-year partition holds them, and consents, the fund-year's consents.
func PositionFrom(f *region.Fund, year period.FinancialYear, current []service.VersionRecord, consents []ConsentRecord) (*position.Position, error) {
	var recs positionRecords
	for _, m := range f.MembersIn(year) {
		for _, r := range current {
			if r.Partner != m || r.KeyValues[0] != f.ID {
				continue
			}
			switch {
			case r.Kind == submission.PoolContributions && r.KeyValues[1] == year.String():
				recs.contributions = append(recs.contributions, service.PositionRecordOf(r))
			case r.Kind == submission.QuarterlyReturns && strings.HasPrefix(r.KeyValues[1], year.String()+"-Q"):
				recs.returns = append(recs.returns, service.PositionRecordOf(r))
			}
		}
	}
	recs.consents = consents
	in, err := recs.input(f, year)
	if err != nil {
		return nil, err
	}
	return position.Compute(in)
}

// Consents reads a fund-year's consents to pool underspends.
func (s *Service) Consents(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear) ([]ConsentRecord, error) {
	return service.DecodeAll[ConsentRecord](ctx, s.Service, store.Query{PK: service.RegionPK(reg.ID), Prefix: consentPrefix(f.ID, year.String())})
}

// positionItems are the stored records a fund-year's position is computed
// from, as read: the members' current contributions and returns, in member
// order, and the consents.
type positionItems struct {
	contributions, returns, consents []store.Item
}

// readPositionItems reads the fund-year's partition and the consents
// together: one step, whatever the fund's size.
func (s *Service) readPositionItems(ctx context.Context, reg *region.Region, f *region.Fund, year period.FinancialYear) (positionItems, error) {
	var items positionItems
	var fundErr, consentErr error
	var wg sync.WaitGroup
	wg.Go(func() { items.contributions, items.returns, fundErr = s.FundYearItems(ctx, reg, f, year) })
	wg.Go(func() {
		consentErr = s.QueryAll(ctx, store.Query{PK: service.RegionPK(reg.ID), Prefix: consentPrefix(f.ID, year.String())}, func(it store.Item) error {
			items.consents = append(items.consents, it)
			return nil
		})
	})
	wg.Wait()
	return items, cmp.Or(fundErr, consentErr)
}

// input decodes the records into the position's input.
func (items positionItems) input(f *region.Fund, year period.FinancialYear) (position.Input, error) {
	var recs positionRecords
	for _, it := range items.contributions {
		rec, err := service.DecodePositionRecord(it.Data)
		if err != nil {
			return position.Input{}, service.StoreErr(err, "decode contribution")
		}
		recs.contributions = append(recs.contributions, rec)
	}
	for _, it := range items.returns {
		rec, err := service.DecodePositionRecord(it.Data)
		if err != nil {
			return position.Input{}, service.StoreErr(err, "decode return")
		}
		recs.returns = append(recs.returns, rec)
	}
	for _, it := range items.consents {
		c, err := service.Decode[ConsentRecord](it)
		if err != nil {
			return position.Input{}, service.StoreErr(err, "decode consent")
		}
		recs.consents = append(recs.consents, c)
	}
	return recs.input(f, year)
}

// positionRecords are a fund-year's records decoded: the members'
// contributions and returns, in member order, and the consents.
type positionRecords struct {
	contributions, returns []service.PositionRecord
	consents               []ConsentRecord
}

// input is the position's input of the records.
func (recs positionRecords) input(f *region.Fund, year period.FinancialYear) (position.Input, error) {
	members := f.MembersIn(year)
	in := position.Input{Fund: f.ID, Year: year, Members: members, RiskShare: riskShareOf(f, year, members), Consents: make(map[string]bool, len(recs.consents)),
		Contributions: make([]position.Contribution, 0, len(recs.contributions)), Returns: make([]position.Return, 0, len(recs.returns))}
	for _, rec := range recs.contributions {
		in.Contributions = append(in.Contributions, contributionOf(rec))
	}
	for _, rec := range recs.returns {
		ret, err := returnOf(rec)
		if err != nil {
			return in, service.StoreErr(err, "stored return")
		}
		in.Returns = append(in.Returns, ret)
	}
	for _, c := range recs.consents {
		in.Consents[c.Partner] = true
	}
	return in, nil
}

func contributionOf(r service.PositionRecord) position.Contribution {
	c := position.Contribution{Partner: r.Partner, Version: r.Version, Lines: make([]position.Line, 0, len(r.Cells))}
	for _, cell := range r.Cells {
		c.Lines = append(c.Lines, position.Line{Discipline: cell.Discipline, AreaCode: cell.AreaCode, Amount: cell.Amount})
	}
	return c
}

func returnOf(r service.PositionRecord) (position.Return, error) {
	q, err := period.ParseQuarter(r.KeyValues[1])
	ret := position.Return{Partner: r.Partner, Quarter: q, Version: r.Version, SignedOff: r.SignedOff, Final: r.Final,
		Lines: make([]position.ReturnLine, 0, len(r.Cells))}
	for _, cell := range r.Cells {
		ret.Lines = append(ret.Lines, position.ReturnLine{Discipline: cell.Discipline, AreaCode: cell.AreaCode, Actual: cell.Actual, Forecast: cell.Forecast})
	}
	return ret, err
}

// riskShareOf is the fund's arrangement for the year, as the position takes
// it: the model, the host, and each member's fixed share in basis points.
func riskShareOf(f *region.Fund, year period.FinancialYear, members []string) position.RiskShare {
	rs := position.RiskShare{Model: position.Model(f.RiskShare), Host: f.Host}
	if rs.Model == position.FixedShares {
		rs.Shares = make(map[string]int, len(members))
		for _, m := range members {
			if share, ok := f.ShareOf(m, year); ok {
				rs.Shares[m] = int(share)
			}
		}
	}
	return rs
}
