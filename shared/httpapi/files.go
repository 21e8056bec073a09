package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/exports"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// uploadView is an upload as the API shows it.
type uploadView struct {
	UploadID  string                `json:"uploadId"`
	Purpose   string                `json:"purpose"`
	State     string                `json:"state"`
	Key       map[string]any        `json:"key"`
	SizeBytes int64                 `json:"sizeBytes"`
	SHA256    string                `json:"sha256"`
	CreatedAt time.Time             `json:"createdAt"`
	UpdatedAt time.Time             `json:"updatedAt"`
	Version   *versionLink          `json:"version"`
	Errors    []service.UploadError `json:"errors"`
	Failure   string                `json:"failure,omitempty"`
}

// versionLink names the version an upload produced.
type versionLink struct {
	Version int    `json:"version"`
	Href    string `json:"href"`
}

// uploadViewOf is an upload as a reader in lang is shown it: its errors and
// failure in that language.
func uploadViewOf(u service.UploadRecord, lang i18n.Lang) uploadView {
	errs := make([]service.UploadError, len(u.Errors))
	for i, e := range u.Errors {
		errs[i] = e.In(lang)
	}
	v := uploadView{UploadID: u.ID, Purpose: u.Purpose, State: u.State, Key: keyFields(u.Kind, u.KeyValues), SizeBytes: u.SizeBytes,
		SHA256: u.SHA256, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Errors: errs, Failure: failureIn(u.Failure, u.FailureText, lang)}
	if u.Version != nil {
		v.Version = &versionLink{Version: u.Version.Version, Href: versionURL(service.VersionRecord{Region: u.Region, Partner: u.Partner,
			Kind: u.Kind, KeyValues: u.KeyValues, Version: u.Version.Version})}
	}
	return v
}

func (h *handler) startUpload(r *http.Request) (*response, error) {
	p, region, partner := principal(r.Context()), r.PathValue("region"), r.PathValue("partner")
	body, err := h.sliceBody(r, service.WriteSlice)
	if err != nil {
		return nil, err
	}
	return h.idempotent(r, body, false, func(*service.Claim) (*response, error) {
		up, err := h.files.BeginUpload(r.Context(), p, region, partner, body)
		if err != nil {
			return nil, err
		}
		res := jsonResponse(http.StatusCreated, map[string]any{
			"uploadId": up.Record.ID, "url": up.Presigned.URL, "method": up.Presigned.Method,
			"headers": up.Presigned.Headers, "expiresAt": up.Presigned.ExpiresAt, "upload": uploadViewOf(up.Record, i18n.From(r.Context())),
		})
		res.header.Set("Location", pathOf(uploadPath, map[string]string{"region": up.Record.Region, "partner": up.Record.Partner, "uploadId": up.Record.ID}))
		return res, nil
	})
}

func (h *handler) getUpload(r *http.Request) (*response, error) {
	u, err := h.files.GetUpload(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), r.PathValue("uploadId"))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, uploadViewOf(u, i18n.From(r.Context()))), nil
}

// getUploadDocument serves an accepted market position document, only
// ever as a download.
func (h *handler) getUploadDocument(r *http.Request) (*response, error) {
	name, body, err := h.files.Document(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), r.PathValue("uploadId"))
	if err != nil {
		return nil, err
	}
	return attachment(name, "application/pdf", body), nil
}

// template serves a blank upload form: {purpose}.csv or {purpose}.xlsx, or
// with region and fund the CSV form in that fund's terms.
func (h *handler) template(r *http.Request) (*response, error) {
	file := r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	purpose, ok := csvin.ParsePurpose(name)
	if !ok || (ext != "csv" && ext != "xlsx") {
		return nil, apperr.Localized(apperr.NotFound, "not-found.template", map[string]any{"Value": strconv.Quote(file), "Allowed": purposeList(csvin.Purposes())})
	}
	lang := i18n.From(r.Context())
	regionID, fundID := r.URL.Query().Get("region"), r.URL.Query().Get("fund")
	if regionID != "" || fundID != "" {
		return h.fundTemplate(file, purpose, ext, regionID, fundID, lang)
	}
	if ext == "csv" {
		return inLanguage(attachment(file, "text/csv; charset=utf-8", csvin.TemplateCSV(purpose, lang)), lang), nil
	}
	body, err := csvin.TemplateXLSX(purpose, lang)
	if err != nil {
		return nil, err
	}
	return inLanguage(attachment(file, xlsxType, body), lang), nil
}

// inLanguage marks a file whose words (a template's guide) are in lang.
func inLanguage(res *response, lang i18n.Lang) *response {
	res.header.Set("Content-Language", string(lang))
	return res
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// fundTemplate serves a fund's CSV form, named {region}-{fund}-{file}. The
// parameters are checked first, every error at once (422): region and fund
// come together, a fund's form is a CSV (its lists are note rows, which a
// workbook built when the service is would not know: a region's lists are
// configuration), and only a form keyed by a fund has one. Then a region or
// fund that does not exist is 404.
func (h *handler) fundTemplate(file string, purpose csvin.Purpose, ext, regionID, fundID string, lang i18n.Lang) (*response, error) {
	var fs []apperr.FieldError
	switch {
	case regionID == "":
		fs = append(fs, apperr.Field(submission.RuleParamRequired.Code, "finding.template-region", nil).AtParameter("region"))
	case fundID == "":
		fs = append(fs, apperr.Field(submission.RuleParamRequired.Code, "finding.template-fund", nil).AtParameter("fund"))
	}
	if !csvin.IsFundForm(purpose) {
		fs = append(fs, apperr.Field(submission.RuleParameterInvalid.Code, "finding.template-not-fund-form", map[string]any{"Purpose": string(purpose), "Allowed": purposeList(fundForms())}).AtParameter("fund"))
	} else if ext != "csv" {
		fs = append(fs, apperr.Field(submission.RuleParameterInvalid.Code, "finding.template-csv-only", map[string]any{"Purpose": string(purpose), "File": file}).AtParameter("file"))
	}
	if len(fs) > 0 {
		return nil, apperr.Validation(fs)
	}
	reg, ok := h.svc.Regions.Get(regionID)
	if !ok {
		return nil, service.RegionNotFound(regionID)
	}
	body, err := csvin.FundTemplateCSV(purpose, reg.In(lang), fundID, lang) // its notes name the fund and region in the language asked
	if errors.Is(err, csvin.ErrUnknownFund) {
		return nil, apperr.Localized(apperr.NotFound, "not-found.template-fund", map[string]any{"Value": strconv.Quote(fundID), "Region": reg.ID, "Allowed": fundList(reg)})
	}
	if err != nil {
		return nil, err
	}
	return inLanguage(attachment(reg.ID+"-"+fundID+"-"+file, "text/csv; charset=utf-8", body), lang), nil
}

// attachment is a file served as a download of that name, whose type a
// browser must not second-guess: whatever a file holds, it is never opened
// as a page of the service.
func attachment(name, contentType string, body []byte) *response {
	return &response{status: http.StatusOK, body: body, header: http.Header{
		"Content-Disposition": {`attachment; filename="` + name + `"`}, "Content-Type": {contentType},
		"X-Content-Type-Options": {"nosniff"}}}
}

func fundForms() []csvin.Purpose {
	var out []csvin.Purpose
	for _, p := range csvin.Purposes() {
		if csvin.IsFundForm(p) {
			out = append(out, p)
		}
	}
	return out
}

// purposeList names purposes as a list: "a, b, c".
func purposeList(ps []csvin.Purpose) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

func fundList(reg *region.Region) string {
	ids := make([]string, len(reg.Funds))
	for i, f := range reg.Funds {
		ids[i] = f.ID
	}
	return strings.Join(ids, ", ")
}

// exportView is an export as the API shows it: its failure in the reader's
// language, without the stored form of it.
type exportView struct {
	*exports.ExportRecord
	Failure     string             `json:"failure,omitempty"`
	FailureText *struct{}          `json:"failureText,omitempty"`
	Downloads   []exports.Download `json:"downloads"`
}

func (h *handler) createExport(r *http.Request) (*response, error) {
	p := principal(r.Context())
	if !p.Has(auth.ExportsWrite) {
		return nil, service.Forbidden()
	}
	body, err := readJSONBody(r)
	if err != nil {
		return nil, err
	}
	return h.idempotent(r, body, false, func(*service.Claim) (*response, error) {
		rec, err := h.exports.CreateExport(r.Context(), p, body)
		if err != nil {
			return nil, err
		}
		status := http.StatusCreated
		if rec.State == exports.ExportBuilding {
			status = http.StatusAccepted
		}
		downloads, err := h.exports.ExportDownloads(r.Context(), rec)
		return exportResponse(status, rec, downloads, i18n.From(r.Context())), err
	})
}

func (h *handler) getExport(r *http.Request) (*response, error) {
	rec, downloads, err := h.exports.GetExport(r.Context(), principal(r.Context()), r.PathValue("exportId"))
	if err != nil {
		return nil, err
	}
	return exportResponse(http.StatusOK, rec, downloads, i18n.From(r.Context())), nil
}

func exportResponse(status int, rec *exports.ExportRecord, downloads []exports.Download, lang i18n.Lang) *response {
	res := jsonResponse(status, exportView{ExportRecord: rec, Failure: failureIn(rec.Failure, rec.FailureText, lang), Downloads: downloads})
	res.header.Set("Location", pathOf(exportPath, map[string]string{"exportId": rec.ID}))
	return res
}

// failureIn is a stored failure in lang: its message, or for one kept in
// English only, as it is.
func failureIn(failure string, text *i18n.Message, lang i18n.Lang) string {
	if text == nil {
		return failure
	}
	return text.In(lang)
}
