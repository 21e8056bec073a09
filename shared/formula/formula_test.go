package formula_test

import (
	"strings"
	"testing"
	"unicode"

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

// Every white space the stored text is trimmed of hides nothing: the text
// after it is judged as the text that is stored.
func TestLikeAfterEveryWhiteSpace(t *testing.T) {
	hidden := []string{"\u00a0", "\u3000", "\u2007", "\u202f", "\u2003", "\u205f", "\u1680", "\u0085", "\v", "\f",
		"\u2028", "\u2029", "\ufeff", "\u200b", "\u2060", " \u00a0\n\u3000"}
	for _, space := range hidden {
		for _, start := range []string{"=", "+", "-", "@", "＝", "\t"} {
			s := space + start + "HYPERLINK(\"http://x\")"
			if !formula.Like(s) {
				t.Errorf("Like(%q) = false", s)
			}
			if trimmed := strings.TrimSpace(s); start != "\t" && !formula.Like(trimmed) {
				t.Errorf("the stored form %q is not judged a formula", trimmed)
			}
		}
		if s := space + "plain text"; formula.Like(s) {
			t.Errorf("Like(%q) = true", s)
		}
	}
	for r := rune(0); r <= 0x10ffff; r++ {
		if unicode.IsSpace(r) && r != '\t' && r != '\r' {
			if s := string(r) + "=1"; !formula.Like(s) {
				t.Errorf("Like(%q) = false: U+%04X is trimmed from stored text", s, r)
			}
		}
	}
}
