// Command uploads is the uploads bucket's Lambda function: S3 ObjectCreated
// events, each object handed to the same upload processing the local server
// runs in-process.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/service/files"
)

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
func build(ctx context.Context) (*files.Service, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, err := awsapp.Events(cfg)
	if err != nil {
		return nil, err
	}
	return a.Files, nil
}

// uploads is what the function needs of the files' use cases.
type uploads interface {
	UploadArrived(ctx context.Context, bucket, key string) error
}

// handle processes each created object; an error makes Lambda retry the event.
func handle(ctx context.Context, svc uploads, e events.S3Event) error {
	return awsapp.EachObject(ctx, e, svc.UploadArrived)
}
