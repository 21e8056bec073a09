package export

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/formula"
	"github.com/regional-data-exchange/rdx/shared/money"
)

// fileSink is the open file of the current table for the one-file-per-table
// formats; the bufio.Writer keeps memory flat however many rows pass.
type fileSink struct {
	dir  string
	file *os.File
	buf  *bufio.Writer
}

func (s *fileSink) open(name string) error {
	f, err := createFile(filepath.Join(s.dir, name))
	if err != nil {
		return err
	}
	s.file = f
	if s.buf == nil {
		s.buf = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.buf.Reset(f)
	}
	return nil
}

func (s *fileSink) closeFile() error {
	f := s.file
	s.file = nil
	err := s.buf.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *fileSink) Close() error { return nil } // every file is closed at End

func (s *fileSink) Abort() {
	if s.file != nil {
		_ = s.file.Close()
		s.file = nil
	}
}

// csvSink writes RFC 4180 CSV: UTF-8 without BOM, a header row, CRLF line
// ends, fields quoted only when they must be. With labels, each file starts
// with a UTF-8 BOM (for the spreadsheets that open it) and a row of the
// columns' labels follows the header.
type csvSink struct {
	fileSink
	labels bool
	line   []byte // reused between rows
}

func newCSVSink(dir string, labels bool) *csvSink {
	return &csvSink{fileSink: fileSink{dir: dir}, labels: labels}
}

// utf8BOM starts a CSV file of labels: spreadsheets read a file without it
// in the system's code page.
const utf8BOM = "\uFEFF"

func (s *csvSink) Begin(t Table) error {
	if err := s.open(t.Name + ".csv"); err != nil {
		return err
	}
	s.line = s.line[:0]
	if s.labels {
		s.line = append(s.line, utf8BOM...)
	}
	s.line = AppendCSVHeader(s.line, t.Columns)
	if s.labels {
		s.line = appendCSVLine(s.line, t.Columns, func(c Column) string { return c.Label })
	}
	return s.flush()
}

func (s *csvSink) Row(cells []Cell) error {
	s.line = AppendCSVRow(s.line[:0], cells)
	return s.flush()
}

func (s *csvSink) End() error { return s.closeFile() }

func (s *csvSink) flush() error {
	_, err := s.buf.Write(s.line)
	return err
}

// AppendCSVHeader writes a table's header line, as an export's CSV file
// starts: each column's name (neutralised like any text), CRLF.
func AppendCSVHeader(b []byte, cols []Column) []byte {
	return appendCSVLine(b, cols, func(c Column) string { return c.Name })
}

// appendCSVLine writes a line of a text of each column, neutralised.
func appendCSVLine(b []byte, cols []Column, text func(Column) string) []byte {
	for i, c := range cols {
		b = appendSep(b, i)
		b = appendCSVField(b, neutralise(text(c)))
	}
	return append(b, '\r', '\n')
}

// AppendCSVRow writes one row as an export's CSV file does (numbers plain,
// text neutralised, fields quoted only when they must be), CRLF: for a CSV
// served beside a page, written the same way.
func AppendCSVRow(b []byte, cells []Cell) []byte {
	for i, c := range cells {
		b = appendSep(b, i)
		b = appendCSVCell(b, c)
	}
	return append(b, '\r', '\n')
}

func appendSep(b []byte, i int) []byte {
	if i > 0 {
		return append(b, ',')
	}
	return b
}

// appendCSVCell writes numbers plain, so "-1234.50" stays a negative number
// a spreadsheet can sum; only text, which a user or a partner typed, can
// carry a formula and is neutralised.
func appendCSVCell(b []byte, c Cell) []byte {
	switch c.kind {
	case Text:
		return appendCSVField(b, neutralise(c.s))
	case Int:
		return strconv.AppendInt(b, c.i, 10)
	case Money:
		return money.Pence(c.i).Append(b)
	case Decimal, Date:
		return append(b, c.s...)
	case Bool:
		return strconv.AppendBool(b, c.b)
	}
	return b // null: an empty field
}

// neutralise defuses CSV injection (OWASP): text a spreadsheet would read as
// a formula (by the rule uploads are refused by) gets a leading single
// quote, which spreadsheets show as text.
func neutralise(s string) string {
	if formula.Like(s) {
		return "'" + s
	}
	return s
}

// appendCSVField quotes only fields holding a comma, quote, CR or LF (RFC
// 4180); encoding/csv is not used because it also quotes leading spaces and
// rewrites LF inside fields as CRLF, changing the data.
func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
