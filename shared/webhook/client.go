package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// The client's defaults.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 64 << 10
)

// ErrTimeout is a delivery whose receiver did not answer in time.
var ErrTimeout = errors.New("webhook: the receiver did not answer in time")

// Resolver gives the addresses of a host name.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// Options configure a Client; the zero value is the production one.
type Options struct {
	// AllowLoopback also accepts loopback receivers, and plain http to a
	// literal loopback address (http://127.0.0.1:port, http://[::1]:port).
	// Only the local run sets it (WEBHOOKS_ALLOW_LOOPBACK=1).
	AllowLoopback bool
	// Timeout bounds a whole delivery, connect to last byte read; DefaultTimeout if zero.
	Timeout time.Duration
	// MaxResponseBytes is how much of a reply's body is read; DefaultMaxResponseBytes if zero.
	MaxResponseBytes int64
	// Resolve looks names up, at check time and at connect time; the
	// system's resolver if nil.
	Resolve Resolver
	// UserAgent is sent with every delivery when set.
	UserAgent string
}

// Client delivers webhooks to public receivers only.
type Client struct {
	opts Options
	http *http.Client
}

// Response is a receiver's reply, its body read up to the bound.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Truncated  bool // the body was longer than the bound
}

// NewClient is a client with opts.
func NewClient(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.Resolve == nil {
		opts.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	c := &Client{opts: opts}
	transport := &http.Transport{
		Proxy:                 nil, // never the environment's proxy: it would dial for us, unchecked
		DialContext:           c.dial,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
	}
	c.http = &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// target is a URL that passed the checks that need no lookup.
type target struct {
	u    *url.URL
	host string     // without brackets
	addr netip.Addr // when the host is a literal address
}

// parse checks what can be checked without a lookup: an absolute URL, https
// (or http to a literal loopback address when allowed), no credentials, a
// literal address that may be called or a host name that is not a number in
// disguise.
func (c *Client) parse(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, &RefusedError{Reason: ReasonInvalidURL, Err: err}
	}
	host := u.Hostname()
	if !u.IsAbs() || host == "" || u.Opaque != "" {
		return target{}, &RefusedError{Reason: ReasonInvalidURL, Host: host, Err: errors.New("not an absolute URL with a host")}
	}
	if u.User != nil {
		return target{}, &RefusedError{Reason: ReasonCredentials, Host: host}
	}
	t := target{u: u, host: host}
	if a, err := netip.ParseAddr(host); err == nil {
		t.addr = a
		if r := allowed(a, c.opts.AllowLoopback); r != "" {
			return target{}, refusedAddr(host, a, r, false)
		}
	} else if err := checkHostName(host); err != nil {
		return target{}, err
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !c.opts.AllowLoopback || !t.addr.IsValid() || classify(t.addr) != ReasonLoopback {
			return target{}, &RefusedError{Reason: ReasonScheme, Host: host}
		}
	default:
		return target{}, &RefusedError{Reason: ReasonScheme, Host: host}
	}
	return t, nil
}

// checkHostName refuses a host that is not a DNS name of letters, digits,
// hyphens and underscores, and one whose last label is a number (decimal,
// octal or hex): URL parsers and C resolvers read 2130706433, 0x7f.1 or
// 127.1 as an address, which a later reader of the URL might dial.
func checkHostName(host string) error {
	name := strings.TrimSuffix(host, ".")
	labels := strings.Split(name, ".")
	if len(name) == 0 || len(name) > 253 {
		return &RefusedError{Reason: ReasonInvalidURL, Host: host, Err: errors.New("not a host name")}
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return &RefusedError{Reason: ReasonInvalidURL, Host: host, Err: errors.New("not a host name")}
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return &RefusedError{Reason: ReasonInvalidURL, Host: host, Err: fmt.Errorf("%q in a host name", r)}
			}
		}
	}
	if isNumber(labels[len(labels)-1]) {
		return &RefusedError{Reason: ReasonNumericHost, Host: host}
	}
	return nil
}

func isNumber(label string) bool {
	s := strings.ToLower(label)
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		s, digits = rest, "0123456789abcdef"
		if s == "" {
			return true
		}
	}
	return strings.Trim(s, digits) == ""
}

// CheckURL is the check at registration: the URL's form, then every address
// its host resolves to, all of which must be public (loopback too when
// allowed). It gives the parsed URL.
func (c *Client) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	t, err := c.parse(raw)
	if err != nil {
		return nil, err
	}
	if t.addr.IsValid() {
		return t.u, nil
	}
	addrs, err := c.opts.Resolve(ctx, t.host)
	if err != nil || len(addrs) == 0 {
		if err == nil {
			err = errors.New("no address")
		}
		return nil, &RefusedError{Reason: ReasonUnresolvable, Host: t.host, Err: err}
	}
	for _, a := range addrs {
		if r := allowed(a, c.opts.AllowLoopback); r != "" {
			return nil, refusedAddr(t.host, a, r, false)
		}
	}
	return t.u, nil
}

// dial resolves with the client's resolver and dials each address in turn,
// through a dialer whose Control refuses an address that may not be called:
// the address judged is the one the socket connects to, whatever the name
// resolved to when the URL was checked.
func (c *Client) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = c.opts.Resolve(ctx, host)
		if err != nil || len(addrs) == 0 {
			if err == nil {
				err = errors.New("no address")
			}
			return nil, &RefusedError{Reason: ReasonUnresolvable, Host: host, AtConnect: true, Err: err}
		}
	}
	d := net.Dialer{
		Timeout: c.opts.Timeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &RefusedError{Reason: ReasonInvalidURL, Host: host, AtConnect: true, Err: err}
			}
			if r := allowed(ap.Addr(), c.opts.AllowLoopback); r != "" {
				return refusedAddr(host, ap.Addr(), r, true)
			}
			return nil
		},
	}
	var first error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// Post sends body to raw with header, and gives the reply with its body read
// up to the bound. A redirect is not followed: the 3xx is the reply. The
// form of the URL is checked again; its addresses are checked as they are
// dialled.
func (c *Client) Post(ctx context.Context, raw string, header http.Header, body []byte) (*Response, error) {
	t, err := c.parse(raw)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, &RefusedError{Reason: ReasonInvalidURL, Host: t.host, Err: err}
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.deliveryError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return nil, c.deliveryError(err)
	}
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}
	if int64(len(b)) > c.opts.MaxResponseBytes {
		out.Body, out.Truncated = b[:c.opts.MaxResponseBytes], true
	}
	return out, nil
}

// deliveryError keeps a refusal as it is and marks a timeout with ErrTimeout.
func (c *Client) deliveryError(err error) error {
	if _, ok := ReasonOf(err); ok {
		return err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w (%s): %w", ErrTimeout, c.opts.Timeout, err)
	}
	return err
}
