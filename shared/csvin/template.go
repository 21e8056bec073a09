package csvin

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// TemplateCSV is the purpose's blank form: the header row and example rows
// with the shared example's figures (RFC 4180, CRLF line ends, as
// spreadsheets write). Nil for an unknown purpose.
func TemplateCSV(p Purpose) []byte {
	f, ok := forms[p]
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

// fixedTime keeps the workbook's bytes the same for the same form, so the
// template can be cached and compared.
const fixedTime = "2000-01-01T00:00:00Z"

// moneyFormat is how money shows in the workbook.
const moneyFormat = "#,##0.00"

// TemplateXLSX is the same form as a workbook: a bold, frozen header row,
// the example rows, figures typed as numbers and money shown as #,##0.00.
func TemplateXLSX(p Purpose) ([]byte, error) {
	f, ok := forms[p]
	if !ok {
		return nil, fmt.Errorf("csvin: unknown purpose %q", p)
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := strings.TrimSuffix(string(p), "-csv")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	if err := writeSheet(x, sheet, f); err != nil {
		return nil, fmt.Errorf("csvin: build %s template: %w", p, err)
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("csvin: write %s template: %w", p, err)
	}
	return buf.Bytes(), nil
}

// sheetWriter writes the template's cells with its two styles.
type sheetWriter struct {
	x            *excelize.File
	sheet        string
	bold, pounds int
}

func writeSheet(x *excelize.File, sheet string, f *form) error {
	w := &sheetWriter{x: x, sheet: sheet}
	var err error
	if w.bold, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	format := moneyFormat
	if w.pounds, err = x.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
		return err
	}
	for r, cells := range f.table() {
		for i, v := range cells {
			k := f.kindAt(cells[0], f.columns[i])
			if err := w.cell(r, i, v, k); err != nil {
				return err
			}
		}
	}
	return layout(x, sheet, len(f.columns))
}

// cell writes one cell: header names in bold, figures as numbers from their
// text (never through a float), money with its format, the rest as text.
func (w *sheetWriter) cell(r, i int, v string, k kind) error {
	cell, err := excelize.CoordinatesToCellName(i+1, r+1)
	if err != nil || v == "" {
		return err
	}
	switch {
	case r == 0:
		if err := w.x.SetCellStr(w.sheet, cell, v); err != nil {
			return err
		}
		return w.x.SetCellStyle(w.sheet, cell, cell, w.bold)
	case k.number():
		if err := w.x.SetCellDefault(w.sheet, cell, v); err != nil {
			return err
		}
		if k == money {
			return w.x.SetCellStyle(w.sheet, cell, cell, w.pounds)
		}
		return nil
	}
	return w.x.SetCellStr(w.sheet, cell, v)
}

// layout freezes the header row and fixes the properties that would
// otherwise carry the build time.
func layout(x *excelize.File, sheet string, columns int) error {
	last, err := excelize.ColumnNumberToName(columns)
	if err != nil {
		return err
	}
	if err := x.SetColWidth(sheet, "A", last, 20); err != nil {
		return err
	}
	if err := x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	return x.SetDocProps(&excelize.DocProperties{Created: fixedTime, Modified: fixedTime, Creator: "rdx",
		LastModifiedBy: "rdx", Title: sheet + " upload form"})
}
