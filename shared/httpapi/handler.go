// Package httpapi is the HTTP face of the use cases: one http.Handler, built
// once per process, that serves locally under net/http and on Lambda through
// the API Gateway adapter alike. Every route is in routes.go; each handler
// reads the request, calls one capability's service and writes its answer.
package httpapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"go.opentelemetry.io/otel/trace"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/exports"
	"github.com/regional-data-exchange/rdx/shared/service/files"
	"github.com/regional-data-exchange/rdx/shared/service/hooks"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

// UseCases are the services the product's faces serve: the shared core and
// one service per capability. The API's handler and the pages are built
// from the same ones.
type UseCases struct {
	Service     *service.Service
	Submissions *submissions.Service
	RegionView  *regionview.Service
	Files       *files.Service
	Exports     *exports.Service
	Hooks       *hooks.Hooks
}

// Deps are what the handler serves: the use cases, one service per
// capability, and the shared core that authorises and keeps
// Idempotency-Keys for all of them.
type Deps struct {
	UseCases
	Verifier *auth.Verifier
	Log      *slog.Logger
	// Telemetry makes each request a span and counts it (zero: neither).
	Telemetry telemetry.Telemetry
	// Extra mounts handlers outside /v1 (the local server's presigned blob URLs).
	Extra map[string]http.Handler
}

type handler struct {
	svc         *service.Service
	submissions *submissions.Service
	view        *regionview.Service
	files       *files.Service
	exports     *exports.Service
	hooks       *hooks.Hooks
	verifier    *auth.Verifier
	log         *slog.Logger
	tel         telemetry.Telemetry
	tracer      trace.Tracer
	mux         *http.ServeMux
}

// NewHandler builds the API.
func NewHandler(d Deps) http.Handler {
	h := &handler{svc: d.Service, submissions: d.Submissions, view: d.RegionView, files: d.Files, exports: d.Exports, hooks: d.Hooks,
		verifier: d.Verifier, log: d.Log, tel: d.Telemetry, tracer: d.Telemetry.Tracer(), mux: http.NewServeMux()}
	for _, rt := range h.routes() {
		h.mux.Handle(rt.pattern, h.endpoint(rt))
	}
	for prefix, x := range d.Extra {
		h.mux.Handle(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			routed(r.Context(), prefix)
			x.ServeHTTP(w, r)
		}))
	}
	h.mux.HandleFunc("/", h.unrouted)
	return h.middleware(h.mux)
}

// middleware gives every request an id, a span, panic recovery, and once
// answered a log line and a metric (observe.go).
func (h *handler) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ulid.MustNew(ulid.Timestamp(start), rand.Reader).String()
		r, obs := h.observe(r, id)
		w.Header().Set("X-Request-Id", id)
		r, lang := negotiate(r)
		w.Header().Set("Vary", "Accept-Language")
		rec := &statusRecorder{ResponseWriter: w, lang: lang}
		defer func() {
			if p := recover(); p != nil {
				h.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				obs.panicked(p)
				if rec.status == 0 {
					problemResponse(r, h.log, apperr.Localized(apperr.Internal, "problem.internal.detail", nil)).send(rec)
				}
			}
			h.answered(r, obs, rec, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status, bytes int
	lang          i18n.Lang
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
		contentLanguage(s.Header(), s.lang)
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// unrouted answers every request no route matched: 405 with Allow when the
// path exists under other methods, else 404 — both as problems.
func (h *handler) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		e := apperr.Localized(apperr.MethodNotAllowed, "route.method-not-allowed", map[string]any{"Method": r.Method, "Allow": strings.Join(allow, ", ")})
		e.Allow = allow
		problemResponse(r, h.log, e).send(w)
		return
	}
	problemResponse(r, h.log, apperr.Localized(apperr.NotFound, "route.not-found", map[string]any{"Path": r.URL.Path})).send(w)
}

type principalKey struct{}

// principal is the verified caller of an authenticated route.
func principal(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

// authenticate verifies the bearer token.
func (h *handler) authenticate(r *http.Request) (*http.Request, error) {
	authz := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(authz, " ")
	if authz == "" {
		return r, apperr.Localized(apperr.Unauthenticated, "auth.token-missing", nil)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return r, apperr.Localized(apperr.Unauthenticated, "auth.scheme", nil)
	}
	p, err := h.verifier.Verify(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return r, err
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), nil
}
