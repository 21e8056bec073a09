package fileblob_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/blobtest"
)

var signingKey = []byte("test signing key, 32 bytes long!")

// serve starts a server mounting a store over dir as the local server does.
func serve(t *testing.T, dir string) *fileblob.Store {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s, err := fileblob.New(dir, srv.URL, signingKey)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/local-blobs/", s.Handler())
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	client := &http.Client{Timeout: 30 * time.Second}
	blobtest.Run(t, func(t *testing.T) blob.Store { return serve(t, t.TempDir()) }, client)
}

func TestSharedStore(t *testing.T) {
	t.Parallel()
	s := serve(t, t.TempDir())
	blobtest.Run(t, func(*testing.T) blob.Store { return s }, http.DefaultClient)
}

func TestKeySafety(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	root := t.TempDir()
	s := serve(t, filepath.Join(root, "store"))
	bad := []string{
		"", "/absolute", "a//b", "a/", "..", ".", "../escape", "a/../../escape", "a/./b",
		`a\b`, `..\escape`, "nul\x00byte", "\xff\xfe", strings.Repeat("k", 1025),
	}
	for _, key := range bad {
		err := blob.PutBytes(ctx, s, key, []byte("x"), "text/plain")
		if !errors.Is(err, fileblob.ErrInvalidKey) {
			t.Errorf("Put %q: got %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Get(ctx, key); !errors.Is(err, fileblob.ErrInvalidKey) {
			t.Errorf("Get %q: got %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, fileblob.ErrInvalidKey) {
			t.Errorf("Stat %q: got %v, want ErrInvalidKey", key, err)
		}
		if _, err := s.PresignGet(ctx, key, time.Minute); !errors.Is(err, fileblob.ErrInvalidKey) {
			t.Errorf("PresignGet %q: got %v, want ErrInvalidKey", key, err)
		}
		sum := sha256.Sum256(nil)
		if _, err := s.PresignPut(ctx, key, blob.PresignPutOptions{SHA256: sum[:], Expires: time.Minute}); !errors.Is(err, fileblob.ErrInvalidKey) {
			t.Errorf("PresignPut %q: got %v, want ErrInvalidKey", key, err)
		}
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("files appeared beside the store: %v", entries)
	}

	good := []string{"a", "b/c", "..a", "a..", ".hidden", "d/.e/f", "x y", "\u00fc", "a:b", strings.Repeat("k", 200)}
	for _, key := range good {
		if err := blob.PutBytes(ctx, s, key, []byte(key), "text/plain"); err != nil {
			t.Errorf("Put %q: %v", key, err)
		}
	}
}

// TestKeyUnderObject: keys are paths, so an object cannot also be a folder.
func TestKeyUnderObject(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := serve(t, t.TempDir())
	mustPut(t, s, "a", "object a")
	if err := blob.PutBytes(ctx, s, "a/b", []byte("x"), ""); err == nil {
		t.Error("Put under an object's key succeeded")
	}
	if _, err := s.Stat(ctx, "a/b"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat under an object's key: got %v, want ErrNotFound", err)
	}
	mustPut(t, s, "dir/x", "x")
	if _, err := s.Stat(ctx, "dir"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat of a folder: got %v, want ErrNotFound", err)
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := serve(t, dir)
	mustPut(t, first, "kept", "survives a restart")
	second := serve(t, dir)
	got, err := blob.ReadAll(t.Context(), second, "kept", 100)
	if err != nil || string(got) != "survives a restart" {
		t.Fatalf("after reopening: %q, %v", got, err)
	}
}

// TestHandlerStatuses checks the exact statuses the suite only requires to
// be refusals.
func TestHandlerStatuses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := serve(t, t.TempDir())
	data := []byte("0123456789")
	sum := sha256.Sum256(data)
	put, err := s.PresignPut(ctx, "doc", blob.PresignPutOptions{Size: int64(len(data)), SHA256: sum[:], ContentType: "text/plain", Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	shortPut, err := s.PresignPut(ctx, "short", blob.PresignPutOptions{Size: int64(len(data)), SHA256: sum[:], ContentType: "text/plain", Expires: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	missing, err := s.PresignGet(ctx, "missing", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	headers := put.Headers
	other := []byte("9876543210")

	cases := []struct {
		name, method, url string
		headers           map[string]string
		body              []byte
		want              int
	}{
		{"GetWithPutURL", http.MethodGet, put.URL, nil, nil, http.StatusForbidden},
		{"PutWithGetURL", http.MethodPut, missing.URL, headers, data, http.StatusForbidden},
		{"Post", http.MethodPost, put.URL, headers, data, http.StatusMethodNotAllowed},
		{"OutsidePrefix", http.MethodPut, strings.Replace(put.URL, "/local-blobs/", "/other/", 1), headers, data, http.StatusNotFound},
		{"LongerExpiry", http.MethodPut, withParam(t, put.URL, "X-Rdx-Expires", "9999999999"), headers, data, http.StatusForbidden},
		{"OtherContentType", http.MethodPut, put.URL, with(headers, "Content-Type", "text/html"), data, http.StatusForbidden},
		{"NoChecksumHeader", http.MethodPut, put.URL, with(headers, "x-amz-checksum-sha256", ""), data, http.StatusForbidden},
		{"OtherChecksumHeader", http.MethodPut, put.URL, with(headers, "x-amz-checksum-sha256", b64sha(other)), data, http.StatusForbidden},
		{"ShortBody", http.MethodPut, put.URL, headers, data[1:], http.StatusBadRequest},
		{"LongBody", http.MethodPut, put.URL, headers, append(bytes.Clone(data), '!'), http.StatusBadRequest},
		{"OtherBody", http.MethodPut, put.URL, headers, other, http.StatusBadRequest},
		{"MissingObject", http.MethodGet, missing.URL, nil, nil, http.StatusNotFound},
		{"Upload", http.MethodPut, put.URL, headers, data, http.StatusOK},
	}
	for _, c := range cases {
		if got := status(t, c.method, c.url, c.headers, c.body); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}

	time.Sleep(time.Until(shortPut.ExpiresAt) + 100*time.Millisecond)
	if got := status(t, http.MethodPut, shortPut.URL, shortPut.Headers, data); got != http.StatusForbidden {
		t.Errorf("expired: status %d, want %d", got, http.StatusForbidden)
	}
}

func TestOnPut(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := serve(t, t.TempDir())
	var (
		mu   sync.Mutex
		keys []string
	)
	s.OnPut(func(key string) {
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, key)
	})
	mustPut(t, s, "direct", "not presigned")
	data := []byte("uploaded")
	sum := sha256.Sum256(data)
	p, err := s.PresignPut(ctx, "in/box", blob.PresignPutOptions{Size: int64(len(data)), SHA256: sum[:], Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if code := status(t, p.Method, p.URL, p.Headers, []byte("refused!")); code != http.StatusBadRequest {
		t.Fatalf("wrong body: status %d", code)
	}
	if code := status(t, p.Method, p.URL, p.Headers, data); code != http.StatusOK {
		t.Fatalf("upload: status %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 1 || keys[0] != "in/box" {
		t.Errorf("OnPut saw %q, want [in/box]", keys)
	}
}

// TestRefusalsLeaveNoFiles: a refused write leaves no temporary file behind
// and no object.
func TestRefusalsLeaveNoFiles(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	s := serve(t, dir)
	wrong := sha256.Sum256([]byte("other"))
	err := s.Put(ctx, "k", bytes.NewReader([]byte("body")), 4, blob.PutOptions{SHA256: wrong[:]})
	if !errors.Is(err, blob.ErrChecksum) {
		t.Fatalf("wrong digest: %v", err)
	}
	if err := s.Put(ctx, "k", bytes.NewReader([]byte("body")), 3, blob.PutOptions{}); err == nil {
		t.Fatal("Put of 4 bytes declared as 3 succeeded")
	}
	if err := s.Put(ctx, "k", bytes.NewReader([]byte("body")), 5, blob.PutOptions{}); err == nil {
		t.Fatal("Put of 4 bytes declared as 5 succeeded")
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("file left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		base string
		key  []byte
	}{
		{"http://localhost:8080", nil},
		{"localhost:8080", signingKey},
		{"/relative", signingKey},
		{"ftp://host", signingKey},
	} {
		if _, err := fileblob.New(t.TempDir(), c.base, c.key); err == nil {
			t.Errorf("New(%q, key of %d bytes) succeeded", c.base, len(c.key))
		}
	}
}

func mustPut(t *testing.T, s blob.Store, key, data string) {
	t.Helper()
	if err := blob.PutBytes(t.Context(), s, key, []byte(data), "text/plain"); err != nil {
		t.Fatal(err)
	}
}

func status(t *testing.T, method, rawURL string, headers map[string]string, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// with returns a copy of h with k set to v; an empty v leaves the header out.
func with(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		if !strings.EqualFold(hk, k) {
			out[hk] = hv
		}
	}
	return out
}

func withParam(t *testing.T, rawURL, name, value string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func b64sha(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}
