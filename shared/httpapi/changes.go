package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// The paths a change's subject is read at, as routes.go serves them.
const (
	regionPath      = "/v1/regions/{region}"
	changesPath     = regionPath + "/changes"
	consentPath     = slicePrefix + "funds/{fundId}/years/{financialYear}/pooling-consent"
	uploadPath      = slicePrefix + "uploads/{uploadId}"
	exportPath      = "/v1/exports/{exportId}"
	obligationsPath = slicePrefix + "obligations"
)

// versionPath is where a version of kind is read.
func versionPath(k submission.Kind) string {
	return slicePrefix + string(k) + "/" + keyPaths[k] + "/versions/{version}"
}

// pathOf is pattern with each {name} replaced by its value in values,
// escaped as a path segment.
func pathOf(pattern string, values map[string]string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(pattern, '{')
		if open < 0 {
			return b.String() + pattern
		}
		end := strings.IndexByte(pattern[open:], '}') + open
		b.WriteString(pattern[:open])
		b.WriteString(url.PathEscape(values[pattern[open+1:end]]))
		pattern = pattern[end+1:]
	}
}

// changeView is one event of the changes feed as the API shows it.
type changeView struct {
	Sequence int64         `json:"sequence"`
	ID       string        `json:"id"`
	Type     string        `json:"type"`
	At       time.Time     `json:"at"`
	Actor    service.Actor `json:"actor"`
	Partner  string        `json:"partner,omitempty"`
	Subject  subjectView   `json:"subject"`
	Receipt  *changeProof  `json:"receipt,omitempty"`
}

type subjectView struct {
	Kind    string            `json:"kind"`
	Key     map[string]string `json:"key"`
	Version int               `json:"version,omitempty"`
	URL     string            `json:"url"`
}

type changeProof struct {
	JWS    string `json:"jws"`
	SHA256 string `json:"sha256"`
}

// changeOf is ev of region as the API shows it, with the path its subject
// is read at.
func changeOf(region string, ev service.Event) changeView {
	v := changeView{Sequence: ev.Seq, ID: ev.ID, Type: ev.Type, At: ev.At, Actor: ev.Actor, Partner: ev.Partner,
		Subject: subjectView{Kind: ev.Subject.Kind, Key: ev.Subject.Key, Version: ev.Subject.Version, URL: subjectURL(region, ev)}}
	if ev.Receipt != "" {
		v.Receipt = &changeProof{JWS: ev.Receipt, SHA256: ev.ReceiptSHA256}
	}
	return v
}

// subjectURL is where what ev concerns is read: a version, a fund's
// report, a pooling consent, an upload or an export; a period's lock is
// read with its region; an obligation in the partner's obligations, of its
// due date.
func subjectURL(region string, ev service.Event) string {
	values := map[string]string{"region": region, "partner": ev.Partner}
	for k, v := range ev.Subject.Key {
		values[k] = v
	}
	switch ev.Subject.Kind {
	case service.SubjectReport:
		return pathOf(reportPath, values)
	case service.SubjectConsent:
		return pathOf(consentPath, values)
	case service.SubjectUpload:
		return pathOf(uploadPath, values)
	case service.SubjectExport:
		return pathOf(exportPath, values)
	case service.SubjectPeriod:
		return pathOf(regionPath, values)
	case service.SubjectObligation:
		due := ev.Subject.Key["dueDate"]
		return pathOf(obligationsPath, values) + "?" + url.Values{"from": {due}, "to": {due}}.Encode()
	}
	values["version"] = strconv.Itoa(ev.Subject.Version)
	return pathOf(versionPath(submission.Kind(ev.Subject.Kind)), values)
}

// changesPage is a page of the changes feed.
type changesPage struct {
	Events  []changeView `json:"events"`
	Next    string       `json:"next"`
	HasMore bool         `json:"hasMore"`
	Gaps    bool         `json:"gaps"`
}

func (h *handler) changes(r *http.Request) (*response, error) {
	p := principal(r.Context())
	if p.IsPartner() {
		if _, err := h.svc.AuthorizeSlice(p, r.PathValue("region"), p.Partner, service.ReadSlice); err != nil {
			return nil, err
		}
	} else if _, err := h.svc.AuthorizeRegional(p, r.PathValue("region"), auth.RegionRead); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	var after int64
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || strings.TrimLeft(s, "0123456789") != "" {
			return nil, submission.RuleCursorInvalid.ParamError("after", "finding.changes-after-invalid", map[string]any{"Value": strconv.Quote(s)})
		}
		after = n
	}
	limit := regionview.DefaultChanges
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > regionview.MaxChanges {
			return nil, submission.RuleLimitInvalid.ParamError("limit", "finding.limit-invalid", map[string]any{"Value": strconv.Quote(s), "Max": regionview.MaxChanges})
		}
		limit = n
	}
	pg, err := h.view.Changes(r.Context(), p, r.PathValue("region"), after, limit)
	if err != nil {
		return nil, err
	}
	out := changesPage{Events: make([]changeView, 0, len(pg.Events)), Next: strconv.FormatInt(pg.Next, 10), HasMore: pg.More, Gaps: pg.Partner != ""}
	for _, ev := range pg.Events {
		out.Events = append(out.Events, changeOf(pg.Region, ev))
	}
	res := jsonResponse(http.StatusOK, out)
	res.header.Set("Cache-Control", "no-store")
	return res, nil
}
