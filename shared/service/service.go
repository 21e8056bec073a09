// Package service holds the use cases: it authorises the caller against the
// region's configuration, validates, versions and stores submissions over the
// table and blob ports, and never knows HTTP or any particular backend.
package service

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// Deps are what the service runs on.
type Deps struct {
	Regions *region.Registry
	Table   store.Table
	Blobs   blob.Store
	// Uploads and Exports hold partners' files and the exports (their own
	// buckets in AWS); nil means Blobs.
	Uploads, Exports blob.Store
	// QueueExports builds exports in the exports function (AWS: a job object
	// in the exports bucket) instead of inside the request.
	QueueExports bool
	// CursorKey signs pagination cursors; every instance of a deployment
	// must share it.
	CursorKey []byte
	// PositionCache bounds the fund positions kept computed (see
	// positionCache): 0 means 256, negative none.
	PositionCache int
	Now           func() time.Time
	Log           *slog.Logger
}

// Service is the product's use cases.
type Service struct {
	regions *region.Registry
	table   store.Table
	blobs   blob.Store
	uploads blob.Store
	exports blob.Store
	// queueExports: see Deps.QueueExports.
	queueExports bool
	cursorKey    []byte
	now          func() time.Time
	log          *slog.Logger
	// retry bounds the server-side retries of a write that raced another.
	retry retryPolicy
	// positions are the last computed fund positions (see positionCache).
	positions *positionCache
}

// New builds the service.
func New(d Deps) *Service {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	s := &Service{regions: d.Regions, table: d.Table, blobs: d.Blobs, uploads: d.Uploads, exports: d.Exports, queueExports: d.QueueExports,
		cursorKey: d.CursorKey, now: now, log: log, retry: defaultRetry, positions: newPositionCache(d.PositionCache)}
	if s.uploads == nil {
		s.uploads = d.Blobs
	}
	if s.exports == nil {
		s.exports = d.Blobs
	}
	return s
}

// Regions is the registry the service serves.
func (s *Service) Regions() *region.Registry { return s.regions }

// clock returns the current time in UTC at millisecond precision, the
// precision every stored time has.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// newID is a sortable unique id.
func newID(t time.Time) string {
	return ulid.MustNew(ulid.Timestamp(t), rand.Reader).String()
}

// Health checks the service can reach its store.
func (s *Service) Health(ctx context.Context) error {
	_, err := s.table.Get(ctx, "HEALTH", "HEALTH")
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
