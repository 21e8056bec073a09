package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
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
}

// VersionRecord is the table's record of one version. The document itself
// lives in blobs (content-addressed by SHA256), so a record stays small
// whatever the size of the submission: DynamoDB items are limited to 400 KB.
type VersionRecord struct {
	Region     string               `json:"region"`
	Partner    string               `json:"partner"`
	Kind       submission.Kind      `json:"kind"`
	KeyValues  [2]string            `json:"keyValues"`
	Version    int                  `json:"version"`
	ReceivedAt time.Time            `json:"receivedAt"`
	ReceivedBy Actor                `json:"receivedBy"`
	SHA256     string               `json:"sha256"`
	RawSHA256  string               `json:"rawSha256"`
	ReceiptID  string               `json:"receiptId"`
	Warnings   []submission.Warning `json:"warnings"`
	SignOff    *SignOff             `json:"signOff,omitempty"`
	RequestID  string               `json:"requestId,omitempty"`
}

// Version is one version with its canonical document.
type Version struct {
	Record   VersionRecord
	Key      submission.Key
	Document json.RawMessage
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err)) // records are plain data: cannot fail
	}
	return b
}

func decode[T any](it store.Item) (T, error) {
	var v T
	if err := json.Unmarshal(it.Data, &v); err != nil {
		return v, fmt.Errorf("decode %s/%s: %w", it.PK, it.SK, err)
	}
	return v, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// storeErr maps a store failure to the product's error.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrUnavailable):
		e := apperr.Wrap(apperr.Unavailable, err, "The store is busy; retry shortly.")
		e.RetryAfter = time.Second
		return e
	case apperr.CodeOf(err) != apperr.Internal:
		return err
	}
	return apperr.Wrap(apperr.Internal, fmt.Errorf("%s: %w", what, err), "internal error")
}
