// Package service is what every capability of the use cases shares: the
// ports they run on, the stored records and their codec, the storage keys,
// list cursors, access checks, audit records, idempotency, the period-lock
// checks a write makes, and the fund-year partition every fund submission
// is copied into. The capabilities are its sub-packages, each a Service
// that embeds this one: submissions, regionview, files and exports. None
// of them knows HTTP or any particular backend.
package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// Deps are what the shared core runs on.
type Deps struct {
	Regions *region.Registry
	Table   store.Table
	// Blobs keeps raw bodies, canonical documents and stored answers.
	Blobs blob.Store
	// CursorKey signs pagination cursors; every instance of a deployment
	// must share it.
	CursorKey []byte
	Now       func() time.Time
	Log       *slog.Logger
	// Receipts signs receipts; RetiredReceiptKeys are published beside its
	// key so that receipts they signed still verify. Without one, New signs
	// with a key made for this process alone (see ephemeralSigner).
	Receipts           receipt.Signer
	RetiredReceiptKeys *receipt.KeySet
}

// Service is the core every capability embeds: the ports, and the checks
// and records they share. Its fields are set once, by New.
type Service struct {
	Regions *region.Registry
	Table   store.Table
	Blobs   blob.Store
	// Now is the wall clock; Clock is what stored times are made of.
	Now func() time.Time
	Log *slog.Logger
	// Retry bounds the server-side retries of a write that raced another.
	Retry     RetryPolicy
	Receipts  receipt.Signer
	retired   *receipt.KeySet
	cursorKey []byte
	turns     turns
}

// New builds the core.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	signer := d.Receipts
	if signer == nil {
		signer = ephemeralSigner(log)
	}
	return &Service{Regions: d.Regions, Table: d.Table, Blobs: d.Blobs, cursorKey: d.CursorKey, Now: now, Log: log, Retry: defaultRetry,
		Receipts: signer, retired: d.RetiredReceiptKeys}
}

// ephemeralSigner is the receipt signer of a service built without one
// (tests and tools that build the service themselves): a key made now and
// lost when the process ends, so what it signs verifies only while the
// process runs. The composition roots give a lasting key (local: the data
// folder's key file; AWS: the KMS key); a service that signs with this one
// says so at warning.
func ephemeralSigner(log *slog.Logger) receipt.Signer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("receipt key: %v", err)) // crypto/rand does not fail
	}
	signer, _ := receipt.NewKeySigner(key) // P-256, as made
	log.Warn("receipts are signed with a key made for this process alone; give the service its receipt key")
	return signer
}

// Clock returns the current time in UTC at millisecond precision, the
// precision every stored time has.
func (s *Service) Clock() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// NewID is a sortable unique id.
func NewID(t time.Time) string {
	return ulid.MustNew(ulid.Timestamp(t), rand.Reader).String()
}

// Health checks the service can read its table and its bucket now: one read
// of a key each, which neither holds (not found is an answer).
func (s *Service) Health(ctx context.Context) error {
	if _, err := s.Table.Get(ctx, "HEALTH", "HEALTH"); err != nil && !IsNotFound(err) {
		return fmt.Errorf("table: %w", err)
	}
	if _, err := s.Blobs.Stat(ctx, "health"); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return fmt.Errorf("blobs: %w", err)
	}
	return nil
}
