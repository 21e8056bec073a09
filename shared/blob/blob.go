// Package blob is the object-store port: whole objects by key, checked by
// SHA-256, and presigned URLs so large files go straight to the store.
package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"time"
)

// Errors adapters map their own failures to.
var (
	ErrNotFound    = errors.New("blob: not found")
	ErrChecksum    = errors.New("blob: checksum mismatch")
	ErrUnavailable = errors.New("blob: unavailable")
)

// PutOptions describe an object being written.
type PutOptions struct {
	ContentType string
	// SHA256, when set, is the digest the stored object must have; the store
	// refuses the write (ErrChecksum) otherwise.
	SHA256 []byte
}

// Presigned is a URL a client can use without credentials, with the headers
// it must send.
type Presigned struct {
	URL       string
	Method    string
	Headers   map[string]string
	ExpiresAt time.Time
}

// PresignPutOptions bind a presigned upload to one exact object.
type PresignPutOptions struct {
	Size        int64
	SHA256      []byte
	ContentType string
	Expires     time.Duration
}

// Info describes a stored object.
type Info struct {
	Size        int64
	ContentType string
	SHA256      []byte // may be nil when the backend did not record it
}

// Store is the port.
type Store interface {
	// Put writes the object whole; size is the body's length.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts PutOptions) error
	// Get opens the object; the caller closes it. Missing: ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the object. Missing: ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// PresignPut returns a URL that accepts exactly the declared object.
	PresignPut(ctx context.Context, key string, opts PresignPutOptions) (Presigned, error)
	// PresignGet returns a URL that reads the object until it expires.
	PresignGet(ctx context.Context, key string, expires time.Duration) (Presigned, error)
}

// PutBytes writes data with its SHA-256 checked by the store.
func PutBytes(ctx context.Context, s Store, key string, data []byte, contentType string) error {
	sum := sha256.Sum256(data)
	return s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), PutOptions{ContentType: contentType, SHA256: sum[:]})
}

// ReadAll reads a whole object, refusing more than max bytes.
func ReadAll(ctx context.Context, s Store, key string, max int64) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, errors.New("blob: object larger than expected")
	}
	return data, nil
}
