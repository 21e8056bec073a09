// Command sweeper is the scheduled Lambda function that finishes background
// work that stopped: an upload whose file never arrived or whose validation
// never finished, an export whose build never started or never finished,
// once Lambda's retries of its event are over. Each is failed with a reason,
// logged at error and counted (shared/service/sweeper).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/service/sweeper"
)

// sweeps is what the function needs of the sweep.
type sweeps interface {
	Sweep(ctx context.Context) (sweeper.Report, error)
}

func main() {
	svc, tel, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	tel.Start(lambda.NewHandler(func(ctx context.Context, e events.EventBridgeEvent) error { return handle(ctx, svc, e) }))
}

// build makes the use cases once per process (cold start): no token
// verifier, which only the API function needs.
func build(ctx context.Context) (sweeps, *awsapp.Telemetry, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, tel, err := awsapp.Events(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return a.Sweeper, tel, nil
}

// handle sweeps once per scheduled event. An item it could not look at is
// left for the next run (the schedule, not a retry of this event).
func handle(ctx context.Context, svc sweeps, _ events.EventBridgeEvent) error {
	_, err := svc.Sweep(ctx)
	return err
}
