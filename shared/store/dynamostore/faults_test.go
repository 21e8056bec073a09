package dynamostore_test

// The API over the DynamoDB adapter, with DynamoDB itself misbehaving: a
// proxy in front of DynamoDB Local answers chosen requests with DynamoDB's
// own error bodies (throttling, cancelled transactions), or forwards them
// and drops the answer, or lets another write land first. The API must
// answer as it does for the embedded backend: 503 with Retry-After for
// throttling, 409 and 412 as the new state says after a real condition
// failure, and exactly one version after an idempotent retry.

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

const (
	transactWrite = "TransactWriteItems"
	getItem       = "GetItem"
)

// An act answers one request the proxy intercepted. forward sends it on to
// DynamoDB Local and returns the answer.
type act func(w http.ResponseWriter, body []byte, forward func() (int, http.Header, []byte))

// A script line: requests with this X-Amz-Target (without the
// DynamoDB_20120810. prefix) whose body contains every one of has; after
// skip of them, times of them (negative: all) get do.
type line struct {
	target string
	has    []string
	skip   int
	times  int
	do     act
	seen   int
	fired  int
}

// proxy stands in front of DynamoDB Local.
type proxy struct {
	t        *testing.T
	upstream string
	url      string
	mu       sync.Mutex
	script   []*line
	log      []string
}

func newProxy(t *testing.T, upstream string) *proxy {
	p := &proxy{t: t, upstream: upstream}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// on adds a script line.
func (p *proxy) on(l line) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.times == 0 {
		l.times = 1
	}
	p.script = append(p.script, &l)
}

// clear drops the script.
func (p *proxy) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script = nil
}

// fired reports whether every line did all it was given (a negative times
// at least once).
func (p *proxy) fired() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.script {
		if l.times > 0 && l.fired < l.times || l.times < 0 && l.fired == 0 {
			return false
		}
	}
	return true
}

// sent lists the bodies of the requests with this target that contained has.
func (p *proxy) sent(target string, has string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var bodies []string
	for _, l := range p.log {
		if body, ok := strings.CutPrefix(l, target+" "); ok && strings.Contains(body, has) {
			bodies = append(bodies, body)
		}
	}
	return bodies
}

func (p *proxy) count(target string, has string) int { return len(p.sent(target, has)) }

func (p *proxy) pick(target string, body []byte) *line {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, target+" "+string(body))
	for _, l := range p.script {
		if l.target != target || l.times >= 0 && l.fired >= l.times {
			continue
		}
		match := true
		for _, h := range l.has {
			match = match && bytes.Contains(body, []byte(h))
		}
		if !match {
			continue
		}
		if l.seen < l.skip {
			l.seen++
			continue
		}
		l.fired++
		return l
	}
	return nil
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	forward := func() (int, http.Header, []byte) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			panic(err)
		}
		req.Header = r.Header.Clone()
		req.Host = r.Host // signed
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return http.StatusBadGateway, http.Header{}, []byte(err.Error())
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, out
	}
	do := func(w http.ResponseWriter, _ []byte, forward func() (int, http.Header, []byte)) {
		status, header, out := forward()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		w.Write(out)
	}
	if l := p.pick(target, body); l != nil {
		do = l.do
	}
	do(w, body, forward)
}

// dynamoError answers with a DynamoDB error body, never forwarding.
func dynamoError(status int, typ, extra string) act {
	return func(w http.ResponseWriter, _ []byte, _ func() (int, http.Header, []byte)) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#`+typ+`","message":"injected"`+extra+`}`)
	}
}

// cancelAt cancels a transaction with reason at each item whose sort key
// begins with skPrefix, and None for the others, as DynamoDB lists them.
func cancelAt(skPrefix, reason string) act {
	return func(w http.ResponseWriter, body []byte, fwd func() (int, http.Header, []byte)) {
		var req struct {
			TransactItems []map[string]struct {
				Item, Key map[string]map[string]string
			}
		}
		json.Unmarshal(body, &req)
		codes := make([]string, len(req.TransactItems))
		for i, ti := range req.TransactItems {
			codes[i] = "None"
			for _, op := range ti {
				k := op.Item
				if k == nil {
					k = op.Key
				}
				if strings.HasPrefix(k[dynamostore.AttrSK]["S"], skPrefix) {
					codes[i] = reason
				}
			}
		}
		dynamoError(400, "TransactionCanceledException", cancelled(codes...))(w, body, fwd)
	}
}

// dropAnswer forwards the request, so DynamoDB applies it, and answers 500
// instead of what DynamoDB said.
func dropAnswer(w http.ResponseWriter, body []byte, forward func() (int, http.Header, []byte)) {
	forward()
	dynamoError(500, "InternalServerError", "")(w, body, forward)
}

// first runs fn (another client's write), then forwards the request.
func first(fn func()) act {
	return func(w http.ResponseWriter, body []byte, forward func() (int, http.Header, []byte)) {
		fn()
		status, header, out := forward()
		w.Header().Set("Content-Type", header.Get("Content-Type"))
		w.WriteHeader(status)
		w.Write(out)
	}
}

// retries gives the SDK's standard retryer attempts tries a request with
// next to no backoff and no retry quota, so a test that throttles every try
// stays fast.
func retries(attempts int) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = attempts
			so.MaxBackoff = 5 * time.Millisecond
			so.RateLimiter = ratelimit.None
		})
	}
}

// proxiedEnvs are the API over a fresh DynamoDB Local table reached through
// a proxy (its SDK client retrying attempts times), and a clean API over the same
// table and blobs reached directly.
func proxiedEnvs(t *testing.T, attempts int) (faulty, clean *apitest.Env, p *proxy) {
	t.Helper()
	srv := standins.DynamoDB(t)
	direct := standins.DynamoClient(srv.Endpoint)
	name := "rdx-faults-" + strings.ToLower(rand.Text())
	if err := dynamostore.CreateTable(t.Context(), direct, name); err != nil {
		t.Fatal(err)
	}
	blobs, err := fileblob.New(filepath.Join(t.TempDir(), "blobs"), "http://rdx.invalid", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		t.Fatal(err)
	}
	p = newProxy(t, srv.Endpoint)
	via := standins.DynamoClient(p.url, retries(attempts))
	faulty = apitest.NewEnv(t, apitest.Backend{Table: dynamostore.New(via, name), Blobs: blobs})
	clean = apitest.NewEnv(t, apitest.Backend{Table: dynamostore.New(direct, name), Blobs: blobs})
	return faulty, clean, p
}

const (
	partner = apitest.Carm
	quarter = "2019-20-Q2"
	// A version transaction, told from an idempotency claim by its items.
	versionItem = `"VER#`
)

func put(t *testing.T, e *apitest.Env, figure int, header ...string) *apitest.Resp {
	t.Helper()
	path, body := apitest.QuarterlyReturn(t, partner, quarter, figure)
	return e.Put(path, e.PartnerToken(apitest.WW, partner), body, header...)
}

func mustFire(t *testing.T, p *proxy) {
	t.Helper()
	if !p.fired() {
		t.Fatalf("the script did not run; requests:\n%s", strings.Join(p.log, "\n"))
	}
	p.clear()
}

// expectOneVersion retries the PUT with the same key and checks exactly one
// version results, every view of it agreeing.
func expectOneVersion(t *testing.T, faulty, clean *apitest.Env, key string) {
	t.Helper()
	retry := put(t, faulty, 1, "Idempotency-Key", key)
	if retry.Status != 201 || retry.JSON(t)["version"] != float64(1) {
		t.Errorf("retry: %d %s", retry.Status, retry.Body)
	}
	if s := apitest.Observe(t, clean, partner, quarter); s.Version != 1 {
		t.Errorf("versions %v, want exactly one", s.Versions)
	}
}

// TestAPIThrottledByDynamoDB: DynamoDB's throttling errors on every try of
// the version's transaction, or of the current read, are 503 with
// Retry-After and store nothing; the retry lands one version.
func TestAPIThrottledByDynamoDB(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, target, has string
		do                act
	}{
		{"ProvisionedThroughputExceeded", transactWrite, versionItem, dynamoError(400, "ProvisionedThroughputExceededException", "")},
		{"ThrottlingException", transactWrite, versionItem, dynamoError(400, "ThrottlingException", "")},
		{"RequestLimitExceeded", transactWrite, versionItem, dynamoError(400, "RequestLimitExceeded", "")},
		{"CancelledByThrottlingError", transactWrite, versionItem, cancelAt("VER#", "ThrottlingError")},
		{"CancelledByThroughputExceeded", transactWrite, versionItem, cancelAt("CUR#", "ProvisionedThroughputExceeded")},
		{"CurrentReadThrottled", getItem, `"CUR#quarterly-returns#care-homes-older-people#` + quarter, dynamoError(400, "ProvisionedThroughputExceededException", "")},
		{"ClaimThrottled", transactWrite, `"I#`, dynamoError(400, "ThrottlingException", "")},
		{"ServiceUnavailable", transactWrite, versionItem, dynamoError(503, "ServiceUnavailable", "")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			faulty, clean, p := proxiedEnvs(t, 3)
			p.on(line{target: tt.target, has: []string{tt.has}, times: -1, do: tt.do})
			r := put(t, faulty, 1, "Idempotency-Key", "throttled")
			mustFire(t, p)
			apitest.ExpectRetryable(t, r)
			if s := apitest.Observe(t, clean, partner, quarter); s.Version != 0 {
				t.Errorf("a throttled write stored versions %v", s.Versions)
			}
			expectOneVersion(t, faulty, clean, "throttled")
		})
	}
}

// TestAPIRidesOutBriefThrottling: throttled once, the SDK's retry lands the
// write and the client never knows.
func TestAPIRidesOutBriefThrottling(t *testing.T) {
	t.Parallel()
	faulty, clean, p := proxiedEnvs(t, 3)
	p.on(line{target: transactWrite, has: []string{versionItem}, do: dynamoError(400, "ThrottlingException", "")})
	r := put(t, faulty, 1, "Idempotency-Key", "brief")
	mustFire(t, p)
	if r.Status != 201 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if n := p.count(transactWrite, versionItem); n != 2 {
		t.Errorf("%d version transactions sent, want 2", n)
	}
	expectOneVersion(t, faulty, clean, "brief")
}

// TestAPIConditionFailuresFromDynamoDB: cancellation reasons as DynamoDB
// gives them. A failed condition on the current pointer or a persistent
// TransactionConflict is another writer: the service reads again and
// writes, landing one version. Real condition failures (another write
// lands just before ours) are answered as the new state says: 412 for a
// stale If-Match, 409 naming a lock that landed, the next version number
// otherwise.
func TestAPIConditionFailuresFromDynamoDB(t *testing.T) {
	t.Parallel()
	t.Run("ConditionalCheckFailedOnCurrent", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 3)
		p.on(line{target: transactWrite, has: []string{versionItem}, do: cancelAt("CUR#", "ConditionalCheckFailed")})
		r := put(t, faulty, 1, "Idempotency-Key", "ccf")
		mustFire(t, p)
		if r.Status != 201 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		expectOneVersion(t, faulty, clean, "ccf")
	})
	t.Run("PersistentTransactionConflict", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 3)
		// More than the adapter's own tries: the service's retry takes over.
		p.on(line{target: transactWrite, has: []string{versionItem}, times: 4, do: cancelAt("CUR#", "TransactionConflict")})
		r := put(t, faulty, 1, "Idempotency-Key", "conflict")
		mustFire(t, p)
		if r.Status != 201 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if n := p.count(transactWrite, versionItem); n != 5 {
			t.Errorf("%d version transactions sent, want 5", n)
		}
		expectOneVersion(t, faulty, clean, "conflict")
	})
	t.Run("StaleIfMatchIs412", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 3)
		expectStatus(t, put(t, clean, 1), 201)
		p.on(line{target: transactWrite, has: []string{versionItem}, do: first(func() { landed(t, put(t, clean, 2), 201) })})
		r := put(t, faulty, 3, "If-Match", `"1"`, "Idempotency-Key", "stale")
		mustFire(t, p)
		expectStatus(t, r, 412)
		if s := apitest.Observe(t, clean, partner, quarter); s.Version != 2 {
			t.Errorf("versions %v, want [2 1]", s.Versions)
		}
		// The 412 is kept for the key, like any 4xx.
		again := put(t, faulty, 3, "If-Match", `"1"`, "Idempotency-Key", "stale")
		if again.Status != 412 || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %s", again.Status, again.Body)
		}
	})
	t.Run("ConcurrentVersionMakesTheNextOne", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 3)
		expectStatus(t, put(t, clean, 1), 201)
		p.on(line{target: transactWrite, has: []string{versionItem}, do: first(func() { landed(t, put(t, clean, 2), 201) })})
		r := put(t, faulty, 3, "Idempotency-Key", "next")
		mustFire(t, p)
		if r.Status != 201 || r.JSON(t)["version"] != float64(3) {
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
		if s := apitest.Observe(t, clean, partner, quarter); s.Version != 3 {
			t.Errorf("versions %v, want [3 2 1]", s.Versions)
		}
	})
	t.Run("LockLandedIs409", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 3)
		p.on(line{target: transactWrite, has: []string{versionItem}, do: first(func() {
			landed(t, clean.Do(apitest.Req{Method: "PUT", Path: "/v1/regions/west-wales/funds/care-homes-older-people/periods/" + quarter + "/lock",
				Token: clean.RCUToken(apitest.WW)}), 201)
		})})
		r := put(t, faulty, 1, "Idempotency-Key", "locked")
		mustFire(t, p)
		expectStatus(t, r, 409)
		if lock, _ := r.JSON(t)["lock"].(map[string]any); lock == nil || lock["period"] != quarter {
			t.Errorf("409 without the lock: %s", r.Body)
		}
		if s := apitest.Observe(t, clean, partner, quarter); s.Version != 0 {
			t.Errorf("versions %v in a locked period", s.Versions)
		}
	})
}

// TestAPIAnswerLost: DynamoDB applies a write and the answer never arrives.
func TestAPIAnswerLost(t *testing.T) {
	t.Parallel()
	// The SDK sends the transaction again with its idempotency token; the
	// client sees one clean answer and one version.
	t.Run("TransactionRetriedBySDK", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 3)
		p.on(line{target: transactWrite, has: []string{versionItem}, do: dropAnswer})
		r := put(t, faulty, 1, "Idempotency-Key", "sdk")
		mustFire(t, p)
		// The SDK's retry is the same request, idempotency token and all, and
		// DynamoDB (Local too) answers it as the first: the version is new.
		if r.Status != 201 || r.JSON(t)["version"] != float64(1) {
			t.Errorf("status %d: %s", r.Status, r.Body)
		}
		if sent := p.sent(transactWrite, versionItem); len(sent) != 2 || sent[0] != sent[1] || !strings.Contains(sent[0], `"ClientRequestToken":"`) {
			t.Errorf("version transactions sent, want the same one twice with its token:\n%s", strings.Join(sent, "\n"))
		}
		expectOneVersion(t, faulty, clean, "sdk")
	})
	// No retry left: the client sees 503 though the version landed; its
	// retry with the same key replays the 201, without the key it is told
	// the content is unchanged.
	t.Run("TransactionNoRetry", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 1)
		p.on(line{target: transactWrite, has: []string{versionItem}, do: dropAnswer})
		r := put(t, faulty, 1, "Idempotency-Key", "lost")
		mustFire(t, p)
		apitest.ExpectRetryable(t, r)
		if s := apitest.Observe(t, clean, partner, quarter); s.Version != 1 {
			t.Errorf("versions %v: the write was applied", s.Versions)
		}
		retry := put(t, faulty, 1, "Idempotency-Key", "lost")
		if retry.Status != 201 || retry.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %s", retry.Status, retry.Body)
		}
		expectStatus(t, put(t, faulty, 1), 200)
		expectOneVersion(t, faulty, clean, "lost")
	})
	// The idempotency claim landed unseen: the service reads it back and
	// carries on.
	t.Run("ClaimNoRetry", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 1)
		p.on(line{target: transactWrite, has: []string{`"I#`}, do: dropAnswer})
		r := put(t, faulty, 1, "Idempotency-Key", "claim")
		mustFire(t, p)
		expectStatus(t, r, 201)
		expectOneVersion(t, faulty, clean, "claim")
	})
	t.Run("ReadNoRetry", func(t *testing.T) {
		t.Parallel()
		faulty, clean, p := proxiedEnvs(t, 1)
		p.on(line{target: getItem, has: []string{`"LOCK#`}, do: dropAnswer})
		r := put(t, faulty, 1, "Idempotency-Key", "read")
		mustFire(t, p)
		apitest.ExpectRetryable(t, r)
		if s := apitest.Observe(t, clean, partner, quarter); s.Version != 0 {
			t.Errorf("versions %v", s.Versions)
		}
		expectOneVersion(t, faulty, clean, "read")
	})
}

// landed checks the answer to a write made from the proxy's goroutine,
// where a test must not stop.
func landed(t *testing.T, r *apitest.Resp, want int) {
	t.Helper()
	if r.Status != want {
		t.Errorf("the concurrent write: status %d, want %d: %s", r.Status, want, r.Body)
	}
}

func expectStatus(t *testing.T, r *apitest.Resp, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
}
