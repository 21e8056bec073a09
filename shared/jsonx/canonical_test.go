package jsonx_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// jsonx.Canonical agrees byte for byte with an independent RFC 8785
// implementation on numbers of every magnitude and on whole documents.
func TestCanonicalAgreesWithJCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 13))
	var numbers []string
	for range 3000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		numbers = append(numbers, strconv.FormatFloat(f, 'g', -1, 64))
	}
	numbers = append(numbers, "0", "-0", "1", "-1", "1e21", "1e20", "123456789012345678901", "0.000001", "0.0000001",
		"1.5e-7", "100", "1.50", "1250000.50", "9007199254740993", "5e-324", "1.7976931348623157e308", "0.1", "12e3")
	for _, n := range numbers {
		doc := `{"b":[` + n + `,"x"],"a":{"é":` + n + `,"\ud83d\ude00":1,"z":true,"y":null}}`
		want, err := jcs.Transform([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		v, _, err := jsonx.Decode([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := jsonx.Canonical(v); err != nil || string(got) != string(want) {
			t.Fatalf("%s:\n got %s (%v)\nwant %s", n, got, err, want)
		}
	}
}

// Member names beyond the BMP that share a lead surrogate (U+1F600 and
// U+1F601 both start with 0xD83D) still have one order, whatever order the
// map yields them in: fingerprints of the same content must not vary.
func TestCanonicalOrdersNamesSharingALeadSurrogate(t *testing.T) {
	doc := []byte(`{"😁":1,"😀":2,"a😀":3,"a😁":4,"ｚ":5}`)
	want, err := jcs.Transform(doc)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		v, _, err := jsonx.Decode(doc)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := jsonx.Canonical(v); err != nil || string(got) != string(want) {
			t.Fatalf("got %s (%v)\nwant %s", got, err, want)
		}
	}
}

// Values of no JSON type are refused, never written as a guess.
func TestCanonicalRefusesOtherTypes(t *testing.T) {
	for _, v := range []any{3.5, 7, struct{}{}, map[string]int{"a": 1}, []string{"x"}} {
		if got, err := jsonx.Canonical(map[string]any{"v": v}); err == nil {
			t.Errorf("%T accepted as %s", v, got)
		}
	}
}
