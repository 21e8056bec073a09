package regionview

import (
	"context"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/aggregate"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// PopulationQuery picks which assessment of each area counts: exactly
// AssessmentYear, or the latest not after the start of FinancialYear, or
// (neither) the latest.
type PopulationQuery struct {
	AssessmentYear *int
	FinancialYear  *period.FinancialYear
}

// PopulationAggregate totals population and needs by area, age band, group
// and year, one source per area.
func (s *Service) PopulationAggregate(ctx context.Context, p *auth.Principal, regionID string, q PopulationQuery) (*aggregate.PopulationAggregate, error) {
	agg, _, err := s.PopulationAggregateAsOf(ctx, p, regionID, q, nil)
	return agg, err
}

// PopulationAggregateAsOf is the population aggregate as the region stood
// after event *asOf (nil: now), and the event it reflects.
func (s *Service) PopulationAggregateAsOf(ctx context.Context, p *auth.Principal, regionID string, q PopulationQuery, asOf *int64) (*aggregate.PopulationAggregate, int64, error) {
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	if err != nil {
		return nil, 0, err
	}
	current, n, err := s.sourcesAsOf(ctx, reg, submission.PopulationAssessments, asOf)
	if err != nil {
		return nil, 0, err
	}
	agg, err := PopulationFrom(ctx, reg, q, current, s.Document)
	return agg, n, err
}

// sourcesAsOf reads every partner's submissions of a kind as they stood
// after event *asOf (nil: now), and the event they reflect.
func (s *Service) sourcesAsOf(ctx context.Context, reg *region.Region, kind submission.Kind, asOf *int64) (map[string][]service.VersionRecord, int64, error) {
	var current map[string][]service.VersionRecord
	var err error
	n, err := s.ReadAsOf(ctx, reg.ID, asOf, func(int64) (bool, error) {
		current, err = s.currentOf(ctx, reg, kind)
		return true, err
	}, func(n int64) error {
		current, err = s.currentOfAsOf(ctx, reg, kind, n)
		return err
	})
	return current, n, err
}

// PopulationFrom is the population aggregate of records already read (an
// export's snapshot): current holds each partner's current assessments, doc
// reads a document by its SHA-256.
func PopulationFrom(ctx context.Context, reg *region.Region, q PopulationQuery, current map[string][]service.VersionRecord, doc DocumentReader) (*aggregate.PopulationAggregate, error) {
	keep := func(r service.VersionRecord) bool {
		y, _ := strconv.Atoi(r.KeyValues[1])
		return (q.AssessmentYear == nil || y == *q.AssessmentYear) && (q.FinancialYear == nil || y <= q.FinancialYear.Start)
	}
	chosen, err := chooseSources(ctx, reg, current, keep, doc)
	if err != nil {
		return nil, err
	}
	agg, err := aggregate.Population(q.AssessmentYear, areaCodes(reg), chosen)
	return agg, service.StoreErr(err, "population aggregate")
}

// MarketAggregate totals care-home capacity, occupancy and fees (weighted by
// occupied beds) by area and category for a financial year.
func (s *Service) MarketAggregate(ctx context.Context, p *auth.Principal, regionID string, year period.FinancialYear) (*aggregate.MarketAggregate, error) {
	agg, _, err := s.MarketAggregateAsOf(ctx, p, regionID, year, nil)
	return agg, err
}

// MarketAggregateAsOf is the market aggregate as the region stood after
// event *asOf (nil: now), and the event it reflects.
func (s *Service) MarketAggregateAsOf(ctx context.Context, p *auth.Principal, regionID string, year period.FinancialYear, asOf *int64) (*aggregate.MarketAggregate, int64, error) {
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	if err != nil {
		return nil, 0, err
	}
	current, n, err := s.sourcesAsOf(ctx, reg, submission.MarketPositionStatements, asOf)
	if err != nil {
		return nil, 0, err
	}
	agg, err := MarketFrom(ctx, reg, year, current, s.Document)
	return agg, n, err
}

// MarketFrom is the market aggregate of records already read (an export's
// snapshot): current holds each partner's current statements, doc reads a
// document by its SHA-256.
func MarketFrom(ctx context.Context, reg *region.Region, year period.FinancialYear, current map[string][]service.VersionRecord, doc DocumentReader) (*aggregate.MarketAggregate, error) {
	chosen, err := chooseSources(ctx, reg, current, func(r service.VersionRecord) bool { return r.KeyValues[1] == year.String() }, doc)
	if err != nil {
		return nil, err
	}
	agg, err := aggregate.Market(year.String(), areaCodes(reg), chosen)
	return agg, service.StoreErr(err, "market aggregate")
}

// DocumentReader reads a version's canonical document by its SHA-256.
type DocumentReader func(ctx context.Context, sha string) ([]byte, error)

func areaCodes(reg *region.Region) []string {
	out := make([]string, len(reg.Areas))
	for i, a := range reg.Areas {
		out[i] = a.Code
	}
	return out
}

// currentOf reads every partner's current submissions of a kind, one range
// read per partner.
func (s *Service) currentOf(ctx context.Context, reg *region.Region, kind submission.Kind) (map[string][]service.VersionRecord, error) {
	current := make(map[string][]service.VersionRecord, len(reg.Partners))
	for _, partner := range reg.Partners {
		recs, err := service.DecodeAll[service.VersionRecord](ctx, s.Service, store.Query{PK: service.PartnerPK(reg.ID, partner.ID), Prefix: service.CurrentPrefix(kind)})
		if err != nil {
			return nil, err
		}
		current[partner.ID] = recs
	}
	return current, nil
}

// chooseSources keeps each partner's latest current record per area that
// keep keeps (current: by partner, in key order), picks one source per area
// (a council before a health board) and reads only the chosen documents.
func chooseSources(ctx context.Context, reg *region.Region, current map[string][]service.VersionRecord, keep func(service.VersionRecord) bool, doc DocumentReader) (map[string]aggregate.Source, error) {
	candidates := map[string][]aggregate.Source{}
	records := map[[2]string]service.VersionRecord{}
	for _, partner := range reg.Partners {
		latest := map[string]service.VersionRecord{} // keys sort by year: the last kept per area is the latest
		for _, r := range current[partner.ID] {
			if keep(r) {
				latest[r.KeyValues[0]] = r
			}
		}
		for area, r := range latest {
			records[[2]string{area, partner.ID}] = r
			candidates[area] = append(candidates[area], aggregate.Source{Partner: partner.ID, PartnerAreas: len(partner.Areas), Version: r.Version, SHA256: r.SHA256})
		}
	}
	chosen := aggregate.Choose(candidates)
	for area, src := range chosen {
		d, err := doc(ctx, records[[2]string{area, src.Partner}].SHA256)
		if err != nil {
			return nil, service.StoreErr(err, "read document")
		}
		src.Document = d
		chosen[area] = src
	}
	return chosen, nil
}
