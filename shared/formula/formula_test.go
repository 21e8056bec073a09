package formula_test

import (
	"testing"

	"github.com/regional-data-exchange/rdx/shared/formula"
)

func TestLike(t *testing.T) {
	for s, want := range map[string]bool{
		"=SUM(A1:A9)": true, "+1": true, "-1": true, "@cmd": true, "\tx": true, "\rx": true,
		"  =1+1": true, "\n@x": true, "＝1": true, "＋1": true, "－1": true, "＠x": true,
		"": false, "plain": false, "1=1": false, " x": false, "'=1": false, "é=": false,
	} {
		if got := formula.Like(s); got != want {
			t.Errorf("Like(%q) = %v, want %v", s, got, want)
		}
	}
	if r, _ := formula.First("  ＝1"); r != '＝' {
		t.Errorf("First: %q", r)
	}
}
