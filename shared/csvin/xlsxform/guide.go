package xlsxform

import (
	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/csvin"
)

// The instructions sheet's two columns: a record type's or a column's name,
// and what it holds; the guide's lines span both.
const (
	nameWidth = 24
	textWidth = 90
	// lineHeight is a row's height in points for each line its wrapped
	// text takes; the heights are set, not left to the spreadsheet, since
	// none fits the height of merged cells to their text.
	lineHeight = 15
)

// guideWriter writes the instructions sheet a row at a time.
type guideWriter struct {
	x               *excelize.File
	sheet           string
	row             int
	bold, wrap, top int
	err             error
}

// writeGuide adds the instructions sheet: the title, the guide's lines,
// how to save the form, then the record types and the columns, each with
// what it holds.
func writeGuide(x *excelize.File, sheet string, g *csvin.Guide) error {
	if _, err := x.NewSheet(sheet); err != nil {
		return err
	}
	w := &guideWriter{x: x, sheet: sheet}
	if w.bold, w.err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}}); w.err != nil {
		return w.err
	}
	if w.wrap, w.err = x.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); w.err != nil {
		return w.err
	}
	if w.top, w.err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); w.err != nil {
		return w.err
	}
	if err := x.SetColWidth(sheet, "A", "A", nameWidth); err != nil {
		return err
	}
	if err := x.SetColWidth(sheet, "B", "B", textWidth); err != nil {
		return err
	}
	w.line(g.Title, w.top)
	w.row++
	for _, l := range append(g.Lines, g.Save) {
		w.line(l, w.wrap)
	}
	for _, part := range []struct {
		heading string
		entries []csvin.Entry
	}{{g.RecordsHeading, g.Records}, {g.ColumnsHeading, g.Columns}} {
		w.row++
		w.line(part.heading, w.bold)
		for _, e := range part.entries {
			w.entry(e)
		}
	}
	return w.err
}

// line writes text across both columns.
func (w *guideWriter) line(text string, style int) {
	w.row++
	a, b := w.cell(1), w.cell(2)
	w.do(func() error { return w.x.MergeCell(w.sheet, a, b) })
	w.do(func() error { return w.x.SetCellStr(w.sheet, a, text) })
	w.do(func() error { return w.x.SetCellStyle(w.sheet, a, b, style) })
	w.height(text, nameWidth+textWidth)
}

// entry writes a name and what it holds.
func (w *guideWriter) entry(e csvin.Entry) {
	w.row++
	a, b := w.cell(1), w.cell(2)
	w.do(func() error { return w.x.SetCellStr(w.sheet, a, e.Name) })
	w.do(func() error { return w.x.SetCellStyle(w.sheet, a, a, w.bold) })
	w.do(func() error { return w.x.SetCellStr(w.sheet, b, e.Text) })
	w.do(func() error { return w.x.SetCellStyle(w.sheet, b, b, w.wrap) })
	w.height(e.Text, textWidth)
}

// height makes the row tall enough for text wrapped at about width
// characters.
func (w *guideWriter) height(text string, width int) {
	lines := 1 + len([]rune(text))*11/10/width // a little slack for wide letters
	w.do(func() error { return w.x.SetRowHeight(w.sheet, w.row, float64(lines*lineHeight)) })
}

func (w *guideWriter) cell(col int) string {
	name, err := excelize.CoordinatesToCellName(col, w.row)
	if err != nil && w.err == nil {
		w.err = err
	}
	return name
}

func (w *guideWriter) do(f func() error) {
	if w.err == nil {
		w.err = f()
	}
}
