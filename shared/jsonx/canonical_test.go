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

// CanonicalExact writes two numbers alike exactly when they are equal:
// 21-digit numbers a double cannot tell apart stay apart, and the spellings
// of one number (1.50, 15e-1, 0.15E+1) are one.
func TestCanonicalExactTellsEveryNumberApart(t *testing.T) {
	exact := func(n string) string {
		v, _, err := jsonx.Decode([]byte(n))
		if err != nil {
			t.Fatal(err)
		}
		b, err := jsonx.CanonicalExact(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, same := range [][]string{
		{"1.5", "1.50", "15e-1", "0.15E+1", "150E-2", "1.5000e0"},
		{"0", "-0", "0.000", "0e99", "-0.0E-7"},
		{"123456789012345678901", "1.23456789012345678901e20", "123456789012345678901.000"},
		{"-1e21", "-1000000000000000000000", "-0.1e22"},
		{"1e-7", "0.0000001", "100e-9"},
		{"1e99999999999999999999", "10e99999999999999999998", "0.1E100000000000000000000"},
	} {
		for _, n := range same[1:] {
			if a, b := exact(same[0]), exact(n); a != b {
				t.Errorf("%s is written %s, but %s is written %s", same[0], a, n, b)
			}
		}
	}
	apart := []string{"123456789012345678901", "123456789012345678902", "1234567890123456789010", "0.123456789012345678901",
		"1.0000000000000000000001", "1", "-1", "1e99999999999999999999", "1e99999999999999999998", "1e-99999999999999999999",
		"9007199254740993", "9007199254740992", "0.1", "0.10000000000000001"}
	seen := map[string]string{}
	for _, n := range apart {
		w := exact(n)
		if other, dup := seen[w]; dup {
			t.Errorf("%s and %s are both written %s", other, n, w)
		}
		seen[w] = n
	}
}

// Where a double holds a number exactly in its shortest digits, as it does
// every figure a partner sends, CanonicalExact writes what Canonical does,
// so fingerprints of such bodies are what they were.
func TestCanonicalExactAgreesWhereDoublesAreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	numbers := []string{"0", "1", "-1", "100", "1e21", "1e20", "1.5e-7", "1250000.50", "0.000001", "0.0000001", "12e3", "9007199254740991", "5e-324"}
	for range 3000 {
		f := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			numbers = append(numbers, strconv.FormatFloat(f, 'g', -1, 64)) // shortest digits: the double's own
		}
		numbers = append(numbers, strconv.FormatInt(rng.Int64N(1<<53), 10), strconv.FormatFloat(float64(rng.Int64N(1e11))/100, 'f', 2, 64))
	}
	for _, n := range numbers {
		v, _, _ := jsonx.Decode([]byte(n))
		want, _ := jsonx.Canonical(v)
		if got, err := jsonx.CanonicalExact(v); err != nil || string(got) != string(want) {
			t.Fatalf("%s: exact %s, canonical %s (%v)", n, got, want, err)
		}
	}
}
