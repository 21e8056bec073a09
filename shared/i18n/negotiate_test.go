package i18n

import (
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// slowNegotiate is Negotiate without its fast path: the matcher alone.
func slowNegotiate(accept string) Lang {
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}

// The fast path answers as the matcher does every header it reads that names
// each language once: every list of its tags, one English and one Welsh at
// most, each with or without a q-value. (A header naming a language twice,
// en-GB and en, the matcher reads in ways of its own; the fast path keeps to
// RFC 9110: TestQuickMatchFollowsTheQValues.)
func TestQuickMatchAgreesWithTheMatcher(t *testing.T) {
	var items []string
	for _, tag := range []string{"en", "en-GB", "en-us", "cy", "CY-gb"} {
		for _, q := range []string{"", ";q=1", ";q=0.9", "; q=0.5", ";q=0.50", ";q=0", ";q=0.001", ";q=1.000"} {
			items = append(items, tag+q)
		}
	}
	n := 0
	var lists func(prefix []string, depth int)
	lists = func(prefix []string, depth int) {
		if len(prefix) > 0 && !repeatsALanguage(prefix) {
			for _, sep := range []string{",", ", "} {
				h := strings.Join(prefix, sep)
				got, ok := quickMatch(h)
				if !ok {
					t.Fatalf("%q is not read by the fast path", h)
				}
				if want := slowNegotiate(h); got != want {
					t.Errorf("%q: fast path %s, matcher %s", h, got, want)
				}
				n++
			}
		}
		if depth == 3 {
			return
		}
		for _, it := range items {
			lists(append(prefix, it), depth+1)
		}
	}
	lists(nil, 0)
	if n < 1000 {
		t.Fatalf("only %d headers tried", n)
	}
}

func repeatsALanguage(items []string) bool {
	seen := map[string]bool{}
	for _, it := range items {
		base := strings.ToLower(it[:2])
		if seen[base] {
			return true
		}
		seen[base] = true
	}
	return false
}

// The highest q wins, the first of equals; q=0 is "not this one"; nothing
// acceptable is English.
func TestQuickMatchFollowsTheQValues(t *testing.T) {
	for h, want := range map[string]Lang{
		"":                                English,
		"cy":                              Welsh,
		"cy-GB, cy;q=0.9, en;q=0.5":       Welsh,
		"en-GB,en;q=0.9":                  English,
		"en;q=0.5, cy-GB;q=0.8, cy;q=0.7": Welsh,
		"en-GB, en;q=0.9, cy":             English,
		"en;q=0.9, en-GB, cy":             English,
		"cy;q=0.9, en-GB;q=0.5, en":       English,
		"en;q=0, cy;q=0.001":              Welsh,
		"cy;q=0":                          English,
		"en-GB;q=0.9, cy-GB;q=0.9":        English,
	} {
		got, ok := quickMatch(h)
		if !ok || got != want {
			t.Errorf("%q: %s (read: %v), want %s", h, got, ok, want)
		}
	}
}

// A header the fast path does not know is left to the matcher, which still
// answers it.
func TestQuickMatchLeavesOtherHeadersToTheMatcher(t *testing.T) {
	for _, h := range []string{"fr", "fr, cy;q=0.5", "*", "cy-Latn", "en;q=2", "en;q=0.5000", "cy;x=1", "en,", "!!", "cy;q=.5", "cy;Q=1"} {
		if _, ok := quickMatch(h); ok {
			t.Errorf("%q was read by the fast path", h)
		}
		if got, _ := Negotiate(h, ""); got != slowNegotiate(h) {
			t.Errorf("%q: %s, the matcher says %s", h, got, slowNegotiate(h))
		}
	}
}

var commonHeaders = []string{"", "en", "en-GB", "cy", "cy-GB", "cy-GB, cy;q=0.9, en;q=0.5", "en-GB,en;q=0.9", "en;q=0.3, cy-GB;q=0.8"}

// Choosing the language of a request with a common header costs no
// allocation: no request pays for x/text's parse.
func TestNegotiateCommonHeadersAllocateNothing(t *testing.T) {
	for _, h := range commonHeaders {
		if n := testing.AllocsPerRun(100, func() { Negotiate(h, "") }); n != 0 {
			t.Errorf("Negotiate(%q) allocates %.0f times", h, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Negotiate("cy", "en") }); n != 0 {
		t.Errorf("Negotiate with lang allocates %.0f times", n)
	}
}

func BenchmarkNegotiate(b *testing.B) {
	for _, h := range append(commonHeaders, "fr-CA, fr;q=0.9, cy;q=0.5") {
		b.Run(strings.ReplaceAll(h, " ", ""), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Negotiate(h, "")
			}
		})
	}
}
