package s3blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/blobtest"
)

func TestMain(m *testing.M) { standins.Main(m) }

// minioClient returns a client for the shared MinIO, started on first use.
func minioClient(t *testing.T) *s3.Client {
	t.Helper()
	srv := standins.MinIO(t)
	return standins.S3Client(srv.Endpoint)
}

// newBucketStore returns a store over a bucket of its own, so no test can
// see another's objects.
func newBucketStore(t *testing.T) (*s3blob.Store, *s3.Client, string) {
	t.Helper()
	client := minioClient(t)
	bucket := "rdx-test-" + strings.ToLower(rand.Text())
	if err := s3blob.CreateBucket(t.Context(), client, bucket); err != nil {
		t.Fatal(err)
	}
	return s3blob.New(client, s3.NewPresignClient(client), bucket), client, bucket
}

func TestConformance(t *testing.T) {
	t.Parallel()
	client := &http.Client{Timeout: 30 * time.Second}
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, _, _ := newBucketStore(t)
		return s
	}, client)
}

func TestCreateBucketTwice(t *testing.T) {
	t.Parallel()
	_, client, bucket := newBucketStore(t)
	if err := s3blob.CreateBucket(t.Context(), client, bucket); err != nil {
		t.Errorf("creating an owned bucket again: %v", err)
	}
}

// TestServerSideEncryption checks that objects written both ways are
// encrypted at rest without relying on a bucket default.
func TestServerSideEncryption(t *testing.T) {
	t.Parallel()
	s, client, bucket := newBucketStore(t)
	data := []byte("encrypted at rest")
	if err := blob.PutBytes(t.Context(), s, "put", data, "text/plain"); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	p, err := s.PresignPut(t.Context(), "presigned", blob.PresignPutOptions{
		Size: int64(len(data)), SHA256: sum[:], ContentType: "text/plain", Expires: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	upload(t, p, data)
	for _, key := range []string{"put", "presigned"} {
		out, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			t.Fatal(err)
		}
		if out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Errorf("%s: server-side encryption %q, want AES256", key, out.ServerSideEncryption)
		}
	}
}

// TestChecksumRefusalKeepsCause checks that a refused body surfaces as
// ErrChecksum with the store's own error still in the chain.
func TestChecksumRefusalKeepsCause(t *testing.T) {
	t.Parallel()
	s, _, _ := newBucketStore(t)
	wrong := sha256.Sum256([]byte("other"))
	err := s.Put(t.Context(), "k", strings.NewReader("body"), 4, blob.PutOptions{SHA256: wrong[:]})
	var apiErr smithy.APIError
	if !errors.Is(err, blob.ErrChecksum) || !errors.As(err, &apiErr) {
		t.Fatalf("Put with a wrong SHA-256: %v", err)
	}
	t.Logf("MinIO refuses with %s", apiErr.ErrorCode())
}

func upload(t *testing.T, p blob.Presigned, data []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), p.Method, p.URL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned upload: status %d", resp.StatusCode)
	}
}

// fake is an S3 endpoint that answers every request with one response.
type fake struct {
	status  int
	code    string // the S3 error code in the XML body; none when empty
	headers map[string]string
	body    string
	calls   atomic.Int32
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	io.Copy(io.Discard, r.Body)
	for k, v := range f.headers {
		w.Header().Set(k, v)
	}
	body := f.body
	if f.code != "" {
		w.Header().Set("Content-Type", "application/xml")
		body = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+
			`<Error><Code>%s</Code><Message>stand-in message</Message><RequestId>r1</RequestId></Error>`, f.code)
	}
	w.WriteHeader(f.status)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}

// fakeStore returns a store talking to f with retries off, so each call is
// one request.
func fakeStore(t *testing.T, f *fake, optFns ...func(*s3.Options)) *s3blob.Store {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	optFns = append([]func(*s3.Options){func(o *s3.Options) { o.Retryer = aws.NopRetryer{} }}, optFns...)
	client := s3blob.NewLocalClient(srv.URL, "key", "secret", "eu-west-2", optFns...)
	return s3blob.New(client, s3.NewPresignClient(client), "bucket")
}

// Calls that each make one request.
var (
	get = func(ctx context.Context, s *s3blob.Store) error {
		rc, err := s.Get(ctx, "k")
		if err == nil {
			rc.Close()
		}
		return err
	}
	stat = func(ctx context.Context, s *s3blob.Store) error { _, err := s.Stat(ctx, "k"); return err }
	put  = func(ctx context.Context, s *s3blob.Store) error {
		return blob.PutBytes(ctx, s, "k", []byte("body"), "text/plain")
	}
)

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		f      *fake
		call   func(context.Context, *s3blob.Store) error
		want   error // nil: none of the port's errors
		reason string
	}{
		{"NoSuchKey", &fake{status: 404, code: "NoSuchKey"}, get, blob.ErrNotFound, ""},
		{"HeadNotFound", &fake{status: 404}, stat, blob.ErrNotFound, ""},
		{"NoSuchBucket", &fake{status: 404, code: "NoSuchBucket"}, get, nil, "a missing bucket is a fault to fix"},
		{"AccessDenied", &fake{status: 403, code: "AccessDenied"}, get, nil, ""},
		{"BadDigest", &fake{status: 400, code: "BadDigest"}, put, blob.ErrChecksum, ""},
		{"ChecksumMismatch", &fake{status: 400, code: "XAmzContentChecksumMismatch"}, put, blob.ErrChecksum, ""},
		{"InvalidDigest", &fake{status: 400, code: "InvalidDigest"}, put, blob.ErrChecksum, ""},
		{"SlowDown", &fake{status: 503, code: "SlowDown"}, put, blob.ErrUnavailable, ""},
		{"ServiceUnavailable", &fake{status: 503, code: "ServiceUnavailable"}, get, blob.ErrUnavailable, ""},
		{"RequestTimeout", &fake{status: 400, code: "RequestTimeout"}, put, blob.ErrUnavailable, ""},
		{"InternalError", &fake{status: 500, code: "InternalError"}, stat, blob.ErrUnavailable, ""},
		{"HeadSlowDown", &fake{status: 503}, stat, blob.ErrUnavailable, "HEAD has no body, only the status"},
		{"ProxyGateway", &fake{status: 502, body: "<html>bad gateway</html>"}, get, blob.ErrUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(t.Context(), fakeStore(t, tt.f))
			if err == nil {
				t.Fatal("no error")
			}
			for _, portErr := range []error{blob.ErrNotFound, blob.ErrChecksum, blob.ErrUnavailable} {
				if want := portErr == tt.want; errors.Is(err, portErr) != want {
					t.Errorf("errors.Is(%v, %v) = %t, want %t %s", err, portErr, !want, want, tt.reason)
				}
			}
			if n := tt.f.calls.Load(); n != 1 {
				t.Errorf("%d requests, want 1 with retries off", n)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens on its address any more
	client := s3blob.NewLocalClient(srv.URL, "key", "secret", "eu-west-2", func(o *s3.Options) {
		o.Retryer = aws.NopRetryer{}
	})
	s := s3blob.New(client, s3.NewPresignClient(client), "bucket")
	if err := get(t.Context(), s); !errors.Is(err, blob.ErrUnavailable) {
		t.Errorf("Get from a closed port: %v, want ErrUnavailable", err)
	}
}

// TestRetriesBounded checks NewLocalClient's own retryer gives up after a
// few attempts and reports the store unavailable.
func TestRetriesBounded(t *testing.T) {
	t.Parallel()
	f := &fake{status: 503, code: "SlowDown"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := s3blob.NewLocalClient(srv.URL, "key", "secret", "eu-west-2")
	s := s3blob.New(client, s3.NewPresignClient(client), "bucket")
	if err := put(t.Context(), s); !errors.Is(err, blob.ErrUnavailable) {
		t.Errorf("Put to a throttling store: %v, want ErrUnavailable", err)
	}
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestStatReadsHeaders(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("body"))
	b64 := base64.StdEncoding.EncodeToString(sum[:])
	for _, tt := range []struct {
		name, checksumType string
		want               []byte
	}{
		{"FullObject", "FULL_OBJECT", sum[:]},
		{"Untyped", "", sum[:]},
		{"Composite", "COMPOSITE", nil}, // a checksum of part checksums
	} {
		f := &fake{status: 200, headers: map[string]string{
			"Content-Length": "4", "Content-Type": "text/csv",
			"x-amz-checksum-sha256": b64, "x-amz-checksum-type": tt.checksumType,
		}}
		info, err := fakeStore(t, f).Stat(t.Context(), "k")
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != 4 || info.ContentType != "text/csv" || !bytes.Equal(info.SHA256, tt.want) {
			t.Errorf("%s: Stat = %+v, want size 4, text/csv, %x", tt.name, info, tt.want)
		}
	}
}

// TestGetVerifiesChecksum checks that a body that does not match the
// checksum the store sent fails to read to the end, even with a client that
// validates only when the call asks (as the SDK may be configured in AWS).
func TestGetVerifiesChecksum(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("the stored body"))
	f := &fake{status: 200, body: "a corrupted body", headers: map[string]string{
		"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum[:]),
	}}
	onlyWhenAsked := func(o *s3.Options) { o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired }
	rc, err := fakeStore(t, f, onlyWhenAsked).Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("read a body that does not match its checksum without an error")
	}
}

// TestPresignPutSignsTheObject checks what the URL binds, without a store:
// the signature, not a header the client may drop, carries each promise.
func TestPresignPutSignsTheObject(t *testing.T) {
	t.Parallel()
	s := fakeStore(t, &fake{status: 500})
	for _, size := range []int64{0, 5} {
		sum := sha256.Sum256(make([]byte, size))
		p, err := s.PresignPut(t.Context(), "a b/c", blob.PresignPutOptions{
			Size: size, SHA256: sum[:], ContentType: "text/csv", Expires: 90 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(p.URL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		signed := q.Get("X-Amz-SignedHeaders")
		want := []string{"content-type", "host", "x-amz-checksum-sha256", "x-amz-server-side-encryption"}
		if size > 0 {
			// SigV4 signs Content-Length only when it is not zero; the
			// empty body's checksum binds the size then.
			want = append([]string{"content-length"}, want...)
		}
		if signed != strings.Join(want, ";") {
			t.Errorf("size %d: signed headers %q, want %q", size, signed, strings.Join(want, ";"))
		}
		wantHeaders := map[string]string{
			"Content-Length":               fmt.Sprint(size),
			"Content-Type":                 "text/csv",
			"X-Amz-Checksum-Sha256":        base64.StdEncoding.EncodeToString(sum[:]),
			"X-Amz-Server-Side-Encryption": "AES256",
		}
		if fmt.Sprint(p.Headers) != fmt.Sprint(wantHeaders) {
			t.Errorf("size %d: headers %v, want %v", size, p.Headers, wantHeaders)
		}
		at, _ := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
		if q.Get("X-Amz-Expires") != "90" || !p.ExpiresAt.Equal(at.Add(90*time.Second)) {
			t.Errorf("size %d: expires %s after %s, ExpiresAt %s", size, q.Get("X-Amz-Expires"), at, p.ExpiresAt)
		}
	}
}

func TestPresignRefusesBadOptions(t *testing.T) {
	t.Parallel()
	s := fakeStore(t, &fake{status: 500})
	sum := sha256.Sum256(nil)
	for name, o := range map[string]blob.PresignPutOptions{
		"short digest":  {SHA256: sum[:16], Expires: time.Minute},
		"no digest":     {Expires: time.Minute},
		"no lifetime":   {SHA256: sum[:]},
		"negative size": {Size: -1, SHA256: sum[:], Expires: time.Minute},
	} {
		if _, err := s.PresignPut(t.Context(), "k", o); err == nil {
			t.Errorf("%s: presigned anyway", name)
		}
	}
	if _, err := s.PresignGet(t.Context(), "k", 0); err == nil {
		t.Error("presigned a GET without a lifetime")
	}
}

// TestPutWrongSize checks a body of another length than declared is refused
// before any request, not retried and reported as the store's failure.
func TestPutWrongSize(t *testing.T) {
	t.Parallel()
	f := &fake{status: 200}
	s := fakeStore(t, f)
	for _, size := range []int64{3, 5} {
		err := s.Put(t.Context(), "k", strings.NewReader("body"), size, blob.PutOptions{})
		if err == nil || errors.Is(err, blob.ErrUnavailable) {
			t.Errorf("Put of 4 bytes declared as %d: %v", size, err)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
