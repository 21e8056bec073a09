// Command exports is the exports bucket's Lambda function: each job object
// (jobs/{exportId}) that the API writes starts the build of that export, so
// a large export never runs against the API's 29-second limit.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the workbook writer: this process builds exports
)

// builder is what the function needs of the exports' use cases.
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

// build makes the use cases once per process (cold start): no token
// verifier, which only the API function needs.
func build(ctx context.Context) (builder, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, err := awsapp.Events(cfg)
	if err != nil {
		return nil, err
	}
	return a.Exports, nil
}

// handle builds each export whose job arrived; an error makes Lambda retry.
func handle(ctx context.Context, svc builder, e events.S3Event) error {
	return awsapp.EachObject(ctx, e, func(ctx context.Context, _, key string) error { return svc.RunExport(ctx, key) })
}
