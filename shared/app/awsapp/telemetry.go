package awsapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	lambdadetector "go.opentelemetry.io/contrib/detectors/aws/lambda"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
	"github.com/regional-data-exchange/rdx/shared/telemetry/traceexport"
)

// Telemetry is a function's: spans exported as OTEL_TRACES_EXPORTER says
// (traceexport), metrics written as EMF lines to stdout when METRICS=emf.
//
// The X-Ray pieces are OpenTelemetry's contrib modules for AWS: the
// propagator reads the trace header Lambda hands each invocation, and the
// id generator makes trace ids X-Ray accepts for traces begun here. Upstream
// marked the propagator's module deprecated in 2026 for want of an owner;
// the header's format is fixed, and the module is pinned.
type Telemetry struct {
	telemetry.Telemetry
	provider *sdktrace.TracerProvider // nil when spans are not exported
}

// NewTelemetry builds a function's telemetry from its environment; spans
// printed by the console exporter and metrics go to stdout.
func NewTelemetry(ctx context.Context, e Env, stdout io.Writer) (*Telemetry, error) {
	t := &Telemetry{}
	if e.Metrics {
		t.Metrics = telemetry.NewMetrics(stdout, e.Function)
	}
	if e.Traces == "" || e.Traces == traceexport.None {
		return t, nil
	}
	// The function's name, version and memory, as OpenTelemetry names them;
	// off Lambda (its only error) there are none.
	res, _ := lambdadetector.NewResourceDetector().Detect(ctx)
	res, err := resource.Merge(res, resource.NewSchemaless(semconv.ServiceName(e.Function)))
	if err != nil {
		return nil, err
	}
	tp, err := traceexport.New(ctx, e.Traces, stdout, res, sdktrace.WithIDGenerator(xray.NewIDGenerator()))
	if err != nil {
		return nil, err
	}
	t.provider, t.Traces = tp, tp
	return t, nil
}

// Shutdown sends the spans not yet sent.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t.provider == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// Wrap instruments a function's handler: each invocation is a span
// (otellambda's), the child of the trace Lambda began for it (its X-Ray
// segment), and its spans are sent before Lambda freezes the environment;
// its context carries Lambda's request id for the logs.
func (t *Telemetry) Wrap(h lambda.Handler) lambda.Handler {
	if t.provider != nil {
		h = otellambda.WrapHandler(h, otellambda.WithTracerProvider(t.provider), otellambda.WithFlusher(t.provider),
			// The parent is put in the context by invocation, below.
			otellambda.WithPropagator(propagation.NewCompositeTextMapPropagator()))
	}
	return invocation{next: h}
}

// Start runs the function's handler on Lambda, sending what spans are left
// when Lambda stops the environment.
func (t *Telemetry) Start(h lambda.Handler) {
	lambda.StartWithOptions(t.Wrap(h), lambda.WithEnableSIGTERM(func() { t.Shutdown(context.Background()) }))
}

// traceHeader is the context key under which aws-lambda-go passes the
// invocation's X-Ray trace header (it also sets _X_AMZN_TRACE_ID, which is
// the process's, not the invocation's).
const traceHeader = "x-amzn-trace-id"

type invocation struct{ next lambda.Handler }

// Invoke puts Lambda's request id and the trace Lambda began (as the remote
// parent of what follows) in the context. Even with no spans exported the
// log lines then carry X-Ray's trace id.
func (i invocation) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		ctx = logx.WithLambdaRequestID(ctx, lc.AwsRequestID)
	}
	if h, _ := ctx.Value(traceHeader).(string); h != "" {
		ctx = xray.Propagator{}.Extract(ctx, propagation.MapCarrier{"X-Amzn-Trace-Id": h})
	}
	return i.next.Invoke(ctx, payload)
}

// Gateway serves API Gateway HTTP API (payload v2) events with h, as the
// local server serves requests; each request's context carries API
// Gateway's request id (its access log's requestId) for the logs.
func Gateway(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	proxy := httpadapter.NewV2(h).ProxyWithContext
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return proxy(logx.WithGatewayRequestID(ctx, e.RequestContext.RequestID), e)
	}
}

// Jobs runs an S3 event's objects, in order, as background jobs of one
// kind (telemetry.Job): each in a span of its own, its outcome (state's
// answer for its key) logged and counted. The first failure stops it and is
// returned, so that Lambda retries the event.
func (t *Telemetry) Jobs(ctx context.Context, log *slog.Logger, job string, e events.S3Event,
	run func(ctx context.Context, bucket, key string) error, state func(ctx context.Context, key string) (string, error)) error {
	return EachObject(ctx, e, func(ctx context.Context, bucket, key string) error {
		return t.Job(ctx, log, job, key, func(ctx context.Context) error { return run(ctx, bucket, key) }, state)
	})
}
