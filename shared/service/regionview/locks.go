package regionview

import (
	"context"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// Locks are a fund's locked periods (its years and quarters), for the
// region's own token (region:read): what the lock and unlock routes change,
// and what the obligations' and reports' `locked` say.
func (s *Service) Locks(ctx context.Context, p *auth.Principal, regionID, fundID string) ([]service.LockRecord, error) {
	reg, f, err := s.regionalFund(p, regionID, fundID, auth.RegionRead)
	if err != nil {
		return nil, err
	}
	return service.DecodeAll[service.LockRecord](ctx, s.Service, store.Query{PK: service.RegionPK(reg.ID), Prefix: service.LockSK(f.ID, "")})
}

// regionalFund is one of the region's funds for the region's own token
// with scope: the token checked first (403), then the fund (404).
func (s *Service) regionalFund(p *auth.Principal, regionID, fundID string, scope auth.Scope) (*region.Region, *region.Fund, error) {
	reg, err := s.AuthorizeRegional(p, regionID, scope)
	if err != nil {
		return nil, nil, err
	}
	f, err := fund(reg, fundID)
	return reg, f, err
}
