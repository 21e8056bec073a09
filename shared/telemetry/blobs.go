package telemetry

import (
	"context"
	"io"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/regional-data-exchange/rdx/shared/blob"
)

// Blobs wraps a bucket so that each call is a span, named blob.<Op>, and
// each throttled call is counted. A Get's span ends when the object is
// opened, not when its body has been read.
func (t Telemetry) Blobs(b blob.Store, bucket string) blob.Store {
	if t.Traces == nil && t.Metrics == nil {
		return b
	}
	return &blobs{next: b, t: t, tracer: t.Tracer(), bucket: AttrBucket.String(bucket)}
}

type blobs struct {
	next   blob.Store
	t      Telemetry
	tracer trace.Tracer
	bucket attribute.KeyValue
}

func (b *blobs) start(ctx context.Context, op, key string, more ...attribute.KeyValue) (context.Context, trace.Span) {
	attrs := append([]attribute.KeyValue{b.bucket, AttrKey.String(key)}, more...)
	return b.tracer.Start(ctx, "blob."+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

func (b *blobs) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts blob.PutOptions) error {
	ctx, span := b.start(ctx, "Put", key, AttrSize.Int64(size))
	err := b.next.Put(ctx, key, body, size, opts)
	end(ctx, b.t, span, "blob", "Put", err)
	return err
}

func (b *blobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	ctx, span := b.start(ctx, "Get", key)
	rc, err := b.next.Get(ctx, key)
	end(ctx, b.t, span, "blob", "Get", err)
	return rc, err
}

func (b *blobs) Stat(ctx context.Context, key string) (blob.Info, error) {
	ctx, span := b.start(ctx, "Stat", key)
	info, err := b.next.Stat(ctx, key)
	span.SetAttributes(AttrSize.Int64(info.Size))
	end(ctx, b.t, span, "blob", "Stat", err)
	return info, err
}

func (b *blobs) PresignPut(ctx context.Context, key string, opts blob.PresignPutOptions) (blob.Presigned, error) {
	ctx, span := b.start(ctx, "PresignPut", key, AttrSize.Int64(opts.Size))
	p, err := b.next.PresignPut(ctx, key, opts)
	end(ctx, b.t, span, "blob", "PresignPut", err)
	return p, err
}

func (b *blobs) PresignGet(ctx context.Context, key string, expires time.Duration) (blob.Presigned, error) {
	ctx, span := b.start(ctx, "PresignGet", key)
	p, err := b.next.PresignGet(ctx, key, expires)
	end(ctx, b.t, span, "blob", "PresignGet", err)
	return p, err
}
