package regionview

import (
	"context"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// Locks are a fund's locked periods (its years and quarters), for the
// region's own token (region:read): what the lock and unlock routes change,
// and what the obligations' and reports' `locked` say.
func (s *Service) Locks(ctx context.Context, p *auth.Principal, regionID, fundID string) ([]service.LockRecord, error) {
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	if err != nil {
		return nil, err
	}
	f, err := fund(reg, fundID)
	if err != nil {
		return nil, err
	}
	return service.DecodeAll[service.LockRecord](ctx, s.Service, store.Query{PK: service.RegionPK(reg.ID), Prefix: service.LockSK(f.ID, "")})
}
