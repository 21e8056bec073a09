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
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

// builder is what the function needs of the exports' use cases.
type builder interface {
	RunExport(ctx context.Context, jobKey string) error
	ExportState(ctx context.Context, jobKey string) (string, error)
}

func main() {
	f, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	f.tel.Start(lambda.NewHandler(f.handle))
}

// function is what the function runs on: the exports' use cases, and where
// it reports.
type function struct {
	svc builder
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
	return &function{svc: a.Exports, tel: tel, log: a.Service.Log}, nil
}

// handle builds each export whose job arrived, each a job with its outcome
// reported; an error makes Lambda retry.
func (f *function) handle(ctx context.Context, e events.S3Event) error {
	return f.tel.Jobs(ctx, f.log, telemetry.JobExportBuild, e,
		func(ctx context.Context, _, key string) error { return f.svc.RunExport(ctx, key) }, f.svc.ExportState)
}
