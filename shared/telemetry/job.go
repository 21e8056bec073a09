package telemetry

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The background jobs.
const (
	JobUploadValidation = "upload-validation" // an uploaded file checked, and accepted as a version or rejected
	JobExportBuild      = "export-build"      // an export's files built and stored
)

// AttrJob names a job's kind on its span.
const AttrJob = attribute.Key("rdx.job")

// OutcomeRetry is a job's outcome when it failed: the platform runs it
// again (S3's event, retried by Lambda, then its failure destination).
const OutcomeRetry = "retry"

// Job runs one background job on the object key in a span of its own
// (job.<job>) and reports how it ended, in a log line and a metric: the
// state its item is left in, which state reads once run has returned (an
// upload accepted or rejected, an export ready or failed; one still
// validating or building is reported as such, not hidden), or OutcomeRetry
// when run failed. run's error is returned as it was.
func (t Telemetry) Job(ctx context.Context, log *slog.Logger, job, key string, run func(context.Context) error, state func(context.Context, string) (string, error)) error {
	start := time.Now()
	ctx, span := t.Tracer().Start(ctx, "job."+job, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(AttrJob.String(job), AttrKey.String(key)))
	defer span.End()
	err := run(ctx)
	outcome := OutcomeRetry
	if err == nil {
		var serr error
		if outcome, serr = state(ctx, key); serr != nil {
			outcome = "unknown"
			log.WarnContext(ctx, "read the job's outcome", "job", job, "key", key, "error", serr)
		}
	}
	took := time.Since(start)
	span.SetAttributes(AttrOutcome.String(outcome))
	attrs := []any{"job", job, "key", key, "outcome", outcome, "duration_ms", took.Milliseconds()}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, outcome)
		log.ErrorContext(ctx, "job failed", append(attrs, "error", err)...)
	} else {
		log.InfoContext(ctx, "job", attrs...)
	}
	t.Metrics.Job(ctx, job, outcome, took)
	return err
}
