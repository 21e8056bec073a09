// Command api is the API's Lambda function: API Gateway HTTP API (payload
// v2) events served by the same http.Handler as the local server.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
)

func main() {
	handler, tel, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	tel.Start(lambda.NewHandler(handler))
}

// build makes the handler once per process (cold start), never per request.
func build(ctx context.Context) (func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), *awsapp.Telemetry, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, tel, err := awsapp.API(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return awsapp.Gateway(a.Handler), tel, nil
}
