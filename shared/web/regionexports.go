package web

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/exports"
)

// exportsListLimit is the exports page's length.
const exportsListLimit = 25

// exportsRegion is an exports page's region, from its address: one the
// service serves (any other is no page); who may read its exports is the
// export calls' to decide.
func (s *site) exportsRegion(v *visit) (*region.Region, error) {
	reg, ok := s.Service.Regions.Get(v.r.PathValue("region"))
	if !ok {
		return nil, errNoPage
	}
	return reg.In(v.lang), nil
}

func exportsPath(reg *region.Region) string { return appPath("regions", reg.ID, "exports") }

// exportRequestForm asks for an export with the API's fields: the region
// (the page's), a financial year, a format and labels; the language is the
// page's.
type exportRequestForm struct {
	Action, Region string
	Years          []option
	Formats        []option
	Labels         []option
}

// exportList is the region's exports, newest first, and the form that
// requests one (POST /v1/exports) when the person's token may.
func (s *site) exportList(v *visit) error {
	reg, err := s.exportsRegion(v)
	if err != nil {
		return err
	}
	recs, next, err := s.Exports.ListExports(v.r.Context(), v.p, reg.ID, service.PageRequest{Limit: exportsListLimit, Cursor: v.r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	loc := reg.Location()
	t := table{Caption: v.t("page.exports.caption", map[string]any{"Region": reg.Name}), Empty: v.t("page.exports.none", nil), Columns: []column{
		{Label: v.t("page.col.export", nil)}, {Label: v.t("page.col.year", nil)}, {Label: v.t("page.col.format", nil)}, {Label: v.t("page.col.language", nil)},
		{Label: v.t("page.col.state", nil)}, {Label: v.t("page.col.requested", nil)}, {Label: v.t("page.col.by", nil)}}}
	for _, r := range recs {
		t.Rows = append(t.Rows, []cell{headCell(r.ID, v.link(exportsPath(reg)+"/"+url.PathEscape(r.ID), nil)), textCell(r.FinancialYear),
			textCell(formatName(v, r.Format)), textCell(langName(v, r.Lang)), exportState(v, r.State), textCell(v.when(r.CreatedAt, loc)), textCell(actorName(r.CreatedBy))})
	}
	d := struct {
		Exports    table
		Next, Back string
		Request    *exportRequestForm
	}{Exports: t, Back: v.link(Prefix, nil)}
	if next != "" {
		d.Next = v.link(v.r.URL.Path, url.Values{"cursor": {next}})
	}
	if v.p.Has(auth.ExportsWrite) {
		f := &exportRequestForm{Action: v.link(exportsPath(reg), nil), Region: reg.ID}
		now := period.DateOf(s.Now().In(loc))
		years := regionYears(reg)
		chosen := ""
		for _, y := range years {
			if !now.Before(y.FirstDay()) {
				chosen = y.String() // the latest year begun
			}
		}
		for _, y := range years {
			f.Years = append(f.Years, option{Value: y.String(), Label: y.String(), Selected: y.String() == chosen})
		}
		for i, fm := range []export.Format{export.CSV, export.XLSX, export.JSON} {
			f.Formats = append(f.Formats, option{Value: string(fm), Label: formatName(v, string(fm)), Selected: i == 0})
		}
		for _, l := range []string{"", "true", "false"} {
			f.Labels = append(f.Labels, option{Value: l, Label: v.t("page.exports.labels."+map[string]string{"": "default", "true": "yes", "false": "no"}[l], nil),
				Selected: l == ""})
		}
		d.Request = f
	}
	return s.render(v, http.StatusOK, "exports", v.t("page.exports.title", map[string]any{"Region": reg.Name}), d)
}

func formatName(v *visit, f string) string { return v.t("page.exports.format."+f, nil) }

func langName(v *visit, l string) string {
	if l == "" {
		l = string(i18n.English)
	}
	return v.t("page.exports.lang."+l, nil)
}

func exportState(v *visit, state string) cell {
	class := map[string]string{exports.ExportReady: "status-signed", exports.ExportFailed: "status-late"}[state]
	if class == "" {
		class = "status-open"
	}
	return cell{Text: v.t("page.exports.state."+state, nil), Class: class}
}

// requestExport is POST /v1/exports as a form, in the page's language: the
// local run builds the export at once; deployed, the exports function
// builds it and its page says so until it is ready.
func (s *site) requestExport(v *visit) error {
	reg, err := s.exportsRegion(v)
	if err != nil {
		return err
	}
	body := map[string]any{"region": v.r.PostFormValue("region"), "financialYear": v.r.PostFormValue("financialYear"), "format": v.r.PostFormValue("format")}
	if l, err := strconv.ParseBool(v.r.PostFormValue("labels")); err == nil {
		body["labels"] = l
	}
	b, _ := json.Marshal(body)
	rec, err := s.Exports.CreateExport(i18n.With(v.r.Context(), v.lang), v.p, b)
	if err != nil {
		if _, _, rerr := s.Exports.ListExports(v.r.Context(), v.p, reg.ID, service.PageRequest{Limit: 1}); rerr != nil {
			return rerr // a page the person cannot read: its 404
		}
		return s.refused(v, err, exportsPath(reg), nil)
	}
	s.leaveFlash(v, flash{Text: v.t("page.exports.requested", map[string]any{"ID": rec.ID})})
	return v.redirect(exportsPath(reg)+"/"+url.PathEscape(rec.ID), nil)
}

// exportPage is GET /v1/exports/{exportId} as a page: its state and, once
// ready, a link to each of its files (the manifest and its signature
// first), each streamed through the person's session.
func (s *site) exportPage(v *visit) error {
	reg, err := s.exportsRegion(v)
	if err != nil {
		return err
	}
	rec, downloads, err := s.Exports.GetExport(v.r.Context(), v.p, v.r.PathValue("exportId"))
	if err != nil {
		return err
	}
	if rec.Region != reg.ID {
		return errNoPage
	}
	loc := reg.Location()
	state := exportState(v, rec.State)
	d := struct {
		Facts []fact
		Files table
		Back  string
	}{Back: v.link(exportsPath(reg), nil), Facts: []fact{
		{Label: v.t("page.col.state", nil), Text: state.Text, Class: state.Class},
		{Label: v.t("page.col.year", nil), Text: rec.FinancialYear},
		{Label: v.t("page.col.format", nil), Text: formatName(v, rec.Format)},
		{Label: v.t("page.col.language", nil), Text: langName(v, rec.Lang)},
		{Label: v.t("page.col.labels", nil), Text: yesNoCell(v, rec.Labels).Text},
		{Label: v.t("page.col.requested", nil), Text: v.when(rec.CreatedAt, loc)},
		{Label: v.t("page.col.by", nil), Text: actorName(rec.CreatedBy)}}}
	if rec.CompletedAt != nil {
		d.Facts = append(d.Facts, fact{Label: v.t("page.col.completed", nil), Text: v.when(*rec.CompletedAt, loc)})
	}
	if rec.Failure != "" {
		failure := rec.Failure
		if rec.FailureText != nil {
			failure = rec.FailureText.In(v.lang)
		}
		d.Facts = append(d.Facts, fact{Label: v.t("page.col.failure", nil), Text: failure})
	}
	d.Files = table{Caption: v.t("page.exports.files", nil), Empty: v.t("page.exports.no-files", nil), Columns: []column{{Label: v.t("page.col.file", nil)},
		{Label: v.t("page.col.content-type", nil)}, {Label: v.t("page.col.size", nil), Num: true}, {Label: "SHA-256"}}}
	base := exportsPath(reg) + "/" + url.PathEscape(rec.ID) + "/files/"
	for _, f := range downloads {
		d.Files.Rows = append(d.Files.Rows, []cell{headCell(f.Name, v.link(base+url.PathEscape(f.Name), nil)), textCell(f.ContentType),
			{Text: v.t("page.upload.bytes", map[string]any{"Count": f.Bytes}), Num: true}, textCell(f.SHA256)})
	}
	return s.render(v, http.StatusOK, "export", v.t("page.exports.one-title", map[string]any{"ID": rec.ID}), d)
}

// exportFile streams one file of an export through the person's session,
// from the store its presigned download URL reads: no URL carrying a
// signature reaches the browser.
func (s *site) exportFile(v *visit) error {
	reg, err := s.exportsRegion(v)
	if err != nil {
		return err
	}
	f, err := s.Exports.ExportFile(v.r.Context(), v.p, v.r.PathValue("exportId"), v.r.PathValue("name"))
	if err != nil {
		return err
	}
	defer f.Body.Close()
	if f.Export.Region != reg.ID {
		return errNoPage
	}
	h := v.w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Length", strconv.FormatInt(f.Bytes, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Cache-Control", "no-store")
	_, err = io.Copy(v.w, f.Body)
	return err
}
