package region

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// reflected reads a region as encoding/json would, for comparison.
func reflected(data []byte) (*Region, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Region
	return &r, dec.Decode(&r)
}

// Parse reads the product's region files exactly as encoding/json does.
func TestParseAgreesWithReflection(t *testing.T) {
	for _, f := range []string{"../../infra/regions/west-wales.json", "../../infra/regions/testdata/cheshire-west.json"} {
		data, err := os.ReadFile(filepath.Clean(f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want, _ := reflected(data)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", f, got, want)
		}
	}
}

// Unknown fields, wrong types and bad JSON are refused, naming the place.
func TestParseRefuses(t *testing.T) {
	for body, want := range map[string]string{
		`{"id":"x","surprise":1}`:                                  `unknown field "surprise"`,
		`{"areas":[{"code":7}]}`:                                   "/areas/0/code: expected a string",
		`{"dueDates":{"quarterlyReturnDaysAfterQuarterEnd":"30"}}`: "expected a whole number",
		`{"funds":{"id":"f"}}`:                                     "/funds: expected an array",
		`[]`:                                                       "expected an object",
		`{"id":"x"`:                                                "ended before",
		`{"id":"a","id":"b"}`:                                      "duplicate-field",
	} {
		_, err := Parse([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
