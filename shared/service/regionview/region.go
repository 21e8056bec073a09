package regionview

import (
	"context"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// View is a region's configuration with its lock state.
type View struct {
	Region *region.Region
	Locks  []service.LockRecord
}

// Region reads a region's configuration and current locks.
func (s *Service) Region(ctx context.Context, p *auth.Principal, id string) (*View, error) {
	reg, err := s.AuthorizeRegion(p, id)
	if err != nil {
		return nil, err
	}
	locks, err := service.DecodeAll[service.LockRecord](ctx, s.Service, store.Query{PK: service.RegionPK(reg.ID), Prefix: "LOCK#"})
	if locks == nil {
		locks = []service.LockRecord{}
	}
	return &View{Region: reg, Locks: locks}, err
}
