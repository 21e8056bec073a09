package apitest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
)

// partnerRoutes are every partner-slice route of the submissions API, for a
// slice path {S} and the example body of each kind.
func partnerRoutes(t *testing.T, s string) []Req {
	kinds := []struct{ kind, key, example string }{
		{"quarterly-returns", "care-homes-older-people/2018-19-Q2", "quarterly-return.json"},
		{"pool-contributions", "care-homes-older-people/2018-19", "pool-contribution.json"},
		{"population-assessments", "W06000008/2022", "population-assessment.json"},
		{"market-position-statements", "W06000009/2024-25", "market-position-statement.json"},
	}
	var out []Req
	for _, k := range kinds {
		key := s + "/" + k.kind + "/" + k.key
		out = append(out,
			Req{Method: "PUT", Path: key, Body: Example(t, k.example)},
			Req{Method: "GET", Path: key},
			Req{Method: "GET", Path: key + "/versions"},
			Req{Method: "GET", Path: key + "/versions/1"},
			Req{Method: "GET", Path: s + "/" + k.kind},
		)
	}
	return out
}

// testSliceIsolation: every route refuses another partner's or another
// region's slice with the same 403, whether or not it exists, and leaks
// nothing of the other partner's data.
func testSliceIsolation(t *testing.T, e *Env) {
	cereTok := e.PartnerToken(WW, Cere)
	pop := e.Put(PopPath, cereTok, Example(t, "population-assessment.json"))
	expectStatus(t, pop, 201)
	secret := pop.JSON(t)["sha256"].(string)

	carm := e.PartnerToken(WW, Carm)
	rcu := e.RCUToken(WW)
	readOnly := e.Token(auth.TokenSpec{Region: WW, Partner: Carm, Scopes: []auth.Scope{auth.SubmissionsRead}})
	cases := []struct {
		name, token, slice string
		allowed            func(Req) bool
	}{
		{"a partner on another partner's slice", carm, SlicePath(WW, Cere), never},
		{"a partner on a partner that does not exist", carm, SlicePath(WW, "nobody"), never},
		{"a partner on another region's slice", carm, SlicePath("cheshire-west", "cheshire-west-and-chester"), never},
		{"a partner on a region that does not exist", carm, SlicePath("atlantis", Carm), never},
		{"the RCU writing a partner's slice", rcu, SlicePath(WW, Cere), func(r Req) bool { return r.Method == "GET" }},
		{"the RCU on another region", rcu, SlicePath("cheshire-west", "cheshire-west-and-chester"), never},
		{"government on a partner's slice", e.GovToken(), SlicePath(WW, Cere), never},
		{"a read-only token writing its own slice", readOnly, SlicePath(WW, Carm), func(r Req) bool { return r.Method == "GET" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range partnerRoutes(t, c.slice) {
				r.Token = c.token
				res := e.Do(r)
				if c.allowed(r) {
					if res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized {
						t.Errorf("%s %s: %d, want it allowed", r.Method, r.Path, res.Status)
					}
					continue
				}
				if res.Status != http.StatusForbidden {
					t.Errorf("%s %s: %d, want 403: %s", r.Method, r.Path, res.Status, res.Body)
				}
				if strings.Contains(string(res.Body), secret) || strings.Contains(string(res.Body), "Daffodil") {
					t.Errorf("%s %s: the refusal leaks the other partner's data: %s", r.Method, r.Path, res.Body)
				}
			}
		})
	}
	t.Run("the RCU reads every partner of its region", func(t *testing.T) {
		r := e.Get(PopPath, rcu)
		expectStatus(t, r, 200)
		if r.JSON(t)["sha256"] != secret {
			t.Errorf("RCU read %s", r.Body)
		}
	})
	t.Run("a region's configuration is for its own tokens and government", func(t *testing.T) {
		expectStatus(t, e.Get("/v1/regions/west-wales", carm), 200)
		expectStatus(t, e.Get("/v1/regions/cheshire-west", carm), 403)
		expectStatus(t, e.Get("/v1/regions/atlantis", carm), 403)
		expectStatus(t, e.Get("/v1/regions/cheshire-west", e.GovToken()), 200)
	})
}

func never(Req) bool { return false }

// testTokenShapes: tokens whose scopes and claims fit none of product.md's
// shapes are refused outright.
func testTokenShapes(t *testing.T, e *Env) {
	bad := []auth.TokenSpec{
		{Region: WW, Partner: Carm, Scopes: []auth.Scope{auth.RegionRead}},
		{Region: WW, Partner: Carm, Scopes: []auth.Scope{auth.SubmissionsRead, auth.ExportsRead}},
		{Region: WW, Scopes: []auth.Scope{auth.SubmissionsWrite}},
		{Region: auth.AllRegions, Scopes: []auth.Scope{auth.RegionRead}},
		{Region: auth.AllRegions, Partner: Carm, Scopes: []auth.Scope{auth.ExportsRead}},
		{Region: WW, Partner: Carm, Scopes: []auth.Scope{"submissions:delete"}},
		{Region: WW, Partner: Carm},
		{Region: "atlantis", Scopes: []auth.Scope{auth.RegionRead}},
		{Region: WW, Partner: "cheshire-west-and-chester", Scopes: []auth.Scope{auth.SubmissionsRead}},
	}
	for _, spec := range bad {
		r := e.Get("/v1/me", e.Token(spec))
		if r.Status != 401 {
			t.Errorf("%+v: %d, want 401", spec, r.Status)
		}
	}
	other := NewEnv(t, Backend{Table: e.Backend.Table, Blobs: e.Backend.Blobs}) // another issuer's key
	r := e.Get("/v1/me", other.PartnerToken(WW, Carm))
	expectStatus(t, r, 401)
	expired := e.Token(auth.TokenSpec{Region: WW, Partner: Carm, Scopes: []auth.Scope{auth.SubmissionsRead}, TTL: -2 * time.Minute})
	if r := e.Get("/v1/me", expired); r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("expired token: %d %q", r.Status, r.Header.Get("WWW-Authenticate"))
	}
}
