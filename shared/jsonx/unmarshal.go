package jsonx

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// The kinds of Problem.
const (
	DuplicateField = "duplicate-field" // a name given twice in one object
	TooDeep        = "too-deep"        // nested deeper than MaxDepth
	LoneSurrogate  = "lone-surrogate"  // a string (or name) with an unpaired \ud800-\udfff escape
	UnknownField   = "unknown-field"   // a name the Go type has no field for
	WrongType      = "wrong-type"      // a value of another JSON type than the field's
	BadNumber      = "bad-number"      // a number the field cannot hold (a fraction, or too large)
)

// Unmarshal decodes data into v, a pointer, with encoding/json, and refuses
// what encoding/json lets through: the body must pass Decode (UTF-8, one
// value, no repeated names, bounded depth), and every object member must be
// a field of v's type, matched exactly (encoding/json ignores unknown names
// unless told, then stops at the first, and matches names in any case).
//
// The problems found are returned with their JSON Pointers: every repeated,
// unknown or too deep member, and the first value of the wrong type, which
// is all encoding/json reports (it stops looking at the first). A body that
// is not one well-formed value is a *SyntaxError.
func Unmarshal(data []byte, v any) ([]Problem, error) {
	tree, problems, err := Decode(data)
	if err != nil {
		return nil, err
	}
	problems = append(problems, unknownFields(tree, reflect.TypeOf(v), "")...)
	err = json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		tokens := tokensAt(data, te.Offset)
		p := Problem{Pointer: Pointer(tokens), Kind: WrongType, Want: want(te.Type), Got: TypeName(Resolve(tree, tokens))}
		if n, isNumber := strings.CutPrefix(te.Value, "number "); isNumber {
			p.Kind, p.Got = BadNumber, n
		}
		problems = append(problems, p)
	case err != nil:
		return nil, err // a field's own UnmarshalText refused its text
	}
	return problems, nil
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// unknownFields lists the members of the decoded tree v that t, the Go type
// it is read into, has no field for.
func unknownFields(v any, t reflect.Type, ptr string) []Problem {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil // the type reads its own form
	}
	var out []Problem
	switch t.Kind() {
	case reflect.Struct:
		m, _ := v.(map[string]any)
		fields := fieldsOf(t)
		for _, name := range sortedNames(m) {
			child := ptr + "/" + EscapePointer(name)
			if ft, ok := fields[name]; ok {
				out = append(out, unknownFields(m[name], ft, child)...)
			} else {
				out = append(out, Problem{Pointer: child, Kind: UnknownField, Got: name})
			}
		}
	case reflect.Map:
		m, _ := v.(map[string]any)
		for _, name := range sortedNames(m) {
			out = append(out, unknownFields(m[name], t.Elem(), ptr+"/"+EscapePointer(name))...)
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		for i, e := range arr {
			out = append(out, unknownFields(e, t.Elem(), ptr+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

// fieldsOf maps the JSON names of a struct's fields to their types, as
// encoding/json names them (the tag's name, else the Go name; embedded
// structs without a name contribute their fields).
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported() && !f.Anonymous:
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for n, ft := range fieldsOf(f.Type) {
				out[n] = ft
			}
		case name == "":
			out[f.Name] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}

func sortedNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names) // problems come in the same order every time
	return names
}

// want says in words what JSON a Go type takes.
func want(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a whole number"
}

// Resolve follows the (unescaped) tokens of a JSON Pointer from v, a tree
// Decode made; nil when they lead nowhere.
func Resolve(v any, tokens []string) any {
	for _, tok := range tokens {
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// Pointer writes tokens as a JSON Pointer.
func Pointer(tokens []string) string {
	var b strings.Builder
	for _, tok := range tokens {
		b.WriteString("/" + EscapePointer(tok))
	}
	return b.String()
}

// tokensAt are the tokens of the JSON Pointer of the value encoding/json was
// reading when it stopped at offset (an UnmarshalTypeError's: the end of a
// literal, or just past the bracket that opens an array or object). It
// replays data as a token stream, keeping the path.
func tokensAt(data []byte, offset int64) []string {
	type frame struct {
		object  bool
		key     string // the member being read (object)
		index   int    // the item being read (array)
		wantKey bool   // the next token is a member name
	}
	var stack []*frame
	path := func() []string {
		tokens := make([]string, len(stack))
		for i, f := range stack {
			tokens[i] = f.key
			if !f.object {
				tokens[i] = strconv.Itoa(f.index)
			}
		}
		return tokens
	}
	done := func() { // a value of the innermost container was read
		if n := len(stack); n > 0 {
			stack[n-1].wantKey = stack[n-1].object
			stack[n-1].index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			if name, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = name, false
				continue
			}
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		if dec.InputOffset() >= offset {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		default:
			done()
		}
	}
}
