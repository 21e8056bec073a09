package telemetry

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// The attributes of a store or blob call beside OpenTelemetry's own.
const (
	// AttrOutcome is how the call ended: "ok", or what kind of error
	// (Outcome), so that a not-found a reader expected is told apart from a
	// failure in the trace.
	AttrOutcome = attribute.Key("rdx.outcome")
	// AttrPartition is a table call's partition key (PK).
	AttrPartition = attribute.Key("rdx.store.partition")
	// AttrBucket, AttrKey and AttrSize describe a blob call.
	AttrBucket = attribute.Key("rdx.blob.bucket")
	AttrKey    = attribute.Key("rdx.blob.key")
	AttrSize   = attribute.Key("rdx.blob.size")
)

// Outcome names how a store or blob call ended.
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, store.ErrNotFound), errors.Is(err, blob.ErrNotFound):
		return "not-found"
	case errors.Is(err, store.ErrConditionFailed):
		return "condition-failed"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, blob.ErrUnavailable):
		return "throttled"
	case errors.Is(err, store.ErrInvalid):
		return "invalid"
	}
	return "error"
}

// Table wraps a table so that each call is a span, named store.<Op>, under
// the caller's, and each throttled call is counted. system is the backend
// (semconv's db.system.name: "aws.dynamodb"; "bbolt"), name the table's.
func (t Telemetry) Table(st store.Table, system, name string) store.Table {
	if t.Traces == nil && t.Metrics == nil {
		return st
	}
	return &table{next: st, t: t, tracer: t.Tracer(), attrs: []attribute.KeyValue{
		semconv.DBSystemNameKey.String(system), semconv.DBCollectionName(name)}}
}

type table struct {
	next   store.Table
	t      Telemetry
	tracer trace.Tracer
	attrs  []attribute.KeyValue
}

func (s *table) start(ctx context.Context, op, pk string, more ...attribute.KeyValue) (context.Context, trace.Span) {
	attrs := append(append([]attribute.KeyValue{semconv.DBOperationName(op)}, s.attrs...), more...)
	if pk != "" {
		attrs = append(attrs, AttrPartition.String(pk))
	}
	return s.tracer.Start(ctx, "store."+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// end closes a call's span with its outcome: an error the caller expects
// (not found, a condition that did not hold) is not a failed span.
func end(ctx context.Context, t Telemetry, span trace.Span, store, op string, err error) {
	outcome := Outcome(err)
	span.SetAttributes(AttrOutcome.String(outcome))
	switch outcome {
	case "ok", "not-found", "condition-failed":
	default:
		span.RecordError(err)
		span.SetStatus(codes.Error, outcome)
		span.SetAttributes(semconv.ErrorTypeKey.String(outcome))
	}
	if outcome == "throttled" {
		t.Metrics.StoreThrottle(ctx, store, op)
	}
	span.End()
}

func (s *table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	ctx, span := s.start(ctx, "Get", pk)
	it, err := s.next.Get(ctx, pk, sk)
	end(ctx, s.t, span, "table", "Get", err)
	return it, err
}

func (s *table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	ctx, span := s.start(ctx, "Query", q.PK)
	page, err := s.next.Query(ctx, q)
	span.SetAttributes(semconv.DBResponseReturnedRows(len(page.Items)), attribute.Bool("rdx.store.more", page.Next != ""))
	end(ctx, s.t, span, "table", "Query", err)
	return page, err
}

func (s *table) Transact(ctx context.Context, ops ...store.Op) error {
	pk := ""
	if len(ops) > 0 {
		pk = ops[0].Item.PK
	}
	ctx, span := s.start(ctx, "Transact", pk, semconv.DBOperationBatchSize(len(ops)))
	err := s.next.Transact(ctx, ops...)
	end(ctx, s.t, span, "table", "Transact", err)
	return err
}
