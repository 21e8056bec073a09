package traceexport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// otlpJSON exports spans as OTLP over HTTP in its JSON encoding, which the
// collector takes beside protobuf. It is ours, not
// OpenTelemetry's otlptracehttp, because the protobuf runtime and OTLP's
// generated code (and with otlptracehttp, gRPC) made each function's binary
// 25-28 MiB instead of 15 and its cold start about 50 ms longer
// (infra/bench's cold scenario). The encoding is OTLP's own JSON mapping
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids
// as hex, 64-bit integers as decimal strings, enums as numbers.
type otlpJSON struct {
	url    string
	client *http.Client
}

// exportTimeout bounds one post to the collector beside the function.
const exportTimeout = 5 * time.Second

// tracesSignal is the path the OTLP/HTTP specification appends, relative,
// to a collector's base URL for spans: the collector's, not a route of
// this service.
const tracesSignal = "v1/traces"

// newOTLPJSON posts to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as given), or
// to the traces signal under OTEL_EXPORTER_OTLP_ENDPOINT or the collector
// layer's endpoint.
func newOTLPJSON() (*otlpJSON, error) {
	target := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if target == "" {
		var err error
		if target, err = url.JoinPath(envOr("OTEL_EXPORTER_OTLP_ENDPOINT", CollectorEndpoint), tracesSignal); err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
		}
	}
	return &otlpJSON{url: target, client: &http.Client{Timeout: exportTimeout}}, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func (*otlpJSON) Shutdown(context.Context) error { return nil }

func (e *otlpJSON) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	body, err := json.Marshal(encodeSpans(spans))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("collector at %s answered %s: %s", e.url, res.Status, msg)
	}
	return nil
}

// The OTLP JSON documents (ExportTraceServiceRequest and what it holds).
type (
	exportRequest struct {
		ResourceSpans []resourceSpans `json:"resourceSpans"`
	}
	resourceSpans struct {
		Resource   otlpResource `json:"resource"`
		ScopeSpans []scopeSpans `json:"scopeSpans"`
		SchemaURL  string       `json:"schemaUrl,omitempty"`
	}
	otlpResource struct {
		Attributes []keyValue `json:"attributes"`
	}
	scopeSpans struct {
		Scope     otlpScope  `json:"scope"`
		Spans     []otlpSpan `json:"spans"`
		SchemaURL string     `json:"schemaUrl,omitempty"`
	}
	otlpScope struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	otlpSpan struct {
		TraceID           string      `json:"traceId"`
		SpanID            string      `json:"spanId"`
		TraceState        string      `json:"traceState,omitempty"`
		ParentSpanID      string      `json:"parentSpanId,omitempty"`
		Flags             uint32      `json:"flags,omitempty"`
		Name              string      `json:"name"`
		Kind              int         `json:"kind"`
		StartTimeUnixNano string      `json:"startTimeUnixNano"`
		EndTimeUnixNano   string      `json:"endTimeUnixNano"`
		Attributes        []keyValue  `json:"attributes,omitempty"`
		Dropped           uint32      `json:"droppedAttributesCount,omitempty"`
		Events            []otlpEvent `json:"events,omitempty"`
		Links             []otlpLink  `json:"links,omitempty"`
		Status            otlpStatus  `json:"status"`
	}
	otlpEvent struct {
		TimeUnixNano string     `json:"timeUnixNano"`
		Name         string     `json:"name"`
		Attributes   []keyValue `json:"attributes,omitempty"`
	}
	otlpLink struct {
		TraceID    string     `json:"traceId"`
		SpanID     string     `json:"spanId"`
		TraceState string     `json:"traceState,omitempty"`
		Attributes []keyValue `json:"attributes,omitempty"`
	}
	otlpStatus struct {
		Code    int    `json:"code,omitempty"`
		Message string `json:"message,omitempty"`
	}
	keyValue struct {
		Key   string   `json:"key"`
		Value anyValue `json:"value"`
	}
	anyValue struct {
		String *string     `json:"stringValue,omitempty"`
		Bool   *bool       `json:"boolValue,omitempty"`
		Int    *string     `json:"intValue,omitempty"`
		Double *float64    `json:"doubleValue,omitempty"`
		Array  *arrayValue `json:"arrayValue,omitempty"`
	}
	arrayValue struct {
		Values []anyValue `json:"values"`
	}
)

// encodeSpans groups spans by resource and instrumentation scope, as OTLP
// does.
func encodeSpans(spans []sdktrace.ReadOnlySpan) exportRequest {
	type scopeKey struct {
		res   *resource.Resource
		scope instrumentation.Scope
	}
	var req exportRequest
	resIndex := map[*resource.Resource]int{}
	scopeIndex := map[scopeKey]int{}
	for _, s := range spans {
		ri, ok := resIndex[s.Resource()]
		if !ok {
			ri = len(req.ResourceSpans)
			resIndex[s.Resource()] = ri
			req.ResourceSpans = append(req.ResourceSpans, resourceSpans{
				Resource: otlpResource{Attributes: keyValues(s.Resource().Attributes())}, SchemaURL: s.Resource().SchemaURL()})
		}
		k := scopeKey{s.Resource(), s.InstrumentationScope()}
		si, ok := scopeIndex[k]
		if !ok {
			si = len(req.ResourceSpans[ri].ScopeSpans)
			scopeIndex[k] = si
			req.ResourceSpans[ri].ScopeSpans = append(req.ResourceSpans[ri].ScopeSpans, scopeSpans{
				Scope: otlpScope{Name: k.scope.Name, Version: k.scope.Version}, SchemaURL: k.scope.SchemaURL})
		}
		ss := &req.ResourceSpans[ri].ScopeSpans[si]
		ss.Spans = append(ss.Spans, encodeSpan(s))
	}
	return req
}

func encodeSpan(s sdktrace.ReadOnlySpan) otlpSpan {
	sc := s.SpanContext()
	out := otlpSpan{
		TraceID: sc.TraceID().String(), SpanID: sc.SpanID().String(), TraceState: sc.TraceState().String(),
		Flags: uint32(sc.TraceFlags()), Name: s.Name(), Kind: int(s.SpanKind()),
		StartTimeUnixNano: nanos(s.StartTime()), EndTimeUnixNano: nanos(s.EndTime()),
		Attributes: keyValues(s.Attributes()), Dropped: uint32(s.DroppedAttributes()),
	}
	if p := s.Parent(); p.SpanID().IsValid() {
		out.ParentSpanID = p.SpanID().String()
	}
	for _, e := range s.Events() {
		out.Events = append(out.Events, otlpEvent{TimeUnixNano: nanos(e.Time), Name: e.Name, Attributes: keyValues(e.Attributes)})
	}
	for _, l := range s.Links() {
		out.Links = append(out.Links, otlpLink{TraceID: l.SpanContext.TraceID().String(), SpanID: l.SpanContext.SpanID().String(),
			TraceState: l.SpanContext.TraceState().String(), Attributes: keyValues(l.Attributes)})
	}
	// OTLP's status codes: 0 unset, 1 ok, 2 error (OpenTelemetry Go's
	// codes.Code numbers them otherwise).
	switch st := s.Status(); st.Code {
	case codes.Ok:
		out.Status = otlpStatus{Code: 1}
	case codes.Error:
		out.Status = otlpStatus{Code: 2, Message: st.Description}
	}
	return out
}

func nanos(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func keyValues(attrs []attribute.KeyValue) []keyValue {
	out := make([]keyValue, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, keyValue{Key: string(a.Key), Value: value(a.Value)})
	}
	return out
}

func value(v attribute.Value) anyValue {
	str := func(s string) anyValue { return anyValue{String: &s} }
	integer := func(i int64) anyValue { s := strconv.FormatInt(i, 10); return anyValue{Int: &s} }
	double := func(f float64) anyValue { return anyValue{Double: &f} }
	boolean := func(b bool) anyValue { return anyValue{Bool: &b} }
	array := func(n int, at func(int) anyValue) anyValue {
		vs := make([]anyValue, n)
		for i := range vs {
			vs[i] = at(i)
		}
		return anyValue{Array: &arrayValue{Values: vs}}
	}
	switch v.Type() {
	case attribute.BOOL:
		return boolean(v.AsBool())
	case attribute.INT64:
		return integer(v.AsInt64())
	case attribute.FLOAT64:
		return double(v.AsFloat64())
	case attribute.BOOLSLICE:
		s := v.AsBoolSlice()
		return array(len(s), func(i int) anyValue { return boolean(s[i]) })
	case attribute.INT64SLICE:
		s := v.AsInt64Slice()
		return array(len(s), func(i int) anyValue { return integer(s[i]) })
	case attribute.FLOAT64SLICE:
		s := v.AsFloat64Slice()
		return array(len(s), func(i int) anyValue { return double(s[i]) })
	case attribute.STRINGSLICE:
		s := v.AsStringSlice()
		return array(len(s), func(i int) anyValue { return str(s[i]) })
	}
	return str(v.Emit())
}
