package openapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apitest"
)

// exampleOrder is every operation in an order a client could call them in:
// each submission written before it is read, listed and signed off, the
// consent given before it is read and withdrawn, a fund's report read, signed
// by each member and then approved, a period locked before it is unlocked.
var exampleOrder = []string{
	"getHealth", "getReadiness", "getReceiptKeys", "getMe", "listRules", "getRegion",
	"putPopulationAssessment", "getPopulationAssessment", "listPopulationAssessmentVersions", "getPopulationAssessmentVersion", "listPopulationAssessments",
	"putMarketPositionStatement", "getMarketPositionStatement", "listMarketPositionStatementVersions", "getMarketPositionStatementVersion", "listMarketPositionStatements",
	"putPoolContribution", "getPoolContribution", "listPoolContributionVersions", "getPoolContributionVersion", "listPoolContributions",
	"putQuarterlyReturn", "getQuarterlyReturn", "listQuarterlyReturnVersions", "getQuarterlyReturnVersion", "listQuarterlyReturns", "signOffQuarterlyReturn",
	"putPoolingConsent", "getPoolingConsent", "deletePoolingConsent",
	"listObligations", "getFundPosition", "getFundReport", "signOffFundReport", "approveFundReport",
	"getPopulationAggregate", "getMarketAggregate", "listAuditRecords", "exportAuditChain", "listChanges",
	"registerWebhook", "listWebhooks", "getWebhook", "rotateWebhookSecret", "listWebhookDeliveries", "replayWebhookDelivery", "deleteWebhook",
	"lockPeriod", "unlockPeriod",
	"startUpload", "getUpload", "getUploadDocument", "getTemplate", "createExport", "getExport",
}

// serverMadeIDs are the operations whose path names an id only the server
// makes (an upload's, an export's): no example can name one that exists, so
// they answer 404, a problem, and nothing else.
var serverMadeIDs = []string{"getUpload", "getUploadDocument", "getExport",
	"getWebhook", "rotateWebhookSecret", "listWebhookDeliveries", "replayWebhookDelivery", "deleteWebhook"}

// boardOperations are the operations only the region's approving board may
// call (scope reports:approve, which the collaboration unit does not hold).
var boardOperations = []string{"approveFundReport"}

// Requests built from the document's examples alone (every parameter that has
// an example, each body example) succeed against the real handler, as a tool
// that builds requests from a contract's examples would send them: the path's
// examples name the same key as the body's (no 422 key.mismatch), the
// filters select the examples, the sign-off names the version the PUT made.
// A parameter an earlier answer's link gives (the report's ETag, which the
// report's sign-offs and approval send as If-Match) takes that answer's
// value, as a tool following the contract's links would. The token is the
// one the path's partner example, or the body example's x-partner, would
// hold (or else the region's board for its operations, or its collaboration
// unit). Every answer is checked against the contract too.
func TestRequestsBuiltFromExamplesSucceed(t *testing.T) {
	d := load(t)
	ops := map[string]operation{}
	for _, op := range d.operations(t) {
		ops[op.ID] = op
		if !slices.Contains(exampleOrder, op.ID) {
			t.Errorf("%s is not in exampleOrder: add it where its examples can succeed", op.ID)
		}
	}
	region, _ := d.example(t, d.resolve(t, map[string]any{"$ref": "#/components/parameters/region"}))
	e := apitest.NewEnv(t, apitest.Embedded(t, t.TempDir()))
	linked := map[string]map[string]string{} // operationId → "header.If-Match" → value
	for _, id := range exampleOrder {
		op, ok := ops[id]
		if !ok {
			t.Errorf("exampleOrder names %s, which is no operation of openapi.yaml", id)
			continue
		}
		for _, req := range d.exampleRequests(t, op) {
			for param, v := range linked[id] {
				in, name, _ := strings.Cut(param, ".")
				if in != "header" {
					t.Fatalf("a link gives %s the %s parameter %s: only headers are followed here", id, in, name)
				}
				req.Header[name] = v
			}
			req.Token = tokenFor(e, fmt.Sprint(region), req, slices.Contains(boardOperations, id))
			res := e.Do(req.Req)
			d.follow(t, op, res, linked)
			switch {
			case slices.Contains(serverMadeIDs, id):
				if res.Status != http.StatusNotFound {
					t.Errorf("%s %s (%s): %d, want 404: %s", req.Method, req.Path, req.name, res.Status, res.Body)
				}
			case res.Status >= 400:
				t.Errorf("%s %s (%s): %d: %s", req.Method, req.Path, req.name, res.Status, res.Body)
			}
		}
	}
}

type exampleRequest struct {
	apitest.Req
	name      string
	partner   string // the path's partner, or else the body example's x-partner, if any
	anonymous bool   // the operation needs no token
}

// follow records the values the links of an answer give other operations'
// parameters ($response.header.<name>, the only expression used here).
func (d document) follow(t *testing.T, op operation, res *apitest.Resp, linked map[string]map[string]string) {
	t.Helper()
	responses, _ := op.op["responses"].(map[string]any)
	links, _ := d.resolve(t, responses[fmt.Sprint(res.Status)])["links"].(map[string]any)
	for name, l := range links {
		link := d.resolve(t, l)
		target, _ := link["operationId"].(string)
		params, _ := link["parameters"].(map[string]any)
		for param, expr := range params {
			header, ok := strings.CutPrefix(fmt.Sprint(expr), "$response.header.")
			if !ok {
				t.Fatalf("%s's link %s gives %s %v: only $response.header expressions are followed here", op.ID, name, param, expr)
			}
			if linked[target] == nil {
				linked[target] = map[string]string{}
			}
			linked[target][param] = res.Header.Get(header)
		}
	}
}

// exampleRequests are the requests an operation's examples make: one for
// each body example (or one without a body).
func (d document) exampleRequests(t *testing.T, op operation) []exampleRequest {
	t.Helper()
	base := exampleRequest{Req: apitest.Req{Method: op.Method, Header: map[string]string{}}, name: "no body"}
	path, query := op.Path, url.Values{}
	for _, p := range d.parameters(t, op) {
		name, in := p["name"].(string), p["in"].(string)
		v, ok := d.example(t, p)
		if !ok {
			if p["required"] == true {
				t.Errorf("%s: the required %s parameter %s has no example", op.ID, in, name)
			}
			continue
		}
		s := fmt.Sprint(v)
		switch in {
		case "path":
			path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(s))
			if name == "partner" {
				base.partner = s
			}
		case "query":
			query.Set(name, s)
		case "header":
			base.Header[name] = s
		}
	}
	if strings.Contains(path, "{") {
		t.Errorf("%s: a path parameter is not declared: %s", op.ID, path)
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	base.Path = path
	if sec, ok := op.op["security"].([]any); ok && len(sec) == 0 {
		base.anonymous = true
	}
	bodies := d.bodyExamples(t, op)
	if len(bodies) == 0 {
		if rb := d.resolve(t, op.op["requestBody"]); rb != nil && rb["required"] == true {
			t.Errorf("%s: the required body has no example", op.ID)
		}
		return []exampleRequest{base}
	}
	var out []exampleRequest
	for _, b := range bodies {
		r := base
		r.Header = maps.Clone(base.Header)
		r.name = b.name
		if b.partner != "" {
			if r.partner != "" {
				t.Errorf("%s: the body example %s names x-partner %s, but the path names its partner", op.ID, b.name, b.partner)
			}
			r.partner = b.partner
		}
		var err error
		if r.Body, err = json.Marshal(b.value); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// tokenFor is the token of the request's partner, or of the region's board
// for its operations, or of the region's collaboration unit (which may read
// the region and export it), in the region the document's examples name.
func tokenFor(e *apitest.Env, region string, r exampleRequest, board bool) string {
	switch {
	case r.anonymous:
		return ""
	case r.partner != "":
		return e.PartnerToken(region, r.partner)
	case board:
		return e.BoardToken(region)
	}
	return e.RCUToken(region)
}
