// Package blobtest checks that an adapter keeps the promises of the blob
// port (package blob), in the manner of testing/fstest: an adapter's own
// test calls Run with a constructor.
//
// The suite tests only what the port says, so the same tests hold for local
// files and for S3. Every subtest uses keys under a random prefix of its own,
// so all of them may share one bucket and run in parallel.
package blobtest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/blob"
)

// Run runs the suite against stores made by newStore, which is called once
// per subtest and may return the same store each time; client makes the
// requests to presigned URLs. Run returns only after every subtest has
// finished, so the caller may then release a shared backend.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store, client *http.Client) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, blob.Store, *http.Client)
	}{
		{"RoundTrip", testRoundTrip},
		{"PutWithoutDigest", testPutWithoutDigest},
		{"Missing", testMissing},
		{"ChecksumMismatch", testChecksumMismatch},
		{"Overwrite", testOverwrite},
		{"KeysWithSlashes", testKeysWithSlashes},
		{"PresignPut", testPresignPut},
		{"PresignPutEmpty", testPresignPutEmpty},
		{"PresignPutWrongSize", testPresignPutWrongSize},
		{"PresignPutWrongContent", testPresignPutWrongContent},
		{"PresignGet", testPresignGet},
		{"PresignGetTampered", testPresignGetTampered},
		{"PresignExpired", testPresignExpired},
	}
	// The group makes Run wait for the parallel subtests.
	t.Run("blobtest", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.fn(t, newStore(t), client)
			})
		}
	})
}

func testRoundTrip(t *testing.T, s blob.Store, _ *http.Client) {
	prefix := uniquePrefix(t)
	objects := []struct {
		key, contentType string
		data             []byte
	}{
		{prefix + "binary.bin", "application/octet-stream", everyByte(4)},
		{prefix + "empty.txt", "text/plain", []byte{}},
		{prefix + "large.pdf", "application/pdf", randomBytes(5<<20 + 3)},
	}
	for _, o := range objects {
		if err := blob.PutBytes(t.Context(), s, o.key, o.data, o.contentType); err != nil {
			t.Fatalf("Put %q: %v", o.key, err)
		}
	}
	for _, o := range objects {
		wantObject(t, s, o.key, o.data, o.contentType)
	}
}

func testPutWithoutDigest(t *testing.T, s blob.Store, _ *http.Client) {
	key := uniquePrefix(t) + "object"
	data := []byte("stored without a digest to check")
	if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	wantObject(t, s, key, data, "text/plain")
}

func testMissing(t *testing.T, s blob.Store, _ *http.Client) {
	wantAbsent(t, s, uniquePrefix(t)+"missing")
}

// testChecksumMismatch refuses a body whose digest is not the declared one,
// both for a new key and over an existing object, which must survive.
func testChecksumMismatch(t *testing.T, s blob.Store, _ *http.Client) {
	ctx := t.Context()
	prefix := uniquePrefix(t)
	data := []byte("the real content")
	wrong := sha256.Sum256([]byte("other content"))
	put := func(key string) error {
		return s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "text/plain", SHA256: wrong[:]})
	}
	if err := put(prefix + "new"); !errors.Is(err, blob.ErrChecksum) {
		t.Errorf("Put with a wrong SHA-256: got %v, want ErrChecksum", err)
	}
	wantAbsent(t, s, prefix+"new")

	old := []byte("previous content")
	mustPut(t, s, prefix+"existing", old, "text/csv")
	if err := put(prefix + "existing"); !errors.Is(err, blob.ErrChecksum) {
		t.Errorf("overwrite with a wrong SHA-256: got %v, want ErrChecksum", err)
	}
	wantObject(t, s, prefix+"existing", old, "text/csv")
}

// testOverwrite replaces an object with a longer one and then a shorter one,
// which must not keep the longer one's tail or metadata.
func testOverwrite(t *testing.T, s blob.Store, _ *http.Client) {
	key := uniquePrefix(t) + "object"
	mustPut(t, s, key, []byte("first"), "text/plain")
	mustPut(t, s, key, []byte("second, and longer"), "application/json")
	wantObject(t, s, key, []byte("second, and longer"), "application/json")
	mustPut(t, s, key, []byte("3rd"), "text/csv")
	wantObject(t, s, key, []byte("3rd"), "text/csv")
}

func testKeysWithSlashes(t *testing.T, s blob.Store, _ *http.Client) {
	prefix := uniquePrefix(t)
	keys := []string{prefix + "a/b/c.txt", prefix + "a/b/d.txt", prefix + "a/e.txt", prefix + "f.txt"}
	for _, k := range keys {
		mustPut(t, s, k, []byte(k), "text/plain")
	}
	for _, k := range keys {
		wantObject(t, s, k, []byte(k), "text/plain")
	}
	wantAbsent(t, s, prefix+"a/b/c")
}

// oddKey needs escaping in a URL path: a space, a plus, a percent sign and
// non-ASCII letters.
const oddKey = "with space+plus%25/\u00fcber \u65e5\u672c.bin"

func testPresignPut(t *testing.T, s blob.Store, client *http.Client) {
	for _, key := range []string{uniquePrefix(t) + "upload.pdf", uniquePrefix(t) + oddKey} {
		data := randomBytes(64 << 10)
		p := presignPut(t, s, key, data, "application/pdf", time.Minute)
		if p.Method != http.MethodPut {
			t.Errorf("presigned method %q, want PUT", p.Method)
		}
		if code, _ := do(t, client, p, data); code/100 != 2 {
			t.Fatalf("presigned PUT of %q: status %d", key, code)
		}
		wantObject(t, s, key, data, "application/pdf")
	}
}

func testPresignPutEmpty(t *testing.T, s blob.Store, client *http.Client) {
	key := uniquePrefix(t) + "empty"
	p := presignPut(t, s, key, nil, "text/plain", time.Minute)
	if code, _ := do(t, client, p, nil); code/100 != 2 {
		t.Fatalf("presigned PUT of an empty object: status %d", code)
	}
	wantObject(t, s, key, nil, "text/plain")
}

func testPresignPutWrongSize(t *testing.T, s blob.Store, client *http.Client) {
	key := uniquePrefix(t) + "object"
	data := randomBytes(4096)
	p := presignPut(t, s, key, data, "text/csv", time.Minute)
	for _, body := range [][]byte{append(bytes.Clone(data), 'x'), data[:len(data)-1], nil} {
		if code, _ := do(t, client, p, body); code/100 == 2 {
			t.Errorf("presigned PUT accepted %d bytes for a declared %d", len(body), len(data))
		}
	}
	wantAbsent(t, s, key)
}

// testPresignPutWrongContent sends a body of the declared size but other
// bytes, then shows the refusal did not spend the URL.
func testPresignPutWrongContent(t *testing.T, s blob.Store, client *http.Client) {
	key := uniquePrefix(t) + "object"
	data := randomBytes(4096)
	p := presignPut(t, s, key, data, "text/csv", time.Minute)
	other := bytes.Clone(data)
	other[len(other)/2] ^= 1
	if code, _ := do(t, client, p, other); code/100 == 2 {
		t.Fatalf("presigned PUT accepted a body with another SHA-256 (status %d)", code)
	}
	wantAbsent(t, s, key)
	if code, _ := do(t, client, p, data); code/100 != 2 {
		t.Fatalf("presigned PUT of the right body after a refusal: status %d", code)
	}
	wantObject(t, s, key, data, "text/csv")
}

func testPresignGet(t *testing.T, s blob.Store, client *http.Client) {
	for _, key := range []string{uniquePrefix(t) + "download.bin", uniquePrefix(t) + oddKey} {
		data := randomBytes(100 << 10)
		mustPut(t, s, key, data, "application/octet-stream")
		p, err := s.PresignGet(t.Context(), key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if p.Method != http.MethodGet {
			t.Errorf("presigned method %q, want GET", p.Method)
		}
		code, got := do(t, client, p, nil)
		if code != http.StatusOK || !bytes.Equal(got, data) {
			t.Errorf("presigned GET of %q: status %d, %d bytes (want %d)", key, code, len(got), len(data))
		}
	}
}

func testPresignGetTampered(t *testing.T, s blob.Store, client *http.Client) {
	prefix := uniquePrefix(t)
	// Both keys exist, so a refusal can only be the signature's doing.
	mustPut(t, s, prefix+"object-a", []byte("a"), "text/plain")
	mustPut(t, s, prefix+"object-b", []byte("b"), "text/plain")
	p, err := s.PresignGet(t.Context(), prefix+"object-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}

	otherKey := *u
	otherKey.Path = strings.TrimSuffix(u.Path, "a") + "b"
	otherKey.RawPath = ""
	otherSig := *u
	otherSig.RawQuery = tamperSignature(t, u.Query()).Encode()
	for name, tampered := range map[string]*url.URL{"key": &otherKey, "signature": &otherSig} {
		bad := p
		bad.URL = tampered.String()
		if code, _ := do(t, client, bad, nil); code/100 == 2 {
			t.Errorf("presigned GET with a changed %s succeeded", name)
		}
	}
}

// tamperSignature changes one character of the query parameter whose name
// says it is the signature (X-Amz-Signature for S3).
func tamperSignature(t *testing.T, q url.Values) url.Values {
	for name, v := range q {
		if strings.Contains(strings.ToLower(name), "signature") && len(v) == 1 && v[0] != "" {
			sig := []byte(v[0])
			if sig[0] == '0' {
				sig[0] = '1'
			} else {
				sig[0] = '0'
			}
			q.Set(name, string(sig))
			return q
		}
	}
	t.Fatalf("no signature parameter in %v", q)
	return nil
}

// testPresignExpired waits out one-second URLs; the subtest runs in
// parallel with the rest, so the wait costs the suite little.
func testPresignExpired(t *testing.T, s blob.Store, client *http.Client) {
	prefix := uniquePrefix(t)
	data := []byte("expiring")
	mustPut(t, s, prefix+"download", data, "text/plain")
	get, err := s.PresignGet(t.Context(), prefix+"download", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	put := presignPut(t, s, prefix+"upload", data, "text/plain", time.Second)
	// The margin allows for a server whose clock is a little behind ours.
	time.Sleep(time.Until(later(get.ExpiresAt, put.ExpiresAt)) + 1500*time.Millisecond)

	if code, _ := do(t, client, put, data); code/100 == 2 {
		t.Errorf("expired presigned PUT succeeded")
	}
	wantAbsent(t, s, prefix+"upload")
	if code, _ := do(t, client, get, nil); code/100 == 2 {
		t.Errorf("expired presigned GET succeeded")
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// uniquePrefix is a key prefix no other subtest or run uses.
func uniquePrefix(t *testing.T) string {
	return "blobtest/" + t.Name() + "/" + strings.ToLower(rand.Text()) + "/"
}

func everyByte(times int) []byte {
	b := make([]byte, 256*times)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func mustPut(t *testing.T, s blob.Store, key string, data []byte, contentType string) {
	t.Helper()
	if err := blob.PutBytes(t.Context(), s, key, data, contentType); err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
}

// wantObject checks an object's bytes and what Stat says of it. S3 may not
// record a digest, so one is compared only when present.
func wantObject(t *testing.T, s blob.Store, key string, data []byte, contentType string) {
	t.Helper()
	got, err := blob.ReadAll(t.Context(), s, key, int64(len(data))+1)
	if err != nil {
		t.Fatalf("Get %q: %v", key, err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("Get %q: %d bytes differ from the %d stored", key, len(got), len(data))
	}
	info, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat %q: %v", key, err)
	}
	sum := sha256.Sum256(data)
	if info.Size != int64(len(data)) || info.ContentType != contentType || info.SHA256 != nil && !bytes.Equal(info.SHA256, sum[:]) {
		t.Errorf("Stat %q = size %d, type %q, SHA-256 %x; want %d, %q, %x",
			key, info.Size, info.ContentType, info.SHA256, len(data), contentType, sum)
	}
}

func wantAbsent(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if _, err := s.Stat(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat %q: got %v, want ErrNotFound", key, err)
	}
	rc, err := s.Get(t.Context(), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get %q: got %v, want ErrNotFound", key, err)
	}
}

func presignPut(t *testing.T, s blob.Store, key string, data []byte, contentType string, expires time.Duration) blob.Presigned {
	t.Helper()
	sum := sha256.Sum256(data)
	p, err := s.PresignPut(t.Context(), key, blob.PresignPutOptions{
		Size: int64(len(data)), SHA256: sum[:], ContentType: contentType, Expires: expires,
	})
	if err != nil {
		t.Fatalf("PresignPut %q: %v", key, err)
	}
	return p
}

// do makes the presigned request with body and the headers the URL
// requires, and returns the status and response body.
func do(t *testing.T, client *http.Client, p blob.Presigned, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Headers {
		switch strings.ToLower(k) {
		case "host":
			req.Host = v
		case "content-length": // set from the body, which may differ on purpose
		default:
			req.Header.Set(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", p.Method, p.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the response: %v", p.Method, p.URL, err)
	}
	return resp.StatusCode, data
}
