package service

import (
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// Access is what a request wants to do with a partner's slice.
type Access int

// The accesses.
const (
	ReadSlice Access = iota
	WriteSlice
	SignoffSlice
)

var partnerScopeFor = map[Access]auth.Scope{
	ReadSlice:    auth.SubmissionsRead,
	WriteSlice:   auth.SubmissionsWrite,
	SignoffSlice: auth.SubmissionsSignoff,
}

// Forbidden is the one answer for every slice the caller may not touch: it
// says nothing about whether that region or partner exists.
func Forbidden() error {
	return apperr.Localized(apperr.Forbidden, "problem.forbidden.detail", nil)
}

// Slice is an authorised partner slice.
type Slice struct {
	Region  *region.Region
	Partner *region.Partner
}

// AuthorizeSlice checks the caller may act on {region}/{partner} this way.
// A partner acts only on its own slice; the region's token may read any
// partner's slice of its own region but never write it.
func (s *Service) AuthorizeSlice(p *auth.Principal, regionID, partnerID string, a Access) (Slice, error) {
	if p.Region != regionID {
		return Slice{}, Forbidden()
	}
	switch {
	case p.IsPartner():
		if p.Partner != partnerID || !p.Has(partnerScopeFor[a]) {
			return Slice{}, Forbidden()
		}
	case a != ReadSlice || !p.Has(auth.RegionRead):
		return Slice{}, Forbidden()
	}
	reg, ok := s.Regions.Get(regionID)
	if !ok {
		return Slice{}, Forbidden()
	}
	partner, ok := reg.Partner(partnerID)
	if !ok {
		// Only a regional token gets here: its own region's partners are public to it.
		return Slice{}, apperr.Localized(apperr.NotFound, "not-found.partner", map[string]any{"Region": reg.ID, "Value": strconv.Quote(partnerID)})
	}
	return Slice{Region: reg, Partner: partner}, nil
}

// AuthorizeRegion checks the caller may read region id's configuration.
func (s *Service) AuthorizeRegion(p *auth.Principal, regionID string) (*region.Region, error) {
	if !p.InRegion(regionID) {
		return nil, Forbidden()
	}
	reg, ok := s.Regions.Get(regionID)
	if !ok {
		if p.Region == auth.AllRegions {
			return nil, RegionNotFound(regionID)
		}
		return nil, Forbidden()
	}
	return reg, nil
}

// AuthorizeRegional checks a regional (no partner) scope on the token's own
// region. Handlers call it before reading a body or parameters, so a caller
// without the right gets 403 before anything else; the use cases call it
// again.
func (s *Service) AuthorizeRegional(p *auth.Principal, regionID string, scope auth.Scope) (*region.Region, error) {
	if p.Region != regionID || p.IsPartner() || !p.Has(scope) {
		return nil, Forbidden()
	}
	reg, ok := s.Regions.Get(regionID)
	if !ok {
		return nil, Forbidden()
	}
	return reg, nil
}

// RegionNotFound is the 404 of a region not served here, for a caller that
// may know which regions are.
func RegionNotFound(id string) error {
	return apperr.Localized(apperr.NotFound, "not-found.region", map[string]any{"Value": strconv.Quote(id)})
}
