package regionview

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/position"
)

// The cache answers only for the same records, holds at most its size, and
// holds nothing when turned off.
func TestPositionCache(t *testing.T) {
	c := newPositionCache(3)
	a, b := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	pos := &position.Position{Fund: "f"}
	c.put("k", a, pos, 7)
	if c.get("k", a) != pos || c.get("k", b) != nil || c.get("other", a) != nil {
		t.Error("the cache answered for other records or another view")
	}
	if c.at("k", 7) != pos || c.at("k", 6) != nil || c.at("k", 8) != nil {
		t.Error("the cache answered as at another event than the one its position is known at")
	}
	for i := range 10 {
		c.put(fmt.Sprint(i), a, pos, 7)
	}
	if len(c.entries) != 3 {
		t.Errorf("%d entries, want at most 3", len(c.entries))
	}
	off := newPositionCache(-1)
	off.put("k", a, pos, 7)
	if off.get("k", a) != nil {
		t.Error("a cache turned off kept a position")
	}
	if newPositionCache(0).size != 256 {
		t.Error("default size")
	}
}
