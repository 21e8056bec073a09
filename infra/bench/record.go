package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// op is one store or blob operation the service made, to be made again by
// the floor handler.
type op struct {
	kind    string // get, query, txn, blob-get, blob-put
	pk, sk  string
	query   store.Query
	txn     []store.Op
	key     string
	data    []byte
	options blob.PutOptions
}

// recorder wraps a table and a blob store and, while on, notes every
// operation: the floor replays exactly what the service did.
type recorder struct {
	store.Table
	blobs blob.Store
	mu    sync.Mutex
	on    bool
	ops   []op
}

func (r *recorder) note(o op) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.ops = append(r.ops, o)
	}
}

// capture records the operations fn makes.
func (r *recorder) capture(fn func()) []op {
	r.mu.Lock()
	r.on, r.ops = true, nil
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.ops
}

func (r *recorder) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	r.note(op{kind: "get", pk: pk, sk: sk})
	return r.Table.Get(ctx, pk, sk)
}

func (r *recorder) Query(ctx context.Context, q store.Query) (store.Page, error) {
	r.note(op{kind: "query", query: q})
	return r.Table.Query(ctx, q)
}

func (r *recorder) Transact(ctx context.Context, ops ...store.Op) error {
	r.note(op{kind: "txn", txn: append([]store.Op{}, ops...)})
	return r.Table.Transact(ctx, ops...)
}

// blobRecorder is the blob side of the recorder.
type blobRecorder struct{ r *recorder }

func (b blobRecorder) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts blob.PutOptions) error {
	data, _ := io.ReadAll(body)
	b.r.note(op{kind: "blob-put", key: key, data: data, options: opts})
	return b.r.blobs.Put(ctx, key, bytes.NewReader(data), size, opts)
}

func (b blobRecorder) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	b.r.note(op{kind: "blob-get", key: key})
	return b.r.blobs.Get(ctx, key)
}

func (b blobRecorder) Stat(ctx context.Context, key string) (blob.Info, error) {
	return b.r.blobs.Stat(ctx, key)
}

func (b blobRecorder) PresignPut(ctx context.Context, key string, o blob.PresignPutOptions) (blob.Presigned, error) {
	return b.r.blobs.PresignPut(ctx, key, o)
}

func (b blobRecorder) PresignGet(ctx context.Context, key string, d time.Duration) (blob.Presigned, error) {
	return b.r.blobs.PresignGet(ctx, key, d)
}

// replay makes the same operations again. Writes go to fresh keys (suffixed
// with n) with no conditions, so every replay writes as much as the service
// did without colliding with the data or with other replays.
func replay(ctx context.Context, t store.Table, b blob.Store, ops []op, n int64) error {
	for _, o := range ops {
		var err error
		switch o.kind {
		case "get":
			_, err = t.Get(ctx, o.pk, o.sk)
			if err != nil && !errorsIsNotFound(err) {
				return err
			}
			err = nil
		case "query":
			_, err = t.Query(ctx, o.query)
		case "txn":
			err = t.Transact(ctx, freshOps(o.txn, n)...)
		case "blob-get":
			var rc io.ReadCloser
			if rc, err = b.Get(ctx, o.key); err == nil {
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
			}
		case "blob-put":
			err = b.Put(ctx, fmt.Sprintf("%s-floor-%d", o.key, n), bytes.NewReader(o.data), int64(len(o.data)), o.options)
		}
		if err != nil {
			return fmt.Errorf("floor %s: %w", o.kind, err)
		}
	}
	return nil
}

func freshOps(ops []store.Op, n int64) []store.Op {
	out := make([]store.Op, len(ops))
	for i, o := range ops {
		o.Item.SK = fmt.Sprintf("%s#floor-%d", o.Item.SK, n)
		if o.Kind == store.Check {
			o.Cond = store.IfNotExists() // the same check, on a key that never exists
		} else {
			o.Cond = store.Condition{}
		}
		out[i] = o
	}
	return out
}
