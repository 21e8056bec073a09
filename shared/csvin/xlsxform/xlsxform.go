// Package xlsxform builds the workbook forms of the CSV uploads with
// excelize. Package csvin serves them embedded; this package's test checks
// (and with -update rewrites) csvin/templates, so the two cannot drift.
package xlsxform

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// fixedTime keeps the workbook's bytes the same for the same form, so the
// template can be cached and compared.
const fixedTime = "2000-01-01T00:00:00Z"

// moneyFormat is how money shows in the workbook.
const moneyFormat = "#,##0.00"

// Build makes the purpose's template as a workbook in lang: the form sheet
// (a bold, frozen header row of the machine names, the example rows,
// figures typed as numbers and money shown as #,##0.00), then an
// instructions sheet with the form's guide in lang.
func Build(p csvin.Purpose, lang i18n.Lang) ([]byte, error) {
	rows, ok := csvin.TemplateRows(p)
	if !ok {
		return nil, fmt.Errorf("xlsxform: unknown purpose %q", p)
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := strings.TrimSuffix(string(p), "-csv")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	if err := writeSheet(x, sheet, p, rows); err != nil {
		return nil, fmt.Errorf("xlsxform: build %s template: %w", p, err)
	}
	g := csvin.GuideFor(p, lang, sheet)
	if err := writeGuide(x, i18n.Text(lang, "template.sheet.instructions", nil), g); err != nil {
		return nil, fmt.Errorf("xlsxform: build %s instructions: %w", p, err)
	}
	if err := x.SetDocProps(&excelize.DocProperties{Created: fixedTime, Modified: fixedTime, Creator: "rdx",
		LastModifiedBy: "rdx", Title: g.Title, Language: string(lang)}); err != nil {
		return nil, err
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("xlsxform: write %s template: %w", p, err)
	}
	return buf.Bytes(), nil
}

// sheetWriter writes the template's cells with its two styles.
type sheetWriter struct {
	x            *excelize.File
	sheet        string
	bold, pounds int
}

func writeSheet(x *excelize.File, sheet string, p csvin.Purpose, rows [][]string) error {
	w := &sheetWriter{x: x, sheet: sheet}
	var err error
	if w.bold, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	format := moneyFormat
	if w.pounds, err = x.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
		return err
	}
	for r, cells := range rows {
		for i, v := range cells {
			number, isMoney := csvin.CellType(p, cells[0], rows[0][i])
			if err := w.cell(r, i, v, number, isMoney); err != nil {
				return err
			}
		}
	}
	return layout(x, sheet, len(rows[0]))
}

// cell writes one cell: header names in bold, figures as numbers from their
// text (never through a float), money with its format, the rest as text.
func (w *sheetWriter) cell(r, i int, v string, number, isMoney bool) error {
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
	case number:
		if err := w.x.SetCellDefault(w.sheet, cell, v); err != nil {
			return err
		}
		if isMoney {
			return w.x.SetCellStyle(w.sheet, cell, cell, w.pounds)
		}
		return nil
	}
	return w.x.SetCellStr(w.sheet, cell, v)
}

// layout freezes the header row.
func layout(x *excelize.File, sheet string, columns int) error {
	last, err := excelize.ColumnNumberToName(columns)
	if err != nil {
		return err
	}
	if err := x.SetColWidth(sheet, "A", last, 20); err != nil {
		return err
	}
	return x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}})
}
