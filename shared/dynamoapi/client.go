// Package dynamoapi is a small client of DynamoDB's JSON API (protocol
// awsJson1_0): the few calls the table adapter and the local tooling make,
// signed with AWS Signature Version 4 and retried as the SDK's standard
// retryer would.
//
// It stands in for the SDK's service/dynamodb package because that package
// builds schema tables for every DynamoDB operation when a process starts
// (over half a megabyte of allocations) and compiles its endpoint rules:
// about a millisecond and a half of a Lambda cold start, paid by every
// request that starts a function, for an API of which the service uses three
// calls. The wire format is small and stable; the signer is the SDK's own.
package dynamoapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Options configure a Client. Region and Credentials are required.
type Options struct {
	Region      string
	Credentials aws.CredentialsProvider
	// Endpoint is the service's base URL; empty means DynamoDB's regional
	// endpoint (https://dynamodb.<region>.amazonaws.com).
	Endpoint string
	// HTTPClient sends the requests; nil means one with bounded dial and
	// handshake times and kept-alive connections.
	HTTPClient *http.Client
	// MaxAttempts bounds the tries of one call (default 3, as the SDK's).
	MaxAttempts int
	// MaxBackoff caps the wait before a retry (default 1s). The wait is
	// drawn at random up to 50 ms × 2^(attempt-1), capped here.
	MaxBackoff time.Duration
	// RetryQuota is how many retry tokens the client holds (default 500): a
	// retry costs 5 (10 after a failed send), a success returns 1, and
	// with none left calls fail at once rather than pile retries on a
	// struggling service. Negative means no quota.
	RetryQuota int
	// SkipResponseCRC turns off the check of the x-amz-crc32 header that
	// DynamoDB puts on every answer (stand-ins need not send it).
	SkipResponseCRC bool
}

// Client calls DynamoDB. It is safe for concurrent use; make one per process.
type Client struct {
	o      Options
	url    string
	host   string
	signer *v4.Signer
	mu     sync.Mutex
	tokens int // retry quota left, up to o.RetryQuota; unused when that is negative
}

// New makes a client.
func New(o Options) *Client {
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint(o.Region)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: newTransport()}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Second
	}
	if o.RetryQuota == 0 {
		o.RetryQuota = 500
	}
	u := strings.TrimRight(o.Endpoint, "/") + "/"
	host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	host = host[:strings.IndexByte(host, '/')]
	return &Client{o: o, url: u, host: host, signer: v4.NewSigner(), tokens: o.RetryQuota}
}

// DefaultEndpoint is DynamoDB's regional endpoint.
func DefaultEndpoint(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://dynamodb." + region + ".amazonaws.com.cn"
	}
	return "https://dynamodb." + region + ".amazonaws.com"
}

// newTransport keeps connections alive between requests (a Lambda function
// reuses them across invocations) and bounds the time to open one.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// maxAnswer bounds what is read of one answer: DynamoDB pages stop at 1 MB.
const maxAnswer = 16 << 20

// Call sends operation op (as in X-Amz-Target, e.g. "GetItem") with input
// in, encoded as JSON, and decodes the answer into out (nil to discard it).
// Throttling, server faults and failed sends are retried; a request is
// re-signed, never re-encoded, for each try, so an idempotency token in in
// is the same on every try. The error is an *Error for DynamoDB's answers,
// a *SendError when no answer came, or the context's.
func (c *Client) Call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("dynamodb: %s: encode: %w", op, err)
	}
	for attempt := 1; ; attempt++ {
		answer, err := c.try(ctx, op, body)
		if err == nil {
			c.refund()
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(answer, out); err != nil {
				return fmt.Errorf("dynamodb: %s: decode answer: %w", op, err)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("dynamodb: %s: %w (%v)", op, ctx.Err(), err)
		}
		if !retryable(err) || attempt >= c.o.MaxAttempts || !c.spend(err) {
			return err
		}
		if err := c.backoff(ctx, attempt); err != nil {
			return fmt.Errorf("dynamodb: %s: %w", op, err)
		}
	}
}

// try sends one signed request and returns a successful answer's body.
func (c *Client) try(ctx context.Context, op string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("dynamodb: %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	// The CRC32 DynamoDB sends is of the bytes on the wire: ask for them
	// uncompressed so the transport does not decompress them first.
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("User-Agent", "rdx-dynamoapi/1")
	if err := c.sign(ctx, req, body); err != nil {
		return nil, fmt.Errorf("dynamodb: %s: sign: %w", op, err)
	}
	res, err := c.o.HTTPClient.Do(req)
	if err != nil {
		return nil, &SendError{Op: op, Err: err}
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, &SendError{Op: op, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if err := c.checkCRC(res.Header, answer); err != nil {
		return nil, &SendError{Op: op, Err: err}
	}
	if res.StatusCode/100 != 2 {
		return nil, apiError(op, res, answer)
	}
	return answer, nil
}

func (c *Client) sign(ctx context.Context, req *http.Request, body []byte) error {
	creds, err := c.o.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	req.Host = c.host
	return c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "dynamodb", c.o.Region, time.Now().UTC())
}

// checkCRC compares DynamoDB's checksum of the answer with the bytes read,
// so a corrupted or cut-short answer is retried rather than believed.
func (c *Client) checkCRC(h http.Header, answer []byte) error {
	v := h.Get("X-Amz-Crc32")
	if v == "" || c.o.SkipResponseCRC {
		return nil
	}
	want, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return fmt.Errorf("unreadable x-amz-crc32 %q", v)
	}
	if got := crc32.ChecksumIEEE(answer); uint64(got) != want {
		return fmt.Errorf("answer checksum %d, header says %d", got, want)
	}
	return nil
}

// spend takes a retry's tokens from the quota, reporting false when too few
// are left.
func (c *Client) spend(err error) bool {
	if c.o.RetryQuota < 0 {
		return true
	}
	cost := 5
	var send *SendError
	if errors.As(err, &send) {
		cost = 10
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens < cost {
		return false
	}
	c.tokens -= cost
	return true
}

func (c *Client) refund() {
	if c.o.RetryQuota < 0 {
		return
	}
	c.mu.Lock()
	c.tokens = min(c.tokens+1, c.o.RetryQuota)
	c.mu.Unlock()
}

// backoff waits a random time up to 50 ms × 2^(attempt-1), capped at
// MaxBackoff ("full jitter"), so clients throttled together spread out.
func (c *Client) backoff(ctx context.Context, attempt int) error {
	ceiling := min(50*time.Millisecond<<min(attempt-1, 20), c.o.MaxBackoff)
	t := time.NewTimer(rand.N(ceiling) + 1)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
