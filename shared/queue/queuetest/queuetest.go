// Package queuetest checks that an adapter keeps the promises of the queue
// port (package queue), in the manner of testing/fstest: an adapter's own
// test calls Run with a constructor.
//
// The suite tests only what the port says, so the same tests hold for the
// embedded queue and for SQS. Every subtest has a queue of its own, so all
// of them run in parallel; durations are whole seconds, SQS's unit, and
// short, so that the suite takes seconds.
package queuetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/queue"
)

// Adapter is what the suite needs of an adapter.
type Adapter struct {
	// New returns an empty queue of the test's own whose visibility
	// timeout is Visibility.
	New func(t *testing.T) queue.Queue
	// Visibility is the queues' visibility timeout: a second or two.
	Visibility time.Duration
	// Late is how much later than due a message may come (a backend
	// that looks for messages falling due once a second: a second).
	Late time.Duration
	// Skip names the cases a stand-in cannot pass, each with the
	// stand-in's gap that it cannot pass for; a stand-in's only, never an
	// adapter's own.
	Skip map[string]string
}

// Run runs the suite. It returns only after every subtest has finished, so
// the caller may then release a shared backend.
func Run(t *testing.T, a Adapter) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, Adapter, queue.Queue)
	}{
		{"SendReceiveAck", testSendReceiveAck},
		{"Delay", testDelay},
		{"VisibilityTimeoutRedelivers", testVisibilityRedelivers},
		{"RetryWithDelay", testRetryWithDelay},
		{"ReceivedCounts", testReceivedCounts},
		{"AtMostMax", testAtMostMax},
		{"ConcurrentReceivers", testConcurrentReceivers},
		{"WaitReturnsOnSend", testWaitReturnsOnSend},
		{"WaitEnds", testWaitEnds},
		{"BodiesByteExact", testBodiesByteExact},
		{"Refused", testRefused},
		{"ManyMessages", testManyMessages},
	}
	// The group makes Run wait for the parallel subtests.
	t.Run("queuetest", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if why, ok := a.Skip[tt.name]; ok {
					t.Skip(why)
				}
				t.Parallel()
				tt.fn(t, a, a.New(t))
			})
		}
	})
}

// soon is how long a receive waits for a message that is due, or about to
// be: long enough for a slow machine, short of failing late.
const soon = 5 * time.Second

func testSendReceiveAck(t *testing.T, a Adapter, q queue.Queue) {
	ctx := t.Context()
	send(t, q, queue.Message{ID: "hook-1/42", Body: []byte(`{"region":"r","webhookId":"hook-1","seq":42}`)}, 0)
	m := receiveOne(t, q, soon)
	if m.ID != "hook-1/42" || string(m.Body) != `{"region":"r","webhookId":"hook-1","seq":42}` {
		t.Errorf("received %q %q, want the message sent", m.ID, m.Body)
	}
	if m.Received != 1 {
		t.Errorf("Received = %d on the first receipt, want 1", m.Received)
	}
	if m.Handle == "" {
		t.Error("no Handle")
	}
	if err := q.Ack(ctx, m.Handle); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	// Acknowledged, it does not come back after the visibility timeout.
	wantNone(t, q, a.Visibility+a.Late+time.Second)
}

func testDelay(t *testing.T, a Adapter, q queue.Queue) {
	const delay = 2 * time.Second
	start := time.Now()
	send(t, q, queue.Message{ID: "later", Body: []byte("later")}, delay)
	send(t, q, queue.Message{ID: "now", Body: []byte("now")}, 0)
	m := receiveOne(t, q, soon)
	if m.ID != "now" {
		t.Fatalf("first received %q, want the message sent without delay", m.ID)
	}
	if err := q.Ack(t.Context(), m.Handle); err != nil {
		t.Fatal(err)
	}
	m = receiveOne(t, q, delay+a.Late+soon)
	if got := time.Since(start); got < delay {
		t.Errorf("a message sent with a delay of %v received after %v", delay, got)
	}
	if m.ID != "later" || m.Received != 1 {
		t.Errorf("received %q (Received %d), want the delayed message the first time", m.ID, m.Received)
	}
}

func testVisibilityRedelivers(t *testing.T, a Adapter, q queue.Queue) {
	send(t, q, queue.Message{ID: "m", Body: []byte("work")}, 0)
	received := time.Now() // no later than the receipt
	first := receiveOne(t, q, soon)
	// Hidden while received: another receiver waiting half the timeout
	// gets nothing.
	wantNone(t, q, a.Visibility/2)
	again := receiveOne(t, q, a.Visibility+a.Late+soon)
	if got := time.Since(received); got < a.Visibility {
		t.Errorf("received again %v after the first receipt, before the visibility timeout of %v", got, a.Visibility)
	}
	if again.ID != "m" || string(again.Body) != "work" {
		t.Errorf("received %q %q again, want the same message", again.ID, again.Body)
	}
	if again.Handle == first.Handle {
		t.Error("the second receipt has the first one's handle")
	}
	if err := q.Ack(t.Context(), again.Handle); err != nil {
		t.Fatal(err)
	}
	wantNone(t, q, a.Visibility+a.Late+time.Second)
}

func testRetryWithDelay(t *testing.T, a Adapter, q queue.Queue) {
	ctx := t.Context()
	send(t, q, queue.Message{ID: "m", Body: []byte("work")}, 0)
	m := receiveOne(t, q, soon)
	// Put back for longer than the visibility timeout: it stays hidden
	// past the timeout, until the delay is over.
	delay := a.Visibility + 2*time.Second
	retried := time.Now() // no later than the Retry
	if err := q.Retry(ctx, m.Handle, delay); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	wantNone(t, q, a.Visibility+time.Second)
	again := receiveOne(t, q, delay+a.Late+soon)
	if got := time.Since(retried); got < delay {
		t.Errorf("put back for %v, received again after %v", delay, got)
	}
	if again.ID != "m" {
		t.Errorf("received %q, want the message put back", again.ID)
	}
	// Put back with no delay, it is due at once.
	if err := q.Retry(ctx, again.Handle, 0); err != nil {
		t.Fatalf("Retry with no delay: %v", err)
	}
	if m := receiveOne(t, q, a.Late+soon); m.ID != "m" {
		t.Errorf("received %q, want the message put back", m.ID)
	}
}

func testReceivedCounts(t *testing.T, a Adapter, q queue.Queue) {
	send(t, q, queue.Message{ID: "m", Body: []byte("work")}, 0)
	for want := 1; want <= 3; want++ {
		m := receiveOne(t, q, soon)
		if m.Received != want {
			t.Fatalf("receipt %d: Received = %d", want, m.Received)
		}
		if err := q.Retry(t.Context(), m.Handle, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The visibility timeout's redelivery counts too.
	m := receiveOne(t, q, soon)
	if m.Received != 4 {
		t.Fatalf("receipt 4: Received = %d", m.Received)
	}
	if m = receiveOne(t, q, a.Visibility+a.Late+soon); m.Received != 5 {
		t.Errorf("received again after the visibility timeout: Received = %d, want 5", m.Received)
	}
}

func testAtMostMax(t *testing.T, a Adapter, q queue.Queue) {
	for i := range 5 {
		send(t, q, queue.Message{ID: fmt.Sprint(i), Body: []byte("x")}, 0)
	}
	seen := map[string]bool{}
	deadline := time.Now().Add(soon)
	for len(seen) < 5 && time.Now().Before(deadline) {
		msgs := receive(t, q, 2, time.Second)
		if len(msgs) > 2 {
			t.Fatalf("Receive(max 2) returned %d messages", len(msgs))
		}
		for _, m := range msgs {
			seen[m.ID] = true
		}
	}
	if len(seen) != 5 {
		t.Errorf("received %d of 5 messages", len(seen))
	}
}

// testConcurrentReceivers has receivers take messages at once, each acking
// what it gets: none may get a message another one holds.
func testConcurrentReceivers(t *testing.T, a Adapter, q queue.Queue) {
	const n, receivers = 30, 6
	for i := range n {
		send(t, q, queue.Message{ID: fmt.Sprint(i), Body: []byte(fmt.Sprint("body ", i))}, 0)
	}
	var mu sync.Mutex
	got := map[string]int{}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range receivers {
		wg.Go(func() {
			for count() < n && ctx.Err() == nil {
				msgs, err := q.Receive(ctx, 3, 500*time.Millisecond)
				if err != nil {
					if ctx.Err() == nil {
						t.Error(err)
					}
					return
				}
				for _, m := range msgs {
					mu.Lock()
					got[m.ID]++
					mu.Unlock()
					if string(m.Body) != "body "+m.ID {
						t.Errorf("message %s has body %q", m.ID, m.Body)
					}
					if err := q.Ack(ctx, m.Handle); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(got) != n {
		t.Errorf("received %d of %d messages", len(got), n)
	}
	for id, k := range got {
		if k != 1 {
			t.Errorf("message %s received %d times", id, k)
		}
	}
}

func testWaitReturnsOnSend(t *testing.T, a Adapter, q queue.Queue) {
	const wait = 15 * time.Second
	type result struct {
		msgs []queue.Message
		err  error
		at   time.Time
	}
	done := make(chan result, 1)
	go func() {
		msgs, err := q.Receive(t.Context(), 1, wait)
		done <- result{msgs, err, time.Now()}
	}()
	time.Sleep(500 * time.Millisecond) // the receiver is waiting
	sent := time.Now()
	send(t, q, queue.Message{ID: "m", Body: []byte("woken")}, 0)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.msgs) != 1 || string(r.msgs[0].Body) != "woken" {
		t.Fatalf("a waiting Receive returned %d messages, want the one sent", len(r.msgs))
	}
	if got := r.at.Sub(sent); got > 2*time.Second {
		t.Errorf("a waiting Receive returned %v after the send", got)
	}
}

func testWaitEnds(t *testing.T, a Adapter, q queue.Queue) {
	const wait = time.Second
	start := time.Now()
	msgs := receive(t, q, 1, wait)
	if len(msgs) != 0 {
		t.Fatalf("received %d messages from an empty queue", len(msgs))
	}
	if got := time.Since(start); got > wait+3*time.Second {
		t.Errorf("Receive waiting %v returned after %v", wait, got)
	}
	// An ended context ends the wait.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := q.Receive(ctx, 1, 15*time.Second); err == nil {
		t.Error("Receive returned no error after its context ended")
	}
	if got := time.Since(start); got > 5*time.Second {
		t.Errorf("Receive returned %v after its context ended", got)
	}
}

// bodies are texts that a careless encoding would change.
var bodies = map[string][]byte{
	"json":        []byte(`{"region":"north","url":"https://example.org/a?b=1&c=2","note":"a \"quoted\" word"}`),
	"welsh":       []byte("Ŵyr ŷd: cyfraniadau’r gronfa — £1,234.56"),
	"astral":      []byte("emoji 🙂 and 𝄞 outside the basic plane"),
	"whitespace":  []byte("  leading and trailing, \r\n CR LF, \n LF, \r CR, \t tab  "),
	"markup":      []byte(`<a href="x">&amp; ]]> <![CDATA[ x ]]> &#x41;</a>`),
	"percent":     []byte("50% + 50% = 100%; a+b=c&d=e"),
	"replacement": []byte("U+FFFD itself: \uFFFD, and U+FFFD's neighbour \uFFFC"),
	"largest":     bytes.Repeat([]byte("0123456789abcdef"), queue.MaxBodySize/16),
}

func testBodiesByteExact(t *testing.T, a Adapter, q queue.Queue) {
	for name, body := range bodies {
		send(t, q, queue.Message{ID: "id " + name + " ✓", Body: body}, 0)
	}
	got := map[string][]byte{}
	deadline := time.Now().Add(2 * soon)
	for len(got) < len(bodies) && time.Now().Before(deadline) {
		for _, m := range receive(t, q, 10, time.Second) {
			got[m.ID] = m.Body
		}
	}
	for name, body := range bodies {
		b, ok := got["id "+name+" ✓"]
		switch {
		case !ok:
			t.Errorf("%s: not received (or its ID changed)", name)
		case !bytes.Equal(b, body):
			t.Errorf("%s: received %d bytes %.80q, sent %d bytes %.80q", name, len(b), b, len(body), body)
		}
	}
}

func testRefused(t *testing.T, a Adapter, q queue.Queue) {
	ctx := t.Context()
	ok := []byte("body")
	for _, tt := range []struct {
		name  string
		m     queue.Message
		delay time.Duration
	}{
		{"no ID", queue.Message{Body: ok}, 0},
		{"long ID", queue.Message{ID: strings.Repeat("i", queue.MaxIDSize+1), Body: ok}, 0},
		{"empty body", queue.Message{ID: "m", Body: []byte{}}, 0},
		{"body too large", queue.Message{ID: "m", Body: bytes.Repeat([]byte("b"), queue.MaxBodySize+1)}, 0},
		{"NUL", queue.Message{ID: "m", Body: []byte("a\x00b")}, 0},
		{"control character", queue.Message{ID: "m", Body: []byte("a\x1bb")}, 0},
		{"not UTF-8", queue.Message{ID: "m", Body: []byte("caf\xe9")}, 0},
		{"surrogate", queue.Message{ID: "m", Body: []byte("\xed\xa0\x80")}, 0},
		{"U+FFFE", queue.Message{ID: "m", Body: []byte("\uFFFE")}, 0},
		{"ID not UTF-8", queue.Message{ID: "\xff", Body: ok}, 0},
		{"negative delay", queue.Message{ID: "m", Body: ok}, -time.Second},
		{"delay too long", queue.Message{ID: "m", Body: ok}, queue.MaxSendDelay + time.Second},
	} {
		if err := q.Send(ctx, tt.m, tt.delay); !errors.Is(err, queue.ErrInvalid) {
			t.Errorf("Send %s: got %v, want ErrInvalid", tt.name, err)
		}
	}
	wantNone(t, q, 0)

	send(t, q, queue.Message{ID: "m", Body: ok}, 0)
	m := receiveOne(t, q, soon)
	for _, d := range []time.Duration{-time.Second, queue.MaxDelay + time.Second} {
		if err := q.Retry(ctx, m.Handle, d); !errors.Is(err, queue.ErrInvalid) {
			t.Errorf("Retry with delay %v: got %v, want ErrInvalid", d, err)
		}
	}
	if _, err := q.Receive(ctx, 0, 0); !errors.Is(err, queue.ErrInvalid) {
		t.Errorf("Receive of at most 0: got %v, want ErrInvalid", err)
	}
	if err := q.Ack(ctx, m.Handle); err != nil {
		t.Fatal(err)
	}
}

// testManyMessages sends from several goroutines and receives each
// message once, in batches.
func testManyMessages(t *testing.T, a Adapter, q queue.Queue) {
	const senders, each = 4, 30
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("%d/%d", s, i)
				if err := q.Send(t.Context(), queue.Message{ID: id, Body: []byte("body of " + id)}, 0); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := map[string]int{}
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < senders*each && time.Now().Before(deadline) {
		for _, m := range receive(t, q, 10, time.Second) {
			got[m.ID]++
			if string(m.Body) != "body of "+m.ID {
				t.Errorf("message %s has body %q", m.ID, m.Body)
			}
			if err := q.Ack(t.Context(), m.Handle); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != senders*each {
		t.Fatalf("received %d of %d messages", len(got), senders*each)
	}
	for id, k := range got {
		if k != 1 {
			t.Errorf("message %s received %d times, each acknowledged at once", id, k)
		}
	}
	wantNone(t, q, 0)
}

func send(t *testing.T, q queue.Queue, m queue.Message, delay time.Duration) {
	t.Helper()
	if err := q.Send(t.Context(), m, delay); err != nil {
		t.Fatalf("Send %q: %v", m.ID, err)
	}
}

func receive(t *testing.T, q queue.Queue, max int, wait time.Duration) []queue.Message {
	t.Helper()
	msgs, err := q.Receive(t.Context(), max, wait)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return msgs
}

// receiveOne receives the one message due within wait.
func receiveOne(t *testing.T, q queue.Queue, wait time.Duration) queue.Message {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		// A receive may return early with nothing; wait out the rest.
		msgs := receive(t, q, 1, max(time.Until(deadline), 0))
		if len(msgs) == 1 {
			return msgs[0]
		}
		if len(msgs) > 1 {
			t.Fatalf("Receive(max 1) returned %d messages", len(msgs))
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("no message within %v", wait)
		}
	}
}

// wantNone fails if a message is received within wait.
func wantNone(t *testing.T, q queue.Queue, wait time.Duration) {
	t.Helper()
	if msgs := receive(t, q, 10, wait); len(msgs) != 0 {
		t.Fatalf("received %d messages (the first %q, received %d times), want none", len(msgs), msgs[0].ID, msgs[0].Received)
	}
}
