// Package s3blob implements the blob port on Amazon S3 (and S3-compatible
// stand-ins such as MinIO).
//
// The store, not this adapter, checks what it is sent: Put declares the
// body's SHA-256 in x-amz-checksum-sha256 so S3 refuses a body that does not
// match and keeps nothing of it, and presigned uploads sign the same header
// with Content-Length and Content-Type so that an upload of other bytes, of
// another size or of another type fails the signature or the checksum
// before anything is written. Every object is written with SSE-S3 (AES256).
package s3blob

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regional-data-exchange/rdx/shared/blob"
)

// sse is requested on every write, so no object depends on the bucket's
// default encryption being configured.
const sse = types.ServerSideEncryptionAes256

// Store is a blob.Store in one S3 bucket.
type Store struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

var _ blob.Store = (*Store)(nil)

// New returns a store over bucket. The caller builds the clients (from the
// Lambda's AWS config, or NewLocalClient for stand-ins), so this package
// never reads credentials or environment itself.
func New(client *s3.Client, presign *s3.PresignClient, bucket string) *Store {
	return &Store{client: client, presign: presign, bucket: bucket}
}

// Put implements blob.Store. S3 writes an object atomically, so a refused
// body leaves any previous object under key as it was.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts blob.PutOptions) error {
	if err := checkSize(body, size); err != nil {
		return fmt.Errorf("s3blob: put %q: %w", key, err)
	}
	in := &s3.PutObjectInput{
		Bucket:               &s.bucket,
		Key:                  &key,
		Body:                 body,
		ContentLength:        &size,
		ServerSideEncryption: sse,
	}
	if opts.ContentType != "" {
		in.ContentType = &opts.ContentType
	}
	if opts.SHA256 != nil {
		sum, err := encodeSHA256(opts.SHA256)
		if err != nil {
			return err
		}
		in.ChecksumSHA256 = &sum
	}
	_, err := s.client.PutObject(ctx, in)
	return mapError("put", key, err)
}

// errSize is a body whose length is not the declared size. Sent as it is,
// net/http would fail the request mid-way and the SDK would retry it, so it
// is caught before any request.
var errSize = errors.New("s3blob: body size differs from the declared size")

// checkSize measures what is left of body and seeks back to where it was.
func checkSize(body io.ReadSeeker, size int64) error {
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	end, err := body.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := body.Seek(start, io.SeekStart); err != nil {
		return err
	}
	if end-start != size {
		return fmt.Errorf("%w: %d bytes, declared %d", errSize, end-start, size)
	}
	return nil
}

// Get implements blob.Store. Checksum mode makes the SDK verify the bytes it
// hands out against the checksum S3 stored, failing the final Read if they
// differ, whatever the client's own validation setting.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket:       &s.bucket,
		Key:          &key,
		ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return nil, mapError("get", key, err)
	}
	return out.Body, nil
}

// Stat implements blob.Store. Checksum mode is what makes HeadObject return
// the stored SHA-256 at all.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket:       &s.bucket,
		Key:          &key,
		ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return blob.Info{}, mapError("stat", key, err)
	}
	return blob.Info{
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		SHA256:      decodeSHA256(out.ChecksumSHA256, out.ChecksumType),
	}, nil
}

// PresignPut implements blob.Store. The signature covers Content-Length,
// Content-Type, x-amz-checksum-sha256 and x-amz-server-side-encryption, so
// the store itself refuses any other size (signature), other bytes of the
// same size (checksum) or a dropped header (signature).
func (s *Store) PresignPut(ctx context.Context, key string, opts blob.PresignPutOptions) (blob.Presigned, error) {
	if opts.Size < 0 || opts.Expires <= 0 {
		return blob.Presigned{}, fmt.Errorf("s3blob: presigned PUT of %q: size %d, lifetime %v", key, opts.Size, opts.Expires)
	}
	sum, err := encodeSHA256(opts.SHA256)
	if err != nil {
		return blob.Presigned{}, err
	}
	in := &s3.PutObjectInput{
		Bucket:               &s.bucket,
		Key:                  &key,
		ContentLength:        &opts.Size,
		ChecksumSHA256:       &sum,
		ServerSideEncryption: sse,
	}
	if opts.ContentType != "" {
		in.ContentType = &opts.ContentType
	}
	req, err := s.presign.PresignPutObject(ctx, in, s3.WithPresignExpires(opts.Expires),
		s3.WithPresignClientFromClientOptions(s3.WithAPIOptions(keepContentType(opts.ContentType))))
	if err != nil {
		return blob.Presigned{}, mapError("presign put", key, err)
	}
	p, err := presigned(req, opts.Expires)
	if err != nil {
		return blob.Presigned{}, err
	}
	// The client must send the declared length; when it is zero the signer
	// leaves it out of the signature, and the empty body's checksum binds it.
	p.Headers["Content-Length"] = strconv.FormatInt(opts.Size, 10)
	return p, nil
}

// PresignGet implements blob.Store.
func (s *Store) PresignGet(ctx context.Context, key string, expires time.Duration) (blob.Presigned, error) {
	if expires <= 0 {
		return blob.Presigned{}, fmt.Errorf("s3blob: presigned GET of %q: lifetime %v", key, expires)
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key},
		s3.WithPresignExpires(expires))
	if err != nil {
		return blob.Presigned{}, mapError("presign get", key, err)
	}
	return presigned(req, expires)
}

// presigned converts the SDK's answer. Host is left out of the headers: the
// URL carries it, and browsers may not set it.
func presigned(req *v4.PresignedHTTPRequest, expires time.Duration) (blob.Presigned, error) {
	at, err := signedAt(req.URL)
	if err != nil {
		return blob.Presigned{}, err
	}
	headers := make(map[string]string, len(req.SignedHeader))
	for k, v := range req.SignedHeader {
		if !strings.EqualFold(k, "Host") && len(v) > 0 {
			headers[http.CanonicalHeaderKey(k)] = strings.Join(v, ",")
		}
	}
	return blob.Presigned{URL: req.URL, Method: req.Method, Headers: headers, ExpiresAt: at.Add(expires)}, nil
}

// signedAt reads X-Amz-Date from the URL: the store counts the lifetime from
// that whole second, not from when we asked, so ExpiresAt is exact.
func signedAt(rawURL string) (time.Time, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return time.Time{}, fmt.Errorf("s3blob: presigned URL: %w", err)
	}
	at, err := time.Parse("20060102T150405Z", u.Query().Get("X-Amz-Date"))
	if err != nil {
		return time.Time{}, fmt.Errorf("s3blob: presigned URL without a signing time: %w", err)
	}
	return at, nil
}

// keepContentType puts Content-Type back after the presigner has removed it
// from a zero-length PutObject, so that an empty upload is bound to its
// declared type like any other.
func keepContentType(contentType string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		if contentType == "" {
			return nil
		}
		return stack.Build.Add(middleware.BuildMiddlewareFunc("s3blobKeepContentType",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("Content-Type", contentType)
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// encodeSHA256 gives the header form of a digest; a digest of the wrong
// length can match no body, so it is a checksum failure.
func encodeSHA256(sum []byte) (string, error) {
	if len(sum) != sha256.Size {
		return "", fmt.Errorf("%w: SHA-256 of %d bytes", blob.ErrChecksum, len(sum))
	}
	return base64.StdEncoding.EncodeToString(sum), nil
}

// decodeSHA256 returns the object's SHA-256, or nil when S3 holds none or
// holds only a checksum of checksums (multipart uploads), which is not the
// digest of the bytes.
func decodeSHA256(v *string, typ types.ChecksumType) []byte {
	if v == nil || typ == types.ChecksumTypeComposite {
		return nil
	}
	sum, err := base64.StdEncoding.DecodeString(*v)
	if err != nil || len(sum) != sha256.Size {
		return nil
	}
	return sum
}
