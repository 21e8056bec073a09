package region

import (
	"testing"
	"time"
)

func TestIdentifierPatterns(t *testing.T) {
	cases := []struct {
		p    pattern
		s    string
		want bool
	}{
		{idPattern, "west-wales", true}, {idPattern, "a", true}, {idPattern, "0fund-9", true},
		{idPattern, "", false}, {idPattern, "-lead", false}, {idPattern, "Upper", false}, {idPattern, "has space", false},
		{idPattern, "a" + string(make([]byte, 63)), false}, {idPattern, "under_score", false}, {idPattern, "é", false},
		{codePattern, "W06000010", true}, {codePattern, "E54000008", true}, {codePattern, "w06", false},
		{codePattern, "", false}, {codePattern, "ABCDEFGHIJKLMNOPQ", false}, {codePattern, "W06-1", false},
	}
	for _, c := range cases {
		if got := c.p.match(c.s); got != c.want {
			t.Errorf("%s.match(%q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
	long := make([]byte, 63)
	for i := range long {
		long[i] = 'a'
	}
	if !idPattern.match(string(long)) || idPattern.match(string(long)+"a") {
		t.Error("ids are 1 to 63 characters")
	}
}

// Every zone trusted without loading at start does load.
func TestKnownZonesLoad(t *testing.T) {
	r := &Region{Timezone: "Europe/London"}
	if !knownZone(r.Timezone) {
		t.Fatal("Europe/London should be known")
	}
	r.location = func() (*time.Location, error) { return time.LoadLocation(r.Timezone) }
	if loc := r.Location(); loc == nil || loc.String() != "Europe/London" {
		t.Fatalf("location %v", loc)
	}
}
