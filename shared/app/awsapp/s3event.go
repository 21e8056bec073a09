package awsapp

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
)

// EachObject calls fn for each object of an S3 event, in order, with its
// bucket and its key decoded (S3 event keys are URL-encoded, spaces as
// '+'). The first error stops it and is returned, so that Lambda retries
// the event; work already done must be safe to repeat.
func EachObject(ctx context.Context, e events.S3Event, fn func(ctx context.Context, bucket, key string) error) error {
	for _, r := range e.Records {
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return fmt.Errorf("object key %q: %w", r.S3.Object.Key, err)
		}
		if err := fn(ctx, r.S3.Bucket.Name, key); err != nil {
			return fmt.Errorf("%s/%s: %w", r.S3.Bucket.Name, key, err)
		}
	}
	return nil
}
