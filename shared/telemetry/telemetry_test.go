package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

// traced is a Telemetry whose spans land in memory and whose metrics in a
// buffer.
func traced(t *testing.T) (telemetry.Telemetry, *tracetest.InMemoryExporter, *bytes.Buffer) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	var metrics bytes.Buffer
	return telemetry.Telemetry{Traces: tp, Metrics: telemetry.NewMetrics(&metrics, "rdx-api")}, exp, &metrics
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, a := range s.Attributes {
		m[a.Key] = a.Value
	}
	return m
}

func spanNamed(t *testing.T, exp *tracetest.InMemoryExporter, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range exp.GetSpans() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %s among %v", name, exp.GetSpans())
	return tracetest.SpanStub{}
}

// Each table call is a client span under the caller's, naming the backend,
// the table, the operation and the partition; a read of nothing is not a
// failure, a throttled call is, and is counted.
func TestTableCalls(t *testing.T) {
	tel, exp, metrics := traced(t)
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	plan := faults.NewPlan().Inject(faults.Nth(faults.Query, 1), faults.Fault{Kind: faults.Throttle})
	table := tel.Table(plan.Table(bolt), "bbolt", "rdx.db")

	ctx, parent := tel.Tracer().Start(context.Background(), "GET /v1/me")
	ctx = logx.WithRequestID(ctx, "01REQUEST")
	if err := table.Transact(ctx, store.PutOp(store.Item{PK: "P#a", SK: "1", Version: 1, Data: []byte("{}")}, store.IfNotExists()),
		store.PutOp(store.Item{PK: "P#a", SK: "2", Version: 1, Data: []byte("{}")}, store.IfNotExists())); err != nil {
		t.Fatal(err)
	}
	if _, err := table.Get(ctx, "P#a", "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := table.Query(ctx, store.Query{PK: "P#a"}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("the throttle did not reach the caller: %v", err)
	}
	if page, err := table.Query(ctx, store.Query{PK: "P#a"}); err != nil || len(page.Items) != 2 {
		t.Fatal(page, err)
	}
	parent.End()

	spans := exp.GetSpans()
	if len(spans) != 5 {
		t.Fatalf("%d spans: %v", len(spans), spans)
	}
	for _, s := range spans[:4] {
		if s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s is not the request's child", s.Name)
		}
		a := attrs(s)
		if a["db.system.name"].AsString() != "bbolt" || a["db.collection.name"].AsString() != "rdx.db" || a[telemetry.AttrPartition].AsString() != "P#a" {
			t.Errorf("%s: %v", s.Name, s.Attributes)
		}
	}
	want := []struct {
		name, op, outcome string
		failed            bool
	}{{"store.Transact", "Transact", "ok", false}, {"store.Get", "Get", "not-found", false},
		{"store.Query", "Query", "throttled", true}, {"store.Query", "Query", "ok", false}}
	for i, w := range want {
		s, a := spans[i], attrs(spans[i])
		if s.Name != w.name || a["db.operation.name"].AsString() != w.op || a[telemetry.AttrOutcome].AsString() != w.outcome ||
			(s.Status.Code == codes.Error) != w.failed {
			t.Errorf("span %d: %s %v %v, want %+v", i, s.Name, s.Attributes, s.Status, w)
		}
	}
	if a := attrs(spans[0]); a["db.operation.batch.size"].AsInt64() != 2 {
		t.Errorf("transaction size: %v", spans[0].Attributes)
	}
	if a := attrs(spans[3]); a["db.response.returned_rows"].AsInt64() != 2 {
		t.Errorf("rows: %v", spans[3].Attributes)
	}
	// One throttle: one metric line, with the request's ids.
	lines := strings.Split(strings.TrimSpace(metrics.String()), "\n")
	var m map[string]any
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &m) != nil {
		t.Fatalf("metrics: %q", metrics.String())
	}
	if m[telemetry.MetricStoreThrottles] != 1.0 || m["Store"] != "table" || m["Operation"] != "Query" || m["Function"] != "rdx-api" ||
		m[logx.KeyRequestID] != "01REQUEST" || m[logx.KeyTraceID] != parent.SpanContext().TraceID().String() {
		t.Errorf("throttle metric: %v", m)
	}
}

// Each bucket call is a span naming the bucket and the key.
func TestBlobCalls(t *testing.T) {
	tel, exp, _ := traced(t)
	fb, err := fileblob.New(t.TempDir(), "http://127.0.0.1", bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	b := tel.Blobs(fb, "rdx-submissions")
	ctx := context.Background()
	if err := blob.PutBytes(ctx, b, "documents/a", []byte("hello"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(ctx, "documents/missing"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatal(err)
	}
	put, stat := spanNamed(t, exp, "blob.Put"), spanNamed(t, exp, "blob.Stat")
	if a := attrs(put); a[telemetry.AttrBucket].AsString() != "rdx-submissions" || a[telemetry.AttrKey].AsString() != "documents/a" ||
		a[telemetry.AttrSize].AsInt64() != 5 || a[telemetry.AttrOutcome].AsString() != "ok" {
		t.Errorf("put: %v", put.Attributes)
	}
	if a := attrs(stat); a[telemetry.AttrOutcome].AsString() != "not-found" || stat.Status.Code == codes.Error {
		t.Errorf("stat: %v %v", stat.Attributes, stat.Status)
	}
}

// A job is a span of its own with the state it left its item in; a failed
// job is an error span, logged at error, counted as a retry.
func TestJobs(t *testing.T) {
	tel, exp, metrics := traced(t)
	var logs bytes.Buffer
	log := logx.New(&logs, slog.LevelInfo)
	ctx := logx.WithLambdaRequestID(context.Background(), "lambda-1")
	state := func(context.Context, string) (string, error) { return "accepted", nil }
	if err := tel.Job(ctx, log, telemetry.JobUploadValidation, "uploads/a", func(context.Context) error { return nil }, state); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("store busy")
	if err := tel.Job(ctx, log, telemetry.JobUploadValidation, "uploads/b", func(context.Context) error { return boom }, state); err != boom {
		t.Fatalf("the job's error was not returned: %v", err)
	}
	spans := exp.GetSpans()
	if len(spans) != 2 || spans[0].Name != "job.upload-validation" {
		t.Fatalf("spans %v", spans)
	}
	if a := attrs(spans[0]); a[telemetry.AttrOutcome].AsString() != "accepted" || a[telemetry.AttrKey].AsString() != "uploads/a" {
		t.Errorf("accepted: %v", spans[0].Attributes)
	}
	if a := attrs(spans[1]); a[telemetry.AttrOutcome].AsString() != telemetry.OutcomeRetry || spans[1].Status.Code != codes.Error {
		t.Errorf("failed: %v %v", spans[1].Attributes, spans[1].Status)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["outcome"] != "accepted" || lines[1]["level"] != "ERROR" || lines[1]["outcome"] != "retry" ||
		lines[0][logx.KeyLambdaRequestID] != "lambda-1" || lines[0][logx.KeyTraceID] != spans[0].SpanContext.TraceID().String() {
		t.Errorf("logs: %s", logs.String())
	}
	for i, outcome := range []string{"accepted", "retry"} {
		var m map[string]any
		json.Unmarshal([]byte(strings.Split(metrics.String(), "\n")[i]), &m)
		if m[telemetry.MetricJobs] != 1.0 || m["Job"] != telemetry.JobUploadValidation || m["Outcome"] != outcome {
			t.Errorf("metric %d: %v", i, m)
		}
	}
}

// The zero Telemetry leaves the ports as they are: nothing is wrapped.
func TestZeroReportsNothing(t *testing.T) {
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	if got := (telemetry.Telemetry{}).Table(bolt, "bbolt", "rdx.db"); got != store.Table(bolt) {
		t.Errorf("the table was wrapped: %T", got)
	}
}
