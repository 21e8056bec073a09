// Package traceexport builds the tracer provider a process exports its
// spans through, as OTEL_TRACES_EXPORTER (OpenTelemetry's own setting) names
// it: "otlp", "console" or "none".
//
// On Lambda the choice is "otlp": OTLP over HTTP (JSON) to the AWS Distro for
// OpenTelemetry collector that template.yaml adds to each function as a
// layer (localhost:4318), which sends the spans on to X-Ray. That is
// AWS's documented route for Go, and the sound one here: the function's
// flush at the end of each invocation is a call on loopback, not a signed
// request across the network (X-Ray's own OTLP endpoint needs SigV4 and a
// round trip to the region on every invocation), and no exporter of our own
// is needed for the X-Ray daemon's UDP protocol, for which OpenTelemetry has
// no Go exporter. Locally (make run) the default is "none"; "console" writes
// the spans to stderr.
package traceexport

import (
	"context"
	"fmt"
	"io"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The exporters OTEL_TRACES_EXPORTER may name.
const (
	None    = "none"
	Console = "console"
	OTLP    = "otlp"
)

// CollectorEndpoint is where the collector layer listens for OTLP over HTTP;
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the
// whole URL), when set, wins.
const CollectorEndpoint = "http://localhost:4318"

// Check says whether name is an exporter New knows ("" is None).
func Check(name string) error {
	switch name {
	case "", None, Console, OTLP:
		return nil
	}
	return fmt.Errorf("OTEL_TRACES_EXPORTER: %q is none of %s, %s, %s", name, None, Console, OTLP)
}

// New builds the tracer provider for the named exporter, or nil for None.
// Spans are batched and sent when the provider is flushed (on Lambda, at
// the end of each invocation) or shut down. console writes to w.
//
// Sampling follows the parent: on Lambda the parent is the invocation's
// X-Ray segment, so X-Ray's sampling rules decide, and a request either
// has its whole trace or none of it.
func New(ctx context.Context, name string, console io.Writer, res *resource.Resource, opts ...sdktrace.TracerProviderOption) (*sdktrace.TracerProvider, error) {
	if err := Check(name); err != nil {
		return nil, err
	}
	var exp sdktrace.SpanExporter
	var err error
	switch name {
	case "", None:
		return nil, nil
	case Console:
		exp, err = stdouttrace.New(stdouttrace.WithWriter(console))
	case OTLP:
		exp, err = newOTLPJSON()
	}
	if err != nil {
		return nil, fmt.Errorf("trace exporter %s: %w", name, err)
	}
	base := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exp), sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample()))}
	if res != nil {
		base = append(base, sdktrace.WithResource(res))
	}
	return sdktrace.NewTracerProvider(append(base, opts...)...), nil
}
