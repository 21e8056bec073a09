package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Actor is who did something: the token's subject and name.
type Actor struct {
	Sub  string `json:"sub"`
	Name string `json:"name,omitempty"`
}

// SignOff records a partner's sign-off of one version.
type SignOff struct {
	Signatory string    `json:"signatory"`
	Role      string    `json:"role"`
	At        time.Time `json:"at"`
	By        Actor     `json:"by"`
	// Receipt is the sign-off's signed receipt (a compact JWS).
	Receipt string `json:"receipt,omitempty"`
}

// VersionRecord is the table's record of one version. The document itself
// lives in blobs (content-addressed by SHA256), so a record stays small
// whatever the size of the submission: DynamoDB items are limited to 400 KB.
type VersionRecord struct {
	Region     string          `json:"region"`
	Partner    string          `json:"partner"`
	Kind       submission.Kind `json:"kind"`
	KeyValues  [2]string       `json:"keyValues"`
	Version    int             `json:"version"`
	ReceivedAt time.Time       `json:"receivedAt"`
	ReceivedBy Actor           `json:"receivedBy"`
	SHA256     string          `json:"sha256"`
	RawSHA256  string          `json:"rawSha256"`
	ReceiptID  string          `json:"receiptId"`
	// Receipt is the version's signed receipt (a compact JWS).
	Receipt   string               `json:"receipt,omitempty"`
	Warnings  []submission.Warning `json:"warnings"`
	SignOff   *SignOff             `json:"signOff,omitempty"`
	RequestID string               `json:"requestId,omitempty"`
	// FirstReceivedAt is when the key's first version arrived (obligations' receivedLate).
	FirstReceivedAt time.Time `json:"firstReceivedAt"`
	// Summary holds a fund submission's figures per cell, for the position.
	Summary *submission.Summary `json:"summary,omitempty"`
	// Seq is the event the version was created in, SignOffSeq the one it
	// was signed off in (0: before the region's history; see asof.go).
	Seq        int64 `json:"seq,omitempty"`
	SignOffSeq int64 `json:"signOffSeq,omitempty"`
}

// maxDocumentBytes bounds a stored document read back (bodies are 1 MiB at most).
const maxDocumentBytes = 4 << 20

// Document reads the canonical document whose SHA-256 is sha (a version
// record's SHA256) from blobs.
func (s *Service) Document(ctx context.Context, sha string) ([]byte, error) {
	return blob.ReadAll(ctx, s.Blobs, DocumentBlob(sha), maxDocumentBytes)
}

// Encode is a record's stored form: JSON a person can read.
func Encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // records are plain data: cannot fail
	}
	return b
}

// Decode reads a stored record (a version record in either stored form).
func Decode[T any](it store.Item) (T, error) {
	var v T
	var err error
	if rec, isRecord := any(&v).(*VersionRecord); isRecord {
		*rec, err = decodeRecord(it.Data)
	} else {
		err = json.Unmarshal(it.Data, &v)
	}
	if err != nil {
		return v, fmt.Errorf("decode %s/%s: %w", it.PK, it.SK, err)
	}
	return v, nil
}

// IsNotFound reports a key the store does not hold.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// StoreErr maps a store failure to the product's error.
func StoreErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, blob.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		// Throttled, unreachable or too slow to answer: worth a retry.
		e := apperr.Localized(apperr.Unavailable, "unavailable.store-busy", nil).Because(err)
		e.RetryAfter = time.Second
		return e
	case apperr.CodeOf(err) != apperr.Internal:
		return err
	}
	return apperr.Localized(apperr.Internal, "problem.internal.detail", nil).Because(fmt.Errorf("%s: %w", what, err))
}

// QueryAll reads every item of a partition range, page by page.
func (s *Service) QueryAll(ctx context.Context, q store.Query, each func(store.Item) error) error {
	for {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return StoreErr(err, "query "+q.PK)
		}
		for _, it := range page.Items {
			if err := each(it); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// DecodeAll reads every record of a partition range.
func DecodeAll[T any](ctx context.Context, s *Service, q store.Query) ([]T, error) {
	var out []T
	err := s.QueryAll(ctx, q, func(it store.Item) error {
		v, err := Decode[T](it)
		if err != nil {
			return StoreErr(err, "decode")
		}
		out = append(out, v)
		return nil
	})
	return out, err
}
