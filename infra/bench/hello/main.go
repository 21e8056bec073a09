// Command hello is the cold-start floor: the smallest aws-lambda-go function
// that talks to DynamoDB and S3, built exactly as the functions are. At
// start it does what every function must before its first event: load the
// AWS configuration (config.LoadDefaultConfig) and build a DynamoDB and an
// S3 client; then it answers every event with 200.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
	clients := struct {
		ddb *dynamodb.Client
		s3  *s3.Client
	}{dynamodb.NewFromConfig(cfg), s3.NewFromConfig(cfg)}
	lambda.Start(func(context.Context, json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
		_ = clients // held, as a function holds its clients
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"status":"ok"}`}, nil
	})
}
