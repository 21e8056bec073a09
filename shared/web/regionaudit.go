package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
)

// auditPageLimit is how many records the audit page shows at a time.
const auditPageLimit = service.DefaultLimit

// audit is the region's trail, newest first (GET /v1/regions/{region}/audit),
// a page at a time by the API's cursor.
func (s *site) audit(v *visit) error {
	reg, err := s.regionOf(v)
	if err != nil {
		return err
	}
	page, err := s.RegionView.Audit(v.r.Context(), v.p, reg.ID, regionview.AuditFilter{},
		service.PageRequest{Limit: auditPageLimit, Cursor: v.r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	loc := reg.Location()
	t := table{Caption: v.t("page.audit.caption", map[string]any{"Region": reg.Name}), Empty: v.t("page.audit.none", nil), Columns: []column{
		{Label: v.t("page.col.when", nil)}, {Label: v.t("page.col.actor", nil)}, {Label: v.t("page.col.what", nil)}, {Label: v.t("page.col.target", nil)},
		{Label: v.t("page.col.seq", nil)}, {Label: v.t("page.col.hash", nil)}}}
	for _, r := range page.Items {
		t.Rows = append(t.Rows, []cell{headCell(v.when(r.At, loc), ""), textCell(actorName(r.Actor)), textCell(r.Action),
			textCell(auditTarget(r)), textCell(r.Chain + " #" + strconv.FormatInt(r.Seq, 10)), {Text: r.Hash, Class: "hash"}})
	}
	d := struct {
		Records    table
		Next, Back string
		Exports    []link // the region's chain, then each partner's
	}{Records: t, Back: v.link(Prefix, nil)}
	export := appPath("regions", reg.ID, "audit", "export.jsonl")
	d.Exports = append(d.Exports, link{Text: v.t("page.audit.export", nil), Href: v.link(export, nil)})
	for _, p := range reg.Partners {
		d.Exports = append(d.Exports, link{Text: v.t("page.audit.export-partner", map[string]any{"Partner": p.Name}),
			Href: v.link(export, url.Values{"partner": {p.ID}})})
	}
	if page.NextCursor != "" {
		d.Next = v.link(v.r.URL.Path, url.Values{"cursor": {page.NextCursor}})
	}
	return s.render(v, http.StatusOK, "audit", v.t("page.audit.title", map[string]any{"Region": reg.Name}), d)
}

// auditTarget is what a record is about, as its target's names and values
// ("fund care-homes-older-people, period 2018-19-Q2").
func auditTarget(r service.AuditRecord) string {
	keys := make([]string, 0, len(r.Target))
	for k := range r.Target {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys)+1)
	if r.Partner != "" {
		parts = append(parts, "partner "+r.Partner)
	}
	for _, k := range keys {
		switch val := r.Target[k].(type) {
		case map[string]any:
			inner := make([]string, 0, len(val))
			for ik, iv := range val {
				inner = append(inner, ik+" "+fmt.Sprint(iv))
			}
			slices.Sort(inner)
			parts = append(parts, k+" ("+strings.Join(inner, ", ")+")")
		default:
			parts = append(parts, k+" "+fmt.Sprint(val))
		}
	}
	return strings.Join(parts, ", ")
}

// auditExport streams the region's whole chain, or with ?partner= one
// partner's, as GET .../audit/export gives it: JSON lines, oldest first,
// ending with its signed head.
func (s *site) auditExport(v *visit) error {
	reg, err := s.Service.AuthorizeRegional(v.p, v.r.PathValue("region"), auth.RegionRead)
	if err != nil {
		return err
	}
	partner := v.r.URL.Query().Get("partner")
	body, err := s.RegionView.AuditExport(v.r.Context(), v.p, reg.ID, partner)
	if err != nil {
		return err
	}
	h := v.w.Header()
	h.Set("Content-Type", "application/jsonl")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="`+reg.ID+strings.TrimSuffix("-"+partner, "-")+`-audit.jsonl"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, err = v.w.Write(body)
	return err
}
