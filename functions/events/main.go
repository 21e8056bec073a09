// Command events is the Lambda function the table's DynamoDB stream
// starts: each event of a region's changes feed as it is committed (an
// INSERT of an EV#{region} item) is handed to the webhooks' Dispatch,
// which queues one delivery per webhook that subscribes to it. At least
// once: a repeat queues the same message ids.
//
// The event source mapping's filter passes only those INSERTs; the code
// checks again. A record whose dispatch fails is reported as the batch's
// first failure (ReportBatchItemFailures): Lambda retries from it, halving
// the batch on error, a bounded number of times, and then sends the
// record's place in the stream to the on-failure queue (template.yaml).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/hooks"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostream"
)

// dispatcher is what the function needs of the webhooks
// (shared/service/hooks): a batch's Dispatch.
type dispatcher interface {
	Dispatch(ctx context.Context, region string, ev service.Event) error
}

func main() {
	h, log, tel, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	tel.Start(lambda.NewHandler(func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return handle(ctx, h.Batch(), log, e), nil // the batch's events are committed: each region's webhooks read once
	}))
}

// build makes the use cases once per process (cold start): no token
// verifier, which only the API function needs.
func build(ctx context.Context) (*hooks.Hooks, *slog.Logger, *awsapp.Telemetry, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	a, tel, err := awsapp.Events(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return a.Hooks, a.Service.Log, tel, nil
}

// handle dispatches the batch's events in stream order. At the first that
// fails it stops and reports that record: Lambda takes the batch again
// from there, so nothing after it is skipped and nothing before it is
// sent again.
func handle(ctx context.Context, d dispatcher, log *slog.Logger, e events.DynamoDBEvent) events.DynamoDBEventResponse {
	res := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	for _, rec := range e.Records {
		region, ev, ok, err := decode(rec)
		if err == nil && ok {
			err = d.Dispatch(ctx, region, ev)
		}
		if err != nil {
			log.ErrorContext(ctx, "dispatch event", "sequenceNumber", rec.Change.SequenceNumber, "error", err)
			res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			return res
		}
	}
	return res
}

// decode is the feed's event a stream record inserted, and its region;
// false for every other record (another item, a change or a removal,
// such as the expiry's).
func decode(rec events.DynamoDBEventRecord) (region string, ev service.Event, ok bool, err error) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
		return "", ev, false, nil
	}
	pk := rec.Change.Keys["PK"]
	if pk.DataType() != events.DataTypeString {
		return "", ev, false, nil
	}
	region, ok = strings.CutPrefix(pk.String(), service.EventPK(""))
	if !ok || region == "" {
		return "", ev, false, nil
	}
	it, err := dynamostream.Item(rec.Change.NewImage)
	if err != nil {
		return "", ev, false, err
	}
	if ev, err = service.Decode[service.Event](it); err != nil {
		return "", ev, false, fmt.Errorf("event %s/%s: %w", it.PK, it.SK, err)
	}
	return region, ev, true, nil
}
