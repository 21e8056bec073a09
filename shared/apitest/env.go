// Package apitest is the API's behaviour suite, exported so that it runs
// against every storage backend: the embedded one (bbolt and files) and the
// AWS one (DynamoDB Local and an S3 stand-in). Every response it sees is
// checked against the OpenAPI contract.
package apitest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/queue/boltqueue"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// Backend is the storage an Env runs on.
type Backend struct {
	Table store.Table
	Blobs blob.Store
	// Extra handlers the local server mounts (presigned blob URLs).
	Extra map[string]http.Handler
	// Receipts signs the receipts (the AWS backend's: a KMS key; kept by
	// Restart, as a deployment keeps its key); nil is the suite's key.
	Receipts receipt.Signer
	// Reopen drops the backend's clients and opens new ones over the same
	// data, as a restarted process would.
	Reopen func(t *testing.T) Backend
	// Queue carries webhook deliveries (an SQS queue on goaws); nil is a
	// bbolt queue of the test's own.
	Queue queue.Queue
}

// NewBackend makes a fresh, empty backend for one test.
type NewBackend func(t *testing.T) Backend

// Env is a running API over one backend.
type Env struct {
	T       *testing.T
	App     *app.App
	Key     *auth.DevKey
	Backend Backend
	Logs    *syncBuffer
	// Calls counts the store operations the API makes.
	Calls *CountingTable
	cfg   app.Config
	// onlyEnglish stops the Welsh sweep (welsh.go).
	onlyEnglish atomic.Bool
	// queue carries webhook deliveries: the backend's, or a bbolt queue of
	// the test's own, which a restart and a twin keep, as the local run
	// keeps its file.
	queue queue.Queue
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// receiptSigner is the suite's receipt key, shared by every Env as a
// deployment's processes share theirs (the KMS key, the data folder's key
// file): what one API signed verifies with the key another uses.
var receiptSigner = sync.OnceValue(func() receipt.Signer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	signer, err := receipt.NewKeySigner(key)
	if err != nil {
		panic(err)
	}
	return signer
})

// NewEnv builds the API over a backend with West Wales and the test region.
func NewEnv(t *testing.T, b Backend) *Env {
	t.Helper()
	key := auth.NewDevKey()
	keys, err := auth.StaticKeys(key.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg := app.Config{
		Issuer: auth.DevIssuer, Audience: auth.DevAudience, Keys: keys,
		CursorKey: bytes.Repeat([]byte("k"), 32), Log: logx.New(logs, slog.LevelDebug), Receipts: b.Receipts,
		// The suite's receivers listen on 127.0.0.1, as the local run's may.
		Webhooks: app.Webhooks{Client: webhook.Options{AllowLoopback: true}},
	}
	if cfg.Receipts == nil {
		cfg.Receipts = receiptSigner()
	}
	q := b.Queue
	if q == nil {
		bq, err := boltqueue.Open(filepath.Join(t.TempDir(), "webhooks-queue.db"), queueVisibility)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bq.Close() })
		q = bq
	}
	e := &Env{T: t, Key: key, Logs: logs, cfg: cfg, queue: q}
	e.build(b)
	return e
}

func (e *Env) build(b Backend) {
	e.Calls = &CountingTable{Table: b.Table}
	a, err := app.Build(e.cfg, app.Stores{Table: e.Calls, Blobs: b.Blobs, Queue: e.queue}, b.Extra)
	if err != nil {
		e.T.Fatal(err)
	}
	e.App, e.Backend = a, b
}

// Twin is another process of the same deployment: its own API, over the
// same store, blobs and keys.
func (e *Env) Twin() *Env {
	e.T.Helper()
	twin := &Env{T: e.T, Key: e.Key, Logs: e.Logs, cfg: e.cfg, queue: e.queue}
	twin.build(e.Backend)
	return twin
}

// Restart rebuilds the API over the same data with new clients.
func (e *Env) Restart() {
	e.T.Helper()
	if e.Backend.Reopen == nil {
		e.T.Fatal("backend cannot be reopened")
	}
	e.build(e.Backend.Reopen(e.T))
}

// Token mints a token.
func (e *Env) Token(spec auth.TokenSpec) string {
	e.T.Helper()
	if spec.TTL == 0 {
		spec.TTL = time.Hour
	}
	if spec.Subject == "" {
		spec.Subject = "test-" + spec.Partner + spec.Region
	}
	tok, err := e.Key.Mint(spec, time.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// PartnerToken is a partner's finance system with every partner scope.
func (e *Env) PartnerToken(region, partner string) string {
	return e.Token(auth.TokenSpec{Region: region, Partner: partner, Name: partner + " finance", Scopes: auth.DefaultScopes(region, partner)})
}

// RCUToken is the region's collaboration unit.
func (e *Env) RCUToken(region string) string {
	return e.Token(auth.TokenSpec{Region: region, Name: "RCU", Scopes: auth.DefaultScopes(region, "")})
}

// BoardToken is the region's approving board: it reads the region and
// approves fund reports (a client of its own, not the collaboration unit).
func (e *Env) BoardToken(region string) string {
	return e.Token(auth.TokenSpec{Region: region, Subject: "test-board-" + region, Name: "Board", Scopes: auth.BoardScopes()})
}

// GovToken is government, for every region.
func (e *Env) GovToken() string {
	return e.Token(auth.TokenSpec{Region: auth.AllRegions, Name: "Minister's office", Scopes: auth.DefaultScopes(auth.AllRegions, "")})
}

// Resp is an answer.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r *Resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return v
}

// Req is a request to send.
type Req struct {
	Method, Path, Token string
	Body                []byte
	Header              map[string]string
}

// Do sends a request through the handler and checks the answer against the
// contract; a problem is asked again in Welsh (welsh.go).
func (e *Env) Do(r Req) *Resp {
	e.T.Helper()
	res := e.do(r)
	e.sweep(r, res)
	return res
}

func (e *Env) do(r Req) *Resp {
	e.T.Helper()
	var body io.Reader = http.NoBody
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.App.Handler.ServeHTTP(rec, req)
	res := &Resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkContract(e.T, req, r.Body, res)
	return res
}

// Get, Put are shorthands.
func (e *Env) Get(path, token string) *Resp {
	return e.Do(Req{Method: "GET", Path: path, Token: token})
}

// Put sends a JSON body.
func (e *Env) Put(path, token string, body []byte, header ...string) *Resp {
	h := map[string]string{}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return e.Do(Req{Method: "PUT", Path: path, Token: token, Body: body, Header: h})
}

// Example reads one of the shared example bodies.
func Example(t *testing.T, name string) []byte {
	t.Helper()
	b, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Edit decodes a JSON body, lets fn change it, and encodes it again.
func Edit(t *testing.T, body []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// syncBuffer collects logs from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String is everything logged so far.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Lines are the log lines that mention substr.
func (s *syncBuffer) Lines(substr string) []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// CountingTable counts the operations made on a table.
type CountingTable struct {
	store.Table
	gets, queries, txns atomic.Int64
}

// Get counts and delegates.
func (c *CountingTable) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	c.gets.Add(1)
	return c.Table.Get(ctx, pk, sk)
}

// Query counts and delegates.
func (c *CountingTable) Query(ctx context.Context, q store.Query) (store.Page, error) {
	c.queries.Add(1)
	return c.Table.Query(ctx, q)
}

// Transact counts and delegates.
func (c *CountingTable) Transact(ctx context.Context, ops ...store.Op) error {
	c.txns.Add(1)
	return c.Table.Transact(ctx, ops...)
}

// Transactions is how many transactions were run so far.
func (c *CountingTable) Transactions() int64 { return c.txns.Load() }

// Reads is how many reads (gets and queries) were made so far.
func (c *CountingTable) Reads() int64 { return c.gets.Load() + c.queries.Load() }

// SendPresigned sends a request to a presigned URL: the local blob server's
// in-process, an S3 stand-in's over the network.
func (e *Env) SendPresigned(method, rawURL string, header map[string]string, body []byte) (int, []byte) {
	e.T.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		e.T.Fatal(err)
	}
	if strings.HasPrefix(u.Path, "/local-blobs/") {
		req := httptest.NewRequest(method, u.RequestURI(), bytes.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		req.ContentLength = int64(len(body))
		rec := httptest.NewRecorder()
		e.App.Handler.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	req, err := http.NewRequestWithContext(e.T.Context(), method, rawURL, bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	for k, v := range header {
		if !strings.EqualFold(k, "Content-Length") {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}
