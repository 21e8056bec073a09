package httpapi

import (
	"github.com/regional-data-exchange/rdx/shared/service"
	"net/http"

	"github.com/regional-data-exchange/rdx/shared/submission"
)

// serveFunc answers one route; an error becomes a problem.
type serveFunc func(r *http.Request) (*response, error)

type route struct {
	pattern string
	public  bool     // served without a token
	query   []string // the query parameters the route accepts
	serve   serveFunc
}

// keyPaths are each kind's key path, as api.md gives them.
var keyPaths = map[submission.Kind]string{
	submission.PopulationAssessments:    "{areaCode}/{assessmentYear}",
	submission.MarketPositionStatements: "{areaCode}/{financialYear}",
	submission.PoolContributions:        "{fundId}/{financialYear}",
	submission.QuarterlyReturns:         "{fundId}/{quarter}",
}

// slicePrefix is {S} of api.md: a partner's slice of a region.
const slicePrefix = "/v1/regions/{region}/partners/{partner}/"

// ReceiptKeysPath is the public JWK set that verifies every receipt: the
// pages link to it beside the receipts they offer.
const ReceiptKeysPath = "/v1/receipt-keys"

// routes lists every route of the API.
func (h *handler) routes() []route {
	rs := []route{
		{pattern: "GET /v1/health", public: true, serve: h.health},
		{pattern: "GET /v1/health/ready", public: true, serve: h.ready},
		{pattern: "GET " + ReceiptKeysPath, public: true, serve: h.receiptKeys},
		{pattern: "GET /v1/me", serve: h.me},
		{pattern: "GET /v1/rules", serve: h.rules},
		{pattern: "GET " + regionPath, serve: h.region},
	}
	rs = append(rs,
		route{pattern: "PUT /v1/regions/{region}/funds/{fundId}/periods/{period}/lock", serve: h.lockPeriod},
		route{pattern: "DELETE /v1/regions/{region}/funds/{fundId}/periods/{period}/lock", serve: h.unlockPeriod},
		route{pattern: "POST " + slicePrefix + "quarterly-returns/{fundId}/{quarter}/signoff", serve: h.signOff},
		route{pattern: "PUT " + consentPath, serve: h.giveConsent},
		route{pattern: "DELETE " + consentPath, serve: h.withdrawConsent},
		route{pattern: "GET " + consentPath, serve: h.getConsent},
		route{pattern: "GET " + slicePrefix + "obligations", query: []string{"status", "from", "to"}, serve: h.obligations},
		route{pattern: "GET /v1/regions/{region}/audit", query: append([]string{"from", "to", "partner"}, pageParams...), serve: h.audit},
		route{pattern: "GET /v1/regions/{region}/audit/export", query: []string{"partner"}, serve: h.auditExport},
		route{pattern: "GET " + changesPath, query: []string{"after", "limit"}, serve: h.changes},
		route{pattern: "POST " + webhooksPath, serve: h.registerWebhook},
		route{pattern: "GET " + webhooksPath, serve: h.listWebhooks},
		route{pattern: "GET " + webhookPath, serve: h.getWebhook},
		route{pattern: "DELETE " + webhookPath, serve: h.deleteWebhook},
		route{pattern: "POST " + webhookPath + "/rotate", serve: h.rotateWebhook},
		route{pattern: "GET " + deliveriesPath, query: append([]string{"state"}, pageParams...), serve: h.listDeliveries},
		route{pattern: "POST " + deliveriesPath + "/{deliveryId}/replay", serve: h.replayDelivery},
		route{pattern: "POST " + slicePrefix + "uploads", serve: h.startUpload},
		route{pattern: "GET " + uploadPath, serve: h.getUpload},
		route{pattern: "GET " + slicePrefix + "uploads/{uploadId}/document", serve: h.getUploadDocument},
		route{pattern: "GET /v1/templates/{file}", query: []string{"region", "fund"}, serve: h.template},
		route{pattern: "POST /v1/exports", serve: h.createExport},
		route{pattern: "GET " + exportPath, serve: h.getExport},
		route{pattern: "GET /v1/regions/{region}/funds/{fundId}/position", query: []string{"financialYear", "asAt", service.AsOfField}, serve: h.fundPosition},
		route{pattern: "GET " + reportPath, query: []string{service.AsOfField}, serve: h.fundReport},
		route{pattern: "POST " + reportPath + "/signoffs", serve: h.signFundReport},
		route{pattern: "POST " + reportPath + "/approval", serve: h.approveFundReport},
		route{pattern: "GET /v1/regions/{region}/aggregates/population", query: []string{"assessmentYear", "financialYear", service.AsOfField}, serve: h.populationAggregate},
		route{pattern: "GET /v1/regions/{region}/aggregates/market", query: []string{"financialYear", service.AsOfField}, serve: h.marketAggregate},
	)
	for _, k := range submission.Kinds {
		base := slicePrefix + string(k)
		key := base + "/" + keyPaths[k]
		rs = append(rs,
			route{pattern: "PUT " + key, query: []string{"dryRun"}, serve: h.putSubmission(k)},
			route{pattern: "GET " + key, serve: h.getSubmission(k)},
			route{pattern: "GET " + key + "/versions", query: pageParams, serve: h.listVersions(k)},
			route{pattern: "GET " + versionPath(k), serve: h.getVersion(k)},
			route{pattern: "GET " + base, query: append(k.FilterParams(), pageParams...), serve: h.listCurrent(k)},
		)
	}
	return rs
}

var pageParams = []string{"limit", "cursor"}

// endpoint wraps a route: authentication, the query parameters it accepts,
// and problems for errors.
func (h *handler) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		routed(r.Context(), rt.pattern)
		res, err := h.run(rt, r)
		if err != nil {
			res = problemResponse(r, h.log, err)
		}
		res.send(w)
	})
}

func (h *handler) run(rt route, r *http.Request) (*response, error) {
	if !rt.public {
		var err error
		if r, err = h.authenticate(r); err != nil {
			return nil, err
		}
		identified(r.Context(), principal(r.Context()).Subject)
	}
	if err := checkQuery(r, rt.query); err != nil {
		return nil, err
	}
	return rt.serve(r)
}
