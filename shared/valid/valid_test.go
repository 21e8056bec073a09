package valid_test

import (
	"errors"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/regional-data-exchange/rdx/shared/valid"
)

type leaf struct {
	Year string `json:"year" validate:"financial-year"`
}

type root struct {
	Name   string          `json:"name" validate:"required"`
	Items  []leaf          `json:"items" validate:"dive"`
	ByName map[string]leaf `json:"byName" validate:"dive"`
	Nested [][]string      `json:"nested" validate:"dive,dive,max=1"`
	Plain  string          `validate:"required"`
}

// Failures are named by JSON Pointers built from JSON names, indexes and
// map keys (escaped as RFC 6901 says).
func TestPointers(t *testing.T) {
	v := valid.New()
	err := v.Struct(root{
		Items:  []leaf{{Year: "2018-19"}, {Year: "2018-2019"}},
		ByName: map[string]leaf{"a/b": {Year: "x"}},
		Nested: [][]string{{"a"}, {"b", "cc"}},
	})
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fe := range ves {
		got[valid.Pointer(fe)] = fe.Tag()
	}
	want := map[string]string{"/name": "required", "/items/1/year": "financial-year", "/byName/a~1b/year": "financial-year",
		"/nested/1/1": "max", "/Plain": "required"}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for p, tag := range want {
		if got[p] != tag {
			t.Errorf("%s: got %q, want %q (all: %v)", p, got[p], tag, got)
		}
	}
}
