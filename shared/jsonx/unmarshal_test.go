package jsonx_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

type trimmed string

func (t *trimmed) UnmarshalText(b []byte) error {
	*t = trimmed(strings.TrimSpace(string(b)))
	return nil
}

type item struct {
	Code  string   `json:"code"`
	Tags  []string `json:"tags"`
	Count int64    `json:"count"`
}

type doc struct {
	Name  *trimmed        `json:"name"`
	Items []item          `json:"items"`
	Meta  map[string]item `json:"meta"`
	Flag  bool            `json:"flag"`
	Skip  string          `json:"-"`
	Plain string
}

func TestUnmarshalDecodes(t *testing.T) {
	var d doc
	problems, err := jsonx.Unmarshal([]byte(`{"name":"  x ","items":[{"code":"a","tags":["t"],"count":2}],"meta":{"k":{"code":"b"}},"flag":true,"Plain":"p"}`), &d)
	if err != nil || problems != nil {
		t.Fatalf("%v %v", problems, err)
	}
	want := doc{Name: ptr(trimmed("x")), Items: []item{{Code: "a", Tags: []string{"t"}, Count: 2}}, Meta: map[string]item{"k": {Code: "b"}}, Flag: true, Plain: "p"}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %+v\nwant %+v", d, want)
	}
}

func ptr[T any](v T) *T { return &v }

// Every unknown name is found wherever it is, exactly matched (encoding/json
// would take "Code" for "code" and "skip" for nothing).
func TestUnmarshalFindsEveryUnknownField(t *testing.T) {
	var d doc
	problems, err := jsonx.Unmarshal([]byte(`{"colour":1,"items":[{"code":"a"},{"Code":"b","x/y":2}],"meta":{"k":{"z":1}},"-":1,"plain":"p","name":"n"}`), &d)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		if p.Kind != jsonx.UnknownField {
			t.Errorf("unexpected %+v", p)
		}
		got = append(got, p.Pointer)
	}
	want := []string{"/-", "/colour", "/items/1/Code", "/items/1/x~1y", "/meta/k/z", "/plain"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A value of the wrong type is named by its pointer, whatever kind of value
// it is and however deep; numbers a whole-number field cannot hold are told apart.
func TestUnmarshalPointsAtTheWrongType(t *testing.T) {
	cases := []struct{ body, ptr, kind, want, got string }{
		{`{"flag":"yes"}`, "/flag", jsonx.WrongType, "true or false", "string"},
		{`{"name":5}`, "/name", jsonx.WrongType, "a string", "number"},
		{`{"name":{"a":[1]}}`, "/name", jsonx.WrongType, "a string", "object"},
		{`{"items":{}}`, "/items", jsonx.WrongType, "an array", "object"},
		{`{"items":[{"code":"a"},{"tags":["x",["y"]]}]}`, "/items/1/tags/1", jsonx.WrongType, "a string", "array"},
		{`{"meta":{"a/b":{"count":true}}}`, "/meta/a~1b/count", jsonx.WrongType, "a whole number", "boolean"},
		{` [1, 2]`, "", jsonx.WrongType, "an object", "array"},
		{`{"items":[{"count":1.5}]}`, "/items/0/count", jsonx.BadNumber, "a whole number", "1.5"},
		{`{"items":[{"count":1e30}]}`, "/items/0/count", jsonx.BadNumber, "a whole number", "1e30"},
		{`{"items" : [ { "code" : "a" , "count" : "2" } ] }`, "/items/0/count", jsonx.WrongType, "a whole number", "string"},
	}
	for _, c := range cases {
		var d doc
		problems, err := jsonx.Unmarshal([]byte(c.body), &d)
		want := []jsonx.Problem{{Pointer: c.ptr, Kind: c.kind, Want: c.want, Got: c.got}}
		if err != nil || !reflect.DeepEqual(problems, want) {
			t.Errorf("%s: %+v %v, want %+v", c.body, problems, err, want)
		}
	}
}

// What Decode refuses, Unmarshal refuses the same way.
func TestUnmarshalKeepsDecodeStrictness(t *testing.T) {
	var d doc
	problems, err := jsonx.Unmarshal([]byte(`{"flag":true,"flag":false}`), &d)
	if err != nil || len(problems) != 1 || problems[0] != (jsonx.Problem{Pointer: "/flag", Kind: jsonx.DuplicateField}) {
		t.Errorf("duplicate: %+v %v", problems, err)
	}
	for _, body := range []string{`{"flag":true} {}`, `{"flag":`, "{\"name\":\"\xff\"}", ``} {
		var se *jsonx.SyntaxError
		if _, err := jsonx.Unmarshal([]byte(body), &d); !errors.As(err, &se) {
			t.Errorf("%q: %v, want a syntax error", body, err)
		}
	}
}
