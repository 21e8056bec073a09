// Package fileblob implements the blob port on local files, for the local
// server and for tests, with presigned URLs served by the store's own
// HTTP handler.
//
// An object with key "a/b.pdf" is the file objects/a/b.pdf under the store's
// directory. The file holds the object's bytes followed by a trailer with its
// content type and SHA-256, so that one rename publishes data and metadata
// together and a crash can never pair an object with another's metadata.
// Because keys are paths, a key cannot also be a "directory" of other keys
// ("a" and "a/b"), which S3 would allow.
package fileblob

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/regional-data-exchange/rdx/shared/blob"
)

// ErrInvalidKey is a key that cannot name a file safely under the store's
// directory. The port has no error for bad arguments, so it is this
// adapter's own.
var ErrInvalidKey = errors.New("fileblob: invalid key")

// errSize is a body whose length is not the declared size.
var errSize = errors.New("fileblob: body size differs from the declared size")

const maxKeyLength = 1024 // S3's limit

// Store is a blob.Store kept in a directory.
type Store struct {
	objects, tmp string
	base         *url.URL
	signingKey   []byte
	onPut        atomic.Pointer[func(key string)]
}

var _ blob.Store = (*Store)(nil)

// New opens or creates a store in dir. baseURL is where the server that
// mounts Handler at /local-blobs/ is reached; signingKey authenticates the
// presigned URLs, so it must be secret and stable across restarts for URLs
// to outlive the process.
func New(dir, baseURL string, signingKey []byte) (*Store, error) {
	if len(signingKey) == 0 {
		return nil, errors.New("fileblob: empty signing key")
	}
	base, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("fileblob: base URL %q is not an absolute http(s) URL", baseURL)
	}
	s := &Store{
		objects:    filepath.Join(dir, "objects"),
		tmp:        filepath.Join(dir, "tmp"),
		base:       base,
		signingKey: bytes.Clone(signingKey),
	}
	for _, d := range []string{s.objects, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("fileblob: %w", err)
		}
	}
	return s, nil
}

// OnPut sets fn to be called with the key after each presigned PUT stores an
// object, as S3 sends ObjectCreated, so the local server can start
// validation in-process. fn runs before the upload's response is sent and
// should hand long work to a goroutine.
func (s *Store) OnPut(fn func(key string)) { s.onPut.Store(&fn) }

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts blob.PutOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.SHA256 != nil && len(opts.SHA256) != sha256.Size {
		return fmt.Errorf("%w: SHA-256 of %d bytes", blob.ErrChecksum, len(opts.SHA256))
	}
	return s.write(key, body, size, opts.ContentType, opts.SHA256)
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, m, err := s.open(key)
	if err != nil {
		return nil, err
	}
	return object{io.NewSectionReader(f, 0, m.Size), f}, nil
}

// object reads an object's bytes, stopping before the trailer.
type object struct {
	*io.SectionReader
	io.Closer
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := ctx.Err(); err != nil {
		return blob.Info{}, err
	}
	f, m, err := s.open(key)
	if err != nil {
		return blob.Info{}, err
	}
	f.Close()
	return blob.Info{Size: m.Size, ContentType: m.ContentType, SHA256: m.SHA256}, nil
}

// path maps a key to its file, refusing any key that could name a file
// outside the objects directory or that two spellings could share.
func (s *Store) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.objects, filepath.FromSlash(key)), nil
}

func checkKey(key string) error {
	bad := len(key) == 0 || len(key) > maxKeyLength || !utf8.ValidString(key) ||
		strings.ContainsAny(key, "\\\x00") ||
		// IsLocal adds the platform's own rules, such as Windows device names.
		!filepath.IsLocal(filepath.FromSlash(key))
	for seg := range strings.SplitSeq(key, "/") {
		bad = bad || seg == "" || seg == "." || seg == ".."
	}
	if bad {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

// write stores an object atomically: nothing is visible under the key until
// a complete, checked file is renamed into place.
func (s *Store) write(key string, body io.Reader, size int64, contentType string, want []byte) error {
	dst, err := s.path(key)
	if err != nil {
		return err
	}
	tmp, err := s.stage(body, size, contentType, want)
	if err != nil {
		return fmt.Errorf("fileblob: storing %q: %w", key, err)
	}
	if err := publish(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fileblob: storing %q: %w", key, err)
	}
	return nil
}

// stage streams body into a synced temporary file while hashing it and
// returns the file's name only if the body has the declared size and digest.
// At most size+1 bytes are read, so an overlong body is refused without
// reading it all.
func (s *Store) stage(body io.Reader, size int64, contentType string, want []byte) (name string, err error) {
	if size < 0 {
		return "", errSize
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, size+1))
	sum := h.Sum(nil)
	switch {
	case err != nil:
		return "", err
	case n != size:
		return "", fmt.Errorf("%w: %d bytes, declared %d", errSize, n, size)
	case want != nil && !bytes.Equal(sum, want):
		return "", blob.ErrChecksum
	}
	if err := writeTrailer(f, meta{Size: size, ContentType: contentType, SHA256: sum}); err != nil {
		return "", err
	}
	return f.Name(), f.Sync()
}

// publish renames the finished file into place and syncs the directory so
// the rename itself survives a crash.
func publish(tmp, dst string) error {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// open returns an object's file and metadata; the caller closes the file.
func (s *Store) open(key string) (*os.File, meta, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, meta{}, err
	}
	f, err := os.Open(p)
	// ENOTDIR: a prefix of the key is an object, so the key cannot be one.
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, meta{}, fmt.Errorf("%w: %q", blob.ErrNotFound, key)
	}
	if err != nil {
		return nil, meta{}, fmt.Errorf("fileblob: %w", err)
	}
	m, err := readTrailer(f)
	if err != nil {
		f.Close()
		return nil, meta{}, fmt.Errorf("fileblob: %q: %w", key, err)
	}
	return f, m, nil
}

// meta is an object's trailer.
type meta struct {
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	SHA256      []byte `json:"sha256"`
}

// The trailer is the JSON of meta, its length as four big-endian bytes, then
// trailerMagic, so that a file this store did not write is not mistaken for
// an object.
const trailerMagic = "rdxblob1"

const trailerTail = 4 + len(trailerMagic)

func writeTrailer(w io.Writer, m meta) error {
	j, err := json.Marshal(m)
	if err != nil {
		return err
	}
	j = binary.BigEndian.AppendUint32(j, uint32(len(j)))
	_, err = w.Write(append(j, trailerMagic...))
	return err
}

var errNotObject = errors.New("not an object file")

// readTrailer reads an object's metadata. A directory is missing rather
// than broken: it holds keys that extend this one.
func readTrailer(f *os.File) (meta, error) {
	fi, err := f.Stat()
	switch {
	case err != nil:
		return meta{}, err
	case fi.IsDir():
		return meta{}, blob.ErrNotFound
	case fi.Size() < int64(trailerTail):
		return meta{}, errNotObject
	}
	tail := make([]byte, trailerTail)
	if _, err := f.ReadAt(tail, fi.Size()-int64(trailerTail)); err != nil {
		return meta{}, err
	}
	n := int64(binary.BigEndian.Uint32(tail))
	if string(tail[4:]) != trailerMagic || n > fi.Size()-int64(trailerTail) {
		return meta{}, errNotObject
	}
	j := make([]byte, n)
	if _, err := f.ReadAt(j, fi.Size()-int64(trailerTail)-n); err != nil {
		return meta{}, err
	}
	var m meta
	if err := json.Unmarshal(j, &m); err != nil || m.Size != fi.Size()-int64(trailerTail)-n {
		return meta{}, errNotObject
	}
	return m, nil
}

// Query parameters of a presigned URL. Every one but the signature is
// signed, with the method and the key.
const (
	paramExpires     = "X-Rdx-Expires"
	paramSize        = "X-Rdx-Size"
	paramSHA256      = "X-Rdx-Sha256"
	paramContentType = "X-Rdx-Content-Type"
	paramSignature   = "X-Rdx-Signature"
)

// checksumHeader carries the object's base64 SHA-256 as S3 expects it, so
// that a client sends the same headers to either store.
const checksumHeader = "x-amz-checksum-sha256"

// PresignPut implements blob.Store. The URL accepts one body only: the
// declared size, digest and content type are all signed.
func (s *Store) PresignPut(ctx context.Context, key string, o blob.PresignPutOptions) (blob.Presigned, error) {
	if err := checkKey(key); err != nil {
		return blob.Presigned{}, err
	}
	if o.Size < 0 || len(o.SHA256) != sha256.Size {
		return blob.Presigned{}, fmt.Errorf("fileblob: presigned PUT needs a size and a SHA-256 (got %d, %d bytes)", o.Size, len(o.SHA256))
	}
	exp, err := expiry(o.Expires)
	if err != nil {
		return blob.Presigned{}, err
	}
	q := url.Values{
		paramExpires:     {strconv.FormatInt(exp.Unix(), 10)},
		paramSize:        {strconv.FormatInt(o.Size, 10)},
		paramSHA256:      {hex.EncodeToString(o.SHA256)},
		paramContentType: {o.ContentType},
	}
	headers := map[string]string{checksumHeader: base64.StdEncoding.EncodeToString(o.SHA256)}
	if o.ContentType != "" {
		headers["Content-Type"] = o.ContentType
	}
	return blob.Presigned{URL: s.signedURL(http.MethodPut, key, q), Method: http.MethodPut, Headers: headers, ExpiresAt: exp}, nil
}

// PresignGet implements blob.Store.
func (s *Store) PresignGet(ctx context.Context, key string, expires time.Duration) (blob.Presigned, error) {
	if err := checkKey(key); err != nil {
		return blob.Presigned{}, err
	}
	exp, err := expiry(expires)
	if err != nil {
		return blob.Presigned{}, err
	}
	q := url.Values{paramExpires: {strconv.FormatInt(exp.Unix(), 10)}}
	return blob.Presigned{URL: s.signedURL(http.MethodGet, key, q), Method: http.MethodGet, ExpiresAt: exp}, nil
}

// expiry turns a lifetime into the whole second a URL stops working,
// rounding up so that a URL never lives shorter than asked.
func expiry(d time.Duration) (time.Time, error) {
	if d <= 0 {
		return time.Time{}, fmt.Errorf("fileblob: presigned URL lifetime %v", d)
	}
	return time.Now().Add(d + time.Second - 1).Truncate(time.Second), nil
}

// signedURL adds the signature to q and builds the URL. The path is set
// unescaped so that url.URL escapes it once; url.JoinPath would read a "%"
// in the key as an escape.
func (s *Store) signedURL(method, key string, q url.Values) string {
	q.Set(paramSignature, s.sign(method, key, q))
	u := *s.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/local-blobs/" + key
	u.RawPath = ""
	u.RawQuery = q.Encode()
	return u.String()
}

// sign is the HMAC-SHA256 of the method, key and signed parameters, each
// length-prefixed so that no two requests share a message.
func (s *Store) sign(method, key string, q url.Values) string {
	m := hmac.New(sha256.New, s.signingKey)
	for _, f := range []string{method, key, q.Get(paramExpires), q.Get(paramSize), q.Get(paramSHA256), q.Get(paramContentType)} {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		io.WriteString(m, f)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// Handler serves presigned URLs. Mount it at "/local-blobs/" as is (it
// expects that prefix in the path). Like S3 it authorises a request by its
// signature and expiry alone.
func (s *Store) Handler() http.Handler { return http.HandlerFunc(s.serve) }

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, "/local-blobs/")
	switch {
	case !ok:
		fail(w, http.StatusNotFound, "NoSuchKey", "not a presigned object URL")
	case r.Method != http.MethodGet && r.Method != http.MethodPut:
		w.Header().Set("Allow", "GET, PUT")
		fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET and PUT")
	case !s.authorised(r, key):
		fail(w, http.StatusForbidden, "SignatureDoesNotMatch", "bad signature")
	case s.expired(r.URL.Query()):
		fail(w, http.StatusForbidden, "AccessDenied", "request has expired")
	case r.Method == http.MethodGet:
		s.serveGet(w, r, key)
	default:
		s.servePut(w, r, key)
	}
}

// authorised checks the signature in constant time.
func (s *Store) authorised(r *http.Request, key string) bool {
	q := r.URL.Query()
	return hmac.Equal([]byte(q.Get(paramSignature)), []byte(s.sign(r.Method, key, q)))
}

func (s *Store) expired(q url.Values) bool {
	exp, err := strconv.ParseInt(q.Get(paramExpires), 10, 64)
	return err != nil || time.Now().After(time.Unix(exp, 0))
}

func (s *Store) serveGet(w http.ResponseWriter, r *http.Request, key string) {
	f, m, err := s.open(key)
	if err != nil {
		failStore(w, err)
		return
	}
	defer f.Close()
	ct := m.ContentType
	if ct == "" {
		ct = "application/octet-stream" // rather than let ServeContent sniff
	}
	w.Header().Set("Content-Type", ct)
	http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(f, 0, m.Size))
}

// servePut stores the body if it is the signed object. Headers the URL binds
// are refused as S3 refuses them (403); a body that differs from the signed
// size or digest is a bad request (400).
func (s *Store) servePut(w http.ResponseWriter, r *http.Request, key string) {
	q := r.URL.Query()
	size, err := strconv.ParseInt(q.Get(paramSize), 10, 64)
	want, herr := hex.DecodeString(q.Get(paramSHA256))
	switch {
	case err != nil || herr != nil:
		fail(w, http.StatusBadRequest, "InvalidRequest", "malformed size or digest")
		return
	case r.Header.Get("Content-Type") != q.Get(paramContentType):
		fail(w, http.StatusForbidden, "SignatureDoesNotMatch", "Content-Type differs from the signed one")
		return
	case r.Header.Get(checksumHeader) != base64.StdEncoding.EncodeToString(want):
		fail(w, http.StatusForbidden, "SignatureDoesNotMatch", checksumHeader+" differs from the signed digest")
		return
	case r.ContentLength != size:
		fail(w, http.StatusBadRequest, "IncompleteBody", "Content-Length differs from the signed size")
		return
	}
	if err := s.write(key, r.Body, size, q.Get(paramContentType), want); err != nil {
		failStore(w, err)
		return
	}
	if fn := s.onPut.Load(); fn != nil {
		(*fn)(key)
	}
	w.WriteHeader(http.StatusOK)
}

// failStore reports a store error with the status S3 would give it.
func failStore(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, blob.ErrNotFound):
		fail(w, http.StatusNotFound, "NoSuchKey", "no such object")
	case errors.Is(err, blob.ErrChecksum):
		fail(w, http.StatusBadRequest, "BadDigest", "body does not match the signed SHA-256")
	case errors.Is(err, errSize):
		fail(w, http.StatusBadRequest, "IncompleteBody", "body length differs from the signed size")
	case errors.Is(err, ErrInvalidKey):
		fail(w, http.StatusBadRequest, "InvalidKey", "invalid key")
	default:
		fail(w, http.StatusInternalServerError, "InternalError", "could not store the object")
	}
}

// fail writes an S3-style XML error, so that a client handles errors from
// either store the same way.
func fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	xml.NewEncoder(w).Encode(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}{Code: code, Message: message})
}
