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
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
)

func main() {
	handler, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// build makes the handler once per process (cold start), never per request.
func build(ctx context.Context) (func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, err := awsapp.API(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return httpadapter.NewV2(a.Handler).ProxyWithContext, nil
}
