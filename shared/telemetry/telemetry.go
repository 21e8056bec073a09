// Package telemetry is what the service reports about itself, beside its
// logs: OpenTelemetry spans (a request's, each store and blob call's, each
// background job's) and CloudWatch metrics in the embedded metric format.
// The zero Telemetry reports nothing, at no cost: the local run and most
// tests use it.
//
// Where spans go is the composition root's choice (awsapp: OTLP to the
// collector beside the function; the local run: none, or stdout); this
// package only makes them, so it needs the OpenTelemetry API and none of its
// exporters.
package telemetry

import (
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Scope names this service's own spans (the instrumentation scope).
const Scope = "github.com/regional-data-exchange/rdx"

// Telemetry is where a process reports.
type Telemetry struct {
	// Traces makes the spans; nil makes none.
	Traces trace.TracerProvider
	// Metrics writes the metrics; nil writes none.
	Metrics *Metrics
}

// Tracing says whether spans are made.
func (t Telemetry) Tracing() bool { return t.Traces != nil }

// Tracer is the service's tracer (a no-op one when nothing is traced).
func (t Telemetry) Tracer() trace.Tracer {
	if t.Traces == nil {
		return noop.NewTracerProvider().Tracer(Scope)
	}
	return t.Traces.Tracer(Scope)
}
