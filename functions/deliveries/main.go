// Command deliveries is the webhook deliveries queue's Lambda function: SQS
// calls it with a batch of messages, each one delivery of one event to one
// webhook, and it makes each (hooks.Deliver). A delivery to make again later
// is put back for that long (the message's visibility changed, at most 12
// hours at a time) and reported as the batch's failure, so SQS keeps it;
// the rest are done, and SQS deletes them.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/queue/sqsqueue"
)

// deliverer is what the function needs of the webhooks' use cases.
type deliverer interface {
	Deliver(ctx context.Context, m queue.Message) (retryIn time.Duration, err error)
}

func main() {
	f, err := build(context.Background())
	if err != nil {
		slog.Error("start", "error", err)
		os.Exit(1)
	}
	f.tel.Start(lambda.NewHandler(f.handle))
}

// function is what the function runs on: the webhooks' use cases, the
// queue to put messages back on, and where it reports.
type function struct {
	hooks deliverer
	queue queue.Queue
	tel   *awsapp.Telemetry
	log   *slog.Logger
}

// build makes the use cases once per process (cold start).
func build(ctx context.Context) (*function, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, q, tel, err := awsapp.Deliveries(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &function{hooks: a.Hooks, queue: q, tel: tel, log: a.Service.Log}, nil
}

// handle makes each delivery of the batch and reports the messages to keep
// (SQS's partial batch response: template.yaml's ReportBatchItemFailures).
func (f *function) handle(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var res events.SQSEventResponse
	for _, r := range e.Records {
		if !f.deliver(ctx, r) {
			res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return res, nil
}

// deliver makes one delivery and says whether its message is done with.
func (f *function) deliver(ctx context.Context, r events.SQSMessage) (done bool) {
	m, err := sqsqueue.FromRecord(r)
	if err != nil {
		f.log.ErrorContext(ctx, "webhook delivery message unreadable: dropped", "sqsMessage", r.MessageId, "error", err)
		return true
	}
	retryIn, err := f.hooks.Deliver(ctx, m)
	switch {
	case errors.Is(err, queue.ErrMalformed):
		f.log.ErrorContext(ctx, "webhook delivery message unreadable: dropped", "message", m.ID, "error", err)
		return true
	case err != nil:
		f.log.WarnContext(ctx, "webhook delivery not decided: to be received again", "message", m.ID, "retryIn", retryIn, "error", err)
	}
	if retryIn <= 0 {
		// Without a time of its own, an undecided delivery comes back
		// after the queue's visibility timeout.
		return err == nil
	}
	if err := f.queue.Retry(ctx, m.Handle, min(retryIn, queue.MaxDelay)); err != nil {
		f.log.WarnContext(ctx, "webhook delivery message not put back: it comes back after the visibility timeout", "message", m.ID, "error", err)
	}
	return false
}
