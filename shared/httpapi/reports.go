package httpapi

import (
	"context"
	"net/http"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/report"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
)

// reportPath is a fund's quarterly report.
const reportPath = "/v1/regions/{region}/funds/{fundId}/reports/{quarter}"

func (h *handler) fundReport(r *http.Request) (*response, error) {
	p, region := principal(r.Context()), r.PathValue("region")
	if err := h.view.AuthorizeReport(p, region, r.PathValue("fundId"), r.PathValue("quarter"), regionview.ReadReport); err != nil {
		return nil, err
	}
	asOf, err := asOfParam(r.URL.Query().Get(service.AsOfField))
	if err != nil {
		return nil, err
	}
	rep, _, err := h.view.FundReportAsOf(r.Context(), p, region, r.PathValue("fundId"), r.PathValue("quarter"), asOf)
	return reportResponse(http.StatusOK, rep, err)
}

func (h *handler) signFundReport(r *http.Request) (*response, error) {
	return h.reportWrite(r, regionview.SignReport, h.view.SignFundReport)
}

func (h *handler) approveFundReport(r *http.Request) (*response, error) {
	return h.reportWrite(r, regionview.ApproveReport, h.view.ApproveFundReport)
}

// reportWrite authorises a sign-off or an approval (the action's own scope:
// a caller who may do the other is refused as anyone else) before reading
// its body, then runs it under its Idempotency-Key, if any.
func (h *handler) reportWrite(r *http.Request, action regionview.ReportAction, write func(ctx context.Context, p *auth.Principal, region, fund, quarter, ifMatch string, body []byte) (*report.Report, error)) (*response, error) {
	p, region, fund, quarter := principal(r.Context()), r.PathValue("region"), r.PathValue("fundId"), r.PathValue("quarter")
	if err := h.view.AuthorizeReport(p, region, fund, quarter, action); err != nil {
		return nil, err
	}
	body, err := readJSONBody(r)
	if err != nil {
		return nil, err
	}
	return h.idempotent(r, body, false, func(*service.Claim) (*response, error) {
		rep, err := write(r.Context(), p, region, fund, quarter, r.Header.Get("If-Match"), body)
		return reportResponse(http.StatusCreated, rep, err)
	})
}

// reportResponse is a report with its content's ETag.
func reportResponse(status int, rep *report.Report, err error) (*response, error) {
	if err != nil {
		return nil, err
	}
	res := jsonResponse(status, rep)
	res.header.Set("ETag", regionview.ReportETag(rep))
	return res, nil
}
