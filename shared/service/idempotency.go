package service

import (
	"context"
	"errors"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Idempotency keys: at most 100 characters, scoped to the token's subject
// and partner, kept 24 hours. A request still running holds its key for at
// most inFlightLease; after that a crashed request's key can be taken over.
const (
	IdempotencyTTL    = 24 * time.Hour
	MaxIdempotencyKey = 100
	inFlightLease     = 2 * time.Minute
)

// IdempotentRequest identifies a request for its Idempotency-Key.
type IdempotentRequest struct {
	Scope       string // the partner (or, for regional tokens, the region) the token acts for
	Subject     string
	Key         string
	Fingerprint string // method, path and canonical SHA-256 of the body
}

// VersionRef names the version a stored 201 answer created.
type VersionRef struct {
	Region    string          `json:"region"`
	Partner   string          `json:"partner"`
	Kind      submission.Kind `json:"kind"`
	KeyValues [2]string       `json:"keyValues"`
	Version   int             `json:"version"`
}

type idemRecord struct {
	State       string            `json:"state"` // in-flight or done
	Fingerprint string            `json:"fingerprint"`
	StartedAt   time.Time         `json:"startedAt"`
	Status      int               `json:"status,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	BodySHA256  string            `json:"bodySha256,omitempty"`
	Version     *VersionRef       `json:"version,omitempty"`
	// Claimant tells this claim from any other, to read back a claim whose
	// write gave no definite answer.
	Claimant string `json:"claimant,omitempty"`
}

// Claim is a request's hold on its idempotency key.
type Claim struct {
	pk      string
	version int64
	started time.Time
	rec     idemRecord
	done    bool
}

// Done reports whether the claim was completed inside a version's transaction.
func (c *Claim) Done() bool { return c != nil && c.done }

// Replay is a stored answer.
type Replay struct {
	Status  int
	Headers map[string]string
	Body    []byte
	// Version, when set, is the version a 201 created: the answer is
	// rendered again from it.
	Version *VersionRef
}

// BeginIdempotent claims the key, or returns the stored answer to replay.
// A new key, the common case, is claimed in one write; only a key already
// held is read (to replay its answer, refuse it, or take it over).
func (s *Service) BeginIdempotent(ctx context.Context, r IdempotentRequest) (*Claim, *Replay, error) {
	pk := idempotencyPK(r.Scope, r.Subject, r.Key)
	now := s.Clock()
	c, err := s.claim(ctx, pk, r, now, 0, store.IfNotExists())
	if !errors.Is(err, store.ErrConditionFailed) {
		return c, nil, err
	}
	it, err := s.Table.Get(ctx, pk, "I")
	if IsNotFound(err) {
		return nil, nil, InFlight() // held a moment ago and gone now: another request is at work on it
	}
	if err != nil {
		return nil, nil, StoreErr(err, "get idempotency record")
	}
	rec, err := Decode[idemRecord](it)
	if err != nil {
		return nil, nil, StoreErr(err, "idempotency record")
	}
	if live := now.Before(rec.StartedAt.Add(IdempotencyTTL)); live {
		if replay, err := s.storedAnswer(ctx, rec, r, now); replay != nil || err != nil {
			return nil, replay, err
		}
	}
	// Expired, or abandoned by a request that outlived its lease: take it over.
	c, err = s.claim(ctx, pk, r, now, it.Version, store.IfVersion(it.Version))
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, nil, InFlight()
	}
	return c, nil, err
}

// claim writes an in-flight record over the one at version prev (0: none).
func (s *Service) claim(ctx context.Context, pk string, r IdempotentRequest, now time.Time, prev int64, cond store.Condition) (*Claim, error) {
	c := &Claim{pk: pk, version: prev + 1, started: now,
		rec: idemRecord{State: "in-flight", Fingerprint: r.Fingerprint, StartedAt: now, Claimant: NewID(now)}}
	err := s.Table.Transact(ctx, store.PutOp(c.item(c.rec), cond))
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, store.ErrConditionFailed):
		return nil, err
	case s.claimLanded(ctx, c):
		return c, nil // the claim landed but its answer was lost: it is this request's
	}
	return nil, StoreErr(err, "claim idempotency key")
}

// claimLanded reads the key back after a claim that failed without a
// definite answer (DynamoDB can apply a write and lose the answer): left
// unresolved, the claim would hold the key for its lease and the client's
// retry would be refused as in flight.
func (s *Service) claimLanded(ctx context.Context, c *Claim) bool {
	it, err := s.Table.Get(ctx, c.pk, "I")
	if err != nil || it.Version != c.version {
		return false
	}
	rec, err := Decode[idemRecord](it)
	return err == nil && rec.State == "in-flight" && rec.Claimant == c.rec.Claimant
}

// storedAnswer decides what a live record means for this request: its
// stored answer, a reuse (422) or a request still running (409). It returns
// nothing for an in-flight record whose lease has run out.
func (s *Service) storedAnswer(ctx context.Context, rec idemRecord, r IdempotentRequest, now time.Time) (*Replay, error) {
	if rec.Fingerprint != r.Fingerprint {
		return nil, apperr.Validation([]apperr.FieldError{apperr.Field(submission.RuleIdemKeyReused.Code, "finding.idempotency-key-reused", nil).AtHeader("Idempotency-Key")})
	}
	if rec.State != "done" {
		if now.Before(rec.StartedAt.Add(inFlightLease)) {
			return nil, InFlight()
		}
		return nil, nil
	}
	replay := &Replay{Status: rec.Status, Headers: rec.Headers, Version: rec.Version}
	if rec.BodySHA256 != "" {
		body, err := blob.ReadAll(ctx, s.Blobs, responseBlob(rec.BodySHA256), 16<<20)
		if err != nil {
			return nil, StoreErr(err, "read stored answer")
		}
		replay.Body = body
	}
	return replay, nil
}

// InFlight is the answer while the first request with a key is running.
func InFlight() error {
	return apperr.Localized(apperr.Conflict, "conflict.idempotency-in-flight", nil).
		WithFields(apperr.Field("idempotency-key.in-flight", "finding.idempotency-key-in-flight", nil).AtHeader("Idempotency-Key"))
}

func (c *Claim) item(rec idemRecord) store.Item {
	return store.Item{PK: c.pk, SK: "I", Version: c.version, Data: Encode(rec),
		ExpiresAt: c.started.Add(IdempotencyTTL).Unix()}
}

// completionOp is the write that stores the answer; it holds only while the
// claim is still this request's.
func (c *Claim) completionOp(rec idemRecord) store.Op {
	rec.State, rec.Fingerprint, rec.StartedAt = "done", c.rec.Fingerprint, c.rec.StartedAt
	next := *c
	next.version++
	return store.PutOp(next.item(rec), store.IfVersion(c.version))
}

// VersionCompletion is the write, in a new version's own transaction, that
// stores the 201 answer by reference to the version (ref); it fails, and
// with it the transaction, if the claim is no longer this request's
// (InFlight is then the answer). MarkDone once that transaction commits.
func (c *Claim) VersionCompletion(ref VersionRef) store.Op {
	return c.completionOp(idemRecord{Status: 201, Version: &ref})
}

// MarkDone records that the claim was completed inside a version's
// transaction, so that nothing completes or releases it again.
func (c *Claim) MarkDone() { c.done = true }

// CompleteIdempotent stores an answer that created no version.
func (s *Service) CompleteIdempotent(ctx context.Context, c *Claim, status int, headers map[string]string, body []byte) error {
	if c == nil || c.done {
		return nil
	}
	sha := submission.SHA256Hex(body)
	if err := blob.PutBytes(ctx, s.Blobs, responseBlob(sha), body, headers["Content-Type"]); err != nil {
		return StoreErr(err, "store answer")
	}
	err := s.Table.Transact(ctx, c.completionOp(idemRecord{Status: status, Headers: headers, BodySHA256: sha}))
	c.done = err == nil
	return StoreErr(err, "complete idempotency record")
}

// AbandonIdempotent releases the key after a failure nobody should replay
// (5xx), so a retry runs again.
func (s *Service) AbandonIdempotent(ctx context.Context, c *Claim) {
	if c == nil || c.done {
		return
	}
	if err := s.Table.Transact(ctx, store.DeleteOp(c.pk, "I", store.IfVersion(c.version))); err != nil {
		s.Log.WarnContext(ctx, "release idempotency key", "error", err)
	}
}
