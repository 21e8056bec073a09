// Package sqsqueue implements the queue port on an Amazon SQS standard
// queue.
//
// A message's body is the SQS message's body; its ID travels as the
// message attribute "id" (SQS names a message with an ID of its own);
// Received is SQS's ApproximateReceiveCount, and the handle SQS's receipt
// handle. The visibility timeout is the queue's (template.yaml sets it).
// SQS counts time in whole seconds: a delay is rounded up, so that a
// message is never due sooner than asked, and so is a wait.
package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/regional-data-exchange/rdx/shared/queue"
)

// IDAttribute is the message attribute that carries a message's ID.
const IDAttribute = "id"

// SQS's limits: messages a receive returns, and its longest wait.
const (
	maxReceive = 10
	maxWait    = 20 * time.Second
)

// Queue is a queue.Queue on one SQS queue.
type Queue struct {
	client *sqs.Client
	url    string
}

var _ queue.Queue = (*Queue)(nil)

// New returns the queue at url. The caller configures client (from
// Lambda's AWS config, or NewLocalClient for a stand-in), so this package
// never reads credentials or environment itself.
func New(client *sqs.Client, url string) *Queue { return &Queue{client: client, url: url} }

// Send implements queue.Queue.
func (q *Queue) Send(ctx context.Context, m queue.Message, delay time.Duration) error {
	if err := queue.Check(m); err != nil {
		return err
	}
	if err := queue.CheckDelay(delay, queue.MaxSendDelay); err != nil {
		return err
	}
	_, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:     aws.String(q.url),
		MessageBody:  aws.String(string(m.Body)),
		DelaySeconds: seconds(delay),
		MessageAttributes: map[string]types.MessageAttributeValue{
			IDAttribute: {DataType: aws.String("String"), StringValue: aws.String(m.ID)},
		},
	})
	if err != nil {
		return fmt.Errorf("sqsqueue: send %q: %w", m.ID, err)
	}
	return nil
}

// Receive implements queue.Queue: one long poll of up to 20 seconds at a
// time, and again until wait is over.
func (q *Queue) Receive(ctx context.Context, most int, wait time.Duration) ([]queue.Message, error) {
	if most < 1 {
		return nil, fmt.Errorf("%w: receive at most %d messages", queue.ErrInvalid, most)
	}
	deadline := time.Now().Add(wait)
	for {
		poll := min(max(time.Until(deadline), 0), maxWait)
		out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(q.url),
			MaxNumberOfMessages:         int32(min(most, maxReceive)),
			WaitTimeSeconds:             seconds(poll),
			MessageAttributeNames:       []string{IDAttribute},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("sqsqueue: receive: %w", err)
		}
		if len(out.Messages) > 0 {
			msgs := make([]queue.Message, 0, len(out.Messages))
			for _, sm := range out.Messages {
				m, err := message(aws.ToString(sm.Body), sm.MessageAttributes[IDAttribute].StringValue,
					sm.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)], aws.ToString(sm.ReceiptHandle))
				if err != nil {
					return nil, err
				}
				msgs = append(msgs, m)
			}
			return msgs, nil
		}
		if !time.Now().Before(deadline) {
			return nil, nil
		}
	}
}

// Ack implements queue.Queue.
func (q *Queue) Ack(ctx context.Context, handle string) error {
	if handle == "" {
		return fmt.Errorf("%w: no handle", queue.ErrInvalid)
	}
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(handle)})
	if err != nil {
		return fmt.Errorf("sqsqueue: ack: %w", err)
	}
	return nil
}

// Retry implements queue.Queue: the message's visibility timeout becomes
// delay from now.
func (q *Queue) Retry(ctx context.Context, handle string, delay time.Duration) error {
	if handle == "" {
		return fmt.Errorf("%w: no handle", queue.ErrInvalid)
	}
	if err := queue.CheckDelay(delay, queue.MaxDelay); err != nil {
		return err
	}
	if err := ChangeVisibility(ctx, q.client, q.url, handle, delay); err != nil {
		return fmt.Errorf("sqsqueue: retry: %w", err)
	}
	return nil
}

// ChangeVisibility hides the received message handle names for delay from
// now (rounded up to a second; at most queue.MaxDelay), as Retry does; the
// Lambda function that SQS gives messages to calls it for the messages it
// reports as failed.
func ChangeVisibility(ctx context.Context, client *sqs.Client, url, handle string, delay time.Duration) error {
	_, err := client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(url), ReceiptHandle: aws.String(handle),
		VisibilityTimeout: seconds(min(delay, queue.MaxDelay)),
	})
	return err
}

// FromRecord is the message a record of an SQS event (what Lambda gives a
// function that SQS calls) carries; a record that did not come from Send
// is queue.ErrMalformed.
func FromRecord(r events.SQSMessage) (queue.Message, error) {
	return message(r.Body, r.MessageAttributes[IDAttribute].StringValue,
		r.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)], r.ReceiptHandle)
}

func message(body string, id *string, count, handle string) (queue.Message, error) {
	received, err := strconv.Atoi(count)
	switch {
	case id == nil || *id == "":
		err = errors.New("no id attribute")
	case err != nil || received < 1:
		err = fmt.Errorf("receive count %q", count)
	}
	if err != nil {
		return queue.Message{}, fmt.Errorf("sqsqueue: %w: %v", queue.ErrMalformed, err)
	}
	return queue.Message{ID: *id, Body: []byte(body), Received: received, Handle: handle}, nil
}

// seconds is d in whole seconds, rounded up.
func seconds(d time.Duration) int32 {
	return int32(math.Ceil(d.Seconds()))
}
