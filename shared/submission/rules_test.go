package submission_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// ---------------------------------------------------------------------------
// Regions and fixtures
// ---------------------------------------------------------------------------

// Region ids the cases use. "west-wales-ld-councils" is west-wales with the
// learning-disabilities fund's membership cut to the three councils, so that
// a partner of the region (hywel-dda) is never a member of a fund: no
// shipped configuration has such a partner.
const (
	wwRegion         = "west-wales"
	cwRegion         = "cheshire-west"
	wiRegion         = "wiltshire"
	wwLDCouncilsOnly = "west-wales-ld-councils"
)

func loadTestRegions(t *testing.T) map[string]*region.Region {
	t.Helper()
	shipped, err := region.LoadFS(regions.FS)
	if err != nil {
		t.Fatal(err)
	}
	ww, err := fs.ReadFile(regions.FS, "west-wales.json")
	if err != nil {
		t.Fatal(err)
	}
	variant, err := region.Parse(ww)
	if err != nil {
		t.Fatal(err)
	}
	variant.ID = wwLDCouncilsOnly
	ld, ok := variant.Fund("care-homes-learning-disabilities")
	if !ok {
		t.Fatal("west-wales has no care-homes-learning-disabilities fund")
	}
	ld.Membership = slices.DeleteFunc(slices.Clone(ld.Membership), func(m region.Member) bool { return m.Partner == "hywel-dda" })
	// NewRegistry checks each region and derives its lookups (fund years, zone).
	reg, err := region.NewRegistry(append(shipped, variant)...)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*region.Region{}
	for _, id := range reg.IDs() {
		out[id], _ = reg.Get(id)
	}
	for _, id := range []string{wwRegion, cwRegion, wiRegion} {
		if out[id] == nil {
			t.Fatalf("region %s is not shipped", id)
		}
	}
	return out
}

// fixture is a valid body, its partner and its key: every rule case starts
// from one and changes as little as it can.
type fixture struct {
	region, partner string
	kind            submission.Kind
	key             [2]string
	file            string          // in infra/examples
	adapt           func(d jsonDoc) // turns the example into this fixture's body
}

var fixtures = map[string]fixture{
	// The shared examples, each by its own partner.
	"qr":  {wwRegion, "carmarthenshire", submission.QuarterlyReturns, [2]string{"care-homes-older-people", "2018-19-Q2"}, "quarterly-return.json", nil},
	"pc":  {wwRegion, "carmarthenshire", submission.PoolContributions, [2]string{"care-homes-older-people", "2018-19"}, "pool-contribution.json", nil},
	"pa":  {wwRegion, "ceredigion", submission.PopulationAssessments, [2]string{"W06000008", "2022"}, "population-assessment.json", nil},
	"mps": {wwRegion, "pembrokeshire", submission.MarketPositionStatements, [2]string{"W06000009", "2024-25"}, "market-position-statement.json", nil},
	// The quarterly return example moved to Q3 and Q4 of the same year.
	"qr-q3": {wwRegion, "carmarthenshire", submission.QuarterlyReturns, [2]string{"care-homes-older-people", "2018-19-Q3"}, "quarterly-return.json",
		func(d jsonDoc) { d.set("/quarter", "2018-19-Q3") }},
	"qr-q4": {wwRegion, "carmarthenshire", submission.QuarterlyReturns, [2]string{"care-homes-older-people", "2018-19-Q4"}, "quarterly-return.json",
		func(d jsonDoc) { d.set("/quarter", "2018-19-Q4") }},
	// The health board, which serves all three counties and funds health.
	"qr-hywel-dda": {wwRegion, "hywel-dda", submission.QuarterlyReturns, [2]string{"care-homes-older-people", "2018-19-Q2"}, "quarterly-return.json",
		func(d jsonDoc) {
			for _, list := range []string{"spend", "income"} {
				for i := range d.len("/" + list) {
					d.set(fmt.Sprintf("/%s/%d/discipline", list, i), "health")
				}
			}
			d.set("/spend/1/areaCode", "W06000009")
		}},
	// Cheshire West (England): an integrated care board funds health, the
	// council social care; the region has its own fund, years, KPIs, spend
	// categories (the Better Care Fund's scheme types) and funding streams.
	// The ICB is not the fund's host: its returns answer no assurances.
	"cw-qr-icb": {cwRegion, "cheshire-and-merseyside-icb", submission.QuarterlyReturns, [2]string{"better-care-fund", "2024-25-Q3"}, "quarterly-return.json",
		func(d jsonDoc) {
			asReturnOf(d, "better-care-fund", "2024-25-Q3", "health", "E06000050",
				"home-based-intermediate-care", "bed-based-intermediate-care", "enablers-for-integration")
			d.set("/kpis/0", map[string]any{"code": "discharge-to-usual-residence", "value": json.Number("92.75"), "unit": "percent"})
		}},
	"cw-pc-council": {cwRegion, "cheshire-west-and-chester", submission.PoolContributions, [2]string{"better-care-fund", "2025-26"}, "pool-contribution.json",
		func(d jsonDoc) {
			d.set("/fundId", "better-care-fund")
			d.set("/financialYear", "2025-26")
			d.set("/approvedOn", "2025-03-20")
			for i := range d.len("/lines") {
				d.set(fmt.Sprintf("/lines/%d/areaCode", i), "E06000050")
			}
			d.set("/lines/0/fundingStream", "local-authority-bcf")
			d.set("/lines/1/fundingStream", "additional-contribution")
		}},
	// The worked BCF examples: Cheshire West's council, the fund's host, in
	// 2019-20 (scheme types, the four national conditions answered), and
	// Wiltshire's council's 2023-24 contribution (funding streams, KPI plans).
	"cw-qr-council": {cwRegion, "cheshire-west-and-chester", submission.QuarterlyReturns, [2]string{"better-care-fund", "2019-20-Q2"}, "cheshire-west-quarterly-return.json", nil},
	"wi-pc-council": {wiRegion, "wiltshire-council", submission.PoolContributions, [2]string{"better-care-fund", "2023-24"}, "wiltshire-pool-contribution.json", nil},
	// NHS West Cheshire CCG, a member of Cheshire West's fund until 2019-20
	// (it then merged into NHS Cheshire CCG): its last year's contribution.
	"cw-pc-west-ccg": {cwRegion, "west-cheshire-ccg", submission.PoolContributions, [2]string{"better-care-fund", "2019-20"}, "pool-contribution.json",
		func(d jsonDoc) {
			d.set("/fundId", "better-care-fund")
			d.set("/financialYear", "2019-20")
			d.set("/approvedOn", "2019-03-27")
			d.set("/approvedBy", "Chief Finance Officer, NHS West Cheshire CCG")
			for i, stream := range []string{"nhs-minimum-contribution", "additional-contribution"} {
				d.set(fmt.Sprintf("/lines/%d/discipline", i), "health")
				d.set(fmt.Sprintf("/lines/%d/areaCode", i), "E06000050")
				d.set(fmt.Sprintf("/lines/%d/fundingStream", i), stream)
			}
		}},
	// Wiltshire's joint mental health and learning disabilities pool: its own
	// spend categories and income sources, no funding streams, no assurances.
	"wi-qr-mhld-icb": {wiRegion, "bsw-icb", submission.QuarterlyReturns, [2]string{"mental-health-learning-disabilities", "2024-25-Q1"}, "quarterly-return.json",
		func(d jsonDoc) {
			asReturnOf(d, "mental-health-learning-disabilities", "2024-25-Q1", "health", "E06000054",
				"community-mental-health", "section-117-aftercare", "learning-disabilities-placements")
			d.set("/income/0/source", "continuing-healthcare")
			d.set("/kpis/0", map[string]any{"code": "mh-out-of-area-placements", "value": json.Number("7"), "unit": "count"})
		}},
	// hywel-dda's key for the fund it is not a member of in the variant region.
	"ld-hywel-dda": {wwLDCouncilsOnly, "hywel-dda", submission.QuarterlyReturns, [2]string{"care-homes-learning-disabilities", "2026-27-Q1"}, "quarterly-return.json",
		func(d jsonDoc) { asReturnOf(d, "care-homes-learning-disabilities", "2026-27-Q1", "health", "") }},
}

// asReturnOf moves the example return to another fund and quarter, every
// line to a discipline and (unless "") an area, and its spend lines to the
// fund's categories, in order.
func asReturnOf(d jsonDoc, fund, quarter, discipline, area string, categories ...string) {
	d.set("/fundId", fund)
	d.set("/quarter", quarter)
	for _, list := range []string{"spend", "income"} {
		for i := range d.len("/" + list) {
			d.set(fmt.Sprintf("/%s/%d/discipline", list, i), discipline)
			if area != "" {
				d.set(fmt.Sprintf("/%s/%d/areaCode", list, i), area)
			}
		}
	}
	for i, c := range categories {
		d.set(fmt.Sprintf("/spend/%d/category", i), c)
	}
}

// fixtureDoc is a fixture's body, decoded for mutation.
func fixtureDoc(t *testing.T, name string) jsonDoc {
	t.Helper()
	fx, ok := fixtures[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	d := decodeDoc(t, example(t, fx.file))
	if fx.adapt != nil {
		fx.adapt(d)
	}
	return d
}

// ---------------------------------------------------------------------------
// A decoded body with JSON Pointer editing
// ---------------------------------------------------------------------------

type jsonDoc struct{ root map[string]any }

func decodeDoc(t *testing.T, b []byte) jsonDoc {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return jsonDoc{m}
}

// encode writes the body indented, with sorted keys, so raw edits can find
// `"name": value` text.
func (d jsonDoc) encode() []byte {
	b, err := json.MarshalIndent(d.root, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func tokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	if ptr[0] != '/' {
		panic("bad pointer " + ptr)
	}
	toks := strings.Split(ptr[1:], "/")
	for i, tok := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
	}
	return toks
}

func (d jsonDoc) get(ptr string) any {
	var v any = d.root
	for _, tok := range tokens(ptr) {
		switch c := v.(type) {
		case map[string]any:
			v = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i >= len(c) {
				panic("bad pointer " + ptr)
			}
			v = c[i]
		default:
			panic("bad pointer " + ptr)
		}
	}
	return v
}

func (d jsonDoc) len(ptr string) int { a, _ := d.get(ptr).([]any); return len(a) }

// clone is a deep copy of the value at ptr.
func (d jsonDoc) clone(ptr string) any {
	b, err := json.Marshal(d.get(ptr))
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

// set puts val at ptr; a last token "-" appends to an array.
func (d jsonDoc) set(ptr string, val any) {
	d.root = edit(d.root, tokens(ptr), val, false).(map[string]any)
}

// del removes the member or array item at ptr.
func (d jsonDoc) del(ptr string) { d.root = edit(d.root, tokens(ptr), nil, true).(map[string]any) }

func edit(v any, toks []string, val any, del bool) any {
	if len(toks) == 0 {
		return val
	}
	last := len(toks) == 1
	switch c := v.(type) {
	case map[string]any:
		if last && del {
			delete(c, toks[0])
		} else {
			c[toks[0]] = edit(c[toks[0]], toks[1:], val, del)
		}
		return c
	case []any:
		if last && toks[0] == "-" {
			return append(c, val)
		}
		i, err := strconv.Atoi(toks[0])
		if err != nil || i >= len(c) {
			panic(fmt.Sprintf("bad index %q", toks[0]))
		}
		if last && del {
			return append(c[:i:i], c[i+1:]...)
		}
		c[i] = edit(c[i], toks[1:], val, del)
		return c
	}
	panic(fmt.Sprintf("cannot edit %T", v))
}

// ---------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------

// warningCodes are the data dictionary's W rows; every other rule is an E.
var warningCodes = map[string]bool{
	"needs.exceeds-population":      true,
	"population.sex-total-mismatch": true,
	"care-homes.low-occupancy":      true,
	"care-homes.fee-outside-range":  true,
	"forecast.below-actual":         true,
	"actual.decreased":              true,
}

// producedOutsideValidator are the catalogue's request rules: they concern
// headers and query parameters around the document, so neither ParseKey,
// ParseFilter nor Validate can produce them. Each names where it is made.
var producedOutsideValidator = map[string]string{
	"if-match.invalid":              "shared/service (submissions.go: validatePut parses If-Match)",
	"idempotency-key.invalid":       "shared/httpapi (idempotency.go: the Idempotency-Key header's form)",
	"idempotency-key.reused":        "shared/service (idempotency.go: a key replayed with another request)",
	"cursor.invalid":                "shared/service (cursor.go: decodeCursor binds a cursor to caller and filters)",
	"limit.invalid":                 "shared/httpapi (request.go: pageRequest)",
	"query.unknown-parameter":       "shared/httpapi (request.go: checkQuery)",
	"query.invalid":                 "shared/httpapi (request.go: checkQuery repeats, boolParam)",
	"version.invalid":               "shared/httpapi (submissions.go: the {n} of /versions/{n})",
	"query.required":                "shared/httpapi (regionview.go: financialYear of the position and market aggregate)",
	"period.invalid":                "shared/service (region_access.go: parsePeriod of a lock)",
	"period.outside-fund-years":     "shared/service (region_access.go: parsePeriod of a lock)",
	"if-match.required":             "shared/service (signoff.go: a sign-off names its version)",
	"reason.required":               "shared/httpapi (regionview.go: unlockReason)",
	"status.invalid":                "shared/service (obligations.go: the status filter)",
	"time.invalid":                  "shared/service (obligations.go ParseDay, audit_query.go auditBound)",
	"upload.purpose-invalid":        "shared/submission (commands.go: UploadStart, the body of POST .../uploads)",
	"upload.sha256-invalid":         "shared/submission (commands.go: UploadStart, the body of POST .../uploads)",
	"upload.size-invalid":           "shared/service (uploads.go: uploadRequest, the size against the purpose's limit)",
	"export.format-invalid":         "shared/submission (commands.go: ExportRequest, the body of POST /v1/exports)",
	"region.unknown":                "shared/service (exports.go: exportRequest, the region of an export)",
	"report.role-not-required":      "shared/service/regionview (reports.go: a report sign-off's role against the fund's rules)",
	"token.claim-repeated":          "shared/auth (onereading.go: a bearer token's header or claims)",
	"token.claim-case":              "shared/auth (onereading.go: a bearer token's claims)",
	"token.time-not-number":         "shared/auth (onereading.go: a bearer token's exp, nbf, iat)",
	"token.signature-not-canonical": "shared/auth (lows.go: an ES256 token's s)",
}

type ruleCase struct {
	name    string // the behaviour checked
	code    string
	fixture string
	// How the request differs from the fixture: the path's key values,
	// an edit of the decoded body, or a raw edit of its indented text.
	key    *[2]string
	mutate func(d jsonDoc)
	raw    func(body string) string
	// filter runs ParseFilter with these query values instead of a PUT.
	filter map[string]string
	// prev names the fixture whose canonical document is the previous
	// quarter's current return; accepted the accepted document uploads.
	prev     string
	accepted map[string]bool
	// Where the finding must be: a body pointer or a path/query parameter.
	pointer string
	param   string
	// field is the catalogue field pattern expected for the finding, when
	// it is not the pointer with indexes as "*" (rules of an object, such
	// as field.required, are listed at the object).
	field string // the catalogue field pattern; "" derives it from pointer or param
	// also are other findings ("code@pointer") the change rightly causes.
	also []string
}

func keyOf(a, b string) *[2]string { return &[2]string{a, b} }

var cases = []ruleCase{
	// --- structure ---------------------------------------------------------
	{name: "unknown field at the top level", code: "body.unknown-field", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/notes", "x") }, pointer: "/notes", field: rootField},
	{name: "unknown field inside a list item", code: "body.unknown-field", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/1/vat", "0") }, pointer: "/lines/1/vat", field: "/lines/*"},
	{name: "unknown field name is escaped in the pointer", code: "body.unknown-field", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/0/a~1b", 1) }, pointer: "/careHomes/0/a~1b", field: "/careHomes/*"},
	{name: "duplicate top-level field", code: "body.duplicate-field", fixture: "qr",
		raw: func(s string) string { return strings.Replace(s, "{", `{"riskRating": "green",`, 1) }, pointer: "/riskRating", field: rootField},
	{name: "duplicate field in a nested object", code: "body.duplicate-field", fixture: "qr",
		raw:     func(s string) string { return strings.Replace(s, `"activity": {`, `"activity": {"bedWeeks": 1,`, 1) },
		pointer: "/activity/bedWeeks", field: "/activity"},
	{name: "a lone surrogate escape in a text", code: "body.lone-surrogate", fixture: "qr",
		raw: func(s string) string {
			return strings.Replace(s, `"Nursing placements`, `"\ud800Nursing placements`, 1)
		}, pointer: "/commentary", field: rootField},
	{name: "a lone low surrogate in a field's name", code: "body.lone-surrogate", fixture: "qr",
		raw: func(s string) string { return strings.Replace(s, "{", `{"x\udc00": 1,`, 1) }, pointer: "/x\ufffd", field: rootField,
		also: []string{"body.unknown-field@/x\ufffd"}},
	{name: "value nested deeper than MaxDepth", code: "body.too-deep", fixture: "pa",
		raw: func(s string) string {
			return strings.Replace(s, `"notes": "Figures rounded to the nearest 100."`,
				`"notes": `+strings.Repeat("[", 40)+strings.Repeat("]", 40), 1)
		},
		// The 33rd container level (depth 32 counting the body as 0) is refused.
		pointer: "/notes" + strings.Repeat("/0", 31), field: rootField,
		also: []string{"body.wrong-type@/notes"}},
	{name: "body that is not an object", code: "body.wrong-type", fixture: "qr",
		raw: func(string) string { return `[]` }, pointer: "", field: rootField},
	{name: "count given as a string", code: "body.wrong-type", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/activity/bedWeeks", "14602") }, pointer: "/activity/bedWeeks"},
	{name: "list given as an object", code: "body.wrong-type", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/needs", map[string]any{}) }, pointer: "/needs"},
	{name: "boolean given as a string", code: "body.wrong-type", fixture: "qr-q4",
		mutate: func(d jsonDoc) { d.set("/final", "true") }, pointer: "/final"},
	{name: "money given as a boolean", code: "body.wrong-type", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/0/amount", true) }, pointer: "/lines/0/amount"},
	{name: "required top-level field missing", code: "field.required", fixture: "pc",
		mutate: func(d jsonDoc) { d.del("/approvedBy") }, pointer: "/approvedBy", field: rootField},
	{name: "required field null", code: "field.required", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/riskRating", nil) }, pointer: "/riskRating", field: rootField},
	{name: "required field of a list item missing", code: "field.required", fixture: "qr",
		mutate: func(d jsonDoc) { d.del("/spend/2/category") }, pointer: "/spend/2/category", field: "/spend/*"},
	{name: "required field of a nested object missing", code: "field.required", fixture: "qr",
		mutate: func(d jsonDoc) { d.del("/activity/newPlacements") }, pointer: "/activity/newPlacements", field: "/activity"},
	{name: "required list empty", code: "list.too-short", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend", []any{}) }, pointer: "/spend"},
	{name: "care homes empty", code: "list.too-short", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes", []any{}) }, pointer: "/careHomes"},
	{name: "more than 50 commissioning intentions", code: "list.too-long", fixture: "mps",
		mutate: func(d jsonDoc) {
			for range 49 {
				d.set("/commissioningIntentions/-", "More")
			}
		}, pointer: "/commissioningIntentions"},
	{name: "more than 50 KPIs", code: "list.too-long", fixture: "qr",
		mutate: func(d jsonDoc) {
			for range 50 {
				d.set("/kpis/-", d.clone("/kpis/0"))
			}
		}, pointer: "/kpis"},

	// --- text -----------------------------------------------------------------
	{name: "required text only whitespace", code: "text.empty", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/approvedBy", " \t\n ") }, pointer: "/approvedBy"},
	{name: "empty KPI unit", code: "text.empty", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/kpis/0/unit", "") }, pointer: "/kpis/0/unit"},
	{name: "empty commissioning intention", code: "text.empty", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/commissioningIntentions/1", " ") }, pointer: "/commissioningIntentions/1"},
	{name: "description over 200 characters", code: "text.too-long", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/1/description", strings.Repeat("ŵ", 201)) }, pointer: "/lines/1/description"},
	{name: "needs source over 200 characters", code: "text.too-long", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/needs/0/source", strings.Repeat("x", 201)) }, pointer: "/needs/0/source"},
	{name: "commentary with a NUL character", code: "text.control-characters", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/commentary", "Two closures\x00 in Llanelli") }, pointer: "/commentary"},
	{name: "notes with a bell character", code: "text.control-characters", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/notes", "Rounded\a") }, pointer: "/notes"},
	{name: "approver with a lone carriage return", code: "text.control-characters", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/approvedBy", "Head of\rFinance") }, pointer: "/approvedBy"},

	// --- money ------------------------------------------------------------------
	{name: "money with a thousands separator", code: "money.invalid", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/0/amount", "14,250,000.00") }, pointer: "/lines/0/amount"},
	{name: "money with a pound sign", code: "money.invalid", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/minWeeklyFee", "£860.00") }, pointer: "/careHomes/1/minWeeklyFee"},
	{name: "money as a JSON number in exponent notation", code: "money.exponent", fixture: "qr",
		raw: func(s string) string {
			return strings.Replace(s, `"actualToDate": "1010000"`, `"actualToDate": 1.01e6`, 1)
		}, pointer: "/spend/2/actualToDate"},
	{name: "money as a string in exponent notation", code: "money.exponent", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/1/amount", "2.1E6") }, pointer: "/lines/1/amount"},
	{name: "money with three decimals", code: "money.too-many-decimals", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/0/actualToDate", "4102337.185") }, pointer: "/spend/0/actualToDate"},
	{name: "money as a JSON number with three decimals", code: "money.too-many-decimals", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/0/amount", json.Number("100.001")) }, pointer: "/lines/0/amount"},
	{name: "money over 99,999,999,999.99", code: "money.too-large", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/0/forecastOutturn", "100000000000.00") }, pointer: "/spend/0/forecastOutturn"},
	{name: "negative actual to date", code: "money.negative", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/income/0/actualToDate", "-0.01") }, pointer: "/income/0/actualToDate"},
	{name: "negative weekly fee", code: "money.negative", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/0/minWeeklyFee", json.Number("-1")) }, pointer: "/careHomes/0/minWeeklyFee"},
	{name: "contribution of zero", code: "money.not-positive", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/1/amount", json.Number("0")) }, pointer: "/lines/1/amount"},
	{name: "negative contribution", code: "money.not-positive", fixture: "cw-pc-council",
		mutate: func(d jsonDoc) { d.set("/lines/0/amount", "-5.00") }, pointer: "/lines/0/amount"},

	// --- other types -------------------------------------------------------------
	{name: "KPI value not a number", code: "decimal.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/kpis/0/value", "12,5") }, pointer: "/kpis/0/value"},
	{name: "KPI value with 7 decimals", code: "decimal.too-many-decimals", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/kpis/0/value", json.Number("0.1234567")) }, pointer: "/kpis/0/value"},
	{name: "KPI value with 16 integer digits", code: "decimal.too-large", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) { d.set("/kpis/0/value", "1234567890123456") }, pointer: "/kpis/0/value"},
	{name: "negative count", code: "count.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/activity/bedWeeks", json.Number("-1")) }, pointer: "/activity/bedWeeks"},
	{name: "fractional count", code: "count.invalid", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/homes", json.Number("9.5")) }, pointer: "/careHomes/1/homes"},
	{name: "count beyond 2^53-1", code: "count.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/needs/1/count", json.Number("9007199254740992")) }, pointer: "/needs/1/count"},
	{name: "fractional population year", code: "integer.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/population/3/year", json.Number("2030.5")) }, pointer: "/population/3/year"},
	{name: "needs year in exponent notation", code: "integer.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/needs/0/year", json.Number("2.021e3")) }, pointer: "/needs/0/year"},
	{name: "financial year with a slash in the body", code: "financial-year.invalid", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/financialYear", "2024/25") }, pointer: "/financialYear"},
	{name: "financial year spanning two years in the path", code: "financial-year.invalid", fixture: "pc",
		key: keyOf("care-homes-older-people", "2018-20"), param: "financialYear"},
	{name: "financial year filter on quarterly returns", code: "financial-year.invalid", fixture: "qr",
		filter: map[string]string{"financialYear": "18-19"}, param: "financialYear"},
	{name: "quarter 5 in the body", code: "quarter.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/quarter", "2018-19-Q5") }, pointer: "/quarter"},
	{name: "quarter 0 in the path", code: "quarter.invalid", fixture: "qr",
		key: keyOf("care-homes-older-people", "2018-19-Q0"), param: "quarter"},
	{name: "quarter filter without Q", code: "quarter.invalid", fixture: "qr",
		filter: map[string]string{"quarter": "2018-19-2"}, param: "quarter"},
	{name: "assessment year before 2000 in the body", code: "assessment-year.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/assessmentYear", json.Number("1999")) }, pointer: "/assessmentYear"},
	{name: "assessment year with a leading zero in the path", code: "assessment-year.invalid", fixture: "pa",
		key: keyOf("W06000008", "02022"), param: "assessmentYear"},
	{name: "assessment year filter after 2100", code: "assessment-year.invalid", fixture: "pa",
		filter: map[string]string{"assessmentYear": "2101"}, param: "assessmentYear"},
	{name: "approval on 29 February of a common year", code: "date.invalid", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/approvedOn", "2019-02-29") }, pointer: "/approvedOn"},
	{name: "approval date without leading zeros", code: "date.invalid", fixture: "cw-pc-council",
		mutate: func(d jsonDoc) { d.set("/approvedOn", "2025-3-20") }, pointer: "/approvedOn"},

	// --- region -------------------------------------------------------------------
	{name: "spend area not in the region", code: "area.unknown", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/1/areaCode", "W06000099") }, pointer: "/spend/1/areaCode"},
	{name: "a Welsh area is unknown in Cheshire West", code: "area.unknown", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) { d.set("/income/0/areaCode", "W06000010") }, pointer: "/income/0/areaCode"},
	{name: "path area not in the region", code: "area.unknown", fixture: "mps",
		key: keyOf("E06000050", "2024-25"), param: "areaCode"},
	{name: "area filter not in the region", code: "area.unknown", fixture: "pa",
		filter: map[string]string{"areaCode": "W0600001"}, param: "areaCode"},
	{name: "body area differs from the path", code: "key.mismatch", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/areaCode", "W06000010") }, pointer: "/areaCode"},
	{name: "body assessment year differs from the path", code: "key.mismatch", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/assessmentYear", json.Number("2023")) }, pointer: "/assessmentYear"},
	{name: "body financial year differs from the path", code: "key.mismatch", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/financialYear", "2023-24") }, pointer: "/financialYear"},
	{name: "body fund differs from the path", code: "key.mismatch", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/fundId", "care-homes-learning-disabilities") }, pointer: "/fundId"},
	{name: "body quarter differs from the path", code: "key.mismatch", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/quarter", "2018-19-Q3") }, pointer: "/quarter"},
	{name: "Cheshire KPI code in a West Wales return", code: "kpi.unknown-code", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/kpis/0/code", "discharge-to-usual-residence") }, pointer: "/kpis/0/code"},
	{name: "West Wales KPI code in a Cheshire West return", code: "kpi.unknown-code", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) { d.set("/kpis/0/code", "avg-weekly-fee") }, pointer: "/kpis/0/code"},

	// --- enumerations ---------------------------------------------------------------
	{name: "discipline not in the list", code: "discipline.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/0/discipline", "education") }, pointer: "/spend/0/discipline"},
	{name: "discipline in the wrong case", code: "discipline.invalid", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/0/discipline", "Social-Care") }, pointer: "/lines/0/discipline"},
	{name: "spend category not one of the fund's", code: "spend-category.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/1/category", "domiciliary") }, pointer: "/spend/1/category"},
	{name: "a West Wales care category in a Better Care Fund return", code: "spend-category.invalid", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.set("/spend/0/category", "residential") }, pointer: "/spend/0/category"},
	{name: "a BCF scheme type in Wiltshire's mental health and learning disabilities pool", code: "spend-category.invalid", fixture: "wi-qr-mhld-icb",
		mutate: func(d jsonDoc) { d.set("/spend/2/category", "home-care") }, pointer: "/spend/2/category"},
	{name: "care-home category not a care category", code: "care-category.invalid", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/category", "hospice") }, pointer: "/careHomes/1/category"},
	{name: "age band not in the list", code: "age-band.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/population/0/ageBand", "65+") }, pointer: "/population/0/ageBand"},
	{name: "sex not in the list", code: "sex.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/population/2/sex", "persons") }, pointer: "/population/2/sex"},
	{name: "needs group not in the list", code: "need-group.invalid", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/needs/1/group", "unpaid-carers") }, pointer: "/needs/1/group"},
	{name: "contribution type not in the list", code: "contribution-type.invalid", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/1/type", "loan") }, pointer: "/lines/1/type"},
	{name: "income source not one of the fund's", code: "income-source.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/income/0/source", "grants") }, pointer: "/income/0/source"},
	{name: "the MH/LD pool's continuing-healthcare income in a Better Care Fund return", code: "income-source.invalid", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.set("/income/0/source", "continuing-healthcare") }, pointer: "/income/0/source"},
	{name: "risk rating not in the list", code: "risk-rating.invalid", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/riskRating", "purple") }, pointer: "/riskRating"},

	// --- who may submit what ----------------------------------------------------------
	{name: "council line for another county", code: "partner.area-not-served", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/1/areaCode", "W06000009") }, pointer: "/lines/1/areaCode"},
	{name: "council income for another county", code: "partner.area-not-served", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/income/0/areaCode", "W06000008") }, pointer: "/income/0/areaCode"},
	{name: "population assessment for an area the council does not serve", code: "partner.area-not-served", fixture: "pa",
		key: keyOf("W06000010", "2022"), param: "areaCode"},
	{name: "council spending on health", code: "partner.discipline-not-allowed", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/2/discipline", "health") }, pointer: "/spend/2/discipline"},
	{name: "health board spending on social care", code: "partner.discipline-not-allowed", fixture: "qr-hywel-dda",
		mutate: func(d jsonDoc) { d.set("/income/0/discipline", "social-care") }, pointer: "/income/0/discipline"},
	{name: "integrated care board spending on social care (English configuration)", code: "partner.discipline-not-allowed", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) { d.set("/spend/0/discipline", "social-care") }, pointer: "/spend/0/discipline"},
	{name: "English council contributing for health", code: "partner.discipline-not-allowed", fixture: "cw-pc-council",
		mutate: func(d jsonDoc) { d.set("/lines/0/discipline", "health") }, pointer: "/lines/0/discipline"},
	{name: "fund not in the region", code: "fund.unknown", fixture: "qr",
		key: keyOf("better-care-fund", "2018-19-Q2"), param: "fundId"},
	{name: "West Wales fund in Cheshire West", code: "fund.unknown", fixture: "cw-pc-council",
		key: keyOf("care-homes-older-people", "2025-26"), param: "fundId"},
	{name: "fund filter not in the region", code: "fund.unknown", fixture: "qr",
		filter: map[string]string{"fundId": "nope"}, param: "fundId"},
	{name: "partner not a member of the fund", code: "fund.not-member", fixture: "ld-hywel-dda", param: "fundId"},
	{name: "a CCG's contribution after it ended", code: "fund.not-member-in-year", fixture: "cw-pc-west-ccg",
		key: keyOf("better-care-fund", "2021-22"), param: "financialYear"},
	{name: "an ICB's return for a year before it existed", code: "fund.not-member-in-year", fixture: "cw-qr-icb",
		key: keyOf("better-care-fund", "2019-20-Q4"), param: "quarter"},
	{name: "contribution for a year the fund does not run", code: "financial-year.outside-fund-years", fixture: "pc",
		key: keyOf("care-homes-older-people", "2017-18"), param: "financialYear"},
	{name: "Better Care Fund contribution before its first year", code: "financial-year.outside-fund-years", fixture: "cw-pc-council",
		key: keyOf("better-care-fund", "2017-18"), param: "financialYear"},
	{name: "return for a quarter the fund does not run", code: "quarter.outside-fund-years", fixture: "qr",
		key: keyOf("care-homes-learning-disabilities", "2018-19-Q2"), param: "quarter",
		also: []string{"key.mismatch@/fundId"}},
	{name: "Better Care Fund return after its last year", code: "quarter.outside-fund-years", fixture: "cw-qr-icb",
		key: keyOf("better-care-fund", "2027-28-Q1"), param: "quarter"},

	// --- population assessments -------------------------------------------------------
	{name: "population row repeated", code: "population.duplicate-row", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/population/-", d.clone("/population/1")) }, pointer: "/population/4"},
	{name: "population year 26 years after the assessment", code: "population.year-out-of-range", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/population/3/year", json.Number("2048")) }, pointer: "/population/3/year"},
	{name: "population year 11 years before the assessment", code: "population.year-out-of-range", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/population/3/year", json.Number("2011")) }, pointer: "/population/3/year"},
	{name: "needs row repeated", code: "needs.duplicate-row", fixture: "pa",
		mutate: func(d jsonDoc) { d.set("/needs/-", d.clone("/needs/0")) }, pointer: "/needs/2"},
	{name: "needs count above the year's population", code: "needs.exceeds-population", fixture: "pa",
		// 2021: 10900 + 6900 + 2300 = 20100 people.
		mutate: func(d jsonDoc) { d.set("/needs/1/count", json.Number("20101")) }, pointer: "/needs/1/count"},
	{name: "all row differs from female plus male", code: "population.sex-total-mismatch", fixture: "pa",
		mutate: func(d jsonDoc) {
			d.set("/population/-", map[string]any{"year": json.Number("2021"), "ageBand": "75-84", "sex": "female", "count": json.Number("3900")})
			d.set("/population/-", map[string]any{"year": json.Number("2021"), "ageBand": "75-84", "sex": "male", "count": json.Number("3100")})
		}, pointer: "/population/1", field: "/population/*"},

	// --- market position statements -------------------------------------------------------
	{name: "care-home category repeated", code: "care-homes.duplicate-category", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/category", "residential") }, pointer: "/careHomes/1/category"},
	{name: "occupied plus vacant beds over beds", code: "care-homes.beds-exceeded", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/0/vacantBeds", json.Number("63")) }, pointer: "/careHomes/0"},
	{name: "funded beds over occupied beds", code: "care-homes.funding-exceeds-occupied", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/selfFunded", json.Number("87")) }, pointer: "/careHomes/1"},
	{name: "minimum fee above the average", code: "care-homes.fee-order", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/0/minWeeklyFee", "742.01") }, pointer: "/careHomes/0/averageWeeklyFee"},
	{name: "average fee above the maximum", code: "care-homes.fee-order", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/maxWeeklyFee", "925.49") }, pointer: "/careHomes/1/averageWeeklyFee"},
	{name: "document upload not accepted for this partner", code: "document.unavailable", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/documentUploadId", "01J9ZX-other") }, accepted: map[string]bool{"01J9ZX-mine": true},
		pointer: "/documentUploadId"},
	{name: "occupancy below half the beds", code: "care-homes.low-occupancy", fixture: "mps",
		mutate: func(d jsonDoc) {
			d.set("/careHomes/1/occupiedBeds", json.Number("164"))
			d.set("/careHomes/1/vacantBeds", json.Number("166"))
			d.set("/careHomes/1/selfFunded", json.Number("0")) // 120 + 44 + 0 funded = 164 occupied
			d.set("/careHomes/1/healthFunded", json.Number("44"))
		}, pointer: "/careHomes/1/occupiedBeds"},
	{name: "maximum fee over £3,000", code: "care-homes.fee-outside-range", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/1/maxWeeklyFee", "3000.01") }, pointer: "/careHomes/1/maxWeeklyFee"},
	{name: "minimum fee under £300", code: "care-homes.fee-outside-range", fixture: "mps",
		mutate: func(d jsonDoc) { d.set("/careHomes/0/minWeeklyFee", json.Number("299.99")) }, pointer: "/careHomes/0/minWeeklyFee"},

	// --- quarterly returns ----------------------------------------------------------------
	{name: "spend line repeated", code: "spend.duplicate-line", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/-", d.clone("/spend/1")) }, pointer: "/spend/3"},
	{name: "income line repeated", code: "income.duplicate-line", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) { d.set("/income/-", d.clone("/income/0")) }, pointer: "/income/1"},
	{name: "KPI code repeated", code: "kpi.duplicate-code", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/kpis/-", d.clone("/kpis/0")) }, pointer: "/kpis/1/code"},
	{name: "red rating without commentary", code: "commentary.required-when-red", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/riskRating", "red"); d.del("/commentary") }, pointer: "/commentary"},
	{name: "red rating with whitespace commentary", code: "commentary.required-when-red", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) { d.set("/riskRating", "red"); d.set("/commentary", "  \n ") }, pointer: "/commentary"},
	{name: "final flag on a Q2 return", code: "final.not-q4", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/final", true) }, pointer: "/final"},
	{name: "forecast below actual on a spend line", code: "forecast.below-actual", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/1/forecastOutturn", "2890110.39") }, pointer: "/spend/1/forecastOutturn"},
	{name: "forecast below actual on an income line", code: "forecast.below-actual", fixture: "qr",
		mutate: func(d jsonDoc) { d.set("/income/0/forecastOutturn", json.Number("0")) }, pointer: "/income/0/forecastOutturn"},
	{name: "spend actual lower than the previous quarter's", code: "actual.decreased", fixture: "qr-q3", prev: "qr",
		mutate: func(d jsonDoc) { d.set("/spend/0/actualToDate", "4102337.17") }, pointer: "/spend/0/actualToDate"},
	{name: "income actual lower than the previous quarter's", code: "actual.decreased", fixture: "qr-q3", prev: "qr",
		mutate: func(d jsonDoc) { d.set("/income/0/actualToDate", json.Number("1000000")) }, pointer: "/income/0/actualToDate"},

	// --- assurances (the host's returns) ---------------------------------------------------
	{name: "an assurance answered by a member that is not the host", code: "assurance.host-only", fixture: "cw-qr-icb",
		mutate: func(d jsonDoc) {
			d.set("/assurances", []any{map[string]any{"code": "national-condition-1", "met": true}})
		}, pointer: "/assurances"},
	{name: "a national condition the fund does not have", code: "assurance.unknown-code", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.set("/assurances/1/code", "national-condition-5") }, pointer: "/assurances/1/code"},
	{name: "an assurance in a fund that asks for none", code: "assurance.unknown-code", fixture: "qr",
		mutate: func(d jsonDoc) {
			d.set("/assurances", []any{map[string]any{"code": "national-condition-1", "met": true}})
		}, pointer: "/assurances/0/code"},
	{name: "a national condition answered twice", code: "assurance.duplicate-code", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.set("/assurances/-", d.clone("/assurances/0")) }, pointer: "/assurances/4/code"},
	{name: "a national condition not answered", code: "assurance.missing", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.del("/assurances/2") }, pointer: "/assurances"},
	{name: "the host's return without assurances", code: "assurance.missing", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.del("/assurances") }, pointer: "/assurances",
		also: []string{"assurance.missing@/assurances", "assurance.missing@/assurances", "assurance.missing@/assurances"}},
	{name: "a condition not met without commentary", code: "assurance.commentary-required", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.del("/assurances/3/commentary") }, pointer: "/assurances/3/commentary"},
	{name: "a condition not met with whitespace commentary", code: "assurance.commentary-required", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.set("/assurances/0/met", false); d.set("/assurances/0/commentary", " \n") }, pointer: "/assurances/0/commentary"},
	{name: "a care-homes return without its placement activity", code: "activity.required", fixture: "qr",
		mutate: func(d jsonDoc) { d.del("/activity") }, pointer: "/activity"},
	{name: "an assurance without met", code: "field.required", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.del("/assurances/1/met") }, pointer: "/assurances/1/met", field: "/assurances/*"},
	{name: "met written as yes", code: "body.wrong-type", fixture: "cw-qr-council",
		mutate: func(d jsonDoc) { d.set("/assurances/1/met", "yes") }, pointer: "/assurances/1/met"},

	// --- pool contributions: funding streams and KPI plans ------------------------------------
	{name: "a funding stream the fund does not have", code: "funding-stream.invalid", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.set("/lines/1/fundingStream", "improved-better-care-fund") }, pointer: "/lines/1/fundingStream"},
	{name: "a line of a fund with funding streams that names none", code: "funding-stream.required", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.del("/lines/2/fundingStream") }, pointer: "/lines/2/fundingStream"},
	{name: "a funding stream in a fund that has none", code: "funding-stream.not-used", fixture: "pc",
		mutate: func(d jsonDoc) { d.set("/lines/0/fundingStream", "nhs-minimum-contribution") }, pointer: "/lines/0/fundingStream"},
	{name: "a KPI plan for a code of another region", code: "kpi.unknown-code", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.set("/kpiPlans/0/code", "avg-weekly-fee") }, pointer: "/kpiPlans/0/code"},
	{name: "a KPI plan for quarter 5", code: "quarter.invalid", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.set("/kpiPlans/1/quarter", "2023-24-Q5") }, pointer: "/kpiPlans/1/quarter"},
	{name: "a KPI plan value with a thousands separator", code: "decimal.invalid", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.set("/kpiPlans/4/value", "1,172") }, pointer: "/kpiPlans/4/value"},
	{name: "a KPI planned twice for one quarter", code: "kpi-plan.duplicate", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.set("/kpiPlans/-", d.clone("/kpiPlans/2")) }, pointer: "/kpiPlans/5"},
	{name: "a KPI plan for a quarter of the next year", code: "kpi-plan.quarter-outside-year", fixture: "wi-pc-council",
		mutate: func(d jsonDoc) { d.set("/kpiPlans/4/quarter", "2024-25-Q1") }, pointer: "/kpiPlans/4/quarter"},
}

// result is what one case produced.
type result struct {
	keyFindings []submission.Finding
	res         *submission.Result
}

// previousSummary is the stored summary of a fixture accepted as the
// previous quarter's return.
func previousSummary(t *testing.T, regs map[string]*region.Region, fixtureName string) *submission.Summary {
	t.Helper()
	fx := fixtures[fixtureName]
	r := runRequest(t, regs, fx, fx.key, fixtureDoc(t, fixtureName).encode(), nil, nil)
	if len(r.keyFindings) > 0 || len(r.res.Errors) > 0 {
		t.Fatalf("fixture %s is not valid: %v %v", fixtureName, r.keyFindings, codes(r.res.Errors))
	}
	sum, err := submission.Summarize(fx.kind, r.res.Document)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func runRequest(t *testing.T, regs map[string]*region.Region, fx fixture, keyValues [2]string, body []byte,
	prev *submission.Summary, accepted map[string]bool) result {
	t.Helper()
	reg := regs[fx.region]
	if reg == nil {
		t.Fatalf("no region %q", fx.region)
	}
	p, ok := reg.Partner(fx.partner)
	if !ok {
		t.Fatalf("no partner %q in %s", fx.partner, fx.region)
	}
	key, kf := submission.ParseKey(fx.kind, keyValues, reg, p)
	bad := map[string]bool{}
	for _, f := range kf {
		bad[f.Parameter] = true
	}
	vc := &submission.Context{Region: reg, Partner: p, Key: key, BadParams: bad,
		PreviousReturn: func(context.Context) (*submission.Summary, error) { return prev, nil },
		DocumentAccepted: func(_ context.Context, id string) (bool, error) {
			return accepted[id], nil
		},
	}
	res, err := submission.Validate(context.Background(), vc, body)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return result{kf, res}
}

func codes(fs []submission.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		loc := f.Pointer
		if f.Parameter != "" {
			loc = "param:" + f.Parameter
		}
		out = append(out, f.Rule.Code+"@"+loc)
	}
	return out
}

func hasFinding(fs []submission.Finding, code, pointer, param string) bool {
	return slices.ContainsFunc(fs, func(f submission.Finding) bool {
		return f.Rule.Code == code && f.Pointer == pointer && f.Parameter == param
	})
}

var index = regexp.MustCompile(`/[0-9]+(/|$)`)

// pattern is the catalogue's form of a pointer: array indexes as "*".
func pattern(ptr string) string {
	if ptr == "" {
		return "/"
	}
	for index.MatchString(ptr) {
		ptr = index.ReplaceAllString(ptr, "/*$1")
	}
	return ptr
}

func catalogueByCode() map[string]submission.CatalogueEntry {
	out := map[string]submission.CatalogueEntry{}
	for _, e := range submission.Catalogue() {
		out[e.Code] = e
	}
	return out
}

func TestRuleCases(t *testing.T) {
	regs := loadTestRegions(t)
	cat := catalogueByCode()
	for _, c := range cases {
		t.Run(c.code+"/"+c.name, func(t *testing.T) {
			fx, ok := fixtures[c.fixture]
			if !ok {
				t.Fatalf("no fixture %q", c.fixture)
			}
			entry, ok := cat[c.code]
			if !ok {
				t.Fatalf("%s is not in the catalogue", c.code)
			}
			wantSev := submission.SevError
			if warningCodes[c.code] {
				wantSev = submission.SevWarning
			}
			if entry.Severity != wantSev {
				t.Errorf("catalogue severity %s, the data dictionary says %s", entry.Severity, wantSev)
			}
			// The catalogue publishes the field and kind this case exercises.
			field := c.field
			if field == rootField {
				field = "" // the whole body (RFC 6901)
			} else if field == "" {
				field = pattern(c.pointer)
				if c.param != "" {
					field = c.param
				}
			}
			if !slices.Contains(entry.Fields, field) {
				t.Errorf("catalogue fields for %s are %v, missing %q", c.code, entry.Fields, field)
			}
			if c.filter == nil && !slices.Contains(entry.Kinds, fx.kind) {
				t.Errorf("catalogue kinds for %s are %v, missing %s", c.code, entry.Kinds, fx.kind)
			}

			if c.filter != nil {
				_, fs := submission.ParseFilter(fx.kind, c.filter, regs[fx.region])
				if !hasFinding(fs, c.code, "", c.param) || len(fs) != 1 {
					t.Fatalf("ParseFilter(%v) = %v, want exactly %s@param:%s", c.filter, codes(fs), c.code, c.param)
				}
				if fs[0].Rule.Severity != submission.SevError {
					t.Errorf("severity %s", fs[0].Rule.Severity)
				}
				return
			}

			d := fixtureDoc(t, c.fixture)
			if c.mutate != nil {
				c.mutate(d)
			}
			body := d.encode()
			if c.raw != nil {
				body = []byte(c.raw(string(body)))
			}
			keyValues := fx.key
			if c.key != nil {
				keyValues = *c.key
			}
			var prev *submission.Summary
			if c.prev != "" {
				prev = previousSummary(t, regs, c.prev)
			}
			r := runRequest(t, regs, fx, keyValues, body, prev, c.accepted)

			if c.param != "" {
				// A path problem: a parameter finding from ParseKey, and the
				// body is not compared with the bad parameter.
				if !hasFinding(r.keyFindings, c.code, "", c.param) {
					t.Fatalf("ParseKey(%v) = %v, want %s@param:%s", keyValues, codes(r.keyFindings), c.code, c.param)
				}
				for _, f := range r.keyFindings {
					expectInBothLanguages(t, f)
					if f.Rule.Severity != submission.SevError {
						t.Errorf("path finding %s has severity %s", f.Rule.Code, f.Rule.Severity)
					}
				}
				got := append(codes(r.keyFindings), codes(r.res.Errors)...)
				want := append([]string{c.code + "@param:" + c.param}, c.also...)
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("findings %v, want %v", got, want)
				}
				return
			}

			if len(r.keyFindings) > 0 {
				t.Fatalf("the fixture's key is refused: %v", codes(r.keyFindings))
			}
			want := c.code + "@" + c.pointer
			got := append(codes(r.res.Errors), codes(r.res.Warnings)...)
			wantAll := append([]string{want}, c.also...)
			sort.Strings(got)
			sort.Strings(wantAll)
			if !slices.Equal(got, wantAll) {
				t.Errorf("findings %v, want %v", got, wantAll)
			}
			if wantSev == submission.SevWarning {
				if !hasFinding(r.res.Warnings, c.code, c.pointer, "") {
					t.Errorf("%s not among the warnings %v", want, codes(r.res.Warnings))
				}
				if len(r.res.Errors) > 0 {
					t.Errorf("a warning case has errors %v", codes(r.res.Errors))
				}
				if r.res.Document == nil || len(r.res.Canonical) == 0 || r.res.SHA256 == "" {
					t.Errorf("a submission with only warnings is accepted, but no document was produced")
				}
				wl := r.res.WarningList()
				if !slices.ContainsFunc(wl, func(w submission.Warning) bool { return w.Code == c.code && w.Pointer == c.pointer && w.Message != "" }) {
					t.Errorf("WarningList() = %+v, missing %s", wl, want)
				}
			} else {
				if !hasFinding(r.res.Errors, c.code, c.pointer, "") {
					t.Errorf("%s not among the errors %v", want, codes(r.res.Errors))
				}
				if r.res.Document != nil || r.res.Canonical != nil || r.res.SHA256 != "" {
					t.Errorf("a rejected submission produced a document")
				}
			}
			for _, f := range append(slices.Clone(r.res.Errors), r.res.Warnings...) {
				if f.Message == "" {
					t.Errorf("%s has no message", f.Rule.Code)
				}
				expectInBothLanguages(t, f)
				if f.Rule.Code == c.code && f.Rule.Severity != wantSev {
					t.Errorf("%s reported with severity %s", c.code, f.Rule.Severity)
				}
			}
		})
	}
}

// expectInBothLanguages fails when a finding's message is not the
// catalogue's, in English as given and in Welsh as other words with the same
// values.
func expectInBothLanguages(t *testing.T, f submission.Finding) {
	t.Helper()
	en, cy := i18n.Text(i18n.English, f.ID, f.Data), i18n.Text(i18n.Welsh, f.ID, f.Data)
	switch {
	case f.ID == "" || en != f.Message:
		t.Errorf("%s: %q is not the catalogue's message %s", f.Rule.Code, f.Message, f.ID)
	case cy == en:
		t.Errorf("%s: the Welsh of %s is the English: %q", f.Rule.Code, f.ID, cy)
	}
	for k, v := range f.Data {
		if s, ok := v.(string); ok && strings.HasPrefix(s, `"`) && !strings.Contains(cy, s) {
			t.Errorf("%s: the Welsh %q leaves out the value %s=%s", f.Rule.Code, cy, k, s)
		}
	}
}

// Every rule of the catalogue has a case above, or is a request rule made
// outside this package: a new rule without a test fails here.
func TestEveryCatalogueRuleHasACase(t *testing.T) {
	tested := map[string]int{}
	for _, c := range cases {
		tested[c.code]++
	}
	cat := catalogueByCode()
	for _, e := range submission.Catalogue() {
		_, outside := producedOutsideValidator[e.Code]
		switch {
		case tested[e.Code] == 0 && !outside:
			t.Errorf("rule %s (%s) has no case in rules_test.go", e.Code, e.Severity)
		case tested[e.Code] > 0 && outside:
			t.Errorf("rule %s is both tested here and listed as produced outside the validator", e.Code)
		}
		if e.Severity != submission.SevError && e.Severity != submission.SevWarning {
			t.Errorf("rule %s has severity %q", e.Code, e.Severity)
		}
		if len(e.Kinds) == 0 || len(e.Fields) == 0 || e.Message == "" {
			t.Errorf("rule %s is published without kinds, fields or message: %+v", e.Code, e)
		}
	}
	for code := range tested {
		if _, ok := cat[code]; !ok {
			t.Errorf("a case tests %s, which is not in the catalogue", code)
		}
	}
	for code := range warningCodes {
		if e, ok := cat[code]; !ok || e.Severity != submission.SevWarning {
			t.Errorf("the data dictionary's warning %s is not a catalogue warning", code)
		}
	}
	// Request rules are errors about a header or a query/path parameter,
	// published for every kind.
	for code, where := range producedOutsideValidator {
		e, ok := cat[code]
		if !ok {
			t.Errorf("%s (made in %s) is not in the catalogue", code, where)
			continue
		}
		if e.Severity != submission.SevError || len(e.Kinds) != len(submission.Kinds) {
			t.Errorf("request rule %s: %+v", code, e)
		}
		for _, f := range e.Fields {
			if strings.HasPrefix(f, "/") {
				t.Errorf("request rule %s names a body pointer %q", code, f)
			}
		}
	}
	// Codes are stable, lower-case and dotted, and listed once in code order.
	codePattern := regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	all := submission.Catalogue()
	for i, e := range all {
		if !codePattern.MatchString(e.Code) {
			t.Errorf("code %q is not lower-case and dotted", e.Code)
		}
		if i > 0 && all[i-1].Code >= e.Code {
			t.Errorf("catalogue not sorted or repeats a code at %s", e.Code)
		}
	}
}

// ---------------------------------------------------------------------------
// The fixtures themselves, and accepted variants
// ---------------------------------------------------------------------------

// Every fixture, the four shared examples included, passes with no error and
// no warning: a rule case's findings come from its change alone.
func TestFixturesAreValid(t *testing.T) {
	regs := loadTestRegions(t)
	names := make([]string, 0, len(fixtures))
	for name := range fixtures {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "ld-hywel-dda" {
			continue // its key is refused by design
		}
		t.Run(name, func(t *testing.T) {
			fx := fixtures[name]
			r := runRequest(t, regs, fx, fx.key, fixtureDoc(t, name).encode(), nil, nil)
			if len(r.keyFindings) > 0 || len(r.res.Errors) > 0 || len(r.res.Warnings) > 0 {
				t.Fatalf("key %v, errors %v, warnings %v", codes(r.keyFindings), codes(r.res.Errors), codes(r.res.Warnings))
			}
			if r.res.Document == nil || r.res.SHA256 == "" {
				t.Fatal("no document")
			}
		})
	}
}

// The shared example files pass exactly as they are written.
func TestExampleFilesAsWritten(t *testing.T) {
	regs := loadTestRegions(t)
	for _, name := range []string{"qr", "pc", "pa", "mps", "cw-qr-council", "wi-pc-council"} {
		t.Run(fixtures[name].file, func(t *testing.T) {
			fx := fixtures[name]
			r := runRequest(t, regs, fx, fx.key, example(t, fx.file), nil, nil)
			if len(r.keyFindings)+len(r.res.Errors)+len(r.res.Warnings) > 0 {
				t.Fatalf("key %v, errors %v, warnings %v", codes(r.keyFindings), codes(r.res.Errors), codes(r.res.Warnings))
			}
		})
	}
}

// Changes that look close to a rule's edge but are allowed.
func TestAcceptedVariants(t *testing.T) {
	regs := loadTestRegions(t)
	cases := []struct {
		name     string
		fixture  string
		mutate   func(d jsonDoc)
		accepted map[string]bool
		prev     string
	}{
		{"a Q4 return may be final", "qr-q4", func(d jsonDoc) { d.set("/final", true) }, nil, ""},
		{"final false is allowed in any quarter", "qr", func(d jsonDoc) { d.set("/final", false) }, nil, ""},
		{"an accepted document upload of the partner", "mps", func(d jsonDoc) { d.set("/documentUploadId", "01J9ZX-mine") }, map[string]bool{"01J9ZX-mine": true}, ""},
		{"population years at both ends of the range", "pa", func(d jsonDoc) {
			d.set("/population/2/year", json.Number("2012"))
			d.set("/population/3/year", json.Number("2047"))
		}, nil, ""},
		{"fees at exactly £300 and £3,000", "mps", func(d jsonDoc) {
			d.set("/careHomes/0/minWeeklyFee", "300")
			d.set("/careHomes/0/maxWeeklyFee", json.Number("3000.00"))
		}, nil, ""},
		{"occupancy at exactly half", "mps", func(d jsonDoc) {
			d.set("/careHomes/0/occupiedBeds", json.Number("305"))
			d.set("/careHomes/0/vacantBeds", json.Number("305"))
			d.set("/careHomes/0/selfFunded", json.Number("0"))
			d.set("/careHomes/0/localAuthorityFunded", json.Number("285"))
		}, nil, ""},
		{"occupied + vacant = beds and funded = occupied", "mps", func(d jsonDoc) {
			d.set("/careHomes/1/vacantBeds", json.Number("29"))
			d.set("/careHomes/1/selfFunded", json.Number("86"))
		}, nil, ""},
		{"forecast equal to actual", "qr", func(d jsonDoc) { d.set("/spend/0/forecastOutturn", "4102337.18") }, nil, ""},
		{"actual equal to the previous quarter's", "qr-q3", func(d jsonDoc) {}, nil, "qr"},
		{"a line new since the previous quarter", "qr-q3", func(d jsonDoc) {
			d.set("/spend/-", map[string]any{"discipline": "social-care", "areaCode": "W06000010", "category": "respite",
				"actualToDate": "1.00", "forecastOutturn": "2.00"})
		}, nil, "qr"},
		{"the same discipline and area in another category", "qr", func(d jsonDoc) { d.set("/spend/2/category", "respite") }, nil, ""},
		{"the health board serves every county", "qr-hywel-dda", func(d jsonDoc) { d.set("/spend/2/areaCode", "W06000008") }, nil, ""},
		{"money as a number, a one-decimal string and zero", "qr", func(d jsonDoc) {
			d.set("/spend/0/actualToDate", json.Number("4102337.18"))
			d.set("/spend/1/actualToDate", "2890110.4")
			d.set("/income/0/actualToDate", json.Number("0"))
		}, nil, ""},
		{"a KPI value that is negative and a string", "qr", func(d jsonDoc) { d.set("/kpis/0/value", "-0.000001") }, nil, ""},
		{"text with tabs, newlines and Windows line endings", "qr", func(d jsonDoc) { d.set("/commentary", "Line one\r\n\tLine two") }, nil, ""},
		{"text exactly at its limit in characters, not bytes", "pc", func(d jsonDoc) { d.set("/lines/0/description", strings.Repeat("ŵ", 200)) }, nil, ""},
		{"optional lists empty", "qr", func(d jsonDoc) { d.set("/income", []any{}); d.set("/kpis", []any{}) }, nil, ""},
		{"optional fields null", "pa", func(d jsonDoc) { d.set("/needs", nil); d.set("/notes", nil) }, nil, ""},
		{"key fields null", "qr", func(d jsonDoc) { d.set("/fundId", nil); d.set("/quarter", nil) }, nil, ""},
		{"key fund id with spaces around it", "pc", func(d jsonDoc) { d.set("/fundId", " care-homes-older-people ") }, nil, ""},
		{"red rating with commentary", "qr", func(d jsonDoc) { d.set("/riskRating", "red") }, nil, ""},
		{"all equal to female plus male", "pa", func(d jsonDoc) {
			d.set("/population/-", map[string]any{"year": json.Number("2021"), "ageBand": "75-84", "sex": "female", "count": json.Number("3800")})
			d.set("/population/-", map[string]any{"year": json.Number("2021"), "ageBand": "75-84", "sex": "male", "count": json.Number("3100")})
		}, nil, ""},
		{"needs equal to the year's population", "pa", func(d jsonDoc) { d.set("/needs/1/count", json.Number("20100")) }, nil, ""},
		{"every national condition met, none with commentary", "cw-qr-council", func(d jsonDoc) {
			d.set("/assurances/3", map[string]any{"code": "national-condition-4", "met": true})
		}, nil, ""},
		{"assurances in another order, a met one with commentary", "cw-qr-council", func(d jsonDoc) {
			a0, a3 := d.clone("/assurances/0"), d.clone("/assurances/3")
			d.set("/assurances/0", a3)
			d.set("/assurances/3", a0)
			d.set("/assurances/3/commentary", "Plan signed off by the board on 12 September.")
		}, nil, ""},
		{"the MH/LD pool's own categories and income sources", "wi-qr-mhld-icb", func(d jsonDoc) {
			d.set("/spend/0/category", "autism-support")
			d.set("/income/0/source", "other")
		}, nil, ""},
		{"a contribution without KPI plans", "wi-pc-council", func(d jsonDoc) { d.del("/kpiPlans") }, nil, ""},
		{"one funding stream on several lines, KPI plans of every quarter", "wi-pc-council", func(d jsonDoc) {
			d.set("/lines/3/fundingStream", "local-authority-bcf")
			d.set("/kpiPlans/4/quarter", "2023-24-Q1")
		}, nil, ""},
		{"the same KPI in another quarter, and a negative plan value", "wi-pc-council", func(d jsonDoc) {
			d.set("/kpiPlans/-", map[string]any{"code": "avoidable-admissions-per-100k", "quarter": "2023-24-Q3", "value": "-0.5"})
		}, nil, ""},
		{"the same needs group in another year", "pa", func(d jsonDoc) {
			row := d.clone("/needs/0").(map[string]any)
			row["year"] = json.Number("2030")
			d.set("/needs/-", row)
		}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fx := fixtures[c.fixture]
			d := fixtureDoc(t, c.fixture)
			c.mutate(d)
			var prev *submission.Summary
			if c.prev != "" {
				prev = previousSummary(t, regs, c.prev)
			}
			r := runRequest(t, regs, fx, fx.key, d.encode(), prev, c.accepted)
			if len(r.keyFindings)+len(r.res.Errors)+len(r.res.Warnings) > 0 {
				t.Fatalf("key %v, errors %v, warnings %v", codes(r.keyFindings), codes(r.res.Errors), codes(r.res.Warnings))
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Every error at once
// ---------------------------------------------------------------------------

func TestAllErrorsReportedAtOnce(t *testing.T) {
	regs := loadTestRegions(t)
	d := fixtureDoc(t, "qr")
	d.set("/spend/0/actualToDate", "-1.00")         // money.negative
	d.set("/spend/1/category", "hotel")             // spend-category.invalid
	d.set("/activity/bedWeeks", json.Number("1.5")) // count.invalid
	d.set("/kpis/0/code", "nope")                   // kpi.unknown-code
	d.set("/riskRating", "purple")                  // risk-rating.invalid
	d.set("/income/0/discipline", "health")         // partner.discipline-not-allowed
	d.del("/activity/newPlacements")                // field.required
	fx := fixtures["qr"]
	r := runRequest(t, regs, fx, fx.key, d.encode(), nil, nil)
	want := []string{
		"money.negative@/spend/0/actualToDate",
		"spend-category.invalid@/spend/1/category",
		"count.invalid@/activity/bedWeeks",
		"kpi.unknown-code@/kpis/0/code",
		"risk-rating.invalid@/riskRating",
		"partner.discipline-not-allowed@/income/0/discipline",
		"field.required@/activity/newPlacements",
	}
	got := codes(r.res.Errors)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s; got %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d errors %v, want %d", len(got), got, len(want))
	}
	if r.res.Document != nil {
		t.Error("a rejected body produced a document")
	}
	// The problem's field errors carry them all, each with its pointer.
	fe := submission.FieldErrors(r.res.Errors)
	if len(fe) != len(want) {
		t.Fatalf("FieldErrors: %d, want %d", len(fe), len(want))
	}
	for _, e := range fe {
		if e.Pointer == "" || e.Code == "" || e.Message == "" {
			t.Errorf("field error without pointer, code or message: %+v", e)
		}
	}

	// Path and body problems together: the service adds ParseKey's findings
	// to Validate's, so both come back in one answer.
	t.Run("path and body errors together", func(t *testing.T) {
		r := runRequest(t, regs, fx, [2]string{"care-homes-older-people", "2017-18-Q2"}, d.encode(), nil, nil)
		fe := submission.FieldErrors(append(r.keyFindings, r.res.Errors...))
		if len(fe) != len(want)+1 || fe[0].Parameter != "quarter" || fe[0].Code != "quarter.outside-fund-years" {
			t.Errorf("got %+v", fe)
		}
	})
}

// Findings are capped, so a hostile body cannot make an unbounded answer.
func TestFindingsAreCapped(t *testing.T) {
	regs := loadTestRegions(t)
	d := fixtureDoc(t, "pa")
	rows := make([]any, 2000)
	for i := range rows {
		rows[i] = map[string]any{"year": "x", "ageBand": 1, "sex": 2, "count": "y"}
	}
	d.set("/population", rows)
	fx := fixtures["pa"]
	r := runRequest(t, regs, fx, fx.key, d.encode(), nil, nil)
	if len(r.res.Errors) != submission.MaxFindings {
		t.Errorf("%d errors, want the cap %d", len(r.res.Errors), submission.MaxFindings)
	}
}

// ---------------------------------------------------------------------------
// Canonical form
// ---------------------------------------------------------------------------

func validDoc(t *testing.T, regs map[string]*region.Region, fixtureName string, body []byte) *submission.Result {
	t.Helper()
	fx := fixtures[fixtureName]
	r := runRequest(t, regs, fx, fx.key, body, nil, nil)
	if len(r.keyFindings) > 0 || len(r.res.Errors) > 0 {
		t.Fatalf("not valid: %v %v", codes(r.keyFindings), codes(r.res.Errors))
	}
	return r.res
}

// checkSortedKeys walks canonical JSON and fails on any object whose keys are
// not in RFC 8785 order (UTF-16 code units; these keys are ASCII).
func checkSortedKeys(t *testing.T, b []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object  bool
		lastKey string
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		top := func() *frame {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}()
		if top != nil && top.object && top.wantKey {
			if k, ok := tok.(string); ok {
				if top.lastKey != "" && k <= top.lastKey {
					t.Errorf("key %q after %q: not sorted", k, top.lastKey)
				}
				top.lastKey, top.wantKey = k, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			if top != nil && top.object {
				top.wantKey = true
			}
			stack = append(stack, &frame{object: true, wantKey: true})
			continue
		case json.Delim('['):
			if top != nil && top.object {
				top.wantKey = true
			}
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object {
			top.wantKey = true
		}
	}
}

var twoDecimals = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)

func TestCanonicalForm(t *testing.T) {
	regs := loadTestRegions(t)

	t.Run("pool contribution canonical bytes are exactly RFC 8785", func(t *testing.T) {
		res := validDoc(t, regs, "pc", example(t, "pool-contribution.json"))
		want := `{"approvedBy":"Head of Finance, Adult Social Care","approvedOn":"2018-03-28","financialYear":"2018-19",` +
			`"fundId":"care-homes-older-people","lines":[` +
			`{"amount":"14250000.00","areaCode":"W06000010","description":"Residential and nursing placements, older people","discipline":"social-care","type":"cash"},` +
			`{"amount":"2100000.00","areaCode":"W06000010","description":"In-house residential homes, valued at cost","discipline":"social-care","type":"in-kind"}]}`
		if string(res.Canonical) != want {
			t.Errorf("canonical\n got %s\nwant %s", res.Canonical, want)
		}
		sum := sha256.Sum256([]byte(want))
		if res.SHA256 != hex.EncodeToString(sum[:]) || res.SHA256 != submission.SHA256Hex(res.Canonical) {
			t.Errorf("sha256 %s is not the digest of the canonical bytes", res.SHA256)
		}
	})

	t.Run("quarterly return: sorted keys, no whitespace, money as two-decimal strings", func(t *testing.T) {
		res := validDoc(t, regs, "qr", example(t, "quarterly-return.json"))
		c := res.Canonical
		checkSortedKeys(t, c)
		again, err := jcs.Transform(c)
		if err != nil || !bytes.Equal(again, c) {
			t.Errorf("canonical form is not a fixed point of JCS: %v\n%s\n%s", err, c, again)
		}
		if bytes.ContainsAny(c, "\n\r\t") || bytes.Contains(c, []byte(`": `)) || bytes.Contains(c, []byte(`, "`)) {
			t.Errorf("canonical form has insignificant whitespace: %s", c)
		}
		doc := decodeDoc(t, c)
		for _, list := range []string{"spend", "income"} {
			for i := range doc.len("/" + list) {
				for _, f := range []string{"actualToDate", "forecastOutturn"} {
					v := doc.get(fmt.Sprintf("/%s/%d/%s", list, i, f))
					s, ok := v.(string)
					if !ok || !twoDecimals.MatchString(s) {
						t.Errorf("/%s/%d/%s = %#v, want a two-decimal string", list, i, f, v)
					}
				}
			}
		}
		if got := doc.get("/spend/2/actualToDate"); got != "1010000.00" {
			t.Errorf("\"1010000\" canonicalised to %v, want \"1010000.00\"", got)
		}
		if got := doc.get("/spend/1/actualToDate"); got != "2890110.40" {
			t.Errorf("\"2890110.40\" canonicalised to %v", got)
		}
		if got := doc.get("/kpis/0/value"); got != "612.4" {
			t.Errorf("KPI value 612.4 canonicalised to %#v, want the string \"612.4\"", got)
		}
		if got := doc.get("/activity/bedWeeks"); got != json.Number("14602") {
			t.Errorf("count canonicalised to %#v, want the number 14602", got)
		}
		if _, has := doc.root["final"]; has {
			t.Error("absent final appears in the canonical form")
		}
	})

	t.Run("optional empty fields are absent and text is trimmed", func(t *testing.T) {
		d := fixtureDoc(t, "qr")
		d.set("/commentary", "  \t Nursing placements above plan.\r\n ")
		d.set("/income", []any{})
		d.set("/kpis", nil)
		d.set("/final", false)
		res := validDoc(t, regs, "qr", d.encode())
		doc := decodeDoc(t, res.Canonical).root
		for _, name := range []string{"income", "kpis", "final"} {
			if v, has := doc[name]; has {
				t.Errorf("%s present as %#v, want absent", name, v)
			}
		}
		if doc["commentary"] != "Nursing placements above plan." {
			t.Errorf("commentary %q, want trimmed", doc["commentary"])
		}
		d.set("/commentary", "   ")
		res = validDoc(t, regs, "qr", d.encode())
		if _, has := decodeDoc(t, res.Canonical).root["commentary"]; has {
			t.Error("whitespace-only optional commentary present, want absent")
		}
		pa := fixtureDoc(t, "pa")
		pa.set("/needs/0/source", " ")
		pa.set("/notes", "\n")
		res = validDoc(t, regs, "pa", pa.encode())
		doc = decodeDoc(t, res.Canonical).root
		if _, has := doc["notes"]; has {
			t.Error("empty notes present")
		}
		if _, has := decodeDoc(t, res.Canonical).get("/needs/0").(map[string]any)["source"]; has {
			t.Error("empty needs source present")
		}
	})

	t.Run("strings are written as RFC 8785 writes them, not HTML-escaped", func(t *testing.T) {
		d := fixtureDoc(t, "qr")
		d.set("/commentary", "Fees <£1,000> & rising\u2028\"quoted\"\ttab")
		res := validDoc(t, regs, "qr", d.encode())
		want := `"commentary":"Fees <£1,000> & rising` + "\u2028" + `\"quoted\"\ttab"`
		if !bytes.Contains(res.Canonical, []byte(want)) {
			t.Errorf("canonical %s\ndoes not contain %s", res.Canonical, want)
		}
	})

	t.Run("reformatted and reordered equivalent body has the same canonical form and sha256", func(t *testing.T) {
		res := validDoc(t, regs, "qr", example(t, "quarterly-return.json"))
		// Same content: keys in another order, no key fields (from the path),
		// money as numbers or differently written strings, the KPI as a
		// string with a trailing zero, text with surrounding space, CRLF.
		equivalent := "{\r\n  \"riskRating\":\"amber\",\"activity\":{\"bedWeeks\":14602,\"endedPlacements\":128,\n" +
			"\"newPlacements\":141,\"placementsAtQuarterEnd\":1130},\n" +
			`"kpis":[{"unit":" GBP ","value":"612.40","code":"avg-weekly-fee"}],` +
			`"commentary":"  Nursing placements above plan after two home closures in the Llanelli area.\n",` +
			`"income":[{"forecastOutturn":2400000,"actualToDate":1204000.0,"source":"client-contributions","areaCode":"W06000010","discipline":"social-care"}],` +
			`"spend":[` +
			`{"forecastOutturn":9450000,"actualToDate":4102337.18,"category":"residential","areaCode":"W06000010","discipline":"social-care"},` +
			`{"actualToDate":"002890110.4","forecastOutturn":"6500000","category":"nursing","areaCode":"W06000010","discipline":"social-care"},` +
			`{"discipline":"social-care","areaCode":"W06000010","category":"residential-dementia","actualToDate":1010000,"forecastOutturn":"2550000.00"}],` +
			`"final":null,"quarter":"2018-19-Q2"}` + "\n\t "
		other := validDoc(t, regs, "qr", []byte(equivalent))
		if !bytes.Equal(other.Canonical, res.Canonical) {
			t.Errorf("canonical forms differ:\n%s\n%s", other.Canonical, res.Canonical)
		}
		if other.SHA256 != res.SHA256 {
			t.Errorf("sha256 %s != %s", other.SHA256, res.SHA256)
		}
		// One penny more is another document.
		d := fixtureDoc(t, "qr")
		d.set("/spend/2/actualToDate", "1010000.01")
		if validDoc(t, regs, "qr", d.encode()).SHA256 == res.SHA256 {
			t.Error("a different amount has the same sha256")
		}
		// Array order is significant.
		d = fixtureDoc(t, "qr")
		s0, s1 := d.clone("/spend/0"), d.clone("/spend/1")
		d.set("/spend/0", s1)
		d.set("/spend/1", s0)
		if validDoc(t, regs, "qr", d.encode()).SHA256 == res.SHA256 {
			t.Error("reordered spend lines have the same sha256")
		}
	})
}

// Key fields come from the path: absent ones are filled in, present ones
// must equal the path.
func TestKeyFieldsFromPath(t *testing.T) {
	regs := loadTestRegions(t)
	t.Run("absent key fields are filled in from the path", func(t *testing.T) {
		for _, tc := range []struct {
			fixture string
			fields  map[string]any
		}{
			{"pa", map[string]any{"areaCode": "W06000008", "assessmentYear": int64(2022)}},
			{"mps", map[string]any{"areaCode": "W06000009", "financialYear": "2024-25"}},
			{"pc", map[string]any{"fundId": "care-homes-older-people", "financialYear": "2018-19"}},
			{"qr", map[string]any{"fundId": "care-homes-older-people", "quarter": "2018-19-Q2"}},
			{"cw-qr-icb", map[string]any{"fundId": "better-care-fund", "quarter": "2024-25-Q3"}},
		} {
			t.Run(tc.fixture, func(t *testing.T) {
				full := validDoc(t, regs, tc.fixture, fixtureDoc(t, tc.fixture).encode())
				d := fixtureDoc(t, tc.fixture)
				for name := range tc.fields {
					d.del("/" + name)
				}
				res := validDoc(t, regs, tc.fixture, d.encode())
				for name, want := range tc.fields {
					if got := res.Document[name]; got != want {
						t.Errorf("Document[%s] = %#v, want %#v", name, got, want)
					}
				}
				if !bytes.Equal(res.Canonical, full.Canonical) {
					t.Errorf("without key fields the canonical form differs:\n%s\n%s", res.Canonical, full.Canonical)
				}
			})
		}
		res := validDoc(t, regs, "pa", func() []byte { d := fixtureDoc(t, "pa"); d.del("/assessmentYear"); return d.encode() }())
		if !bytes.Contains(res.Canonical, []byte(`"assessmentYear":2022`)) {
			t.Errorf("assessmentYear not written as the number 2022: %s", res.Canonical)
		}
	})
	t.Run("a body key field that differs from the path is key.mismatch, the path wins", func(t *testing.T) {
		d := fixtureDoc(t, "qr")
		d.set("/fundId", "care-homes-learning-disabilities")
		d.set("/quarter", "2018-19-Q1")
		fx := fixtures["qr"]
		r := runRequest(t, regs, fx, fx.key, d.encode(), nil, nil)
		got := codes(r.res.Errors)
		want := []string{"key.mismatch@/fundId", "key.mismatch@/quarter"}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("a bad path value is not compared with the body", func(t *testing.T) {
		fx := fixtures["pa"]
		r := runRequest(t, regs, fx, [2]string{"W06000008", "year"}, fixtureDoc(t, "pa").encode(), nil, nil)
		if got := codes(r.keyFindings); !slices.Equal(got, []string{"assessment-year.invalid@param:assessmentYear"}) {
			t.Errorf("key findings %v", got)
		}
		if len(r.res.Errors) > 0 {
			t.Errorf("body errors %v: the body's assessmentYear was compared with a bad path value", codes(r.res.Errors))
		}
	})
	t.Run("a body key field of the wrong type is a type error", func(t *testing.T) {
		d := fixtureDoc(t, "pa")
		d.set("/assessmentYear", "2022")
		fx := fixtures["pa"]
		r := runRequest(t, regs, fx, fx.key, d.encode(), nil, nil)
		if got := codes(r.res.Errors); !slices.Equal(got, []string{"body.wrong-type@/assessmentYear"}) {
			t.Errorf("got %v", got)
		}
	})
}

// A body that is not JSON is apperr.Malformed (400), not a rule finding.
func TestMalformedBodyIsNotAFinding(t *testing.T) {
	regs := loadTestRegions(t)
	fx := fixtures["qr"]
	p, _ := regs[fx.region].Partner(fx.partner)
	key, _ := submission.ParseKey(fx.kind, fx.key, regs[fx.region], p)
	for name, body := range map[string]string{
		"empty":          "",
		"truncated":      `{"riskRating": "amber"`,
		"trailing value": `{} {}`,
		"trailing junk":  `{}x`,
		"invalid UTF-8":  "{\"commentary\": \"\xff\"}",
		"trailing comma": `{"riskRating": "amber",}`,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := submission.Validate(context.Background(), &submission.Context{Region: regs[fx.region], Partner: p, Key: key}, []byte(body))
			var ae *apperr.Error
			if res != nil || !errors.As(err, &ae) || ae.Code != apperr.Malformed {
				t.Errorf("Validate = %v, %v; want an apperr.Malformed error", res, err)
			}
		})
	}
}

// rootField names the whole body ("" in RFC 6901) in a case's field.
const rootField = "(root)"
