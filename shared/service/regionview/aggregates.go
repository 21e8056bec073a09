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
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	if err != nil {
		return nil, err
	}
	return s.Population(ctx, reg, q)
}

// Population is PopulationAggregate of a region already authorised (an
// export's).
func (s *Service) Population(ctx context.Context, reg *region.Region, q PopulationQuery) (*aggregate.PopulationAggregate, error) {
	keep := func(r service.VersionRecord) bool {
		y, _ := strconv.Atoi(r.KeyValues[1])
		return (q.AssessmentYear == nil || y == *q.AssessmentYear) && (q.FinancialYear == nil || y <= q.FinancialYear.Start)
	}
	chosen, err := s.chooseSources(ctx, reg, submission.PopulationAssessments, keep)
	if err != nil {
		return nil, err
	}
	agg, err := aggregate.Population(q.AssessmentYear, areaCodes(reg), chosen)
	return agg, service.StoreErr(err, "population aggregate")
}

// MarketAggregate totals care-home capacity, occupancy and fees (weighted by
// occupied beds) by area and category for a financial year.
func (s *Service) MarketAggregate(ctx context.Context, p *auth.Principal, regionID string, year period.FinancialYear) (*aggregate.MarketAggregate, error) {
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	if err != nil {
		return nil, err
	}
	return s.Market(ctx, reg, year)
}

// Market is MarketAggregate of a region already authorised (an export's).
func (s *Service) Market(ctx context.Context, reg *region.Region, year period.FinancialYear) (*aggregate.MarketAggregate, error) {
	chosen, err := s.chooseSources(ctx, reg, submission.MarketPositionStatements, func(r service.VersionRecord) bool { return r.KeyValues[1] == year.String() })
	if err != nil {
		return nil, err
	}
	agg, err := aggregate.Market(year.String(), areaCodes(reg), chosen)
	return agg, service.StoreErr(err, "market aggregate")
}

func areaCodes(reg *region.Region) []string {
	out := make([]string, len(reg.Areas))
	for i, a := range reg.Areas {
		out[i] = a.Code
	}
	return out
}

// chooseSources reads every partner's current submissions of a kind (one
// range read per partner), keeps each partner's latest matching one per
// area, picks one source per area (a council before a health board) and
// reads only the chosen documents.
func (s *Service) chooseSources(ctx context.Context, reg *region.Region, kind submission.Kind, keep func(service.VersionRecord) bool) (map[string]aggregate.Source, error) {
	candidates := map[string][]aggregate.Source{}
	records := map[[2]string]service.VersionRecord{}
	for _, partner := range reg.Partners {
		recs, err := service.DecodeAll[service.VersionRecord](ctx, s.Service, store.Query{PK: service.PartnerPK(reg.ID, partner.ID), Prefix: service.CurrentPrefix(kind)})
		if err != nil {
			return nil, err
		}
		latest := map[string]service.VersionRecord{} // keys sort by year: the last kept per area is the latest
		for _, r := range recs {
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
		doc, err := s.Document(ctx, records[[2]string{area, src.Partner}].SHA256)
		if err != nil {
			return nil, service.StoreErr(err, "read document")
		}
		src.Document = doc
		chosen[area] = src
	}
	return chosen, nil
}
