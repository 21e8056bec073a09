package regionview

import (
	"testing"
	"time"
)

// The daily run is at 07:00 London time, summer and winter, and the same
// morning when started before it.
func TestNextMorning(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ now, want string }{
		{"2026-01-15T06:59:00Z", "2026-01-15T07:00:00Z"},
		{"2026-01-15T07:00:00Z", "2026-01-16T07:00:00Z"},
		{"2026-07-15T05:00:00Z", "2026-07-15T06:00:00Z"}, // BST: 07:00 is 06:00 UTC
		{"2026-03-28T23:00:00Z", "2026-03-29T06:00:00Z"}, // the night the clocks go forward
		{"2026-10-24T08:00:00Z", "2026-10-25T07:00:00Z"}, // and back
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := NextMorning(now, london).UTC().Format(time.RFC3339); got != c.want {
			t.Errorf("after %s: %s, want %s", c.now, got, c.want)
		}
	}
}
