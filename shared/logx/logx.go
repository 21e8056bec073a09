// Package logx carries a request's ids through its context and puts them on
// every structured log line made with it: the service's own request id (the
// X-Request-Id answered), the ids the platform gave the invocation (API
// Gateway's request id, which its access log carries; Lambda's, which its
// START/END/REPORT lines carry) and the trace's, so that one id found
// anywhere finds the rest.
package logx

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// The keys the ids are logged under.
const (
	KeyRequestID        = "request_id"
	KeyGatewayRequestID = "apigw_request_id"
	KeyLambdaRequestID  = "lambda_request_id"
	KeyTraceID          = "trace_id"
	KeySpanID           = "span_id"
)

type ctxKey struct{}

// ids are what a context carries; a context's are never changed, only
// replaced, so that a request's goroutines share them safely.
type ids struct {
	request, gateway, lambda string
}

func idsOf(ctx context.Context) ids {
	v, _ := ctx.Value(ctxKey{}).(ids)
	return v
}

// WithRequestID returns ctx carrying the service's request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	v := idsOf(ctx)
	v.request = id
	return context.WithValue(ctx, ctxKey{}, v)
}

// WithGatewayRequestID returns ctx carrying API Gateway's id of the request
// (its access log's requestId).
func WithGatewayRequestID(ctx context.Context, id string) context.Context {
	v := idsOf(ctx)
	v.gateway = id
	return context.WithValue(ctx, ctxKey{}, v)
}

// WithLambdaRequestID returns ctx carrying Lambda's id of the invocation.
func WithLambdaRequestID(ctx context.Context, id string) context.Context {
	v := idsOf(ctx)
	v.lambda = id
	return context.WithValue(ctx, ctxKey{}, v)
}

// RequestID is the request id ctx carries, or "".
func RequestID(ctx context.Context) string { return idsOf(ctx).request }

// IDs are every id ctx carries, as log attributes: the request's, the
// invocation's and the trace's (the current span's).
func IDs(ctx context.Context) []slog.Attr {
	v := idsOf(ctx)
	var out []slog.Attr
	for _, a := range [...]struct{ key, value string }{
		{KeyRequestID, v.request}, {KeyGatewayRequestID, v.gateway}, {KeyLambdaRequestID, v.lambda},
	} {
		if a.value != "" {
			out = append(out, slog.String(a.key, a.value))
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		out = append(out, slog.String(KeyTraceID, sc.TraceID().String()), slog.String(KeySpanID, sc.SpanID().String()))
	}
	return out
}

// New is a JSON logger whose every line made with a request's context names
// the request by all its ids.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(requestHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(IDs(ctx)...)
	return h.Handler.Handle(ctx, r)
}

func (h requestHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(as)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
