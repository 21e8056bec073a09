// Package auth verifies bearer tokens and says what their holder may do.
package auth

import (
	"slices"
	"strings"
)

// Scope is one grant of a token.
type Scope string

// The scopes of product.md's access model.
const (
	SubmissionsWrite   Scope = "submissions:write"
	SubmissionsRead    Scope = "submissions:read"
	SubmissionsSignoff Scope = "submissions:signoff"
	RegionRead         Scope = "region:read"
	PeriodsManage      Scope = "periods:manage"
	ExportsWrite       Scope = "exports:write"
	ExportsRead        Scope = "exports:read"
	// ReportsApprove is the approving board's: it approves a fund's
	// quarterly report once every required sign-off stands.
	ReportsApprove Scope = "reports:approve"
)

// AllRegions is the region claim of a government token.
const AllRegions = "*"

// The scopes each token shape may carry.
var (
	partnerScopes    = []Scope{SubmissionsWrite, SubmissionsRead, SubmissionsSignoff}
	regionScopes     = []Scope{RegionRead, PeriodsManage, ExportsWrite, ExportsRead, ReportsApprove}
	governmentScopes = []Scope{ExportsWrite, ExportsRead}
	// unitScopes are the collaboration unit's; boardScopes the approving
	// board's: the unit prepares and reads, the board approves.
	unitScopes  = []Scope{RegionRead, PeriodsManage, ExportsWrite, ExportsRead}
	boardScopes = []Scope{RegionRead, ReportsApprove}
)

// BoardScopes are the scopes of a region's approving board.
func BoardScopes() []Scope { return slices.Clone(boardScopes) }

// Principal is the verified caller.
type Principal struct {
	Subject string  `json:"sub"`
	Name    string  `json:"name,omitempty"`
	Region  string  `json:"region"`
	Partner string  `json:"partner,omitempty"`
	Scopes  []Scope `json:"scopes"`
}

// Has reports whether the token grants s.
func (p *Principal) Has(s Scope) bool { return slices.Contains(p.Scopes, s) }

// IsPartner reports whether the token acts for one partner.
func (p *Principal) IsPartner() bool { return p.Partner != "" }

// InRegion reports whether the token may act in region id at all.
func (p *Principal) InRegion(id string) bool { return p.Region == id || p.Region == AllRegions }

// parseScopes splits a space-separated scope claim, refusing unknown scopes.
func parseScopes(s string) ([]Scope, bool) {
	var out []Scope
	for _, f := range strings.Fields(s) {
		sc := Scope(f)
		if !slices.Contains(partnerScopes, sc) && !slices.Contains(regionScopes, sc) {
			return nil, false
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	slices.Sort(out)
	return out, len(out) > 0
}

// fitsShape reports whether the scopes suit the token's shape: a partner
// token carries only partner scopes; a regional token only regional ones; a
// government ("*") token only export scopes.
func fitsShape(scopes []Scope, region, partner string) bool {
	allowed := regionScopes
	switch {
	case partner != "":
		allowed = partnerScopes
	case region == AllRegions:
		allowed = governmentScopes
	}
	for _, s := range scopes {
		if !slices.Contains(allowed, s) {
			return false
		}
	}
	return true
}
