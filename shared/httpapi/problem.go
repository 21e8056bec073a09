package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/logx"
)

// ProblemBase is the URI every problem type lives under.
const ProblemBase = "https://rdx.invalid/problems/"

var statusOf = map[apperr.Code]int{
	apperr.Malformed:        http.StatusBadRequest,
	apperr.Unauthenticated:  http.StatusUnauthorized,
	apperr.Forbidden:        http.StatusForbidden,
	apperr.NotFound:         http.StatusNotFound,
	apperr.MethodNotAllowed: http.StatusMethodNotAllowed,
	apperr.Conflict:         http.StatusConflict,
	apperr.Locked:           http.StatusConflict,
	apperr.Gone:             http.StatusGone,
	apperr.PreconditionFail: http.StatusPreconditionFailed,
	apperr.TooLarge:         http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia: http.StatusUnsupportedMediaType,
	apperr.Invalid:          http.StatusUnprocessableEntity,
	apperr.Unavailable:      http.StatusServiceUnavailable,
	apperr.Internal:         http.StatusInternalServerError,
}

// title is a problem type's fixed title in lang (problem.<code>.title in the
// catalogue).
func title(lang i18n.Lang, code apperr.Code) string {
	return i18n.Text(lang, "problem."+string(code)+".title", nil)
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail"`
	Instance  string              `json:"instance"`
	RequestID string              `json:"requestId"`
	Errors    []apperr.FieldError `json:"errors"`
	Lock      *apperr.Lock        `json:"lock,omitempty"`
}

// problemResponse renders err as a problem. Internal errors are logged once,
// with the request's ids, as errors and shown only as "internal error"; a
// 503's cause is logged as a warning; either, when the client has hung up,
// is logged as the cancellation it is (the answer reaches nobody).
func problemResponse(r *http.Request, log *slog.Logger, err error) *response {
	e := apperr.As(err)
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	ctx := r.Context()
	lang := i18n.From(ctx)
	detail := e.DetailIn(lang)
	if e.Code == apperr.Internal {
		detail = i18n.Text(lang, "problem.internal.detail", nil)
	}
	switch {
	case (e.Code == apperr.Internal || e.Code == apperr.Unavailable) && errors.Is(ctx.Err(), context.Canceled):
		log.InfoContext(ctx, "request cancelled by the client", "code", e.Code, "cause", err)
	case e.Code == apperr.Internal:
		log.ErrorContext(ctx, "internal error", "error", err)
	case e.Code == apperr.Unavailable:
		log.WarnContext(ctx, "unavailable", "cause", err)
	case e.Err != nil && !errors.Is(e.Err, e):
		log.DebugContext(ctx, "request refused", "code", e.Code, "cause", e.Err)
	}
	p := Problem{
		Type: ProblemBase + string(e.Code), Title: title(lang, e.Code), Status: status, Detail: detail,
		Instance: r.URL.Path, RequestID: logx.RequestID(r.Context()), Errors: e.Fields, Lock: e.Lock,
	}
	p.Errors = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		p.Errors[i] = f.In(lang)
	}
	body, _ := json.Marshal(p)
	res := &response{status: status, header: http.Header{"Content-Type": {"application/problem+json"}}, body: body}
	switch {
	case status == http.StatusUnauthorized:
		res.header.Set("WWW-Authenticate", bearerChallenge(r, detail))
	case status == http.StatusServiceUnavailable:
		secs := int(e.RetryAfter.Seconds())
		res.header.Set("Retry-After", strconv.Itoa(max(secs, 1)))
	case len(e.Allow) > 0:
		for _, m := range e.Allow {
			res.header.Add("Allow", m)
		}
	}
	return res
}

// bearerChallenge is RFC 6750's challenge: a bare one when no token was
// sent, invalid_token with the reason otherwise, in the problem's language.
func bearerChallenge(r *http.Request, detail string) string {
	if r.Header.Get("Authorization") == "" {
		return `Bearer realm="rdx"`
	}
	return `Bearer realm="rdx", error="invalid_token", error_description="` + descriptionChars(detail) + `"`
}

// descriptionChars is s in the characters RFC 6750 §3 allows an
// error_description (printable ASCII but " and \): a letter with a
// diacritic (â, ŵ, ŷ) is written without it, a quote as an apostrophe, and
// anything else left out.
func descriptionChars(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\'')
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r == '\u2019' || r == '\u2018':
			b.WriteByte('\'')
		}
	}
	return b.String()
}
