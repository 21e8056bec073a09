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
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

func main() {
	f, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	f.tel.Start(lambda.NewHandler(f.handle))
}

// function is what the function runs on: the files' use cases, and where it
// reports.
type function struct {
	svc uploads
	tel *awsapp.Telemetry
	log *slog.Logger
}

// build makes the use cases once per process (cold start): no token
// verifier, which only the API function needs.
func build(ctx context.Context) (*function, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, tel, err := awsapp.Events(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &function{svc: a.Files, tel: tel, log: a.Service.Log}, nil
}

// uploads is what the function needs of the files' use cases.
type uploads interface {
	UploadArrived(ctx context.Context, bucket, key string) error
	UploadState(ctx context.Context, key string) (string, error)
}

// handle validates each created object, each a job with its outcome
// reported; an error makes Lambda retry the event.
func (f *function) handle(ctx context.Context, e events.S3Event) error {
	return f.tel.Jobs(ctx, f.log, telemetry.JobUploadValidation, e, f.svc.UploadArrived, f.svc.UploadState)
}
