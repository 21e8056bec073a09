package dynamoapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/regional-data-exchange/rdx/shared/dynamoapi"
)

const (
	accessKey = "AKIDEXAMPLE"
	secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	region    = "eu-west-2"
)

// fake is a DynamoDB stand-in: answer writes each reply; every request is
// kept, with its body.
type fake struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies []string
}

func serve(t *testing.T, answer func(w http.ResponseWriter, n int)) (*fake, string) {
	t.Helper()
	f := &fake{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs, f.bodies = append(f.reqs, r), append(f.bodies, string(body))
		n := len(f.reqs)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		answer(w, n)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func client(endpoint string, opts ...func(*dynamoapi.Options)) *dynamoapi.Client {
	o := dynamoapi.Options{Region: region, Endpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "session"),
		MaxBackoff:  time.Millisecond}
	for _, fn := range opts {
		fn(&o)
	}
	return dynamoapi.New(o)
}

// reply answers with body and DynamoDB's CRC32 of it.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func errorBody(code string) string {
	return `{"__type":"com.amazonaws.dynamodb.v20120810#` + code + `","message":"m"}`
}

// The request is what DynamoDB expects: the operation in X-Amz-Target, JSON
// 1.0, and a Signature Version 4 that checks out when recomputed here from
// the secret, independently of the SDK's signer.
func TestRequestIsSigned(t *testing.T) {
	f, url := serve(t, func(w http.ResponseWriter, _ int) {
		reply(w, 200, `{"Item":{"PK":{"S":"p"},"v":{"N":"7"},"d":{"B":"eA=="}}}`)
	})
	out, err := client(url).GetItem(t.Context(), &dynamoapi.GetItemInput{TableName: "t", Key: dynamoapi.Item{"PK": dynamoapi.S("p")}, ConsistentRead: true})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Item["PK"].S != "p" || *out.Item["v"].N != "7" || string(out.Item["d"].B) != "x" {
		t.Errorf("item %+v", out.Item)
	}
	r, body := f.reqs[0], f.bodies[0]
	if body != `{"TableName":"t","Key":{"PK":{"S":"p"}},"ConsistentRead":true}` {
		t.Errorf("body %s", body)
	}
	for h, want := range map[string]string{"X-Amz-Target": "DynamoDB_20120810.GetItem",
		"Content-Type": "application/x-amz-json-1.0", "X-Amz-Security-Token": "session"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		t.Errorf("%s %s", r.Method, r.URL)
	}
	if err := verifySigV4(r, body); err != nil {
		t.Error(err)
	}
}

// verifySigV4 recomputes the signature of r as the SigV4 specification
// describes it (canonical request, string to sign, derived key).
func verifySigV4(r *http.Request, body string) error {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return errors.New("authorization " + auth)
	}
	parts := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(auth, algo), ", ") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	scope := strings.SplitN(parts["Credential"], "/", 2)
	date := r.Header.Get("X-Amz-Date")
	if scope[0] != accessKey || scope[1] != date[:8]+"/"+region+"/dynamodb/aws4_request" {
		return errors.New("credential scope " + parts["Credential"])
	}
	signed := strings.Split(parts["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) || !contains(signed, "host") || !contains(signed, "x-amz-date") || !contains(signed, "x-amz-target") {
		return errors.New("signed headers " + parts["SignedHeaders"])
	}
	var canon strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		}
		canon.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	payload := sha256.Sum256([]byte(body))
	creq := strings.Join([]string{"POST", "/", "", canon.String(), parts["SignedHeaders"], hex.EncodeToString(payload[:])}, "\n")
	creqSum := sha256.Sum256([]byte(creq))
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + scope[1] + "\n" + hex.EncodeToString(creqSum[:])
	key := []byte("AWS4" + secretKey)
	for _, s := range []string{date[:8], region, "dynamodb", "aws4_request"} {
		key = mac(key, s)
	}
	if want := hex.EncodeToString(mac(key, toSign)); parts["Signature"] != want {
		return errors.New("signature " + parts["Signature"] + ", recomputed " + want)
	}
	return nil
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Throttling and server faults are tried again, with the same body (so the
// same idempotency token) and a fresh signature; a request error is not.
func TestRetries(t *testing.T) {
	for _, tt := range []struct {
		name     string
		fail     int // answers that fail before one succeeds
		status   int
		code     string
		attempts int
		wantSent int
		wantErr  string
	}{
		{"ThrottledOnce", 1, 400, "ThrottlingException", 3, 2, ""},
		{"ThroughputTwice", 2, 400, "ProvisionedThroughputExceededException", 3, 3, ""},
		{"ServerFault", 1, 500, "InternalServerError", 3, 2, ""},
		{"Unavailable503", 1, 503, "ServiceUnavailable", 3, 2, ""},
		{"ThrottledThroughout", 9, 400, "ThrottlingException", 3, 3, "ThrottlingException"},
		{"NotRetried", 9, 400, "ValidationException", 3, 1, "ValidationException"},
		{"ConditionNotRetried", 9, 400, "TransactionCanceledException", 3, 1, "TransactionCanceledException"},
		{"OneAttempt", 9, 500, "InternalServerError", 1, 1, "InternalServerError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, url := serve(t, func(w http.ResponseWriter, n int) {
				if n <= tt.fail {
					reply(w, tt.status, errorBody(tt.code))
					return
				}
				reply(w, 200, `{}`)
			})
			c := client(url, func(o *dynamoapi.Options) { o.MaxAttempts = tt.attempts })
			err := c.TransactWriteItems(t.Context(), []dynamoapi.TransactWriteItem{{Put: &dynamoapi.Put{TableName: "t", Item: dynamoapi.Item{"PK": dynamoapi.S("p")}}}})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			var api *dynamoapi.Error
			if tt.wantErr != "" && (!errors.As(err, &api) || api.Code != tt.code || api.Status != tt.status || api.Message != "m") {
				t.Errorf("error %#v", err)
			}
			if len(f.reqs) != tt.wantSent {
				t.Fatalf("%d requests, want %d", len(f.reqs), tt.wantSent)
			}
			for i := range f.bodies {
				if f.bodies[i] != f.bodies[0] {
					t.Errorf("try %d sent %s, first %s", i+1, f.bodies[i], f.bodies[0])
				}
				if !strings.Contains(f.bodies[i], `"ClientRequestToken":"`) {
					t.Errorf("no idempotency token: %s", f.bodies[i])
				}
			}
		})
	}
}

// Two transactions carry different tokens, so DynamoDB never mistakes the
// second for a retry of the first.
func TestTokensDiffer(t *testing.T) {
	f, url := serve(t, func(w http.ResponseWriter, _ int) { reply(w, 200, `{}`) })
	c := client(url)
	for range 2 {
		if err := c.TransactWriteItems(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if f.bodies[0] == f.bodies[1] {
		t.Errorf("the same body twice: %s", f.bodies[0])
	}
}

// An answer whose CRC32 does not match its bytes is not believed: it is
// tried again, and reported as no answer if it never comes right.
func TestResponseChecksum(t *testing.T) {
	bad := func(w http.ResponseWriter, _ int) {
		w.Header().Set("X-Amz-Crc32", "12345")
		io.WriteString(w, `{"Item":{"PK":{"S":"forged"}}}`)
	}
	f, url := serve(t, bad)
	_, err := client(url).GetItem(t.Context(), &dynamoapi.GetItemInput{TableName: "t"})
	var send *dynamoapi.SendError
	if !errors.As(err, &send) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("got %v, want a checksum failure", err)
	}
	if len(f.reqs) != 3 {
		t.Errorf("%d requests, want 3", len(f.reqs))
	}
	if f.reqs[0].Header.Get("Accept-Encoding") != "identity" {
		t.Errorf("Accept-Encoding %q: a compressed answer's CRC is of other bytes", f.reqs[0].Header.Get("Accept-Encoding"))
	}
	// Stand-ins that send a wrong or no header are accepted when asked.
	_, url = serve(t, bad)
	out, err := client(url, func(o *dynamoapi.Options) { o.SkipResponseCRC = true }).GetItem(t.Context(), &dynamoapi.GetItemInput{TableName: "t"})
	if err != nil || *out.Item["PK"].S != "forged" {
		t.Errorf("with the check off: %v %+v", err, out)
	}
}

// Error bodies name the code after the namespace, in either spelling of
// message, with a transaction's cancellation reasons in order.
func TestErrorBodies(t *testing.T) {
	for _, tt := range []struct {
		body, code, msg string
		reasons         []string
	}{
		{`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}`, "ResourceNotFoundException", "no table", nil},
		{`{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}`, "ValidationException", "bad", nil},
		{`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"x","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"c"}]}`,
			"TransactionCanceledException", "x", []string{"None", "ConditionalCheckFailed"}},
		{`not json`, "Bad Request", "not json", nil},
	} {
		_, url := serve(t, func(w http.ResponseWriter, _ int) { reply(w, 400, tt.body) })
		err := client(url).Call(t.Context(), "Query", struct{}{}, nil)
		var api *dynamoapi.Error
		if !errors.As(err, &api) || api.Code != tt.code || api.Message != tt.msg || api.Op != "Query" {
			t.Errorf("%s: got %#v", tt.body, err)
			continue
		}
		var got []string
		for _, r := range api.CancellationReasons {
			got = append(got, r.Code)
		}
		if strings.Join(got, ",") != strings.Join(tt.reasons, ",") {
			t.Errorf("reasons %v, want %v", got, tt.reasons)
		}
	}
}

// With the retry quota spent, throttled calls fail at once instead of
// adding retries to an overloaded service.
func TestRetryQuota(t *testing.T) {
	f, url := serve(t, func(w http.ResponseWriter, _ int) { reply(w, 400, errorBody("ThrottlingException")) })
	c := client(url, func(o *dynamoapi.Options) { o.RetryQuota = 10; o.MaxAttempts = 5 })
	c.Call(t.Context(), "GetItem", struct{}{}, nil) // 1 + 2 retries (5 tokens each)
	c.Call(t.Context(), "GetItem", struct{}{}, nil) // no tokens: 1 try
	if len(f.reqs) != 4 {
		t.Errorf("%d requests, want 4 (two retries, then none)", len(f.reqs))
	}
}

func TestDefaultEndpoint(t *testing.T) {
	for r, want := range map[string]string{"eu-west-2": "https://dynamodb.eu-west-2.amazonaws.com",
		"cn-north-1": "https://dynamodb.cn-north-1.amazonaws.com.cn"} {
		if got := dynamoapi.DefaultEndpoint(r); got != want {
			t.Errorf("%s: %s, want %s", r, got, want)
		}
	}
}

// A request that cannot be sent is a SendError, tried again.
func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := client(url).Call(t.Context(), "GetItem", struct{}{}, nil)
	var send *dynamoapi.SendError
	if !errors.As(err, &send) {
		t.Errorf("got %v, want a SendError", err)
	}
}
