// Command obligations is the Lambda function EventBridge Scheduler starts
// each morning (07:00 Europe/London): for every region configured, it
// appends the day's obligation.due and obligation.overdue events to the
// changes feed, each at most once however often it runs
// (shared/service/regionview's ObligationEventsToday).
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
)

// days is what the function needs of the region's view.
type days interface {
	ObligationEventsToday(ctx context.Context) ([]regionview.ObligationRun, error)
}

func main() {
	svc, tel, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	tel.Start(lambda.NewHandler(func(ctx context.Context, in json.RawMessage) error { return handle(ctx, svc, in) }))
}

// build makes the use cases once per process (cold start): no token
// verifier, which only the API function needs.
func build(ctx context.Context) (days, *awsapp.Telemetry, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, tel, err := awsapp.Events(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return a.RegionView, tel, nil
}

// handle runs the day once per schedule's invocation, whatever its input.
// A failure is returned, so the schedule's retry runs it again; the events
// given before the failure are not given twice.
func handle(ctx context.Context, svc days, _ json.RawMessage) error {
	_, err := svc.ObligationEventsToday(ctx)
	return err
}
