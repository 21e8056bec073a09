package apitest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/regional-data-exchange/rdx/openapi"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// The access matrix: every operation of the OpenAPI document, asked by every
// kind of caller, of every kind of target, answers with the status product.md's
// access model gives it, and no answer carries data its caller may not see.
//
// matrixRows holds one row per operation: how to instantiate it for a target
// (path parameters, body, headers), who may call it (its rule) and which
// scopes it needs. An operation of the document without a row, or a row
// without an operation, fails the test, so a new route cannot ship without
// its access row.

// Cheshire West, the second region, and names that exist nowhere.
const (
	mxCW            = "cheshire-west"
	mxCWC           = "cheshire-west-and-chester"
	mxWCCG          = "west-cheshire-ccg"
	mxNoRegion      = "atlantis"
	mxNoPartner     = "nobody"
	mxUnknownExport = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
)

// The targets a row can be asked of.
const (
	tgNone         = "-"                            // a route that names no region
	tgOwn          = "own slice"                    // carmarthenshire's
	tgOtherPartner = "another partner's slice"      // ceredigion's, same region
	tgOtherRegion  = "another region's slice"       // cheshire-west-and-chester's
	tgNoRegion     = "a region that does not exist" // atlantis, carmarthenshire's keys
	tgNoPartner    = "a partner that does not exist"
	tgForeignID    = "own path, another partner's id" // carmarthenshire's path, ceredigion's upload id
	tgUnknownID    = "an id that does not exist"
)

var (
	mxSliceTargets  = []string{tgOwn, tgOtherPartner, tgOtherRegion, tgNoRegion, tgNoPartner}
	mxRegionTargets = []string{tgOwn, tgOtherRegion, tgNoRegion}
	mxGlobal        = []string{tgNone}
)

// mxOutcome is what a case should answer.
type mxOutcome int

const (
	mxAllow    mxOutcome = iota // one of the row's ok statuses
	mxRefuse                    // 403
	mxNotFound                  // 404, where the product defines it
	mxInvalid                   // 422, where the product defines it
	mxUnauth                    // 401
)

func (o mxOutcome) String() string {
	return [...]string{"allowed", "403", "404", "422", "401"}[o]
}

func (o mxOutcome) status() int {
	return [...]int{0, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusUnauthorized}[o]
}

// mxCaller is one kind of caller.
type mxCaller struct {
	name            string
	token           string
	region, partner string
	scopes          []auth.Scope
}

func (c mxCaller) has(s auth.Scope) bool { return slices.Contains(c.scopes, s) }

// sees reports whether the caller may see data of owner o anywhere: a
// partner its own slice and its region's configuration; the region's token
// its whole region; government every region, through its exports.
func (c mxCaller) sees(o mxOwner) bool {
	switch {
	case c.token == "":
		return false
	case c.region == auth.AllRegions:
		return true
	case c.region != o.region:
		return false
	case c.partner == "":
		return true
	case o.exportOnly:
		return false
	case o.partner == "":
		return true
	}
	return c.partner == o.partner
}

// mxOwner is whose data a secret is: a partner's slice, a region's
// configuration (partner ""), or a region's exports.
type mxOwner struct {
	region, partner string
	exportOnly      bool
}

func (o mxOwner) String() string {
	switch {
	case o.exportOnly:
		return o.region + " exports"
	case o.partner == "":
		return o.region
	}
	return o.region + "/" + o.partner
}

// mxSlice is a partner's slice as the matrix uses it: the keys its paths
// name and the bodies it sends.
type mxSlice struct {
	region, partner          string
	token                    string
	fund, year, quarter      string
	reportRole               string // a role the fund's report asks of the partner
	lock                     string // a period of the fund the seed locks
	popArea, mpsArea         string
	docs                     map[string][]byte // kind → its current document, a body that changes nothing
	consent, upload          []byte
	uploadID                 string
	consentPath, uploadsPath string
}

func (sl *mxSlice) key(kind string) string {
	switch kind {
	case "quarterly-returns":
		return sl.fund + "/" + sl.quarter
	case "pool-contributions":
		return sl.fund + "/" + sl.year
	case "population-assessments":
		return sl.popArea + "/2022"
	}
	return sl.mpsArea + "/2024-25"
}

// mxTarget is what one case names: the slice in its path and the slice
// whose keys and ids it uses.
type mxTarget struct {
	name            string
	region, partner string
	sl              *mxSlice
	absent          bool // the item named does not exist there: allowed callers get 404
}

func (tg mxTarget) slice() string { return SlicePath(tg.region, tg.partner) }

// mxRule says what a caller should get of a target.
type mxRule func(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome

// mxRow is one operation of the contract.
type mxRow struct {
	op      string // "METHOD /path/template", as the OpenAPI document has it
	targets []string
	public  bool         // served without a token
	rule    mxRule       // who may call it
	scopes  []auth.Scope // the scopes it needs: a token of the right shape missing one is refused
	ok      []int        // what an allowed caller may get
	req     func(s *mxSeed, tg mxTarget) Req
	// shows says which data of another owner the answer shows an allowed
	// caller by design (a fund report shows its members each other's
	// versions); nil: none.
	shows func(s *mxSeed, c mxCaller, tg mxTarget, o mxOwner, what string) bool
}

// The rules of product.md's access model.

func mxPublic(*mxSeed, mxCaller, mxTarget) mxOutcome   { return mxAllow }
func mxAnyToken(*mxSeed, mxCaller, mxTarget) mxOutcome { return mxAllow }

// mxSliceRule: a partner acts on its own slice with scope; the region's
// token with region:read reads (never writes) any partner of its region, and
// for it a partner that does not exist is 404.
func mxSliceRule(partnerScope auth.Scope, regionReads bool) mxRule {
	return func(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
		if c.region != tg.region {
			return mxRefuse
		}
		if c.partner != "" {
			if c.partner != tg.partner || !c.has(partnerScope) {
				return mxRefuse
			}
		} else if !regionReads || !c.has(auth.RegionRead) {
			return mxRefuse
		}
		if !s.partnerExists(tg.region, tg.partner) || tg.absent {
			return mxNotFound
		}
		return mxAllow
	}
}

var (
	mxSliceRead    = mxSliceRule(auth.SubmissionsRead, true)
	mxSliceWrite   = mxSliceRule(auth.SubmissionsWrite, false)
	mxSliceSignoff = mxSliceRule(auth.SubmissionsSignoff, false)
	mxReadScopes   = []auth.Scope{auth.SubmissionsRead, auth.RegionRead}
)

// mxRegional: the region's own token (no partner, not government) with scope.
func mxRegional(scope auth.Scope) mxRule {
	return func(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
		if c.partner != "" || c.region != tg.region || !c.has(scope) {
			return mxRefuse
		}
		return mxAllow
	}
}

// mxRegionConfig: any token of the region; government any region, and for
// it an unknown region is 404.
func mxRegionConfig(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
	switch {
	case c.region == auth.AllRegions && s.regionExists(tg.region):
		return mxAllow
	case c.region == auth.AllRegions:
		return mxNotFound
	case c.region == tg.region:
		return mxAllow
	}
	return mxRefuse
}

// mxAudit: a partner reads its own partner's trail; the region's token any
// partner's of its region (an unknown partner parameter is 422).
func mxAudit(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
	switch {
	case c.region != tg.region:
		return mxRefuse
	case c.partner != "":
		if c.partner != tg.partner || !c.has(auth.SubmissionsRead) {
			return mxRefuse
		}
		return mxAllow
	case !c.has(auth.RegionRead):
		return mxRefuse
	case !s.partnerExists(tg.region, tg.partner):
		return mxInvalid
	}
	return mxAllow
}

// mxChanges: a partner follows its own slice's events (submissions:read);
// the region's token every event of its region (region:read).
func mxChanges(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
	switch {
	case c.region != tg.region:
		return mxRefuse
	case c.partner != "" && c.has(auth.SubmissionsRead), c.partner == "" && c.has(auth.RegionRead):
		return mxAllow
	}
	return mxRefuse
}

// mxExportWrite: exports:write, for the token's own region; government any
// region, and for it a region not served is 422.
func mxExportWrite(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
	switch {
	case !c.has(auth.ExportsWrite):
		return mxRefuse
	case c.region == auth.AllRegions && s.regionExists(tg.region):
		return mxAllow
	case c.region == auth.AllRegions:
		return mxInvalid
	case c.region == tg.region:
		return mxAllow
	}
	return mxRefuse
}

// mxExportRead: exports:read; another region's export, like an unknown id,
// is 404 (api.md).
func mxExportRead(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
	switch {
	case !c.has(auth.ExportsRead):
		return mxRefuse
	case tg.absent:
		return mxNotFound
	case c.region == auth.AllRegions || c.region == tg.region:
		return mxAllow
	}
	return mxNotFound
}

func mxGet(path string) Req { return Req{Method: "GET", Path: path} }

// matrixRows is every operation of openapi.yaml, with how to ask it and who may.
var matrixRows = append([]mxRow{
	{op: "GET /v1/health", targets: mxGlobal, public: true, rule: mxPublic, ok: []int{200},
		req: func(*mxSeed, mxTarget) Req { return mxGet("/v1/health") }},
	{op: "GET /v1/health/ready", targets: mxGlobal, public: true, rule: mxPublic, ok: []int{200},
		req: func(*mxSeed, mxTarget) Req { return mxGet("/v1/health/ready") }},
	{op: "GET /v1/receipt-keys", targets: mxGlobal, public: true, rule: mxPublic, ok: []int{200},
		req: func(*mxSeed, mxTarget) Req { return mxGet("/v1/receipt-keys") }},
	{op: "GET /v1/me", targets: mxGlobal, rule: mxAnyToken, ok: []int{200},
		req: func(*mxSeed, mxTarget) Req { return mxGet("/v1/me") }},
	{op: "GET /v1/rules", targets: mxGlobal, rule: mxAnyToken, ok: []int{200},
		req: func(*mxSeed, mxTarget) Req { return mxGet("/v1/rules") }},
	{op: "GET /v1/templates/{file}", targets: mxGlobal, rule: mxAnyToken, ok: []int{200},
		req: func(*mxSeed, mxTarget) Req { return mxGet("/v1/templates/quarterly-return-csv.csv") }},
	{op: "GET /v1/regions/{region}", targets: mxRegionTargets, rule: mxRegionConfig, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req { return mxGet("/v1/regions/" + tg.region) }},
	{op: "PUT /v1/regions/{region}/funds/{fundId}/periods/{period}/lock", targets: mxRegionTargets,
		rule: mxRegional(auth.PeriodsManage), scopes: []auth.Scope{auth.PeriodsManage}, ok: []int{200, 201},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return Req{Method: "PUT", Path: "/v1/regions/" + tg.region + "/funds/" + tg.sl.fund + "/periods/" + tg.sl.lock + "/lock"}
		}},
	{op: "DELETE /v1/regions/{region}/funds/{fundId}/periods/{period}/lock", targets: mxRegionTargets,
		rule: mxRegional(auth.PeriodsManage), scopes: []auth.Scope{auth.PeriodsManage}, ok: []int{200, 404},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return Req{Method: "DELETE", Path: "/v1/regions/" + tg.region + "/funds/" + tg.sl.fund + "/periods/" + tg.sl.lock + "/lock",
				Header: map[string]string{"Reason": "access matrix"}}
		}},
	{op: "GET /v1/regions/{region}/funds/{fundId}/position", targets: mxRegionTargets,
		rule: mxRegional(auth.RegionRead), scopes: []auth.Scope{auth.RegionRead}, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return mxGet("/v1/regions/" + tg.region + "/funds/" + tg.sl.fund + "/position?financialYear=" + tg.sl.year)
		}},
	{op: "GET /v1/regions/{region}/aggregates/population", targets: mxRegionTargets,
		rule: mxRegional(auth.RegionRead), scopes: []auth.Scope{auth.RegionRead}, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return mxGet("/v1/regions/" + tg.region + "/aggregates/population?assessmentYear=2022")
		}},
	{op: "GET /v1/regions/{region}/aggregates/market", targets: mxRegionTargets,
		rule: mxRegional(auth.RegionRead), scopes: []auth.Scope{auth.RegionRead}, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return mxGet("/v1/regions/" + tg.region + "/aggregates/market?financialYear=2024-25")
		}},
	{op: "GET /v1/regions/{region}/audit", targets: mxSliceTargets, rule: mxAudit, scopes: mxReadScopes, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return mxGet("/v1/regions/" + tg.region + "/audit?partner=" + tg.partner)
		}},
	{op: "GET /v1/regions/{region}/changes", targets: mxRegionTargets, rule: mxChanges, scopes: mxReadScopes, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req { return mxGet("/v1/regions/" + tg.region + "/changes?limit=1000") }},
	{op: "GET /v1/regions/{region}/audit/export", targets: mxSliceTargets, rule: mxAudit, scopes: mxReadScopes, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return mxGet("/v1/regions/" + tg.region + "/audit/export?partner=" + tg.partner)
		}},
	{op: "POST /v1/regions/{region}/partners/{partner}/quarterly-returns/{fundId}/{quarter}/signoff", targets: mxSliceTargets,
		rule: mxSliceSignoff, scopes: []auth.Scope{auth.SubmissionsSignoff}, ok: []int{200, 409, 412},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return Req{Method: "POST", Path: tg.slice() + "/quarterly-returns/" + tg.sl.key("quarterly-returns") + "/signoff",
				Body: []byte(`{"signatory":"Matrix Tester","role":"S151 officer"}`), Header: map[string]string{"If-Match": `"1"`}}
		}},
	{op: "GET /v1/regions/{region}/partners/{partner}/funds/{fundId}/years/{financialYear}/pooling-consent", targets: mxSliceTargets,
		rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200, 404},
		req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(tg.slice() + tg.sl.consentPath) }},
	{op: "PUT /v1/regions/{region}/partners/{partner}/funds/{fundId}/years/{financialYear}/pooling-consent", targets: mxSliceTargets,
		rule: mxSliceSignoff, scopes: []auth.Scope{auth.SubmissionsSignoff}, ok: []int{200, 201},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return Req{Method: "PUT", Path: tg.slice() + tg.sl.consentPath, Body: tg.sl.consent}
		}},
	{op: "DELETE /v1/regions/{region}/partners/{partner}/funds/{fundId}/years/{financialYear}/pooling-consent", targets: mxSliceTargets,
		rule: mxSliceSignoff, scopes: []auth.Scope{auth.SubmissionsSignoff}, ok: []int{200, 404},
		req: func(_ *mxSeed, tg mxTarget) Req { return Req{Method: "DELETE", Path: tg.slice() + tg.sl.consentPath} }},
	{op: "GET /v1/regions/{region}/partners/{partner}/obligations", targets: mxSliceTargets,
		rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(tg.slice() + "/obligations") }},
	{op: "POST /v1/regions/{region}/partners/{partner}/uploads", targets: mxSliceTargets,
		rule: mxSliceWrite, scopes: []auth.Scope{auth.SubmissionsWrite}, ok: []int{201},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return Req{Method: "POST", Path: tg.slice() + "/uploads", Body: tg.sl.upload}
		}},
	{op: "GET /v1/regions/{region}/partners/{partner}/uploads/{uploadId}", targets: append(slices.Clone(mxSliceTargets), tgForeignID),
		rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200},
		req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(tg.slice() + "/uploads/" + tg.sl.uploadID) }},
	// The seeded upload is a CSV form, never a document: allowed callers get 404.
	{op: "GET /v1/regions/{region}/partners/{partner}/uploads/{uploadId}/document", targets: append(slices.Clone(mxSliceTargets), tgForeignID),
		rule: mxSliceRead, scopes: mxReadScopes, ok: []int{404},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return mxGet(tg.slice() + "/uploads/" + tg.sl.uploadID + "/document")
		}},
	{op: "POST /v1/exports", targets: mxRegionTargets, rule: mxExportWrite, scopes: []auth.Scope{auth.ExportsWrite}, ok: []int{201, 202},
		req: func(_ *mxSeed, tg mxTarget) Req {
			return Req{Method: "POST", Path: "/v1/exports", Body: []byte(`{"region":"` + tg.region + `","financialYear":"` + tg.sl.year + `","format":"json"}`)}
		}},
	{op: "GET /v1/exports/{exportId}", targets: []string{tgOwn, tgOtherRegion, tgUnknownID}, rule: mxExportRead,
		scopes: []auth.Scope{auth.ExportsRead}, ok: []int{200},
		req: func(s *mxSeed, tg mxTarget) Req {
			id, ok := s.exportID[tg.region]
			if !ok {
				id = mxUnknownExport
			}
			return mxGet("/v1/exports/" + id)
		}},
}, append(append(mxSubmissionRows(), mxReportRows()...), mxWebhookRows()...)...)

// mxSubmissionRows are the five routes of each submission kind.
func mxSubmissionRows() []mxRow {
	kinds := []struct{ kind, key string }{
		{"population-assessments", "{areaCode}/{assessmentYear}"},
		{"market-position-statements", "{areaCode}/{financialYear}"},
		{"pool-contributions", "{fundId}/{financialYear}"},
		{"quarterly-returns", "{fundId}/{quarter}"},
	}
	var rows []mxRow
	for _, k := range kinds {
		base := "/v1/regions/{region}/partners/{partner}/" + k.kind
		key := func(tg mxTarget) string { return tg.slice() + "/" + k.kind + "/" + tg.sl.key(k.kind) }
		rows = append(rows,
			mxRow{op: "PUT " + base + "/" + k.key, targets: mxSliceTargets, rule: mxSliceWrite,
				scopes: []auth.Scope{auth.SubmissionsWrite}, ok: []int{200, 201},
				req: func(_ *mxSeed, tg mxTarget) Req {
					return Req{Method: "PUT", Path: key(tg), Body: tg.sl.docs[k.kind]}
				}},
			mxRow{op: "GET " + base + "/" + k.key, targets: mxSliceTargets, rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200},
				req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(key(tg)) }},
			mxRow{op: "GET " + base + "/" + k.key + "/versions", targets: mxSliceTargets, rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200},
				req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(key(tg) + "/versions") }},
			mxRow{op: "GET " + base + "/" + k.key + "/versions/{version}", targets: mxSliceTargets, rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200},
				req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(key(tg) + "/versions/1") }},
			mxRow{op: "GET " + base, targets: mxSliceTargets, rule: mxSliceRead, scopes: mxReadScopes, ok: []int{200},
				req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(tg.slice() + "/" + k.kind) }},
		)
	}
	return rows
}

// specOperations lists every operation of the OpenAPI document as "METHOD /path".
func specOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapi.Spec, &doc); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	if len(ops) == 0 {
		t.Fatal("openapi.yaml has no operations")
	}
	return ops
}

// testAccessMatrix asks every operation as every caller of every target.
func testAccessMatrix(t *testing.T, e *Env) {
	ops := specOperations(t)
	rowOps := map[string]bool{}
	for _, r := range matrixRows {
		if rowOps[r.op] {
			t.Errorf("matrixRows has two rows for %s", r.op)
		}
		rowOps[r.op] = true
		if !slices.Contains(ops, r.op) {
			t.Errorf("matrixRows has a row for %s, which is no operation of openapi.yaml", r.op)
		}
	}
	for _, op := range ops {
		if !rowOps[op] {
			t.Errorf("operation %s of openapi.yaml has no row in matrixRows: say who may call it", op)
		}
	}

	seeded := time.Now()
	s := seedMatrix(t, e)
	t.Logf("access matrix: seeded in %s", time.Since(seeded).Round(time.Millisecond))
	start := time.Now()
	cases := 0
	for i, row := range matrixRows {
		callers := append(slices.Clone(s.callers), s.lacking(row.scopes)...)
		// refusals[caller] maps each distinct 403 problem to the targets that got it.
		refusals := map[string]map[string][]string{}
		for _, tn := range row.targets {
			tg := s.target(tn)
			for _, c := range callers {
				r := row.req(s, tg)
				r.Token = c.token
				if r.Method == "POST" || r.Method == "PUT" {
					// One key per operation and target, whoever asks: a key is its
					// caller's own, and a refusal stays a refusal however it is
					// asked. A token lacking a scope is the same client (sub) as
					// the full token asked before it, so it retries that key.
					r.Header = withHeader(r.Header, "Idempotency-Key", fmt.Sprintf("matrix-%d-%s", i, strings.ReplaceAll(tn, " ", "-")))
				}
				res := e.Do(r)
				cases++
				want := mxUnauth
				if c.token != "" || row.public {
					want = row.rule(s, c, tg)
				}
				label := fmt.Sprintf("%s as %s, %s (%s %s)", row.op, c.name, tn, r.Method, r.Path)
				if want == mxAllow {
					if !slices.Contains(row.ok, res.Status) {
						t.Errorf("%s: %d, want it allowed (%v): %.300s", label, res.Status, row.ok, res.Body)
					}
				} else if res.Status != want.status() {
					replayed := ""
					if res.Header.Get("Idempotent-Replayed") == "true" {
						replayed = " (replayed: the same client's answer stored under this Idempotency-Key, given before the scope was checked)"
					}
					t.Errorf("%s: %d%s, want %s: %.300s", label, res.Status, replayed, want, res.Body)
				}
				shown := func(o mxOwner, what string) bool { return row.shows != nil && row.shows(s, c, tg, o, what) }
				s.checkLeaks(t, label, c, r, res, shown)
				if r.Method == "GET" && cases%5 == 0 { // a sample, re-asked in Welsh: reads only, so asking twice changes nothing
					cy := e.Do(welsh(r))
					s.checkLeaks(t, label+" in Welsh", c, r, cy, shown)
					expectOnlyWordsDiffer(t, label, res, cy)
				}
				if res.Status == http.StatusForbidden {
					if refusals[c.name] == nil {
						refusals[c.name] = map[string][]string{}
					}
					n := normalProblem(res.Body)
					refusals[c.name][n] = append(refusals[c.name][n], tn)
				}
			}
		}
		for caller, byBody := range refusals {
			if len(byBody) > 1 {
				t.Errorf("%s as %s: the 403s differ between targets, so they tell the targets apart: %v", row.op, caller, byBody)
			}
		}
	}
	t.Logf("access matrix: %d operations, %d rows, %d cases, %d secrets in %s", len(ops), len(matrixRows), cases, len(s.secrets), time.Since(start).Round(time.Millisecond))
	// The probes reach the data: every secret was shown to some caller
	// allowed to see it, so a leak of it would not go unnoticed.
	for v, owner := range s.secrets {
		if !s.observed[v] {
			t.Errorf("no answer of the matrix showed %s's %s (%s) even to callers allowed to see it: the probes miss it", owner, s.what[v], v)
		}
	}
	s.checkLists(t)
}

func withHeader(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

// normalProblem is a problem without what differs between any two answers.
func normalProblem(body []byte) string {
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		return string(body)
	}
	delete(p, "requestId")
	delete(p, "instance")
	b, _ := json.Marshal(p)
	return string(b)
}

// checkLeaks fails when an answer carries a secret its caller may not see
// (unless the request itself carried it, or the operation shows it by design).
func (s *mxSeed) checkLeaks(t *testing.T, label string, c mxCaller, r Req, res *Resp, shown func(o mxOwner, what string) bool) {
	t.Helper()
	var all bytes.Buffer
	all.Write(res.Body)
	for k, vs := range res.Header {
		fmt.Fprintf(&all, "\n%s: %s", k, strings.Join(vs, ", "))
	}
	answer := all.String()
	for v, owner := range s.secrets {
		if c.sees(owner) || strings.Contains(r.Path, v) || bytes.Contains(r.Body, []byte(v)) || shown(owner, s.what[v]) {
			if c.sees(owner) && strings.Contains(answer, v) {
				s.observed[v] = true
			}
			continue
		}
		if strings.Contains(answer, v) {
			t.Errorf("%s: LEAK: the %d answer carries %s's %s (%s): %.300s", label, res.Status, owner, s.what[v], v, res.Body)
		}
	}
}

// mxSeed is the data the matrix asks about, and its callers.
type mxSeed struct {
	e        *Env
	slices   map[string]*mxSlice // by partner
	exportID map[string]string   // by region
	hookID   map[string]string   // a partner's webhook, by partner
	callers  []mxCaller
	lackers  map[string]mxCaller
	secrets  map[string]mxOwner // value → owner; values of more than one owner are dropped
	observed map[string]bool    // secrets some caller allowed to see them was shown
	what     map[string]string
	shared   map[string]bool
}

func (s *mxSeed) regionExists(id string) bool {
	_, ok := s.e.App.Regions.Get(id)
	return ok
}

func (s *mxSeed) partnerExists(region, partner string) bool {
	reg, ok := s.e.App.Regions.Get(region)
	if !ok {
		return false
	}
	_, ok = reg.Partner(partner)
	return ok
}

func (s *mxSeed) target(name string) mxTarget {
	carm, cere, cwc := s.slices[Carm], s.slices[Cere], s.slices[mxCWC]
	switch name {
	case tgOwn:
		return mxTarget{name: name, region: WW, partner: Carm, sl: carm}
	case tgOtherPartner:
		return mxTarget{name: name, region: WW, partner: Cere, sl: cere}
	case tgOtherRegion:
		return mxTarget{name: name, region: mxCW, partner: mxCWC, sl: cwc}
	case tgNoRegion:
		return mxTarget{name: name, region: mxNoRegion, partner: Carm, sl: carm}
	case tgNoPartner:
		return mxTarget{name: name, region: WW, partner: mxNoPartner, sl: carm}
	case tgForeignID:
		return mxTarget{name: name, region: WW, partner: Carm, sl: cere, absent: true}
	case tgUnknownID:
		return mxTarget{name: name, absent: true}
	}
	return mxTarget{name: name}
}

// secret records a value only owner's data holds.
func (s *mxSeed) secret(owner mxOwner, what, v string) {
	if len(v) < 8 || s.shared[v] {
		return
	}
	if o, ok := s.secrets[v]; ok && o != owner {
		delete(s.secrets, v) // two owners hold it: it tells nothing
		s.shared[v] = true
		return
	}
	s.secrets[v], s.what[v] = owner, what
}

// marker is a fresh secret of owner, to put in its data.
func (s *mxSeed) marker(owner mxOwner, what string) string {
	b := make([]byte, 5)
	rand.Read(b)
	v := "mx-" + strings.NewReplacer("/", "-", " ", "-").Replace(owner.String()) + "-" + what + "-" + hex.EncodeToString(b)
	s.secret(owner, what, v)
	return v
}

// harvest records the receipt of every version of a key.
func (s *mxSeed) harvest(t *testing.T, owner mxOwner, versionsPath, token string) {
	t.Helper()
	r := s.e.Get(versionsPath+"?limit=200", token)
	expectStatus(t, r, 200)
	var pg struct {
		Items []struct {
			SHA256  string
			Receipt struct{ ReceiptID string }
		}
	}
	if err := json.Unmarshal(r.Body, &pg); err != nil {
		t.Fatal(err)
	}
	for _, it := range pg.Items {
		s.secret(owner, "sha256", it.SHA256)
		s.secret(owner, "receipt id", it.Receipt.ReceiptID)
	}
}

var mxKinds = []string{"population-assessments", "market-position-statements", "pool-contributions", "quarterly-returns"}

// seedMatrix writes data of every kind for carmarthenshire, ceredigion and
// Cheshire West's council, locks, consents, uploads and exports in both
// regions, and records the secrets each holds.
func seedMatrix(t *testing.T, e *Env) *mxSeed {
	t.Helper()
	seedFundYear(t, e)
	s := &mxSeed{e: e, slices: map[string]*mxSlice{}, exportID: map[string]string{}, hookID: map[string]string{}, lackers: map[string]mxCaller{},
		secrets: map[string]mxOwner{}, what: map[string]string{}, shared: map[string]bool{}, observed: map[string]bool{}}
	ww := func(partner, area string) *mxSlice {
		return &mxSlice{region: WW, partner: partner, token: e.PartnerToken(WW, partner), fund: Fund, year: "2019-20",
			quarter: "2019-20-Q1", reportRole: "chief-finance-officer", lock: "2019-20-Q3", popArea: area, mpsArea: area}
	}
	carm, cere := ww(Carm, "W06000010"), ww(Cere, "W06000008")
	cwc := &mxSlice{region: mxCW, partner: mxCWC, token: e.PartnerToken(mxCW, mxCWC), fund: "better-care-fund", year: "2025-26",
		quarter: "2025-26-Q1", reportRole: "chief-executive", lock: "2025-26-Q3", popArea: "E06000050", mpsArea: "E06000050"}
	all := []*mxSlice{carm, cere, cwc}
	owner := func(sl *mxSlice) mxOwner { return mxOwner{region: sl.region, partner: sl.partner} }
	put := func(sl *mxSlice, kind string, body []byte) *Resp {
		t.Helper()
		r := e.Put(SlicePath(sl.region, sl.partner)+"/"+kind+"/"+sl.key(kind), sl.token, body)
		if r.Status != 201 && r.Status != 200 {
			t.Fatalf("seed %s %s: %d %s", sl.partner, kind, r.Status, r.Body)
		}
		return r
	}
	do := func(r Req, want ...int) *Resp {
		t.Helper()
		res := e.Do(r)
		if !slices.Contains(want, res.Status) {
			t.Fatalf("seed %s %s: %d %s", r.Method, r.Path, res.Status, res.Body)
		}
		return res
	}
	for _, sl := range all {
		s.slices[sl.partner] = sl
		sl.docs = map[string][]byte{}
		sl.consentPath = "/funds/" + sl.fund + "/years/" + sl.year + "/pooling-consent"
		put(sl, "population-assessments", Edit(t, Example(t, "population-assessment.json"), func(m map[string]any) {
			m["areaCode"], m["notes"] = sl.popArea, s.marker(owner(sl), "notes")
		}))
		put(sl, "market-position-statements", Edit(t, Example(t, "market-position-statement.json"), func(m map[string]any) {
			m["areaCode"], m["commissioningIntentions"] = sl.mpsArea, []any{s.marker(owner(sl), "intentions")}
		}))
	}
	// Ceredigion's Q1 return again, with commentary: its version 2.
	q1 := e.Get(SlicePath(WW, Cere)+"/quarterly-returns/"+cere.key("quarterly-returns"), cere.token)
	expectStatus(t, q1, 200)
	doc, _ := json.Marshal(q1.JSON(t)["document"])
	put(cere, "quarterly-returns", Edit(t, doc, func(m map[string]any) { m["commentary"] = s.marker(owner(cere), "commentary") }))
	// Cheshire West's council: a contribution, and a return it signs off.
	put(cwc, "pool-contributions", Edit(t, Example(t, "pool-contribution.json"), func(m map[string]any) {
		m["fundId"], m["financialYear"] = cwc.fund, cwc.year
		for i, l := range m["lines"].([]any) {
			l.(map[string]any)["areaCode"] = "E06000050"
			l.(map[string]any)["fundingStream"] = []string{"local-authority-bcf", "additional-contribution"}[i]
		}
		m["lines"].([]any)[0].(map[string]any)["description"] = s.marker(owner(cwc), "description")
	}))
	put(cwc, "quarterly-returns", Edit(t, Example(t, "cheshire-west-quarterly-return.json"), func(m map[string]any) {
		m["fundId"], m["quarter"] = cwc.fund, cwc.quarter
		m["kpis"] = []any{map[string]any{"code": "discharge-to-usual-residence", "value": "93.1", "unit": "percent"}}
		m["commentary"] = s.marker(owner(cwc), "commentary")
	}))
	do(Req{Method: "POST", Path: SlicePath(mxCW, mxCWC) + "/quarterly-returns/" + cwc.key("quarterly-returns") + "/signoff", Token: cwc.token,
		Body: []byte(`{"signatory":"` + s.marker(owner(cwc), "signatory") + `","role":"Director of Finance"}`), Header: map[string]string{"If-Match": `"1"`}}, 200)
	for _, sl := range all {
		// A consent to pool, and a pending upload.
		sl.consent = []byte(`{"signatory":"S151 officer","role":"S151 officer","reference":"` + s.marker(owner(sl), "consent-reference") + `"}`)
		do(Req{Method: "PUT", Path: SlicePath(sl.region, sl.partner) + sl.consentPath, Token: sl.token, Body: sl.consent}, 201)
		sum := make([]byte, 32)
		rand.Read(sum)
		sl.upload = []byte(fmt.Sprintf(`{"purpose":"quarterly-return-csv","fundId":%q,"quarter":%q,"sizeBytes":679,"sha256":%q}`, sl.fund, sl.quarter, hex.EncodeToString(sum)))
		s.secret(owner(sl), "upload sha256", hex.EncodeToString(sum))
		up := do(Req{Method: "POST", Path: SlicePath(sl.region, sl.partner) + "/uploads", Token: sl.token, Body: sl.upload}, 201)
		sl.uploadID = up.JSON(t)["uploadId"].(string)
		s.secret(owner(sl), "upload id", sl.uploadID)
		// Every version's receipt, and the current documents: bodies that change nothing.
		for _, kind := range mxKinds {
			path := SlicePath(sl.region, sl.partner) + "/" + kind + "/" + sl.key(kind)
			cur := e.Get(path, sl.token)
			expectStatus(t, cur, 200)
			sl.docs[kind], _ = json.Marshal(cur.JSON(t)["document"])
			s.harvest(t, owner(sl), path+"/versions", sl.token)
		}
	}
	// Each region's unit locks a quarter and exports a year, under names only it holds.
	for _, sl := range []*mxSlice{carm, cwc} {
		region := mxOwner{region: sl.region}
		lockTok := e.Token(auth.TokenSpec{Region: sl.region, Name: s.marker(region, "locked-by"), Scopes: auth.DefaultScopes(sl.region, "")})
		do(Req{Method: "PUT", Path: "/v1/regions/" + sl.region + "/funds/" + sl.fund + "/periods/" + sl.lock + "/lock", Token: lockTok}, 201)
		exports := mxOwner{region: sl.region, exportOnly: true}
		expTok := e.Token(auth.TokenSpec{Region: sl.region, Name: s.marker(exports, "requested-by"), Scopes: auth.DefaultScopes(sl.region, "")})
		x := do(Req{Method: "POST", Path: "/v1/exports", Token: expTok, Body: []byte(`{"region":"` + sl.region + `","financialYear":"` + sl.year + `","format":"csv"}`)}, 201)
		var d exportDoc
		if err := json.Unmarshal(x.Body, &d); err != nil {
			t.Fatal(err)
		}
		s.exportID[sl.region] = d.ExportID
		for _, f := range d.Manifest.Files {
			s.secret(exports, "export file "+f.Name+" sha256", f.SHA256)
		}
		for _, dl := range d.Downloads {
			s.secret(exports, "export file "+dl.Name+" sha256", dl.SHA256)
		}
		s.secret(exports, "export manifest signature", d.ManifestJWS)
	}
	if len(s.exportID) != 2 || s.exportID[WW] == "" {
		t.Fatalf("exports %v", s.exportID)
	}
	s.seedReports(t)
	s.seedWebhooks(t, all)
	s.callers = []mxCaller{{name: "no token"}}
	for _, sh := range mxShapes {
		s.callers = append(s.callers, s.caller(sh, nil))
	}
	return s
}

// mxShape is a kind of token: its holder and every scope it carries, and
// whether the matrix asks it without each scope a row needs, too.
type mxShape struct {
	name, region, partner string
	scopes                []auth.Scope
	lacks                 bool
}

// mxShapes are the callers with a token. The board is a regional token like
// the RCU's, and of the same subject, so that an answer kept under an
// Idempotency-Key for one would show if it were replayed to the other.
var mxShapes = []mxShape{
	{"carmarthenshire", WW, Carm, auth.DefaultScopes(WW, Carm), true},
	{"ceredigion", WW, Cere, auth.DefaultScopes(WW, Cere), false},
	{"cheshire-west's council", mxCW, mxCWC, auth.DefaultScopes(mxCW, mxCWC), false},
	{"west cheshire ccg (a member until 2019-20)", mxCW, mxWCCG, auth.DefaultScopes(mxCW, mxWCCG), false},
	{"the West Wales RCU", WW, "", auth.DefaultScopes(WW, ""), true},
	{"the West Wales board", WW, "", auth.BoardScopes(), true},
	{"government", auth.AllRegions, "", auth.DefaultScopes(auth.AllRegions, ""), true},
}

// caller mints a token of a shape with every scope it carries but without.
func (s *mxSeed) caller(sh mxShape, without *auth.Scope) mxCaller {
	var scopes []auth.Scope
	for _, sc := range sh.scopes {
		if without == nil || sc != *without {
			scopes = append(scopes, sc)
		}
	}
	name := sh.name
	if without != nil {
		name += " without " + string(*without)
	}
	tok := s.e.Token(auth.TokenSpec{Region: sh.region, Partner: sh.partner, Name: name, Scopes: scopes})
	return mxCaller{name: name, token: tok, region: sh.region, partner: sh.partner, scopes: scopes}
}

// lacking are the tokens of the right shape for each needed scope, without
// it: carmarthenshire's for a partner scope, the West Wales RCU's or
// board's for a regional one, and government's too for an export scope.
func (s *mxSeed) lacking(needed []auth.Scope) []mxCaller {
	var out []mxCaller
	for _, sc := range needed {
		for _, sh := range mxShapes {
			if !sh.lacks || !slices.Contains(sh.scopes, sc) {
				continue
			}
			k := sh.name + string(sc)
			c, ok := s.lackers[k]
			if !ok {
				c = s.caller(sh, &sc)
				s.lackers[k] = c
			}
			out = append(out, c)
		}
	}
	return out
}

// checkLists: a partner's lists and the region's reads of them agree item for
// item, and hold that partner's items only, however much the others hold.
func (s *mxSeed) checkLists(t *testing.T) {
	t.Helper()
	e := s.e
	carm, cere, cwc := s.slices[Carm], s.slices[Cere], s.slices[mxCWC]
	rcu := e.RCUToken(WW)
	items := func(path, token string) []map[string]any {
		t.Helper()
		r := e.Get(path, token)
		if r.Status != 200 {
			t.Errorf("GET %s: %d %.300s", path, r.Status, r.Body)
			return nil
		}
		var pg struct {
			Items      []map[string]any
			NextCursor *string
		}
		if err := json.Unmarshal(r.Body, &pg); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if pg.NextCursor != nil {
			t.Errorf("GET %s: more than one page; the matrix's lists should fit on one", path)
		}
		return pg.Items
	}
	// The same list, read by the partner and by its region, is the same list.
	want := map[string]map[string]int{
		Carm: {"population-assessments": 1, "market-position-statements": 1, "pool-contributions": 1, "quarterly-returns": 2},
		Cere: {"population-assessments": 1, "market-position-statements": 1, "pool-contributions": 1, "quarterly-returns": 1},
	}
	for _, sl := range []*mxSlice{carm, cere} {
		base := SlicePath(WW, sl.partner)
		var paths []string
		for _, kind := range mxKinds {
			paths = append(paths, base+"/"+kind, base+"/"+kind+"/"+sl.key(kind)+"/versions")
		}
		paths = append(paths, base+"/obligations")
		for _, p := range paths {
			own, region := items(p, sl.token), items(p, rcu)
			if !reflect.DeepEqual(own, region) {
				t.Errorf("GET %s: %d items for %s, %d for the RCU: a list must not depend on who reads it", p, len(own), sl.partner, len(region))
			}
			for _, it := range own {
				if partner, ok := it["partner"]; ok && partner != sl.partner {
					t.Errorf("GET %s by %s lists %v's item", p, sl.partner, partner)
				}
			}
		}
		for kind, n := range want[sl.partner] {
			if got := len(items(base+"/"+kind, sl.token)); got != n {
				t.Errorf("%s's %s: %d items, want %d: a partner's list counts its own keys only", sl.partner, kind, got, n)
			}
		}
	}
	// Audit: a partner's own trail is the region's trail of that partner.
	partners := func(its []map[string]any, region string) map[string]int {
		out := map[string]int{}
		for _, it := range its {
			if it["region"] != region {
				t.Errorf("the %s audit lists a record of %v: %v", region, it["region"], it)
			}
			p, _ := it["partner"].(string)
			out[p]++
		}
		return out
	}
	for _, sl := range []*mxSlice{carm, cere} {
		own := items("/v1/regions/west-wales/audit?limit=200", sl.token)
		byRCU := items("/v1/regions/west-wales/audit?limit=200&partner="+sl.partner, rcu)
		if len(own) == 0 || !reflect.DeepEqual(own, byRCU) {
			t.Errorf("%s's audit: %d records, the RCU's read of it %d", sl.partner, len(own), len(byRCU))
		}
		if got := partners(own, WW); len(got) != 1 || got[sl.partner] != len(own) {
			t.Errorf("%s's audit holds other partners' records: %v", sl.partner, got)
		}
	}
	region := partners(items("/v1/regions/west-wales/audit?limit=200", rcu), WW)
	for _, p := range []string{Carm, Cere, Pemb, HywelDda} {
		if region[p] == 0 {
			t.Errorf("the West Wales RCU's audit has no record of %s: %v", p, region)
		}
	}
	if got := partners(items("/v1/regions/cheshire-west/audit?limit=200", cwc.token), mxCW); len(got) != 1 || got[mxCWC] == 0 {
		t.Errorf("cheshire-west's council's audit: %v", got)
	}
}
