package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/regional-data-exchange/rdx/shared/logx"
)

// StatusClientClosedRequest is what the log line and the metrics say of a
// request whose client hung up before its answer: nginx's 499. Nothing is
// sent with it (there is nobody to send it to); it keeps a hang-up out of
// the 5xx that page an operator.
const StatusClientClosedRequest = 499

// routeUnmatched is the route of a request no route matched (404, 405).
const routeUnmatched = "unmatched"

// AttrRequestID is the span attribute that carries X-Request-Id.
const AttrRequestID = attribute.Key("rdx.request_id")

// AttrCancelled marks the span of a request whose client hung up.
const AttrCancelled = attribute.Key("rdx.cancelled")

// observation is what the request's handling learns for its log line,
// span and metric: the route that matched and the verified caller. Only
// the request's own goroutine writes it, before the middleware reads it.
type observation struct {
	route, sub string
	span       trace.Span
}

type observationKey struct{}

func observationOf(ctx context.Context) *observation {
	o, _ := ctx.Value(observationKey{}).(*observation)
	if o == nil {
		return &observation{} // a handler called without the middleware (tests)
	}
	return o
}

// routed records the pattern of the route that is answering.
func routed(ctx context.Context, pattern string) { observationOf(ctx).route = pattern }

// identified records the verified caller's subject.
func identified(ctx context.Context, sub string) { observationOf(ctx).sub = sub }

// Routed records, for a handler mounted beside the API's routes (Deps.Extra:
// the pages under /app/), the pattern of its route that is answering, so
// that the request's log line, span and metric name it as the API's do.
func Routed(ctx context.Context, pattern string) { routed(ctx, pattern) }

// Identified records, for a mounted handler, the caller it verified.
func Identified(ctx context.Context, sub string) { identified(ctx, sub) }

// observe starts the request's span (a child of the context's: on Lambda the
// invocation's, which joins Lambda's X-Ray segment; a traceparent header a
// caller sends is not trusted to replace it) and puts the request id and the
// observation in its context.
func (h *handler) observe(r *http.Request, id string) (*http.Request, *observation) {
	ctx, span := h.tracer.Start(r.Context(), r.Method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(r.URL.Path), AttrRequestID.String(id)))
	o := &observation{span: span}
	ctx = logx.WithRequestID(context.WithValue(ctx, observationKey{}, o), id)
	return r.WithContext(ctx), o
}

func (o *observation) panicked(p any) {
	o.span.RecordError(fmt.Errorf("panic: %v", p))
}

// answered ends the request's span, named by its route's pattern, and writes
// its log line and its metric. A 503 is logged as a warning, any other 5xx
// as an error; a request whose client hung up is logged as cancelled (499),
// not as the 500 or 503 its unfinished work turned into.
func (h *handler) answered(r *http.Request, o *observation, rec *statusRecorder, took time.Duration) {
	ctx := r.Context()
	route := o.route
	if route == "" {
		route = routeUnmatched
	}
	status := rec.status
	cancelled := errors.Is(ctx.Err(), context.Canceled)
	if cancelled {
		status = StatusClientClosedRequest
	}
	attrs := []any{"method", r.Method, "route", route, "path", r.URL.Path, "status", status,
		"bytes", rec.bytes, "duration_ms", took.Milliseconds()}
	if o.sub != "" {
		attrs = append(attrs, "sub", o.sub)
	}
	level := slog.LevelInfo
	switch {
	case cancelled:
		attrs = append(attrs, "cancelled", true, "answered", rec.status)
	case status == http.StatusServiceUnavailable:
		level = slog.LevelWarn
	case status >= 500:
		level = slog.LevelError
	}
	h.log.Log(ctx, level, "request", attrs...)
	h.tel.Metrics.Request(ctx, route, r.Method, status, took)

	span := o.span
	span.SetName(route)
	span.SetAttributes(semconv.HTTPRoute(strings.TrimPrefix(route, r.Method+" ")), semconv.HTTPResponseStatusCode(status))
	if o.sub != "" {
		span.SetAttributes(semconv.UserID(o.sub))
	}
	if cancelled {
		span.SetAttributes(AttrCancelled.Bool(true))
	} else if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}
