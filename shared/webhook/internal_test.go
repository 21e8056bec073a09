package webhook

import (
	"net/http"
	"testing"
)

// The environment's proxy is never used: a proxy would connect for us, past
// the check of the address dialled. (Go's own ProxyFromEnvironment skips
// loopback receivers, so a test server cannot show this from outside.)
func TestNoProxy(t *testing.T) {
	tr, ok := NewClient(Options{}).http.Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Fatalf("transport %T with a proxy function; want none", NewClient(Options{}).http.Transport)
	}
}
