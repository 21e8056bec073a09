package sqsqueue_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/queue/queuetest"
	"github.com/regional-data-exchange/rdx/shared/queue/sqsqueue"
)

func TestMain(m *testing.M) { standins.Main(m) }

const visibility = time.Second

// newQueue makes a queue of the test's own in goaws.
func newQueue(t *testing.T) queue.Queue {
	t.Helper()
	srv := standins.GoAWS(t)
	client := standins.SQSClient(srv.Endpoint)
	url, err := sqsqueue.CreateQueue(t.Context(), client, "rdx-"+strings.ToLower(rand.Text()[:12]), visibility)
	if err != nil {
		t.Fatal(err)
	}
	return sqsqueue.New(client, url)
}

func TestConformance(t *testing.T) {
	queuetest.Run(t, queuetest.Adapter{
		New:        newQueue,
		Visibility: visibility,
		// goaws makes a message whose visibility timeout ran out visible
		// again in a sweep once a second.
		Late: time.Second,
		Skip: map[string]string{
			"ReceivedCounts": "goaws v0.4.5 answers ApproximateReceiveCount as NumberOfReceives+1 and never counts a receipt " +
				"(app/gosqs/gosqs.go, getMessageResult), so every receipt says 1; SQS counts them",
		},
	})
}

// TestFromRecord reads a message from the record Lambda gives a function
// that SQS calls, as Send made it.
func TestFromRecord(t *testing.T) {
	id := "hook-1/42"
	r := events.SQSMessage{
		MessageId: "sqs's own id", ReceiptHandle: "handle", Body: `{"seq":42}`,
		Attributes:        map[string]string{"ApproximateReceiveCount": "3"},
		MessageAttributes: map[string]events.SQSMessageAttribute{sqsqueue.IDAttribute: {StringValue: &id, DataType: "String"}},
	}
	m, err := sqsqueue.FromRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != id || string(m.Body) != `{"seq":42}` || m.Received != 3 || m.Handle != "handle" {
		t.Errorf("FromRecord = %+v", m)
	}
	noID := r
	noID.MessageAttributes = nil
	badCount := r
	badCount.Attributes = map[string]string{"ApproximateReceiveCount": "x"}
	for name, r := range map[string]events.SQSMessage{"no id": noID, "no count": badCount} {
		if _, err := sqsqueue.FromRecord(r); !errors.Is(err, queue.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}
