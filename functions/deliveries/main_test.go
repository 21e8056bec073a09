package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/queue/sqsqueue"
)

func TestMain(m *testing.M) { standins.Main(m) }

// fakeHooks answers each message ID as told.
type fakeHooks struct {
	mu      sync.Mutex
	got     []queue.Message
	answers map[string]answer
}

type answer struct {
	retryIn time.Duration
	err     error
}

func (f *fakeHooks) Deliver(_ context.Context, m queue.Message) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, m)
	a := f.answers[m.ID]
	return a.retryIn, a.err
}

// fakeQueue records what is put back.
type fakeQueue struct {
	queue.Queue
	retried map[string]time.Duration
}

func (q *fakeQueue) Retry(_ context.Context, handle string, d time.Duration) error {
	q.retried[handle] = d
	return nil
}

func newFunction(h deliverer, q queue.Queue) *function {
	return &function{hooks: h, queue: q, tel: &awsapp.Telemetry{}, log: slog.New(slog.DiscardHandler)}
}

func event(t *testing.T) events.SQSEvent {
	t.Helper()
	data, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.SQSEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func failed(res events.SQSEventResponse) []string {
	var ids []string
	for _, f := range res.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// A batch as Lambda hands it: the first two messages go to the webhooks
// with their receive counts (the second's, more than three days of
// back-off explain, is the webhooks' to give up: hooks.MaxReceives); the
// third did not come from the queue's Send, so it is dropped without a
// delivery.
func TestBatch(t *testing.T) {
	h := &fakeHooks{}
	res, err := newFunction(h, &fakeQueue{retried: map[string]time.Duration{}}).handle(t.Context(), event(t))
	if err != nil {
		t.Fatal(err)
	}
	if ids := failed(res); len(ids) != 0 {
		t.Errorf("reported failed: %v, want none", ids)
	}
	if len(h.got) != 2 || h.got[1].Received != 26 {
		t.Fatalf("delivered %+v, want the first two, with their receive counts", h.got)
	}
	m := h.got[0]
	if m.ID != "01M82N0000HOOKEXAMPLE/42" || m.Received != 1 || m.Handle != "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" ||
		string(m.Body) != `{"region":"west-wales","webhookId":"01M82N0000HOOKEXAMPLE","seq":42}` {
		t.Errorf("delivered %+v", m)
	}
}

// A delivery to make again later is put back for that long (at most 12
// hours) and reported failed, so SQS keeps it; one whose outcome was not
// decided is reported failed too; an unreadable body is dropped.
func TestRetries(t *testing.T) {
	e := event(t)
	e.Records = e.Records[:1]
	for name, tt := range map[string]struct {
		answer
		failed    bool
		putBackBy time.Duration
	}{
		"delivered":         {answer{0, nil}, false, 0},
		"again in 5 min":    {answer{5 * time.Minute, nil}, true, 5 * time.Minute},
		"again in 2 days":   {answer{48 * time.Hour, nil}, true, queue.MaxDelay},
		"store error":       {answer{30 * time.Second, errors.New("throttled")}, true, 30 * time.Second},
		"error, no time":    {answer{0, errors.New("throttled")}, true, 0},
		"unreadable body":   {answer{0, queue.ErrMalformed}, false, 0},
		"unreadable, later": {answer{time.Minute, queue.ErrMalformed}, false, 0},
	} {
		t.Run(name, func(t *testing.T) {
			q := &fakeQueue{retried: map[string]time.Duration{}}
			h := &fakeHooks{answers: map[string]answer{"01M82N0000HOOKEXAMPLE/42": tt.answer}}
			res, err := newFunction(h, q).handle(t.Context(), e)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(failed(res)) == 1; got != tt.failed {
				t.Errorf("reported failed: %v, want %v", failed(res), tt.failed)
			}
			if got := q.retried[e.Records[0].ReceiptHandle]; got != tt.putBackBy {
				t.Errorf("put back for %v, want %v", got, tt.putBackBy)
			}
		})
	}
}

// On an SQS queue (goaws), a message the function reports failed after
// putting it back stays hidden until then, and one it reports done is not
// put back (SQS deletes it; the partial batch response leaves it alone).
func TestPutBackOnQueue(t *testing.T) {
	srv := standins.GoAWS(t)
	client := standins.SQSClient(srv.Endpoint)
	url, err := sqsqueue.CreateQueue(t.Context(), client, "rdx-deliveries-"+strings.ToLower(rand.Text()[:10]), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	q := sqsqueue.New(client, url)
	if err := q.Send(t.Context(), queue.Message{ID: "hook/1", Body: []byte(`{"seq":1}`)}, 0); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Receive(t.Context(), 1, 5*time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("received %d, %v", len(msgs), err)
	}
	// The record Lambda makes of the message.
	id := msgs[0].ID
	rec := events.SQSMessage{MessageId: "sqs-id", ReceiptHandle: msgs[0].Handle, Body: string(msgs[0].Body),
		Attributes:        map[string]string{"ApproximateReceiveCount": "1"},
		MessageAttributes: map[string]events.SQSMessageAttribute{sqsqueue.IDAttribute: {StringValue: &id, DataType: "String"}}}
	h := &fakeHooks{answers: map[string]answer{"hook/1": {retryIn: 2 * time.Second}}}
	putBack := time.Now()
	res, err := newFunction(h, q).handle(t.Context(), events.SQSEvent{Records: []events.SQSMessage{rec}})
	if err != nil || len(failed(res)) != 1 {
		t.Fatalf("reported failed %v, %v; want the message", failed(res), err)
	}
	again, err := q.Receive(t.Context(), 1, 10*time.Second)
	if err != nil || len(again) != 1 || again[0].ID != "hook/1" {
		t.Fatalf("after the put back received %v, %v", again, err)
	}
	if got := time.Since(putBack); got < 2*time.Second || got > 8*time.Second {
		t.Errorf("put back for 2s (the queue's timeout is 30s), received again after %v", got)
	}
}

// The function starts with the settings template.yaml gives it, and
// refuses to start without the queue or the key the secrets are sealed
// under. (Nothing is called at start, so nothing listens at the endpoints.)
func TestStarts(t *testing.T) {
	vars := map[string]string{"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions", "RECEIPT_KEY_ID": "alias/rdx-receipts",
		"DELIVERIES_QUEUE_URL": "http://127.0.0.1:9/111122223333/rdx-deliveries", "CURSOR_KEY": strings.Repeat("k", 32)}
	standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", vars)
	if _, err := build(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
	for _, missing := range []string{"DELIVERIES_QUEUE_URL", "CURSOR_KEY"} {
		t.Setenv(missing, "")
		if _, err := build(t.Context()); err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: %v", missing, err)
		}
		t.Setenv(missing, vars[missing])
	}
}
