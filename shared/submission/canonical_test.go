package submission

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/money"
)

// The canonical writer (jsonx) agrees byte for byte with an independent RFC
// 8785 implementation (marshal, then jcs.Transform) on random documents.
func TestCanonicalAgreesWithJCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "plain", "quote \" and \\ backslash", "line\nbreak\ttab", "\x01\x1f control", "é ü 日本 🙂", "<&>", "\u2028\u2029", "€"}
	var gen func(depth int) any
	gen = func(depth int) any {
		switch rng.IntN(7) {
		case 0:
			if depth < 3 {
				m := map[string]any{}
				for i := range rng.IntN(5) {
					m[[]string{"b", "a", "areaCode", "Z", "actualToDate", "x1"}[i%6]+strings.Repeat("k", i)] = gen(depth + 1)
				}
				return m
			}
		case 1:
			if depth < 3 {
				a := []any{}
				for range rng.IntN(4) {
					a = append(a, gen(depth+1))
				}
				return a
			}
		case 2:
			return int64(rng.IntN(1<<53)) - 1<<52
		case 3:
			return money.Pence(rng.Int64N(1<<40) - 1<<39)
		case 4:
			return rng.IntN(2) == 0
		case 5:
			d, _ := money.ParseDecimal("612.400")
			return d
		}
		return texts[rng.IntN(len(texts))]
	}
	for i := range 2000 {
		doc := map[string]any{"root": gen(0), "n": int64(i)}
		got, err := jsonx.Canonical(doc)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(doc)
		want, err := jcs.Transform(raw)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
