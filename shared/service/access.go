package service

import (
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

// forbidden is the one answer for every slice the caller may not touch: it
// says nothing about whether that region or partner exists.
func forbidden() error {
	return apperr.New(apperr.Forbidden, "This token may not do this here.")
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
		return Slice{}, forbidden()
	}
	switch {
	case p.IsPartner():
		if p.Partner != partnerID || !p.Has(partnerScopeFor[a]) {
			return Slice{}, forbidden()
		}
	case a != ReadSlice || !p.Has(auth.RegionRead):
		return Slice{}, forbidden()
	}
	reg, ok := s.regions.Get(regionID)
	if !ok {
		return Slice{}, forbidden()
	}
	partner, ok := reg.Partner(partnerID)
	if !ok {
		// Only a regional token gets here: its own region's partners are public to it.
		return Slice{}, apperr.Newf(apperr.NotFound, "%s has no partner %q.", reg.ID, partnerID)
	}
	return Slice{Region: reg, Partner: partner}, nil
}

// AuthorizeRegion checks the caller may read region id's configuration.
func (s *Service) AuthorizeRegion(p *auth.Principal, regionID string) (*region.Region, error) {
	if !p.InRegion(regionID) {
		return nil, forbidden()
	}
	reg, ok := s.regions.Get(regionID)
	if !ok {
		if p.Region == auth.AllRegions {
			return nil, apperr.Newf(apperr.NotFound, "No region %q is served here.", regionID)
		}
		return nil, forbidden()
	}
	return reg, nil
}
