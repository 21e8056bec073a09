package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/regional-data-exchange/rdx/infra/examples"
)

// jsonSamples are the example documents and JSON's corners: escapes,
// surrogates, bytes that are not UTF-8, every form of number, nesting,
// empty objects and lists, repeated names, and what is not JSON.
func jsonSamples(t testing.TB) [][]byte {
	out := [][]byte{}
	for _, n := range []string{"quarterly-return.json", "pool-contribution.json", "population-assessment.json",
		"market-position-statement.json", "cheshire-west-quarterly-return.json"} {
		b, err := examples.Read(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, s := range []string{
		`{}`, `[]`, `{"a":[]}`, ` { "a" : [ 1 , 2 ] , "b" : { } } `, `"plain"`, `"Cyngor Sir Gâr"`,
		`"esc \" \\ \/ \b \f \n \r \t \u00e2 \ud83d\ude00 \ud800"`, "\"bad \xff utf8\"", "\"tab\there\"",
		`0`, `-0`, `12`, `-12.50`, `1e5`, `1E+5`, `2.5e-3`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
		`true`, `false`, `null`, `tru`, `nul`, `{"a":1,"a":2}`, `{"b":1,"a":{"d":[true,null,"x"],"c":-1}}`,
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{1:2}`, `[1 2]`, `"open`, `{"a":"\u12"}`, `{} {}`, `{}x`, ``, ` `,
		`[[[[[[[[[[]]]]]]]]]]`, `{"<script>":"</script>"}`,
	} {
		out = append(out, []byte(s))
	}
	return out
}

// Documents read as encoding/json reads them (numbers as json.Number), in
// their own order where asked: every value and every refusal the same.
func TestReadJSONAsEncodingJSON(t *testing.T) {
	for _, b := range jsonSamples(t) {
		sameAsEncodingJSON(t, b)
	}
}

func FuzzReadJSON(f *testing.F) {
	for _, b := range jsonSamples(f) {
		f.Add(b)
	}
	f.Fuzz(sameAsEncodingJSON)
}

func sameAsEncodingJSON(t *testing.T, b []byte) {
	valid := json.Valid(b)
	var want any
	if valid {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
	}
	got, err := readJSON(b, false)
	if (err == nil) != valid || valid && !reflect.DeepEqual(got, want) {
		t.Errorf("%q: read %#v, %v; encoding/json %#v (valid %v)", b, got, err, want, valid)
	}
	var wantOrdered any
	if valid {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if wantOrdered, err = decodeOrdered(dec); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
	}
	got, err = readJSON(b, true)
	if (err == nil) != valid || valid && !reflect.DeepEqual(got, wantOrdered) {
		t.Errorf("%q in order: read %#v, %v; encoding/json %#v (valid %v)", b, got, err, wantOrdered, valid)
	}
}

// decodeOrdered is how a document was read in its own order before
// readJSON, by encoding/json's tokens: the reference.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var obj ordered
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				val, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{k.(string), val})
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			list := []any{}
			for dec.More() {
				val, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, val)
			}
			_, err := dec.Token()
			return list, err
		}
		return nil, errors.New("unexpected delimiter")
	}
	return tok, nil
}
