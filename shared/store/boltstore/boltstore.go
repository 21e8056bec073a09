// Package boltstore implements the table port on a bbolt file, for the local
// server and for tests.
//
// Every partition shares one bucket. A bbolt key is the partition key's length
// (two bytes, big-endian), the partition key, then the sort key: the length
// makes the encoding unambiguous whatever characters the keys hold, and it
// keeps each partition one contiguous run of keys in sort-key byte order, so a
// query is a single cursor walk, as a DynamoDB query is.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/store"
	bolt "go.etcd.io/bbolt"
)

var bucketName = []byte("items")

// Table is a store.Table kept in one bbolt file.
type Table struct {
	db *bolt.DB
}

var _ store.Table = (*Table)(nil)

// Open opens or creates the table file at path. Only one process may hold it
// open; a second Open fails after a second rather than waiting for ever.
func Open(path string) (*Table, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketName)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: init %s: %w", path, err)
	}
	return &Table{db: db}, nil
}

// Close releases the file.
func (t *Table) Close() error { return t.db.Close() }

// Get implements store.Table.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	if err := store.ValidateKey(pk, sk); err != nil {
		return store.Item{}, err
	}
	var it store.Item
	err := t.run(t.db.View, func(b *bolt.Bucket) error {
		v := b.Get(itemKey(pk, sk))
		if v == nil {
			return fmt.Errorf("%w: %q/%q", store.ErrNotFound, pk, sk)
		}
		var err error
		it, err = decodeItem(pk, sk, v)
		return err
	})
	return it, err
}

// Transact implements store.Table: one bbolt write transaction checks every
// condition before it applies any operation, so a failure changes nothing.
func (t *Table) Transact(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.ValidateTxn(ops); err != nil {
		return err
	}
	return t.run(t.db.Update, func(b *bolt.Bucket) error {
		for i, op := range ops {
			ok, err := holds(op.Cond, b.Get(itemKey(op.Item.PK, op.Item.SK)))
			if err != nil {
				return fmt.Errorf("operation %d: %w", i, err)
			}
			if !ok {
				return &store.ConditionFailedError{Index: i}
			}
		}
		for i, op := range ops {
			if err := apply(b, op); err != nil {
				return fmt.Errorf("operation %d: %w", i, err)
			}
		}
		return nil
	})
}

// holds reports whether c is true of the stored record v (nil when absent).
func holds(c store.Condition, v []byte) (bool, error) {
	switch c.Kind {
	case store.Always:
		return true, nil
	case store.NotExists:
		return v == nil, nil
	case store.Exists:
		return v != nil, nil
	case store.VersionIs:
		if v == nil {
			return false, nil
		}
		r, err := decodeRecord(v)
		return err == nil && r.version == c.Version, err
	}
	return false, fmt.Errorf("%w: condition kind %d", store.ErrInvalid, c.Kind)
}

func apply(b *bolt.Bucket, op store.Op) error {
	k := itemKey(op.Item.PK, op.Item.SK)
	switch op.Kind {
	case store.Put:
		return b.Put(k, encodeRecord(op.Item))
	case store.Delete:
		return b.Delete(k)
	case store.Check:
		return nil
	}
	return fmt.Errorf("%w: operation kind %d", store.ErrInvalid, op.Kind)
}

// Query implements store.Table. Next is set only when another item lies in
// the range, so a caller never needs an extra round trip for an empty page.
func (t *Table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if err := ctx.Err(); err != nil {
		return store.Page{}, err
	}
	if err := store.ValidateQuery(q); err != nil {
		return store.Page{}, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = store.MaxQueryLimit
	}
	var page store.Page
	err := t.run(t.db.View, func(b *bolt.Bucket) error {
		s := scan{c: b.Cursor(), q: q, part: itemKey(q.PK, "")}
		for k, v := s.first(); k != nil; k, v = s.next() {
			if len(page.Items) == limit {
				page.Next = page.Items[limit-1].SK
				return nil
			}
			it, err := decodeItem(q.PK, string(k[len(s.part):]), v)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, it)
		}
		return nil
	})
	return page, err
}

// scan walks a query's range in the query's direction.
type scan struct {
	c    *bolt.Cursor
	q    store.Query
	part []byte // the encoded partition key every item key begins with
}

// first positions the cursor on the first key of the range, or past it.
func (s *scan) first() (k, v []byte) {
	if s.q.Reverse {
		return s.within(s.seekLast())
	}
	return s.within(s.seekFirst())
}

func (s *scan) next() (k, v []byte) {
	if s.q.Reverse {
		return s.within(s.c.Prev())
	}
	return s.within(s.c.Next())
}

// seekFirst finds the lowest key at or above the tightest lower bound. Start
// begins with Prefix, so it is never below it; After is exclusive.
func (s *scan) seekFirst() (k, v []byte) {
	lo, inclusive := s.q.Start, true
	if lo == "" {
		lo = s.q.Prefix
	}
	if s.q.After != "" && s.q.After >= lo {
		lo, inclusive = s.q.After, false
	}
	target := itemKey(s.q.PK, lo)
	k, v = s.c.Seek(target)
	if !inclusive && bytes.Equal(k, target) {
		return s.c.Next()
	}
	return k, v
}

// seekLast finds the highest key at or below the tightest upper bound: End
// (inclusive), else the first key past every one beginning with Prefix
// (exclusive), tightened by After (exclusive). Seeking straight to After keeps
// each page of a long reverse read as cheap as the first.
func (s *scan) seekLast() (k, v []byte) {
	target, inclusive := prefixEnd(itemKey(s.q.PK, s.q.Prefix)), false
	if s.q.End != "" {
		target, inclusive = itemKey(s.q.PK, s.q.End), true
	}
	if after := itemKey(s.q.PK, s.q.After); s.q.After != "" && bytes.Compare(after, target) <= 0 {
		target, inclusive = after, false
	}
	k, v = s.c.Seek(target)
	switch {
	case k == nil:
		return s.c.Last()
	case inclusive && bytes.Equal(k, target):
		return k, v
	}
	return s.c.Prev()
}

// within passes k through while it is in the range and ends the walk (nil)
// at the first key outside it: the range is contiguous and the walk starts
// inside or beyond it, so nothing further along can be in it.
func (s *scan) within(k, v []byte) ([]byte, []byte) {
	if k == nil || !bytes.HasPrefix(k, s.part) {
		return nil, nil
	}
	sk := string(k[len(s.part):])
	if !strings.HasPrefix(sk, s.q.Prefix) ||
		s.q.Start != "" && sk < s.q.Start || s.q.End != "" && sk > s.q.End {
		return nil, nil
	}
	return k, v
}

// prefixEnd returns the least key greater than every key beginning with p.
// An encoded key starts with a length of at most MaxKeyLength, so it is never
// all 0xff bytes and the result always exists.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	panic("boltstore: unbounded prefix")
}

// Sweep deletes the items whose ExpiresAt is before now, as DynamoDB's TTL
// does in the background; it returns how many it deleted. A long-running
// local server calls it now and then. It reads the whole table, which suits
// the local data volumes this adapter is for.
func (t *Table) Sweep(now time.Time) (int, error) {
	var expired [][]byte
	err := t.run(t.db.Update, func(b *bolt.Bucket) error {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r, err := decodeRecord(v)
			if err != nil {
				return err
			}
			if r.expiresAt != 0 && now.After(time.Unix(r.expiresAt, 0)) {
				expired = append(expired, bytes.Clone(k))
			}
		}
		// Deleting after the walk, not through the cursor, because deleting
		// under a bbolt cursor can make it skip the following key.
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(expired), nil
}

// run executes fn on the items bucket in a bbolt transaction (View or
// Update). fn's own errors reach the caller as they are; a failure of the
// transaction itself (closed file, disk error on commit) becomes
// ErrUnavailable.
func (t *Table) run(txn func(func(*bolt.Tx) error) error, fn func(*bolt.Bucket) error) error {
	var fnErr error
	err := txn(func(tx *bolt.Tx) error {
		fnErr = fn(tx.Bucket(bucketName))
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return nil
}

// itemKey encodes a key as described in the package comment. Callers have
// validated pk, so its length fits in two bytes.
func itemKey(pk, sk string) []byte {
	k := make([]byte, 0, 2+len(pk)+len(sk))
	k = binary.BigEndian.AppendUint16(k, uint16(len(pk)))
	k = append(k, pk...)
	return append(k, sk...)
}

// A stored record is a format byte, Version and ExpiresAt as big-endian
// 64-bit integers, then Data. The format byte lets a later layout coexist
// with files written by this one.
const (
	recordFormat = 1
	recordHeader = 17
)

var errCorrupt = errors.New("boltstore: corrupt record")

type record struct {
	version, expiresAt int64
	data               []byte // aliases bbolt's memory: valid only inside the transaction
}

func encodeRecord(it store.Item) []byte {
	v := make([]byte, 0, recordHeader+len(it.Data))
	v = append(v, recordFormat)
	v = binary.BigEndian.AppendUint64(v, uint64(it.Version))
	v = binary.BigEndian.AppendUint64(v, uint64(it.ExpiresAt))
	return append(v, it.Data...)
}

func decodeRecord(v []byte) (record, error) {
	if len(v) < recordHeader || v[0] != recordFormat {
		return record{}, errCorrupt
	}
	return record{
		version:   int64(binary.BigEndian.Uint64(v[1:9])),
		expiresAt: int64(binary.BigEndian.Uint64(v[9:17])),
		data:      v[recordHeader:],
	}, nil
}

// decodeItem copies the record out of bbolt's memory into an Item.
func decodeItem(pk, sk string, v []byte) (store.Item, error) {
	r, err := decodeRecord(v)
	if err != nil {
		return store.Item{}, fmt.Errorf("%w: %q/%q", err, pk, sk)
	}
	return store.Item{PK: pk, SK: sk, Version: r.version, Data: bytes.Clone(r.data), ExpiresAt: r.expiresAt}, nil
}
