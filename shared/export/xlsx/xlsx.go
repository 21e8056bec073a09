// Package xlsx is the XLSX writer of package export: one workbook,
// export.XLSXFile, with one sheet per table. It registers itself with
// export.Register when imported, so a program that builds exports imports it
// for that side effect alone:
//
//	import _ "github.com/regional-data-exchange/rdx/shared/export/xlsx"
//
// It lives apart from package export because excelize, and the text
// encodings it pulls in, cost every cold start of a program that links them
// even if it never writes a workbook.
package xlsx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/export"
)

func init() { export.Register(export.XLSX, newSink) }

// excelEpochOffset is the spreadsheet serial of 1970-01-01 (serials count
// days from 1899-12-30).
const excelEpochOffset = 25569

// maxExactDigits is how many significant digits a float64 always carries
// exactly: any decimal of at most 15 significant digits parses to the one
// float64 whose shortest form prints those same digits back (DBL_DIG), and
// spreadsheets keep no more than 15 digits themselves.
const maxExactDigits = 15

// xlsxSink writes one workbook with one sheet per table through excelize's
// StreamWriter, which spills each sheet to a temporary file once it passes
// excelize.StreamChunkSize (16 MiB), so memory stays flat as rows grow.
type xlsxSink struct {
	dir    string
	tmp    string // private temporary directory: excelize spills and the staging zip
	f      *excelize.File
	sw     *excelize.StreamWriter
	styles xlsxStyles
	sheets map[string]bool // lower-cased sheet names in use
	labels bool            // sheets named by their tables' labels, a label row under each header
	cols   []export.Column
	n      int // last row number written on the current sheet
	vals   []any
}

type xlsxStyles struct{ header, money, date, label int }

// newSink starts a workbook to be written into dir at Close.
func newSink(dir string, o export.Options) (export.Sink, error) {
	tmp, err := os.MkdirTemp("", "rdx-export-xlsx-")
	if err != nil {
		return nil, err
	}
	s := &xlsxSink{dir: dir, tmp: tmp, sheets: map[string]bool{}, labels: o.Labels}
	s.f = excelize.NewFile(excelize.Options{TmpDir: tmp})
	if err := s.setup(o); err != nil {
		s.Abort()
		return nil, err
	}
	return s, nil
}

// setup fixes everything that is not row data: document properties from the
// caller's as-at time rather than the clock, and the styles, always created
// in the same order so their ids never change.
func (s *xlsxSink) setup(o export.Options) error {
	at := o.AsAt.UTC().Format(time.RFC3339)
	err := s.f.SetDocProps(&excelize.DocProperties{
		Creator: "Regional Data Exchange", LastModifiedBy: "Regional Data Exchange",
		Created: at, Modified: at,
	})
	if err != nil {
		return err
	}
	if s.styles.header, err = s.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	// Built-in format 4 is "#,##0.00", known to every spreadsheet.
	if s.styles.money, err = s.f.NewStyle(&excelize.Style{NumFmt: 4}); err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	if s.styles.date, err = s.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil || !s.labels {
		return err // a workbook without labels has the styles it always had
	}
	s.styles.label, err = s.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Italic: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return err
}

func (s *xlsxSink) Begin(t export.Table) error {
	name := s.sheetName(t.Name)
	if s.labels {
		name = t.Label // checked by the Writer: a sheet name, unique
	}
	var err error
	if len(s.sheets) == 0 {
		err = s.f.SetSheetName("Sheet1", name) // NewFile's default sheet becomes the first table
	} else {
		_, err = s.f.NewSheet(name)
	}
	if err != nil {
		return err
	}
	s.sheets[strings.ToLower(name)] = true
	if s.sw, err = s.f.NewStreamWriter(name); err != nil {
		return err
	}
	s.cols, s.n = t.Columns, 0
	return s.header()
}

// header freezes and bolds the column names, and under them, with labels,
// the columns' labels; panes and widths must be set before the first row
// is streamed.
func (s *xlsxSink) header() error {
	top := "A2"
	if s.labels {
		top = "A3"
	}
	err := s.sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: s.headerRows(), TopLeftCell: top, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
	})
	if err != nil {
		return err
	}
	// excelize puts each new <col> before the earlier ones and Excel wants
	// them ascending, so widths are set last column first.
	for i := len(s.cols) - 1; i >= 0; i-- {
		if err := s.sw.SetColWidth(i+1, i+1, s.columnWidth(s.cols[i])); err != nil {
			return err
		}
	}
	vals := make([]any, len(s.cols))
	for i, c := range s.cols {
		vals[i] = excelize.Cell{StyleID: s.styles.header, Value: c.Name}
	}
	if err := s.setRow(vals); err != nil || !s.labels {
		return err
	}
	for i, c := range s.cols {
		vals[i] = excelize.Cell{StyleID: s.styles.label, Value: c.Label}
	}
	return s.setRow(vals)
}

// headerRows are the rows above the data: the names, and the labels.
func (s *xlsxSink) headerRows() int {
	if s.labels {
		return 2
	}
	return 1
}

func (s *xlsxSink) columnWidth(c export.Column) float64 {
	n := len([]rune(c.Name))
	if s.labels {
		n = max(n, len([]rune(c.Label)))
	}
	w := float64(n + 2)
	if c.Kind == export.Money && w < 16 {
		w = 16
	}
	return min(max(w, 10), 60)
}

func (s *xlsxSink) Row(cells []export.Cell) error {
	if cap(s.vals) < len(cells) {
		s.vals = make([]any, len(cells))
	}
	vals := s.vals[:len(cells)]
	for i, c := range cells {
		v, err := s.value(c)
		if err != nil {
			return fmt.Errorf("sheet row %d column %q: %w", s.n+1, s.cols[i].Name, err)
		}
		vals[i] = v
	}
	return s.setRow(vals)
}

func (s *xlsxSink) setRow(vals []any) error {
	if s.n >= excelize.TotalRows {
		return fmt.Errorf("more than %d rows do not fit one sheet", excelize.TotalRows-1)
	}
	s.n++
	return s.sw.SetRow("A"+strconv.Itoa(s.n), vals)
}

func (s *xlsxSink) End() error {
	err := s.sw.Flush()
	s.sw = nil
	return err
}

// Close writes the workbook, then rewrites it into its deterministic form.
func (s *xlsxSink) Close() error {
	defer s.Abort()
	if len(s.sheets) == 0 {
		return errors.New("xlsx export without tables")
	}
	staging := filepath.Join(s.tmp, "staging.zip")
	if err := s.writeStaging(staging); err != nil {
		return err
	}
	final := filepath.Join(s.dir, export.XLSXFile)
	if err := canonicalZip(staging, final); err != nil {
		_ = os.Remove(final)
		return err
	}
	return nil
}

// Abort releases the workbook and the temporary directory; it may be called
// again after Close.
func (s *xlsxSink) Abort() {
	if s.f != nil {
		_ = s.f.Close()
		s.f = nil
	}
	_ = os.RemoveAll(s.tmp)
}
