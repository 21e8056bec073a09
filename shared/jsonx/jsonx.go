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
	"unicode/utf16"
	"unicode/utf8"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// MaxDepth bounds nesting; no document of the product nests deeper than 4.
const MaxDepth = 32

// SyntaxError is a body that is not one well-formed JSON value (HTTP 400).
// Msg says why in English; ID is the same message in the catalogue
// (shared/i18n), with Data its values, to say it in the caller's language.
type SyntaxError struct {
	Msg  string
	ID   string
	Data map[string]any
}

func (e *SyntaxError) Error() string { return e.Msg }

// syntax is the SyntaxError of the catalogue's message id with data.
func syntax(id string, data map[string]any) *SyntaxError {
	return &SyntaxError{Msg: i18n.Text(i18n.English, id, data), ID: id, Data: data}
}

// Problem is a well-formed body the decoder still refuses at a place (HTTP 422).
type Problem struct {
	Pointer string
	Kind    string // DuplicateField, TooDeep or LoneSurrogate; Unmarshal adds UnknownField, WrongType and BadNumber
	// Want and Got, for WrongType and BadNumber, say what the field takes
	// ("a string") and what was sent (a JSON type, or the number's text);
	// Got, for UnknownField, is the name sent.
	Want, Got string
}

// Decode parses data. Objects become map[string]any, arrays []any, numbers
// json.Number. Problems are well-formed but refused structures.
//
// The syntax is checked first by encoding/json's validator (iterative, so
// any nesting is safe); the value is then built by a small parser that can
// trust the syntax, which is several times faster than a token stream.
func Decode(data []byte) (any, []Problem, error) {
	if !utf8.Valid(data) {
		return nil, nil, syntax("body.not-utf8", nil)
	}
	if !json.Valid(data) {
		// One full parse says why, or that only the depth was refused.
		var v any
		if err := json.Unmarshal(data, &v); !tooDeep(err) || !validDeep(data) {
			return nil, nil, syntaxError(data, err)
		}
	}
	p := &parser{data: data}
	v := p.value("", 0)
	return v, p.problems, nil
}

// tooDeep reports encoding/json refusing a body for nesting beyond 10,000
// levels, which is not a syntax error.
func tooDeep(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) && strings.Contains(se.Error(), "exceeded max depth")
}

// validDeep checks, by a token stream that has no depth limit, a body
// encoding/json refused only for its depth; such a body is well-formed and
// refused later as too deep (422).
func validDeep(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, values := 0, 0
	for {
		t, err := dec.Token()
		switch {
		case err == io.EOF:
			return values == 1
		case err != nil:
			return false
		}
		if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
			depth++
		} else if ok {
			depth--
		}
		if depth == 0 {
			values++ // a top-level value ended: exactly one is allowed
		}
	}
}

// syntaxError explains, from encoding/json's err, why data is not one JSON
// value, with the offset.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return syntax("body.malformed", nil)
	}
	msg := strings.TrimPrefix(se.Error(), "json: ")
	switch {
	case strings.Contains(msg, "after top-level value"):
		return syntax("body.trailing-data", map[string]any{"Offset": se.Offset})
	case se.Offset >= int64(len(data)):
		return syntax("body.truncated", nil)
	}
	if char, where, ok := invalidCharacter(msg); ok {
		return syntax("body.invalid-character", map[string]any{"Offset": se.Offset, "Char": char, "Where": where})
	}
	return syntax("body.malformed-at", map[string]any{"Offset": se.Offset})
}

// scannerPlaces are where encoding/json's scanner says it met a character
// it did not expect ("invalid character 'x' looking for beginning of
// value"), each a term of the catalogue.
var scannerPlaces = map[string]i18n.Term{
	"looking for beginning of value":             "term.json.value",
	"looking for beginning of object key string": "term.json.key",
	"after object key":                           "term.json.after-key",
	"after object key:value pair":                "term.json.after-member",
	"after array element":                        "term.json.after-element",
	"in string literal":                          "term.json.in-string",
	"in string escape code":                      "term.json.in-escape",
	`in \u hexadecimal character escape`:         "term.json.in-hex-escape",
	"in numeric literal":                         "term.json.in-number",
	"after decimal point in numeric literal":     "term.json.after-point",
	"in exponent of numeric literal":             "term.json.in-exponent",
}

// invalidCharacter reads encoding/json's "invalid character 'x' <place>":
// the character as it quotes it, and the place as a term ("in literal true
// (expecting 'r')" as being in a literal).
func invalidCharacter(msg string) (char string, where i18n.Term, ok bool) {
	rest, ok := strings.CutPrefix(msg, "invalid character ")
	if !ok || len(rest) < 3 || rest[0] != '\'' {
		return "", "", false
	}
	end := strings.Index(rest[1:], "' ") // the quoted character ends at the quote before the place
	if end < 0 {
		return "", "", false
	}
	char, place := rest[:end+2], rest[end+3:]
	if where, ok = scannerPlaces[place]; ok {
		return char, where, true
	}
	if strings.HasPrefix(place, "in literal ") {
		return char, "term.json.in-literal", true
	}
	return "", "", false
}

// parser builds values from syntactically valid JSON.
type parser struct {
	data     []byte
	pos      int
	problems []Problem
	// lone is set by a string that held a lone surrogate escape, until
	// surrogateAt reports it.
	lone bool
}

// surrogateAt reports, at ptr, a lone surrogate in the string just read.
func (p *parser) surrogateAt(ptr string) {
	if p.lone {
		p.problems = append(p.problems, Problem{Pointer: ptr, Kind: LoneSurrogate})
		p.lone = false
	}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(ptr string, depth int) any {
	p.skipSpace()
	switch c := p.data[p.pos]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			p.problems = append(p.problems, Problem{Pointer: ptr, Kind: TooDeep})
			p.skipContainer()
			p.lone = false // inside what is refused whole
			return nil
		}
		if c == '{' {
			return p.object(ptr, depth)
		}
		return p.array(ptr, depth)
	case c == '"':
		s := p.str()
		p.surrogateAt(ptr)
		return s
	case c == 't':
		p.pos += 4
		return true
	case c == 'f':
		p.pos += 5
		return false
	case c == 'n':
		p.pos += 4
		return nil
	default:
		return p.number()
	}
}

func (p *parser) object(ptr string, depth int) any {
	obj := map[string]any{}
	p.pos++ // {
	for {
		p.skipSpace()
		if p.data[p.pos] == '}' {
			p.pos++
			return obj
		}
		if p.data[p.pos] == ',' {
			p.pos++
			p.skipSpace()
		}
		name := p.str()
		p.skipSpace()
		p.pos++ // :
		child := ptr + "/" + EscapePointer(name)
		p.surrogateAt(child)
		v := p.value(child, depth+1)
		if _, dup := obj[name]; dup {
			p.problems = append(p.problems, Problem{Pointer: child, Kind: DuplicateField})
			continue
		}
		obj[name] = v
	}
}

func (p *parser) array(ptr string, depth int) any {
	arr := []any{}
	p.pos++ // [
	for i := 0; ; i++ {
		p.skipSpace()
		if p.data[p.pos] == ']' {
			p.pos++
			return arr
		}
		if p.data[p.pos] == ',' {
			p.pos++
		}
		arr = append(arr, p.value(ptr+"/"+strconv.Itoa(i), depth+1))
	}
}

// skipContainer passes over a whole object or array without building it.
func (p *parser) skipContainer() {
	open := 0
	for {
		switch p.data[p.pos] {
		case '"':
			p.str()
			continue
		case '{', '[':
			open++
		case '}', ']':
			open--
		}
		p.pos++
		if open == 0 {
			return
		}
	}
}

func (p *parser) number() json.Number {
	start := p.pos
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			p.pos++
		default:
			return json.Number(p.data[start:p.pos])
		}
	}
	return json.Number(p.data[start:p.pos])
}

// str reads a string at p.pos (its opening quote), decoding escapes as
// encoding/json does (a lone surrogate becomes U+FFFD, and sets p.lone:
// encoding/json accepts \ud800, but it is no character, and UTF-8 cannot
// hold it, so the text would not be what was sent).
func (p *parser) str() string {
	p.pos++ // "
	start := p.pos
	for p.data[p.pos] != '"' {
		if p.data[p.pos] == '\\' {
			return p.escaped(start)
		}
		p.pos++
	}
	s := string(p.data[start:p.pos])
	p.pos++
	return s
}

func (p *parser) escaped(start int) string {
	b := append([]byte(nil), p.data[start:p.pos]...)
	for {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(b)
		case c != '\\':
			b = append(b, c)
			p.pos++
			continue
		}
		p.pos++ // the backslash
		switch e := p.data[p.pos]; e {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			b = utf8.AppendRune(b, p.unicode())
			continue
		default: // " \ /
			b = append(b, e)
		}
		p.pos++
	}
}

// unicode reads \uXXXX (p.pos at the u), pairing surrogates.
func (p *parser) unicode() rune {
	r := hex4(p.data[p.pos+1 : p.pos+5])
	p.pos += 5
	if utf16.IsSurrogate(r) {
		if p.pos+6 <= len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
			if pair := utf16.DecodeRune(r, hex4(p.data[p.pos+2:p.pos+6])); pair != utf8.RuneError {
				p.pos += 6
				return pair
			}
		}
		p.lone = true
		return utf8.RuneError
	}
	return r
}

func hex4(b []byte) rune {
	v, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(v)
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

// AppendString quotes s as RFC 8785 (JCS) does, which is also plain valid JSON (ECMAScript JSON.stringify):
// only ", \ and control characters are escaped; \b \f \n \r \t by name,
// the rest as \u00XX in lower case; everything else as UTF-8.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
