// Command exports is the exports bucket's Lambda function: each job object
// (jobs/{exportId}) that the API writes starts the build of that export, so
// a large export never runs against the API's 29-second limit.
package main

import (
	"context"
	"fmt"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the workbook writer: this process builds exports
	"log/slog"
	"net/url"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
)

// builder is what the function needs of the service.
type builder interface {
	RunExport(ctx context.Context, jobKey string) error
}

func main() {
	svc, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, e events.S3Event) error { return handle(ctx, svc, e) })
}

func build(ctx context.Context) (builder, error) {
	a, err := awsapp.FromEnv(ctx)
	if err != nil {
		return nil, err
	}
	return a.Service, nil
}

// handle builds each export whose job arrived; an error makes Lambda retry.
func handle(ctx context.Context, svc builder, e events.S3Event) error {
	for _, r := range e.Records {
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return fmt.Errorf("object key %q: %w", r.S3.Object.Key, err)
		}
		if err := svc.RunExport(ctx, key); err != nil {
			return fmt.Errorf("export job %s: %w", key, err)
		}
	}
	return nil
}
