// Package jsonx decodes one JSON value strictly: valid UTF-8, exactly one
// value with nothing after it, bounded nesting, numbers kept as their text
// (json.Number) so money and decimals are never read through a float, and
// duplicate object keys reported rather than silently resolved.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds nesting; no document of the product nests deeper than 4.
const MaxDepth = 32

// SyntaxError is a body that is not one well-formed JSON value (HTTP 400).
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return e.Msg }

// Problem is a well-formed body the decoder still refuses at a place (HTTP 422).
type Problem struct {
	Pointer string
	Kind    string // "duplicate-field" or "too-deep"
}

// Decode parses data. Objects become map[string]any, arrays []any, numbers
// json.Number. Problems are well-formed but refused structures.
func Decode(data []byte) (any, []Problem, error) {
	if !utf8.Valid(data) {
		return nil, nil, &SyntaxError{Msg: "the body is not valid UTF-8"}
	}
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(data))}
	d.dec.UseNumber()
	v, err := d.value("", 0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, nil, &SyntaxError{Msg: fmt.Sprintf("unexpected data after the JSON value at offset %d", d.dec.InputOffset())}
	}
	return v, d.problems, nil
}

type decoder struct {
	dec      *json.Decoder
	problems []Problem
}

func (d *decoder) token() (json.Token, error) {
	t, err := d.dec.Token()
	if err == io.EOF {
		return nil, &SyntaxError{Msg: "the body ended before the JSON value was complete"}
	}
	if err != nil {
		return nil, &SyntaxError{Msg: syntaxMessage(err, d.dec.InputOffset())}
	}
	return t, nil
}

func syntaxMessage(err error, offset int64) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return fmt.Sprintf("malformed JSON at offset %d: %s", offset, msg)
}

func (d *decoder) value(ptr string, depth int) (any, error) {
	t, err := d.token()
	if err != nil {
		return nil, err
	}
	delim, ok := t.(json.Delim)
	if !ok {
		return t, nil
	}
	if depth >= MaxDepth {
		d.problems = append(d.problems, Problem{Pointer: ptr, Kind: "too-deep"})
		return nil, d.skip()
	}
	switch delim {
	case '{':
		return d.object(ptr, depth)
	case '[':
		return d.array(ptr, depth)
	}
	return nil, &SyntaxError{Msg: fmt.Sprintf("unexpected %q at offset %d", delim, d.dec.InputOffset())}
}

func (d *decoder) object(ptr string, depth int) (any, error) {
	obj := map[string]any{}
	for d.dec.More() {
		t, err := d.token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string) // the decoder guarantees object keys are strings
		child := ptr + "/" + EscapePointer(name)
		v, err := d.value(child, depth+1)
		if err != nil {
			return nil, err
		}
		if _, dup := obj[name]; dup {
			d.problems = append(d.problems, Problem{Pointer: child, Kind: "duplicate-field"})
			continue
		}
		obj[name] = v
	}
	_, err := d.token() // '}'
	return obj, err
}

func (d *decoder) array(ptr string, depth int) (any, error) {
	arr := []any{}
	for i := 0; d.dec.More(); i++ {
		v, err := d.value(ptr+"/"+strconv.Itoa(i), depth+1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	_, err := d.token() // ']'
	return arr, err
}

// skip consumes the rest of a container already opened, still checking syntax.
func (d *decoder) skip() error {
	for open := 1; open > 0; {
		t, err := d.token()
		if err != nil {
			return err
		}
		if delim, ok := t.(json.Delim); ok {
			if delim == '{' || delim == '[' {
				open++
			} else {
				open--
			}
		}
	}
	return nil
}

// EscapePointer escapes one reference token of a JSON Pointer (RFC 6901).
func EscapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// TypeName names a decoded value's JSON type for messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
