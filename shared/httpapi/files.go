package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/exports"
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
}

// versionLink names the version an upload produced.
type versionLink struct {
	Version int    `json:"version"`
	Href    string `json:"href"`
}

func uploadViewOf(u service.UploadRecord) uploadView {
	v := uploadView{UploadID: u.ID, Purpose: u.Purpose, State: u.State, Key: keyFields(u.Kind, u.KeyValues), SizeBytes: u.SizeBytes,
		SHA256: u.SHA256, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Errors: nonNil(u.Errors)}
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
			"headers": up.Presigned.Headers, "expiresAt": up.Presigned.ExpiresAt, "upload": uploadViewOf(up.Record),
		})
		res.header.Set("Location", r.URL.Path+"/"+up.Record.ID)
		return res, nil
	})
}

func (h *handler) getUpload(r *http.Request) (*response, error) {
	u, err := h.files.GetUpload(r.Context(), principal(r.Context()), r.PathValue("region"), r.PathValue("partner"), r.PathValue("uploadId"))
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, uploadViewOf(u)), nil
}

// template serves a blank upload form: {purpose}.csv or {purpose}.xlsx.
func (h *handler) template(r *http.Request) (*response, error) {
	file := r.PathValue("file")
	name, ext, _ := strings.Cut(file, ".")
	purpose, ok := csvin.ParsePurpose(name)
	if !ok || (ext != "csv" && ext != "xlsx") {
		return nil, apperr.Newf(apperr.NotFound, "No template %q; there are population-assessment-csv and quarterly-return-csv, as .csv or .xlsx.", file)
	}
	res := &response{status: http.StatusOK, header: http.Header{"Content-Disposition": {`attachment; filename="` + file + `"`}}}
	if ext == "csv" {
		res.header.Set("Content-Type", "text/csv; charset=utf-8")
		res.body = csvin.TemplateCSV(purpose)
		return res, nil
	}
	body, err := csvin.TemplateXLSX(purpose)
	if err != nil {
		return nil, err
	}
	res.header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	res.body = body
	return res, nil
}

// exportView is an export as the API shows it.
type exportView struct {
	*exports.ExportRecord
	Downloads []exports.Download `json:"downloads"`
}

func (h *handler) createExport(r *http.Request) (*response, error) {
	p := principal(r.Context())
	if !p.Has(auth.ExportsWrite) {
		return nil, apperr.New(apperr.Forbidden, "This token may not do this here.")
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
		return exportResponse(status, rec, downloads), err
	})
}

func (h *handler) getExport(r *http.Request) (*response, error) {
	rec, downloads, err := h.exports.GetExport(r.Context(), principal(r.Context()), r.PathValue("exportId"))
	if err != nil {
		return nil, err
	}
	return exportResponse(http.StatusOK, rec, downloads), nil
}

func exportResponse(status int, rec *exports.ExportRecord, downloads []exports.Download) *response {
	res := jsonResponse(status, exportView{ExportRecord: rec, Downloads: downloads})
	res.header.Set("Location", "/v1/exports/"+rec.ID)
	return res
}
