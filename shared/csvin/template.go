package csvin

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// TemplateCSV is the purpose's blank form in lang: the header row (the
// machine names, in every language), note rows with its guide in lang
// (skipped on upload), and example rows with the shared example's figures
// (RFC 4180, CRLF line ends, as spreadsheets write). In Welsh it starts
// with a UTF-8 byte order mark, so that a spreadsheet shows its letters
// (ŵ, â) as written. Nil for an unknown purpose.
func TemplateCSV(p Purpose, lang i18n.Lang) []byte {
	f, ok := forms()[p]
	if !ok {
		return nil
	}
	rows := f.table()
	notes := noteRows(GuideFor(p, lang, "").Notes(), len(f.columns))
	return writeCSV(lang, append(append(rows[:1:1], notes...), rows[1:]...))
}

// writeCSV writes a template's rows in lang, with a byte order mark where
// its words need one.
func writeCSV(lang i18n.Lang, rows [][]string) []byte {
	var buf bytes.Buffer
	if lang != i18n.English {
		buf.Write(utf8BOM)
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.WriteAll(rows) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// table is the form: the header row, then each example row in column order.
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

// TemplateRows are the purpose's form as rows, without notes: the header,
// then the example rows in column order.
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

// The workbook templates are built once by package xlsxform and embedded, a
// folder for each language, so that serving them needs no spreadsheet
// library (the API's cold start would pay for its initialisation);
// xlsxform's test keeps them current.
//
//go:embed templates/*/*.xlsx
var xlsxTemplates embed.FS

// TemplateXLSX is the same form as a workbook in lang: the form sheet (a
// bold, frozen header row of the machine names, the example rows, figures
// typed as numbers and money shown as #,##0.00) and an instructions sheet
// with the guide in lang.
func TemplateXLSX(p Purpose, lang i18n.Lang) ([]byte, error) {
	if _, ok := forms()[p]; !ok {
		return nil, fmt.Errorf("csvin: unknown purpose %q", p)
	}
	return xlsxTemplates.ReadFile(TemplatePath(p, lang))
}

// TemplatePath is where the purpose's workbook in lang is kept, under
// shared/csvin.
func TemplatePath(p Purpose, lang i18n.Lang) string {
	return "templates/" + string(lang) + "/" + string(p) + ".xlsx"
}
