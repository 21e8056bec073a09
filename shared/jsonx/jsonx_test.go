package jsonx_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

func TestSyntaxErrors(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty input", ""},
		{"only whitespace", " \n\t "},
		{"truncated object", `{"a": 1`},
		{"truncated string", `{"a": "b`},
		{"missing colon", `{"a" 1}`},
		{"trailing comma in object", `{"a": 1,}`},
		{"trailing comma in array", `[1,]`},
		{"single quotes", `{'a': 1}`},
		{"unquoted key", `{a: 1}`},
		{"bare word", `amber`},
		{"leading zero number", `{"a": 007}`},
		{"NaN", `{"a": NaN}`},
		{"plus sign", `{"a": +1}`},
		{"unbalanced close", `{"a": [1}`},
		{"stray close", `]`},
		{"second value after an object", `{} {}`},
		{"junk after an object", `{}x`},
		{"junk after a number", `1 2`},
		{"extra close brace", `{"a":1}}`},
		{"invalid UTF-8 in a string", "{\"a\": \"\xff\"}"},
		{"invalid UTF-8 outside strings", "{\"a\": 1}\xc3"},
		{"overlong UTF-8 encoding", "{\"a\": \"\xc0\xaf\"}"},
		{"UTF-8 byte-order mark", "\ufeff{}"},
		{"control character in a string", "{\"a\": \"x\x01y\"}"},
		{"invalid escape", `{"a": "\x"}`},
		{"syntax error beyond the depth limit", strings.Repeat("[", 40) + "}" + strings.Repeat("]", 40)},
		{"truncated beyond the depth limit", strings.Repeat("[", 40)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, problems, err := jsonx.Decode([]byte(tc.in))
			var se *jsonx.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Decode(%q) = %#v, %v, %v; want *SyntaxError", tc.in, v, problems, err)
			}
			if se.Error() == "" {
				t.Error("empty message")
			}
			// The catalogue's message, said in Welsh too.
			if se.ID == "" || i18n.Text(i18n.English, se.ID, se.Data) != se.Msg || i18n.Text(i18n.Welsh, se.ID, se.Data) == se.Msg {
				t.Errorf("%q: %+v is not the catalogue's message in English and Welsh", tc.in, se)
			}
			if v != nil || problems != nil {
				t.Errorf("a syntax error also returned %#v, %v", v, problems)
			}
		})
	}
}

func TestValues(t *testing.T) {
	t.Run("objects, arrays, strings, booleans and null", func(t *testing.T) {
		v, problems, err := jsonx.Decode([]byte(` {"s": "x\u00e9\n", "t": true, "f": false, "n": null, "a": [1, "2", [], {}], "o": {}} `))
		if err != nil || len(problems) > 0 {
			t.Fatal(err, problems)
		}
		want := map[string]any{"s": "xé\n", "t": true, "f": false, "n": nil,
			"a": []any{json.Number("1"), "2", []any{}, map[string]any{}}, "o": map[string]any{}}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("got %#v", v)
		}
	})
	t.Run("numbers come back as json.Number with their exact text", func(t *testing.T) {
		for _, n := range []string{"0", "-0", "1010000", "1250000.50", "612.40", "0.1", "-3.20",
			"1e400", "1.5E-7", "12345678901234567890123", "9007199254740993", "4102337.18"} {
			v, _, err := jsonx.Decode([]byte(`{"n": ` + n + `}`))
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			got, ok := v.(map[string]any)["n"].(json.Number)
			if !ok || string(got) != n {
				t.Errorf("%s came back as %#v", n, v.(map[string]any)["n"])
			}
		}
	})
	t.Run("a top-level scalar is a value", func(t *testing.T) {
		for in, want := range map[string]any{`"x"`: "x", `12.50`: json.Number("12.50"), `null`: nil, `true`: true} {
			v, problems, err := jsonx.Decode([]byte(in))
			if err != nil || len(problems) > 0 || v != want {
				t.Errorf("Decode(%s) = %#v, %v, %v", in, v, problems, err)
			}
		}
	})
	t.Run("trailing whitespace is allowed", func(t *testing.T) {
		if _, _, err := jsonx.Decode([]byte("{}\r\n\t ")); err != nil {
			t.Error(err)
		}
	})
	t.Run("escaped names are compared after unescaping", func(t *testing.T) {
		v, problems, err := jsonx.Decode([]byte(`{"a\u0062": 1}`))
		if err != nil || len(problems) > 0 || v.(map[string]any)["ab"] != json.Number("1") {
			t.Errorf("got %#v, %v, %v", v, problems, err)
		}
	})
}

func TestDuplicateKeys(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []jsonx.Problem
		// first is the value kept for the duplicated member.
		first any
		at    []string
	}{
		{"top level", `{"a": 1, "b": 2, "a": 3}`, []jsonx.Problem{{Pointer: "/a", Kind: "duplicate-field"}}, json.Number("1"), []string{"a"}},
		{"nested in an array item", `{"spend": [{}, {"x": 1, "x": 1}]}`, []jsonx.Problem{{Pointer: "/spend/1/x", Kind: "duplicate-field"}}, json.Number("1"), []string{"spend", "1", "x"}},
		{"name with a slash is escaped", `{"a/b": 1, "a/b": 2}`, []jsonx.Problem{{Pointer: "/a~1b", Kind: "duplicate-field"}}, json.Number("1"), []string{"a/b"}},
		{"name with a tilde is escaped", `{"m~n": 1, "m~n": 2}`, []jsonx.Problem{{Pointer: "/m~0n", Kind: "duplicate-field"}}, json.Number("1"), []string{"m~n"}},
		{"name with both", `{"o": {"~/": 1, "~/": 2}}`, []jsonx.Problem{{Pointer: "/o/~0~1", Kind: "duplicate-field"}}, json.Number("1"), []string{"o", "~/"}},
		{"same name after unescaping", `{"ab": 1, "a\u0062": 2}`, []jsonx.Problem{{Pointer: "/ab", Kind: "duplicate-field"}}, json.Number("1"), []string{"ab"}},
		{"empty name", `{"": 1, "": 2}`, []jsonx.Problem{{Pointer: "/", Kind: "duplicate-field"}}, json.Number("1"), []string{""}},
		{"three times, reported twice", `{"a": 1, "a": 2, "a": 3}`,
			[]jsonx.Problem{{Pointer: "/a", Kind: "duplicate-field"}, {Pointer: "/a", Kind: "duplicate-field"}}, json.Number("1"), []string{"a"}},
		{"two different duplicates, in order", `{"b": {"c": 1, "c": 2}, "b": 3}`,
			[]jsonx.Problem{{Pointer: "/b/c", Kind: "duplicate-field"}, {Pointer: "/b", Kind: "duplicate-field"}}, json.Number("1"), []string{"b", "c"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, problems, err := jsonx.Decode([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(problems, tc.want) {
				t.Errorf("problems %+v, want %+v", problems, tc.want)
			}
			for _, seg := range tc.at {
				switch c := v.(type) {
				case map[string]any:
					v = c[seg]
				case []any:
					v = c[1] // the cases above only index item 1
				}
			}
			if v != tc.first {
				t.Errorf("kept %#v, want the first value %#v", v, tc.first)
			}
		})
	}
	t.Run("the same name in different objects is not a duplicate", func(t *testing.T) {
		_, problems, err := jsonx.Decode([]byte(`{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}`))
		if err != nil || len(problems) > 0 {
			t.Errorf("%v %v", problems, err)
		}
	})
}

func TestDepth(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	t.Run("MaxDepth levels of nesting are allowed", func(t *testing.T) {
		_, problems, err := jsonx.Decode([]byte(nested(jsonx.MaxDepth)))
		if err != nil || len(problems) > 0 {
			t.Errorf("%v %v", problems, err)
		}
	})
	t.Run("one level more is too deep, at the pointer of the refused value", func(t *testing.T) {
		v, problems, err := jsonx.Decode([]byte(nested(jsonx.MaxDepth + 1)))
		if err != nil {
			t.Fatal(err)
		}
		want := []jsonx.Problem{{Pointer: strings.Repeat("/0", jsonx.MaxDepth), Kind: "too-deep"}}
		if !reflect.DeepEqual(problems, want) {
			t.Errorf("problems %+v, want %+v", problems, want)
		}
		// The refused value is null in its place; the rest is kept.
		for range jsonx.MaxDepth {
			arr, ok := v.([]any)
			if !ok || len(arr) != 1 {
				t.Fatalf("structure lost: %#v", v)
			}
			v = arr[0]
		}
		if v != nil {
			t.Errorf("the refused value is %#v, want nil", v)
		}
	})
	t.Run("objects count as levels too, and the pointer names their members", func(t *testing.T) {
		in := strings.Repeat(`{"a/b":`, jsonx.MaxDepth) + `{"x": 1}` + strings.Repeat("}", jsonx.MaxDepth)
		_, problems, err := jsonx.Decode([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		want := []jsonx.Problem{{Pointer: strings.Repeat("/a~1b", jsonx.MaxDepth), Kind: "too-deep"}}
		if !reflect.DeepEqual(problems, want) {
			t.Errorf("problems %+v, want %+v", problems, want)
		}
	})
	t.Run("too-deep values and later duplicates are all reported", func(t *testing.T) {
		in := `{"a": ` + nested(40) + `, "b": ` + nested(40) + `, "a": 1}`
		_, problems, err := jsonx.Decode([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		deep := strings.Repeat("/0", jsonx.MaxDepth-1)
		want := []jsonx.Problem{{Pointer: "/a" + deep, Kind: "too-deep"}, {Pointer: "/b" + deep, Kind: "too-deep"}, {Pointer: "/a", Kind: "duplicate-field"}}
		if !reflect.DeepEqual(problems, want) {
			t.Errorf("problems %+v, want %+v", problems, want)
		}
	})
	t.Run("100000 nested arrays are refused without exhausting the stack", func(t *testing.T) {
		_, problems, err := jsonx.Decode([]byte(nested(100000)))
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || problems[0].Kind != "too-deep" {
			t.Errorf("problems %+v", problems)
		}
	})
	t.Run("100000 nested objects with content are refused too", func(t *testing.T) {
		in := strings.Repeat(`{"a":[1,"x",`, 100000) + `null` + strings.Repeat("]}", 100000)
		_, problems, err := jsonx.Decode([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || problems[0].Kind != "too-deep" {
			t.Errorf("problems %+v", problems)
		}
	})
}

func TestEscapePointer(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a/b": "a~1b", "m~n": "m~0n", "~1": "~01", "/~": "~1~0", "": ""} {
		if got := jsonx.EscapePointer(in); got != want {
			t.Errorf("EscapePointer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTypeName(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "null"}, {true, "boolean"}, {json.Number("1"), "number"}, {"s", "string"},
		{[]any{}, "array"}, {map[string]any{}, "object"},
	} {
		if got := jsonx.TypeName(tc.v); got != tc.want {
			t.Errorf("TypeName(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a": 1, "a": 2}`, `{"a/b": [1, 2, {"c": "d"}]}`, `{} {}`, `{}x`, "\xff", ``,
		`{"n": 1e400}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`{"spend": [{"actualToDate": "1010000", "forecastOutturn": 2550000.00}]}`, `"\ud800"`, `nul`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, problems, err := jsonx.Decode(data)
		if err != nil {
			var se *jsonx.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if v != nil || problems != nil {
				t.Fatalf("a syntax error also returned a value or problems")
			}
			// Whatever jsonx refuses, encoding/json refuses too, but for
			// the invalid UTF-8 encoding/json replaces.
			if json.Valid(data) && !strings.Contains(se.Msg, "UTF-8") {
				t.Fatalf("jsonx refused valid JSON %q: %v", data, err)
			}
			return
		}
		tooDeep := false
		for _, p := range problems {
			tooDeep = tooDeep || p.Kind == "too-deep"
		}
		// encoding/json refuses nesting beyond 10000 levels; jsonx stops
		// looking at 32 and only checks the syntax of the rest.
		if !tooDeep && !json.Valid(data) {
			t.Fatalf("jsonx accepted invalid JSON %q", data)
		}
		for _, p := range problems {
			if (p.Kind != "duplicate-field" && p.Kind != "too-deep" && p.Kind != "lone-surrogate") || (p.Pointer != "" && p.Pointer[0] != '/') {
				t.Fatalf("bad problem %+v", p)
			}
		}
		// Without problems, the value is what encoding/json reads.
		if len(problems) == 0 {
			var want any
			dec := json.NewDecoder(strings.NewReader(string(data)))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if !reflect.DeepEqual(v, want) {
				t.Fatalf("Decode(%q) = %#v, encoding/json reads %#v", data, v, want)
			}
		}
	})
}
