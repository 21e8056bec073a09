package auth

import "github.com/regional-data-exchange/rdx/shared/region"

// DevRoleKind is who a development role acts as.
type DevRoleKind string

// The kinds of development role: each partner's finance system, each
// region's collaboration unit and approving board, and government.
const (
	DevPartner    DevRoleKind = "partner"
	DevUnit       DevRoleKind = "unit"
	DevBoard      DevRoleKind = "board"
	DevGovernment DevRoleKind = "government"
)

// DevRole is one role the local run offers: the tokens `make run` prints and
// the roles its sign-in page lists, from the same list.
type DevRole struct {
	// ID names the role stably: "{region}/{partner}", "{region}/unit",
	// "{region}/board" or "government".
	ID   string
	Kind DevRoleKind
	// Spec is the token the role is given (no TTL: the minter chooses it);
	// its scopes are the kind's defaults.
	Spec TokenSpec
}

// DevRoles lists every development role of every region, region by region
// (each partner, then the unit and the board), then government.
func DevRoles(regions *region.Registry) []DevRole {
	var out []DevRole
	for _, id := range regions.IDs() {
		reg, _ := regions.Get(id)
		for _, p := range reg.Partners {
			out = append(out, DevRole{ID: id + "/" + p.ID, Kind: DevPartner,
				Spec: TokenSpec{Subject: "dev-" + p.ID, Name: p.Name + " finance system", Region: id, Partner: p.ID, Scopes: DefaultScopes(id, p.ID)}})
		}
		out = append(out,
			DevRole{ID: id + "/unit", Kind: DevUnit,
				Spec: TokenSpec{Subject: "dev-rcu-" + id, Name: reg.Name + " RCU", Region: id, Scopes: DefaultScopes(id, "")}},
			DevRole{ID: id + "/board", Kind: DevBoard,
				Spec: TokenSpec{Subject: "dev-board-" + id, Name: reg.Name + " (board)", Region: id, Scopes: BoardScopes()}})
	}
	return append(out, DevRole{ID: "government", Kind: DevGovernment,
		Spec: TokenSpec{Subject: "dev-government", Name: "Ministerial reporting", Region: AllRegions, Scopes: DefaultScopes(AllRegions, "")}})
}

// DevRoleByID finds a development role by its ID.
func DevRoleByID(regions *region.Registry, id string) (DevRole, bool) {
	for _, r := range DevRoles(regions) {
		if r.ID == id {
			return r, true
		}
	}
	return DevRole{}, false
}
