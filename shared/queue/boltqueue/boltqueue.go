// Package boltqueue implements the queue port on a bbolt file, for the
// local run and for tests.
//
// A message is kept, with the time it is next due, until it is
// acknowledged: one received and neither acknowledged nor put back is due
// again after the visibility timeout, also after the process restarts and
// opens the file again. Each change is one bbolt write transaction, which
// bbolt runs one at a time and syncs to disk before it returns, so two
// receivers never take the same message at once.
//
// Two buckets: "messages" maps a message's number (bbolt's sequence, eight
// bytes big-endian) to the message; "due" has a key per message, the time
// it is due (Unix nanoseconds, eight bytes big-endian) then its number, so
// that the messages due now are the first keys, in the order they fell due.
package boltqueue

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/regional-data-exchange/rdx/shared/queue"
)

var (
	messagesBucket = []byte("messages")
	dueBucket      = []byte("due")
)

// Queue is a queue.Queue kept in one bbolt file.
type Queue struct {
	db         *bolt.DB
	visibility time.Duration

	mu sync.Mutex
	// sent is closed, and replaced, when a message is sent or put back, to
	// wake the receivers that wait.
	sent chan struct{}
}

var _ queue.Queue = (*Queue)(nil)

// Open opens or creates the queue file at path, whose received messages
// are hidden for visibility. Only one process may hold it open; a second
// Open fails after a second rather than waiting for ever.
func Open(path string, visibility time.Duration) (*Queue, error) {
	if visibility <= 0 {
		return nil, fmt.Errorf("boltqueue: visibility timeout %v is not positive", visibility)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltqueue: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{messagesBucket, dueBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltqueue: init %s: %w", path, err)
	}
	return &Queue{db: db, visibility: visibility, sent: make(chan struct{})}, nil
}

// Close releases the file.
func (q *Queue) Close() error { return q.db.Close() }

// record is a message as stored.
type record struct {
	ID       string `json:"id"`
	Body     []byte `json:"body"`
	Received int    `json:"received"`
	// Due is when the message is next due (Unix nanoseconds).
	Due int64 `json:"due"`
	// Token is the last receipt's; a handle names the message and it.
	Token string `json:"token,omitempty"`
}

// Send implements queue.Queue.
func (q *Queue) Send(ctx context.Context, m queue.Message, delay time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := queue.Check(m); err != nil {
		return err
	}
	if err := queue.CheckDelay(delay, queue.MaxSendDelay); err != nil {
		return err
	}
	err := q.db.Update(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(messagesBucket)
		n, err := msgs.NextSequence()
		if err != nil {
			return err
		}
		return put(tx, seqKey(n), record{ID: m.ID, Body: m.Body, Due: time.Now().Add(delay).UnixNano()})
	})
	if err != nil {
		return fmt.Errorf("boltqueue: send: %w", err)
	}
	q.wake()
	return nil
}

// Receive implements queue.Queue. It takes the messages due now; if there
// are none it sleeps until a message is sent or put back in this process,
// the next message falls due, or wait is over, whichever is first, and
// looks again.
func (q *Queue) Receive(ctx context.Context, most int, wait time.Duration) ([]queue.Message, error) {
	if most < 1 {
		return nil, fmt.Errorf("%w: receive at most %d messages", queue.ErrInvalid, most)
	}
	deadline := time.Now().Add(wait)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sent := q.sentChan() // before looking, so that a send while looking wakes us
		msgs, next, err := q.take(most)
		if err != nil || len(msgs) > 0 {
			return msgs, err
		}
		now := time.Now()
		sleep := deadline.Sub(now)
		if sleep <= 0 {
			return nil, nil
		}
		if !next.IsZero() && next.Sub(now) < sleep {
			sleep = max(next.Sub(now), 0)
		}
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-sent:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// take receives up to most messages due now, in one transaction; with none
// due it returns when the next one is (zero: none is waiting).
func (q *Queue) take(most int) (msgs []queue.Message, next time.Time, err error) {
	err = q.db.Update(func(tx *bolt.Tx) error {
		now := time.Now()
		var keys [][]byte
		c := tx.Bucket(dueBucket).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			due := int64(binary.BigEndian.Uint64(k[:8]))
			if due > now.UnixNano() {
				next = time.Unix(0, due)
				break
			}
			keys = append(keys, append([]byte(nil), k[8:]...))
			if len(keys) == most {
				break
			}
		}
		for _, n := range keys {
			r, err := get(tx, n)
			if err != nil {
				return err
			}
			if err := tx.Bucket(dueBucket).Delete(dueKey(r.Due, n)); err != nil {
				return err
			}
			r.Received++
			r.Token = rand.Text()
			r.Due = now.Add(q.visibility).UnixNano()
			if err := put(tx, n, r); err != nil {
				return err
			}
			msgs = append(msgs, queue.Message{ID: r.ID, Body: r.Body, Received: r.Received,
				Handle: hex.EncodeToString(n) + "." + r.Token})
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("boltqueue: receive: %w", err)
	}
	return msgs, next, nil
}

// Ack implements queue.Queue. A handle of an earlier receipt, or of a
// message gone already, does nothing: the message is someone else's now,
// or its work is done.
func (q *Queue) Ack(ctx context.Context, handle string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return q.received(handle, func(tx *bolt.Tx, n []byte, r record) error {
		if err := tx.Bucket(dueBucket).Delete(dueKey(r.Due, n)); err != nil {
			return err
		}
		return tx.Bucket(messagesBucket).Delete(n)
	})
}

// Retry implements queue.Queue. A handle of an earlier receipt, or of a
// message gone already, does nothing, as for Ack.
func (q *Queue) Retry(ctx context.Context, handle string, delay time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := queue.CheckDelay(delay, queue.MaxDelay); err != nil {
		return err
	}
	err := q.received(handle, func(tx *bolt.Tx, n []byte, r record) error {
		if err := tx.Bucket(dueBucket).Delete(dueKey(r.Due, n)); err != nil {
			return err
		}
		r.Due = time.Now().Add(delay).UnixNano()
		return put(tx, n, r)
	})
	if err == nil {
		q.wake()
	}
	return err
}

// received runs fn in a write transaction on the message handle names, if
// handle is its last receipt's.
func (q *Queue) received(handle string, fn func(tx *bolt.Tx, n []byte, r record) error) error {
	hexN, token, ok := strings.Cut(handle, ".")
	n, err := hex.DecodeString(hexN)
	if !ok || err != nil || len(n) != 8 || token == "" {
		return fmt.Errorf("%w: handle %q", queue.ErrInvalid, handle)
	}
	err = q.db.Update(func(tx *bolt.Tx) error {
		r, err := get(tx, n)
		if errors.Is(err, errGone) || err == nil && r.Token != token {
			return nil
		}
		if err != nil {
			return err
		}
		return fn(tx, n, r)
	})
	if err != nil {
		return fmt.Errorf("boltqueue: %w", err)
	}
	return nil
}

var errGone = errors.New("no such message")

func get(tx *bolt.Tx, n []byte) (record, error) {
	v := tx.Bucket(messagesBucket).Get(n)
	if v == nil {
		return record{}, errGone
	}
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return record{}, fmt.Errorf("message %x: %w", n, err)
	}
	return r, nil
}

// put stores r as message n and indexes it by when it is due.
func put(tx *bolt.Tx, n []byte, r record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := tx.Bucket(messagesBucket).Put(n, v); err != nil {
		return err
	}
	return tx.Bucket(dueBucket).Put(dueKey(r.Due, n), nil)
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func dueKey(due int64, n []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(due)), n...)
}

func (q *Queue) sentChan() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.sent
}

// wake wakes the receivers waiting in this process.
func (q *Queue) wake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	close(q.sent)
	q.sent = make(chan struct{})
}
