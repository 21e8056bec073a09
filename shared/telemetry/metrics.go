package telemetry

import (
	"context"
	"io"
	"time"

	"github.com/regional-data-exchange/rdx/shared/emf"
	"github.com/regional-data-exchange/rdx/shared/logx"
)

// Namespace is the CloudWatch namespace of the service's metrics;
// template.yaml's alarms and dashboard read them there.
const Namespace = "RegionalDataExchange"

// The metrics, and their dimensions. template.yaml names them too (a test
// there holds it to these).
const (
	MetricRequests       = "Requests"       // one per request
	MetricErrors4xx      = "Errors4xx"      // 1 when the answer was 4xx (a client that hung up is 499)
	MetricErrors5xx      = "Errors5xx"      // 1 when the answer was 5xx
	MetricUnavailable    = "Unavailable"    // 1 when the answer was 503 (throttled, busy, or retries ran out)
	MetricLatency        = "Latency"        // milliseconds from the request's arrival to its answer
	MetricStoreThrottles = "StoreThrottles" // one per store or blob call refused as throttled or unavailable
	MetricJobs           = "Jobs"           // one per background job run, by its outcome
	MetricJobDuration    = "JobDuration"    // milliseconds a job ran

	DimFunction = "Function" // the Lambda function (AWS_LAMBDA_FUNCTION_NAME), "local" locally
	DimRoute    = "Route"    // the route's pattern, "GET /v1/regions/{region}"; "unmatched" for a 404 of no route
	DimStore    = "Store"    // "table" or "blob"
	DimJob      = "Job"      // JobUploadValidation or JobExportBuild
	DimOutcome  = "Outcome"  // the state the job left its item in, or "retry" when it failed and will run again
)

// Metrics writes the service's metrics as EMF lines. Its methods do nothing
// on a nil *Metrics.
type Metrics struct {
	w        *emf.Writer
	function string
}

// NewMetrics writes to w (a Lambda function's stdout) for the named function.
func NewMetrics(w io.Writer, function string) *Metrics {
	return &Metrics{w: emf.New(w), function: function}
}

// WithClock stamps the metrics with now (tests).
func (m *Metrics) WithClock(now func() time.Time) *Metrics { m.w.WithClock(now); return m }

// write writes one document with the ids of ctx beside its fields, so a
// metric's line finds the request's logs and trace. A metric that cannot be
// written is dropped: metrics never fail the work they measure.
func (m *Metrics) write(ctx context.Context, fields map[string]any, d emf.Directive) {
	fields[DimFunction] = m.function
	for _, a := range logx.IDs(ctx) {
		fields[a.Key] = a.Value.String()
	}
	d.Namespace = Namespace
	_ = m.w.Write(fields, d)
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Request counts one answered request of route, by its status and latency.
func (m *Metrics) Request(ctx context.Context, route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.write(ctx, map[string]any{DimRoute: route, "Method": method, "Status": status}, emf.Directive{
		Dimensions: [][]string{{DimFunction}, {DimFunction, DimRoute}},
		Metrics: []emf.Metric{
			{Name: MetricRequests, Unit: emf.Count, Value: 1},
			{Name: MetricErrors4xx, Unit: emf.Count, Value: flag(status >= 400 && status < 500)},
			{Name: MetricErrors5xx, Unit: emf.Count, Value: flag(status >= 500)},
			{Name: MetricUnavailable, Unit: emf.Count, Value: flag(status == 503)},
			{Name: MetricLatency, Unit: emf.Milliseconds, Value: float64(took.Microseconds()) / 1000},
		},
	})
}

// StoreThrottle counts one call to the table or a bucket ("table", "blob")
// that the store refused as throttled or unavailable.
func (m *Metrics) StoreThrottle(ctx context.Context, store, op string) {
	if m == nil {
		return
	}
	m.write(ctx, map[string]any{DimStore: store, "Operation": op}, emf.Directive{
		Dimensions: [][]string{{DimFunction}, {DimFunction, DimStore}},
		Metrics:    []emf.Metric{{Name: MetricStoreThrottles, Unit: emf.Count, Value: 1}},
	})
}

// Job counts one run of a background job by its outcome.
func (m *Metrics) Job(ctx context.Context, job, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.write(ctx, map[string]any{DimJob: job, DimOutcome: outcome}, emf.Directive{
		Dimensions: [][]string{{DimFunction, DimJob}, {DimFunction, DimJob, DimOutcome}},
		Metrics: []emf.Metric{
			{Name: MetricJobs, Unit: emf.Count, Value: 1},
			{Name: MetricJobDuration, Unit: emf.Milliseconds, Value: float64(took.Microseconds()) / 1000},
		},
	})
}
