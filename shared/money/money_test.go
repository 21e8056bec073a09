package money_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/money"
)

func TestParse(t *testing.T) {
	valid := []struct {
		in   string
		want money.Pence
	}{
		{"0", 0},
		{"0.0", 0},
		{"0.00", 0},
		{"-0", 0},
		{"-0.00", 0},
		{"0.5", 50},
		{"0.05", 5},
		{"1", 100},
		{"1.2", 120},
		{"1.23", 123},
		{"1250000", 125000000},
		{"1250000.5", 125000050},
		{"1250000.50", 125000050},
		{"-3.20", -320},
		{"-3.2", -320},
		{"-0.01", -1},
		{"007", 700},
		{"007.10", 710},
		{"0000000000000000000001.00", 100}, // leading zeros do not count towards the limit
		{"99999999999.99", 9_999_999_999_999},
		{"-99999999999.99", -9_999_999_999_999},
		{"099999999999.99", money.Max},
	}
	for _, tc := range valid {
		t.Run("accepts "+tc.in, func(t *testing.T) {
			got, err := money.Parse(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}

	invalid := []struct {
		in   string
		want error
	}{
		{"1e5", money.ErrExponent},
		{"1E5", money.ErrExponent},
		{"1.5e2", money.ErrExponent},
		{"-1e-2", money.ErrExponent},
		{"1.234", money.ErrTooPrecise},
		{"0.001", money.ErrTooPrecise},
		{"1.000", money.ErrTooPrecise}, // trailing zeros still count as written decimals
		{"100000000000", money.ErrTooLarge},
		{"100000000000.00", money.ErrTooLarge},
		{"-100000000000", money.ErrTooLarge},
		{"999999999999.99", money.ErrTooLarge},
		{"9223372036854775808", money.ErrTooLarge},
		{"", money.ErrSyntax},
		{"-", money.ErrSyntax},
		{".", money.ErrSyntax},
		{".5", money.ErrSyntax},
		{"5.", money.ErrSyntax},
		{"-.5", money.ErrSyntax},
		{"+1", money.ErrSyntax},
		{" 1", money.ErrSyntax},
		{"1 ", money.ErrSyntax},
		{"1,000", money.ErrSyntax},
		{"1.000,00", money.ErrSyntax},
		{"£1", money.ErrSyntax},
		{"NaN", money.ErrSyntax},
		{"Inf", money.ErrSyntax},
		{"--1", money.ErrSyntax},
		{"1.2.3", money.ErrSyntax},
		{"0x10", money.ErrSyntax},
		{"١٢", money.ErrSyntax}, // Arabic-Indic digits are not ASCII digits
	}
	for _, tc := range invalid {
		t.Run("refuses "+tc.in, func(t *testing.T) {
			got, err := money.Parse(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("Parse(%q) = %d, %v; want %v", tc.in, got, err, tc.want)
			}
			if got != 0 {
				t.Errorf("Parse(%q) returned %d with its error", tc.in, got)
			}
		})
	}
}

func TestString(t *testing.T) {
	cases := []struct {
		p    money.Pence
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{125000050, "1250000.50"},
		{-1, "-0.01"},
		{-5, "-0.05"},
		{-320, "-3.20"},
		{-100, "-1.00"},
		{money.Max, "99999999999.99"},
		{-money.Max, "-99999999999.99"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"}, // -MinInt64 overflows int64: must still format
		{math.MinInt64 + 1, "-92233720368547758.07"},
	}
	for _, tc := range cases {
		t.Run("formats "+tc.want, func(t *testing.T) {
			if got := tc.p.String(); got != tc.want {
				t.Errorf("Pence(%d).String() = %q, want %q", int64(tc.p), got, tc.want)
			}
		})
	}
	t.Run("round trip through Parse for amounts in range", func(t *testing.T) {
		for _, p := range []money.Pence{0, 1, -1, 50, -50, 99, 100, -320, 123456789, money.Max, -money.Max, money.Max - 1} {
			back, err := money.Parse(p.String())
			if err != nil || back != p {
				t.Errorf("Parse(%q) = %d, %v; want %d", p.String(), back, err, p)
			}
		}
	})
}

func TestJSON(t *testing.T) {
	t.Run("marshals as a two-decimal string", func(t *testing.T) {
		b, err := json.Marshal(map[string]money.Pence{"a": 101000000, "b": -5})
		if err != nil || string(b) != `{"a":"1010000.00","b":"-0.05"}` {
			t.Errorf("got %s, %v", b, err)
		}
	})
	t.Run("unmarshals a number or a string", func(t *testing.T) {
		var v struct{ A, B money.Pence }
		if err := json.Unmarshal([]byte(`{"A": 1010000, "B": "612.40"}`), &v); err != nil || v.A != 101000000 || v.B != 61240 {
			t.Errorf("got %+v, %v", v, err)
		}
	})
	t.Run("every amount written reads back, past the accepted maximum too", func(t *testing.T) {
		for _, want := range []money.Pence{0, -5, money.Max, money.Max + 1, math.MaxInt64, math.MinInt64} {
			b, _ := json.Marshal(want)
			var got money.Pence
			if err := json.Unmarshal(b, &got); err != nil || got != want {
				t.Errorf("%s read back as %d, %v", b, got, err)
			}
		}
		var p money.Pence
		if err := json.Unmarshal([]byte(`"92233720368547758.08"`), &p); err == nil {
			t.Errorf("an amount past int64 read as %d", p)
		}
	})
	t.Run("unmarshal refuses malformed amounts", func(t *testing.T) {
		var p money.Pence
		for _, in := range []string{`1e3`, `"1.234"`, `"abc"`, `1.001`} {
			if err := json.Unmarshal([]byte(in), &p); err == nil {
				t.Errorf("Unmarshal(%s) accepted %d", in, p)
			}
		}
	})
}

func TestAddSubSum(t *testing.T) {
	const maxP, minP = money.Pence(math.MaxInt64), money.Pence(math.MinInt64)
	t.Run("exact sums", func(t *testing.T) {
		if got, err := money.Add(1410000000, 210000000); err != nil || got != 1620000000 {
			t.Errorf("Add = %d, %v", got, err)
		}
		if got, err := money.Sub(100, 250); err != nil || got != -150 {
			t.Errorf("Sub = %d, %v", got, err)
		}
		if got, err := money.Sum(); err != nil || got != 0 {
			t.Errorf("Sum() = %d, %v", got, err)
		}
		if got, err := money.Sum(money.Max, money.Max, -money.Max, 1); err != nil || got != money.Max+1 {
			t.Errorf("Sum = %d, %v", got, err)
		}
		// 0.1 + 0.2 is exactly 0.3 in pence, as it never is in float64.
		a, _ := money.Parse("0.10")
		b, _ := money.Parse("0.20")
		if got, _ := money.Add(a, b); got.String() != "0.30" {
			t.Errorf("0.10 + 0.20 = %s", got)
		}
	})
	t.Run("sums at the edges of int64 do not overflow", func(t *testing.T) {
		ok := []struct {
			name string
			fn   func() (money.Pence, error)
			want money.Pence
		}{
			{"MaxInt64 + 0", func() (money.Pence, error) { return money.Add(maxP, 0) }, maxP},
			{"MaxInt64 + MinInt64", func() (money.Pence, error) { return money.Add(maxP, minP) }, -1},
			{"MinInt64 + 0", func() (money.Pence, error) { return money.Add(minP, 0) }, minP},
			{"MaxInt64 - 1 + 1", func() (money.Pence, error) { return money.Add(maxP-1, 1) }, maxP},
			{"MinInt64 + 1 - 1", func() (money.Pence, error) { return money.Sub(minP+1, 1) }, minP},
			{"0 - MaxInt64", func() (money.Pence, error) { return money.Sub(0, maxP) }, minP + 1},
			{"MaxInt64 - MaxInt64", func() (money.Pence, error) { return money.Sub(maxP, maxP) }, 0},
		}
		for _, tc := range ok {
			got, err := tc.fn()
			if err != nil || got != tc.want {
				t.Errorf("%s = %d, %v; want %d", tc.name, got, err, tc.want)
			}
		}
	})
	t.Run("overflow is an error, never a wrapped sum", func(t *testing.T) {
		bad := []struct {
			name string
			fn   func() (money.Pence, error)
		}{
			{"MaxInt64 + 1", func() (money.Pence, error) { return money.Add(maxP, 1) }},
			{"1 + MaxInt64", func() (money.Pence, error) { return money.Add(1, maxP) }},
			{"MinInt64 + -1", func() (money.Pence, error) { return money.Add(minP, -1) }},
			{"MinInt64 + MinInt64", func() (money.Pence, error) { return money.Add(minP, minP) }},
			{"MinInt64 - 1", func() (money.Pence, error) { return money.Sub(minP, 1) }},
			{"MaxInt64 - -1", func() (money.Pence, error) { return money.Sub(maxP, -1) }},
			{"0 - MinInt64", func() (money.Pence, error) { return money.Sub(0, minP) }},
			{"1 - MinInt64", func() (money.Pence, error) { return money.Sub(1, minP) }},
			{"Sum of MaxInt64 and 1", func() (money.Pence, error) { return money.Sum(maxP, 1) }},
			{"Sum of two MinInt64", func() (money.Pence, error) { return money.Sum(minP, minP) }},
		}
		for _, tc := range bad {
			got, err := tc.fn()
			if !errors.Is(err, money.ErrOverflow) || got != 0 {
				t.Errorf("%s = %d, %v; want ErrOverflow", tc.name, got, err)
			}
		}
	})
}

func TestParseDecimal(t *testing.T) {
	valid := []struct{ in, want string }{
		{"612.4", "612.4"},
		{"612.40", "612.4"},
		{"612.400000", "612.4"},
		{"-0", "0"},
		{"-0.000", "0"},
		{"0", "0"},
		{"0.0", "0"},
		{"007.10", "7.1"},
		{"-007.10", "-7.1"},
		{"100", "100"},
		{"100.000", "100"},
		{"0.000001", "0.000001"},
		{"-0.000001", "-0.000001"},
		{"999999999999999.999999", "999999999999999.999999"},
		{"0000000000000000001", "1"}, // leading zeros do not count towards the limit
	}
	for _, tc := range valid {
		t.Run("normalises "+tc.in, func(t *testing.T) {
			d, err := money.ParseDecimal(tc.in)
			if err != nil || d.String() != tc.want {
				t.Fatalf("ParseDecimal(%q) = %q, %v; want %q", tc.in, d, err, tc.want)
			}
			b, _ := json.Marshal(d)
			if string(b) != `"`+tc.want+`"` {
				t.Errorf("MarshalJSON = %s", b)
			}
			again, err := money.ParseDecimal(d.String())
			if err != nil || again != d {
				t.Errorf("normal form does not parse to itself: %q, %v", again, err)
			}
		})
	}
	invalid := []struct {
		in   string
		want error
	}{
		{"1e3", money.ErrExponent},
		{"1.5E-3", money.ErrExponent},
		{"0.1234567", money.ErrDecimalTooPrecise},
		{"1.0000000", money.ErrDecimalTooPrecise},
		{"1234567890123456", money.ErrDecimalTooLarge},
		{"-1234567890123456.5", money.ErrDecimalTooLarge},
		{"", money.ErrSyntax},
		{".5", money.ErrSyntax},
		{"5.", money.ErrSyntax},
		{"+5", money.ErrSyntax},
		{"1,5", money.ErrSyntax},
		{" 5", money.ErrSyntax},
		{"NaN", money.ErrSyntax},
	}
	for _, tc := range invalid {
		t.Run("refuses "+tc.in, func(t *testing.T) {
			if d, err := money.ParseDecimal(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("ParseDecimal(%q) = %q, %v; want %v", tc.in, d, err, tc.want)
			}
		})
	}
	t.Run("zero value is 0", func(t *testing.T) {
		if got := (money.Decimal{}).String(); got != "0" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("unmarshals a number or a string", func(t *testing.T) {
		var v struct{ A, B money.Decimal }
		if err := json.Unmarshal([]byte(`{"A": 612.40, "B": "-0.50"}`), &v); err != nil || v.A.String() != "612.4" || v.B.String() != "-0.5" {
			t.Errorf("got %v %v, %v", v.A, v.B, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0", "0.5", "-3.20", "007", "1250000.50", "99999999999.99", "100000000000",
		"1e5", "1.234", "", ".5", "5.", "+1", " 1", "1,000", "NaN", "-", "-0", "--1",
		"9223372036854775807", "-9223372036854775808", "0.", strings.Repeat("9", 40),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := money.Parse(s)
		if err != nil {
			if p != 0 {
				t.Errorf("Parse(%q) = %d with error %v", s, p, err)
			}
			if !errors.Is(err, money.ErrSyntax) && !errors.Is(err, money.ErrExponent) &&
				!errors.Is(err, money.ErrTooPrecise) && !errors.Is(err, money.ErrTooLarge) {
				t.Errorf("Parse(%q): unexpected error %v", s, err)
			}
			return
		}
		if p > money.Max || p < -money.Max {
			t.Fatalf("Parse(%q) = %d, outside ±Max", s, p)
		}
		str := p.String()
		back, err := money.Parse(str)
		if err != nil || back != p {
			t.Fatalf("Parse(%q) = %d; Parse(%q) = %d, %v", s, p, str, back, err)
		}
		// Money read this way also reads as a decimal with the same value.
		d, err := money.ParseDecimal(s)
		if err != nil {
			t.Fatalf("ParseDecimal(%q) refused valid money: %v", s, err)
		}
		dp, err := money.ParseDecimal(str)
		if err != nil || dp != d {
			t.Fatalf("decimal of %q is %q but of %q is %q", s, d, str, dp)
		}
	})
}

func TestPlainDecimal(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "612.40": true, "-1234.50": true, "007": true,
		"": false, "-": false, "1.": false, ".5": false, "+1": false, "1e3": false, "1,000": false, "--1": false, " 1": false,
	} {
		if got := money.PlainDecimal(s); got != want {
			t.Errorf("PlainDecimal(%q) = %v, want %v", s, got, want)
		}
	}
}
