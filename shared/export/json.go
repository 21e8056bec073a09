package export

import (
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// jsonSink writes each table as a JSON array of objects, one object per
// line, keys in column order. Rows go straight to the file: the array is
// never built in memory.
type jsonSink struct {
	fileSink
	keys [][]byte // each column's encoded `"name":`, made once per table
	line []byte   // reused between rows
	rows int
}

func newJSONSink(dir string) *jsonSink { return &jsonSink{fileSink: fileSink{dir: dir}} }

func (s *jsonSink) Begin(t Table) error {
	if err := s.open(t.Name + ".json"); err != nil {
		return err
	}
	s.keys = s.keys[:0]
	for _, c := range t.Columns {
		s.keys = append(s.keys, append(appendJSONString(nil, c.Name), ':'))
	}
	s.rows = 0
	_, err := s.buf.WriteString("[")
	return err
}

func (s *jsonSink) Row(cells []Cell) error {
	s.line = s.line[:0]
	if s.rows > 0 {
		s.line = append(s.line, ',')
	}
	s.rows++
	s.line = append(s.line, "\n{"...)
	for i, c := range cells {
		if i > 0 {
			s.line = append(s.line, ',')
		}
		s.line = append(s.line, s.keys[i]...)
		s.line = appendJSONCell(s.line, c)
	}
	s.line = append(s.line, '}')
	_, err := s.buf.Write(s.line)
	return err
}

func (s *jsonSink) End() error {
	tail := "\n]\n"
	if s.rows == 0 {
		tail = "]\n"
	}
	if _, err := s.buf.WriteString(tail); err != nil {
		_ = s.closeFile()
		return err
	}
	return s.closeFile()
}

// appendJSONCell writes money and decimals as strings so no JSON reader
// turns them into binary floats; whole numbers stay numbers.
func appendJSONCell(b []byte, c Cell) []byte {
	switch c.kind {
	case Text, Decimal, Date:
		return appendJSONString(b, c.s)
	case Int:
		return strconv.AppendInt(b, c.i, 10)
	case Money:
		return append(money.Pence(c.i).Append(append(b, '"')), '"') // digits, sign and point: nothing to escape
	case Bool:
		return strconv.AppendBool(b, c.b)
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString escapes like encoding/json without its HTML escaping
// (files are not embedded in pages) and without allocating per value. The
// text is valid UTF-8: cells are checked before they reach a sink. It is not
// jsonx.AppendString, which writes RFC 8785's canonical form: an export may
// be pasted into a script, so U+2028 and U+2029 are escaped here, never there.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8:
			// U+2028 and U+2029 are valid JSON but end lines in JavaScript.
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xf])
			i += 2
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
