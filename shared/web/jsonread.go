package web

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// readJSON decodes one JSON value as encoding/json decodes it into an
// interface value with UseNumber (numbers as json.Number, objects as
// map[string]any), or, with keepOrder, objects as ordered (their members in
// the document's order). A version's page decodes its document, and the
// version's before it, on every view: encoding/json's reflection and
// tokens were a third of the page's time. Strings with an escape or bytes
// that are not UTF-8 are decoded by encoding/json itself, so every string
// reads as it would there (TestReadJSONAsEncodingJSON).
func readJSON(data []byte, keepOrder bool) (any, error) {
	r := jsonReader{data: data, ordered: keepOrder}
	v, err := r.value(0)
	if err != nil {
		return nil, err
	}
	r.space()
	if r.i != len(r.data) {
		return nil, errJSON
	}
	return v, nil
}

var errJSON = errors.New("web: not a JSON document")

// maxJSONDepth is encoding/json's own limit of nesting.
const maxJSONDepth = 10000

type jsonReader struct {
	data    []byte
	i       int
	ordered bool
}

func (r *jsonReader) space() {
	for r.i < len(r.data) {
		switch r.data[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errJSON
	}
	r.space()
	if r.i >= len(r.data) {
		return nil, errJSON
	}
	switch c := r.data[r.i]; {
	case c == '{':
		return r.object(depth)
	case c == '[':
		return r.array(depth)
	case c == '"':
		return r.string()
	case c == '-' || '0' <= c && c <= '9':
		return r.number()
	}
	for _, lit := range jsonLiterals {
		if len(r.data)-r.i >= len(lit.text) && string(r.data[r.i:r.i+len(lit.text)]) == lit.text {
			r.i += len(lit.text)
			return lit.v, nil
		}
	}
	return nil, errJSON
}

var jsonLiterals = []struct {
	text string
	v    any
}{{"true", true}, {"false", false}, {"null", nil}}

func (r *jsonReader) object(depth int) (any, error) {
	r.i++ // {
	var obj ordered
	var m map[string]any
	if !r.ordered {
		m = map[string]any{}
	}
	r.space()
	if r.i < len(r.data) && r.data[r.i] == '}' {
		r.i++
		if r.ordered {
			return obj, nil
		}
		return m, nil
	}
	for {
		r.space()
		if r.i >= len(r.data) || r.data[r.i] != '"' {
			return nil, errJSON
		}
		name, err := r.string()
		if err != nil {
			return nil, err
		}
		r.space()
		if r.i >= len(r.data) || r.data[r.i] != ':' {
			return nil, errJSON
		}
		r.i++
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if r.ordered {
			obj = append(obj, member{name, v})
		} else {
			m[name] = v
		}
		end, err := r.after('}')
		if err != nil {
			return nil, err
		}
		if !end {
			continue
		}
		if r.ordered {
			return obj, nil
		}
		return m, nil
	}
}

// after reads what follows a member or an item: a comma (false) or the
// end of its object or list (true).
func (r *jsonReader) after(end byte) (bool, error) {
	r.space()
	if r.i < len(r.data) {
		switch r.data[r.i] {
		case ',':
			r.i++
			return false, nil
		case end:
			r.i++
			return true, nil
		}
	}
	return false, errJSON
}

func (r *jsonReader) array(depth int) (any, error) {
	r.i++ // [
	list := []any{}
	r.space()
	if r.i < len(r.data) && r.data[r.i] == ']' {
		r.i++
		return list, nil
	}
	for {
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
		end, err := r.after(']')
		if err != nil {
			return nil, err
		}
		if end {
			return list, nil
		}
	}
}

// string reads a string: as it is when it is plain UTF-8 without escapes,
// else by encoding/json.
func (r *jsonReader) string() (string, error) {
	start := r.i
	r.i++ // "
	plain := true
	for r.i < len(r.data) {
		c := r.data[r.i]
		switch {
		case c == '"':
			r.i++
			raw := r.data[start:r.i]
			if plain {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", err
			}
			return s, nil
		case c == '\\':
			plain = false
			r.i += 2
		case c < 0x20:
			return "", errJSON
		case c >= utf8.RuneSelf:
			if ru, n := utf8.DecodeRune(r.data[r.i:]); ru == utf8.RuneError && n == 1 {
				plain = false
			}
			r.i++
		default:
			r.i++
		}
	}
	return "", errJSON
}

// number reads a number by JSON's grammar, keeping its text.
func (r *jsonReader) number() (any, error) {
	start := r.i
	digits := func() int {
		n := 0
		for r.i < len(r.data) && '0' <= r.data[r.i] && r.data[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.data[r.i] == '-' {
		r.i++
	}
	if r.i < len(r.data) && r.data[r.i] == '0' {
		r.i++
	} else if digits() == 0 {
		return nil, errJSON
	}
	if r.i < len(r.data) && r.data[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return nil, errJSON
		}
	}
	if r.i < len(r.data) && (r.data[r.i] == 'e' || r.data[r.i] == 'E') {
		r.i++
		if r.i < len(r.data) && (r.data[r.i] == '+' || r.data[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return nil, errJSON
		}
	}
	return json.Number(r.data[start:r.i]), nil
}
