package traceexport

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// With "otlp" the spans reach the collector's /v1/traces as OTLP JSON, as
// the collector reads it: hex ids, the parent named, kinds and status codes
// as OTLP numbers them, 64-bit integers as strings, the resource once.
func TestOTLPReachesTheCollector(t *testing.T) {
	var got struct {
		path, contentType string
		body              []byte
	}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.contentType = r.URL.Path, r.Header.Get("Content-Type")
		got.body, _ = io.ReadAll(r.Body)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	tp, err := New(t.Context(), OTLP, io.Discard, resource.NewSchemaless(attribute.String("service.name", "rdx-api")))
	if err != nil {
		t.Fatal(err)
	}
	tr := tp.Tracer("rdx")
	ctx, parent := tr.Start(t.Context(), "GET /v1/me", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.Int("http.response.status_code", 503), attribute.StringSlice("tags", []string{"a", "b"})))
	_, child := tr.Start(ctx, "store.Get", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attribute.Bool("rdx.store.more", true)))
	child.SetStatus(codes.Error, "throttled")
	child.End()
	parent.End()
	if err := tp.ForceFlush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got.path != "/v1/traces" || got.contentType != "application/json" {
		t.Fatalf("posted %q as %q", got.path, got.contentType)
	}
	var req struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []map[string]any
			}
			ScopeSpans []struct {
				Scope map[string]string
				Spans []map[string]any
			}
		}
	}
	if err := json.Unmarshal(got.body, &req); err != nil {
		t.Fatal(err)
	}
	if len(req.ResourceSpans) != 1 || len(req.ResourceSpans[0].ScopeSpans) != 1 {
		t.Fatalf("grouping: %s", got.body)
	}
	if !bytes.Contains(got.body, []byte(`{"key":"service.name","value":{"stringValue":"rdx-api"}}`)) {
		t.Errorf("resource: %s", got.body)
	}
	spans := req.ResourceSpans[0].ScopeSpans[0].Spans
	if req.ResourceSpans[0].ScopeSpans[0].Scope["name"] != "rdx" || len(spans) != 2 {
		t.Fatalf("spans: %s", got.body)
	}
	c, p := spans[0], spans[1]
	sc := parent.SpanContext()
	if p["traceId"] != sc.TraceID().String() || p["spanId"] != sc.SpanID().String() || c["parentSpanId"] != sc.SpanID().String() {
		t.Errorf("ids: parent %v, child %v", p, c)
	}
	if p["kind"] != 2.0 || c["kind"] != 3.0 || p["name"] != "GET /v1/me" {
		t.Errorf("kinds: %v %v", p["kind"], c["kind"])
	}
	if st := c["status"].(map[string]any); st["code"] != 2.0 || st["message"] != "throttled" {
		t.Errorf("status %v", st)
	}
	if _, ok := p["startTimeUnixNano"].(string); !ok {
		t.Errorf("times must be strings: %v", p["startTimeUnixNano"])
	}
	for _, want := range []string{`{"key":"http.response.status_code","value":{"intValue":"503"}}`,
		`{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}}`,
		`{"key":"rdx.store.more","value":{"boolValue":true}}`} {
		if !bytes.Contains(got.body, []byte(want)) {
			t.Errorf("no %s in %s", want, got.body)
		}
	}
}

// A collector that refuses the spans is an error the SDK reports.
func TestCollectorRefusal(t *testing.T) {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad payload", http.StatusBadRequest)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.URL+"/v1/traces")
	spans := tracetest.SpanStubs{{Name: "x"}}.Snapshots()
	exp, err := newOTLPJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(t.Context(), spans); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("refusal: %v", err)
	}
}

// Off by default and for "none"; anything else unknown is refused.
func TestChoice(t *testing.T) {
	for _, name := range []string{"", None} {
		if tp, err := New(t.Context(), name, io.Discard, nil); tp != nil || err != nil {
			t.Errorf("%q: %v %v", name, tp, err)
		}
	}
	if _, err := New(t.Context(), "jaeger", io.Discard, nil); err == nil {
		t.Error("jaeger accepted")
	}
}
