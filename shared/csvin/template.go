package csvin

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
)

// TemplateCSV is the purpose's blank form: the header row and example rows
// with the shared example's figures (RFC 4180, CRLF line ends, as
// spreadsheets write). Nil for an unknown purpose.
func TemplateCSV(p Purpose) []byte {
	f, ok := forms()[p]
	if !ok {
		return nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for _, cells := range f.table() {
		_ = w.Write(cells) // a bytes.Buffer does not fail
	}
	w.Flush()
	return buf.Bytes()
}

// table is the template: the header row, then each example row in column order.
func (f *form) table() [][]string {
	out := [][]string{f.columns}
	for _, ex := range f.example {
		cells := make([]string, len(f.columns))
		for i, name := range f.columns {
			cells[i] = ex[name]
		}
		out = append(out, cells)
	}
	return out
}

// kindAt is how a template cell is typed: by its row's record type.
func (f *form) kindAt(record, column string) kind {
	if rec, ok := f.records[record]; ok {
		if c, ok := rec.col(column); ok {
			return c.kind
		}
	}
	return text
}

// TemplateRows are the purpose's template as rows: the header, then the
// example rows in column order.
func TemplateRows(p Purpose) ([][]string, bool) {
	f, ok := forms()[p]
	if !ok {
		return nil, false
	}
	return f.table(), true
}

// CellType says how a template cell is typed, by its row's record type and
// its column: a number (written as a number) and money (shown as #,##0.00).
func CellType(p Purpose, record, column string) (number, isMoney bool) {
	f, ok := forms()[p]
	if !ok {
		return false, false
	}
	k := f.kindAt(record, column)
	return k.number(), k == money
}

// The workbook templates are built once by package xlsxform and embedded, so
// that serving them needs no spreadsheet library (the API's cold start would
// pay for its initialisation); xlsxform's test keeps them current.
//
//go:embed templates/*.xlsx
var xlsxTemplates embed.FS

// TemplateXLSX is the same form as a workbook: a bold, frozen header row,
// the example rows, figures typed as numbers and money shown as #,##0.00.
func TemplateXLSX(p Purpose) ([]byte, error) {
	if _, ok := forms()[p]; !ok {
		return nil, fmt.Errorf("csvin: unknown purpose %q", p)
	}
	return xlsxTemplates.ReadFile("templates/" + string(p) + ".xlsx")
}
