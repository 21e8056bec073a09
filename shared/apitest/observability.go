package apitest

// What an operator sees: readiness that reads the store while liveness does
// not; each request a span named by its route, with the store calls under
// it; log lines and metrics that carry the request's ids, its route and its
// caller; and a client that hangs up logged as cancelled, not as a failure.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

// observed rebuilds e's API with its spans kept in memory and its metrics in
// a buffer.
func observed(t *testing.T, e *Env) (*tracetest.InMemoryExporter, *syncBuffer) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	metrics := &syncBuffer{}
	e.cfg.Telemetry = telemetry.Telemetry{Traces: tp, Metrics: telemetry.NewMetrics(metrics, "rdx-api")}
	e.build(e.Backend)
	return exp, metrics
}

// jsonLines decodes the lines that mention substr.
func jsonLines(t *testing.T, b *syncBuffer, substr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range b.Lines(substr) {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

func spanAttrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, a := range s.Attributes {
		m[a.Key] = a.Value
	}
	return m
}

// requestLine is the request's own log line ("msg":"request").
func requestLine(t *testing.T, e *Env, id string) map[string]any {
	t.Helper()
	for _, m := range jsonLines(t, e.Logs, id) {
		if m["msg"] == "request" {
			return m
		}
	}
	t.Fatalf("no request line for %s in %s", id, e.Logs.String())
	return nil
}

func testReadiness(t *testing.T, e *Env) {
	r := e.Get("/v1/health/ready", "")
	expectStatus(t, r, 200)
	if r.JSON(t)["status"] != "ready" {
		t.Errorf("ready: %s", r.Body)
	}
	// A store that throttles, or a bucket that fails: not ready, 503 with
	// Retry-After, logged as a warning; liveness reads nothing and stays ok.
	for _, f := range []struct {
		name string
		when faults.Match
		kind faults.Kind
	}{{"throttled table", faults.On(faults.Get), faults.Throttle}, {"failing bucket", faults.On(faults.BlobStat), faults.Fail}} {
		t.Run(f.name, func(t *testing.T) {
			plan := faults.NewPlan()
			plan.Inject(f.when, faults.Fault{Kind: f.kind})
			faulty := WithFaults(t, e.Backend, plan)
			r := faulty.Get("/v1/health/ready", "")
			expectStatus(t, r, 503)
			if r.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			line := requestLine(t, faulty, r.Header.Get("X-Request-Id"))
			if line["level"] != "WARN" || line["status"] != 503.0 || line["route"] != "GET /v1/health/ready" {
				t.Errorf("request line %v", line)
			}
			calls := len(plan.Calls())
			expectStatus(t, faulty.Get("/v1/health", ""), 200)
			if len(plan.Calls()) != calls {
				t.Error("liveness read the store")
			}
		})
	}
}

func testObservability(t *testing.T, e *Env) {
	exp, metrics := observed(t, e)
	tok := e.PartnerToken(WW, Carm)
	r := e.Get(SlicePath(WW, Carm)+"/quarterly-returns", tok)
	expectStatus(t, r, 200)
	id := r.Header.Get("X-Request-Id")
	const route = "GET /v1/regions/{region}/partners/{partner}/quarterly-returns"
	const sub = "test-" + Carm + WW

	// The request's span: named by its route, with the status, the caller and
	// the request id; the store calls under it.
	var req tracetest.SpanStub
	var children []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == route {
			req = s
		}
	}
	if req.Name == "" {
		t.Fatalf("no span %s among %v", route, exp.GetSpans())
	}
	for _, s := range exp.GetSpans() {
		if s.Parent.SpanID() == req.SpanContext.SpanID() {
			children = append(children, s)
		}
	}
	a := spanAttrs(req)
	if a["http.route"].AsString() != "/v1/regions/{region}/partners/{partner}/quarterly-returns" || a["http.response.status_code"].AsInt64() != 200 ||
		a["user.id"].AsString() != sub || a[telemetry.AttrPartition].Type() != attribute.INVALID || a["rdx.request_id"].AsString() != id ||
		a["http.request.method"].AsString() != "GET" || req.Status.Code == codes.Error {
		t.Errorf("request span %v", req.Attributes)
	}
	if len(children) == 0 {
		t.Fatal("no store call under the request's span")
	}
	for _, c := range children {
		ca := spanAttrs(c)
		if !strings.HasPrefix(c.Name, "store.") && !strings.HasPrefix(c.Name, "blob.") || ca[telemetry.AttrOutcome].AsString() == "" {
			t.Errorf("child %s %v", c.Name, c.Attributes)
		}
		if strings.HasPrefix(c.Name, "store.") && (ca["db.collection.name"].AsString() == "" || ca["db.operation.name"].AsString() != strings.TrimPrefix(c.Name, "store.")) {
			t.Errorf("store span %s %v", c.Name, c.Attributes)
		}
	}

	// The request's log line: its route, its caller, its ids, the trace's.
	line := requestLine(t, e, id)
	if line["route"] != route || line["sub"] != sub || line["status"] != 200.0 || line["level"] != "INFO" ||
		line[logx.KeyTraceID] != req.SpanContext.TraceID().String() || line[logx.KeySpanID] != req.SpanContext.SpanID().String() {
		t.Errorf("request line %v", line)
	}

	// Its metric: one EMF line by route, with the same ids.
	ms := jsonLines(t, metrics, id)
	if len(ms) != 1 || ms[0][telemetry.DimRoute] != route || ms[0][telemetry.MetricRequests] != 1.0 || ms[0]["Status"] != 200.0 ||
		ms[0][telemetry.MetricErrors5xx] != 0.0 || ms[0][logx.KeyTraceID] != req.SpanContext.TraceID().String() {
		t.Errorf("metric lines %v", ms)
	}

	// No route: one "unmatched" route, whatever the path, so that the metrics
	// by route stay few; no caller.
	r = e.Get("/v1/nowhere/"+id, "")
	expectStatus(t, r, 404)
	line = requestLine(t, e, r.Header.Get("X-Request-Id"))
	if line["route"] != "unmatched" || line["sub"] != nil {
		t.Errorf("unrouted line %v", line)
	}
}

func testHangUp(t *testing.T, e *Env) {
	// The client is gone before the store is read: the work fails on the
	// cancelled context, and what it turned into (500 or 503) is not what
	// the logs, the metrics or the span say.
	exp, metrics := observed(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, QRPath, nil)
	req.Header.Set("Authorization", "Bearer "+e.PartnerToken(WW, Carm))
	rec := httptest.NewRecorder()
	e.App.Handler.ServeHTTP(rec, req)
	id := rec.Header().Get("X-Request-Id")
	line := requestLine(t, e, id)
	if line["status"] != 499.0 || line["cancelled"] != true || line["level"] != "INFO" {
		t.Errorf("request line %v", line)
	}
	for _, m := range jsonLines(t, e.Logs, id) {
		if m["level"] == "ERROR" || m["level"] == "WARN" {
			t.Errorf("a hang-up logged as a failure: %v", m)
		}
	}
	if ms := jsonLines(t, metrics, id); len(ms) != 1 || ms[0]["Status"] != 499.0 || ms[0][telemetry.MetricErrors5xx] != 0.0 {
		t.Errorf("metric %v", ms)
	}
	for _, s := range exp.GetSpans() {
		if s.Name == "GET "+"/v1/regions/{region}/partners/{partner}/quarterly-returns/{fundId}/{quarter}" {
			if a := spanAttrs(s); !a[httpapi.AttrCancelled].AsBool() || s.Status.Code == codes.Error {
				t.Errorf("span %v %v", s.Attributes, s.Status)
			}
			return
		}
	}
	t.Errorf("no request span among %v", exp.GetSpans())
}
