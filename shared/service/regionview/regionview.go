// Package regionview is the region's view of its funds and partners: the
// region with its locks, locking and unlocking periods, pooling consent,
// the pooled fund position (and the cache that spares computing it again),
// each partner's obligations, the population and market aggregates, and
// the audit trail.
package regionview

import (
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// Service is the region's view over the shared core.
type Service struct {
	*service.Service
	// positions are the last computed fund positions (see positionCache).
	positions *positionCache
}

// New builds the region's view; positionCache bounds the fund positions
// kept computed (0: 256; negative: none, every read computes).
func New(core *service.Service, positionCache int) *Service {
	return &Service{Service: core, positions: newPositionCache(positionCache)}
}

// fund finds a fund of the region; the region's own callers may know it is absent.
func fund(reg *region.Region, id string) (*region.Fund, error) {
	f, ok := reg.Fund(id)
	if !ok {
		return nil, apperr.Localized(apperr.NotFound, "not-found.fund", map[string]any{"Region": reg.ID, "Value": strconv.Quote(id)})
	}
	return f, nil
}
