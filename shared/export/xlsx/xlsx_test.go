package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/export"
)

// The writer's format-independent behaviour (same input same bytes, one
// changed cell changing one file, the refusals, flat memory) is tested in
// package export with this package linked; these tests are the workbook's
// own.

var asAt = time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC)

// tableRows is one table of a fixture with its rows.
type tableRows struct {
	export.Table
	rows [][]export.Cell
}

var allKinds = []export.Column{
	{Name: "partner", Kind: export.Text}, {Name: "count", Kind: export.Int}, {Name: "amount", Kind: export.Money},
	{Name: "ratio", Kind: export.Decimal}, {Name: "due", Kind: export.Date}, {Name: "signedOff", Kind: export.Bool},
}

func date(y int, m time.Month, d int) export.Cell {
	return export.DateCell(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// fixture is package export's test fixture: two tables covering every kind,
// nulls, negative numbers and text a spreadsheet would take for a formula.
func fixture() []tableRows {
	T, I, M, D, B, N := export.TextCell, export.IntCell, export.MoneyCell, export.DecimalCell, export.BoolCell, export.NullCell
	return []tableRows{
		{export.Table{Name: "contributions", Columns: allKinds}, [][]export.Cell{
			{T("Ceredigion"), I(3), M(125000050), D("612.40"), date(2024, 4, 1), B(true)},
			{T("=SUM(A1)"), I(-7), M(-500), D("-1234.50"), date(2025, 3, 31), B(false)},
			{T("-5"), I(0), M(-5), D("0.000001"), N(), N()},
			{T("a,b \"c\"\nd"), N(), M(0), N(), date(1900, 3, 1), B(true)},
		}},
		{export.Table{Name: "returns", Columns: []export.Column{
			{Name: "partner", Kind: export.Text}, {Name: "quarter", Kind: export.Int}, {Name: "spend", Kind: export.Money},
		}}, [][]export.Cell{
			{T("Powys"), I(1), M(99)},
			{T("@cmd"), I(2), M(-100)},
			{T("Hywel Dda UHB"), I(3), M(999_999_999_999_999)},
		}},
	}
}

func writeAll(tb testing.TB, f export.Format, dir string, tables []tableRows, opts ...export.Option) {
	tb.Helper()
	w, err := export.NewWriter(f, dir, append([]export.Option{export.AsAt(asAt)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tables {
		if err := w.Begin(t.Table); err != nil {
			tb.Fatal(err)
		}
		for _, r := range t.rows {
			if err := w.Row(r); err != nil {
				tb.Fatal(err)
			}
		}
		if err := w.End(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

func exportTo(tb testing.TB, f export.Format, tables []tableRows, opts ...export.Option) (string, []export.FileInfo) {
	tb.Helper()
	dir := tb.TempDir()
	writeAll(tb, f, dir, tables, opts...)
	files, err := export.Files(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, files
}

func readJSON(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var rows []map[string]any
	if err := d.Decode(&rows); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func begin(w export.Writer, cols []export.Column, cells ...export.Cell) error {
	if err := w.Begin(export.Table{Name: "x", Columns: cols}); err != nil {
		return nil // the test wants the Row to fail, not Begin
	}
	return w.Row(cells)
}

func TestRegistered(t *testing.T) {
	w, err := export.NewWriter(export.XLSX, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Error("a workbook without sheets closed")
	}
}

func TestXLSXZipIsCanonical(t *testing.T) {
	dir, _ := exportTo(t, export.XLSX, fixture())
	r, err := zip.OpenReader(filepath.Join(dir, export.XLSXFile))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, f := range r.File {
		names = append(names, f.Name)
		if f.ModifiedDate != dosEpochDate || f.ModifiedTime != 0 || len(f.Extra) != 0 {
			t.Errorf("%s: date %d time %d extra %d", f.Name, f.ModifiedDate, f.ModifiedTime, len(f.Extra))
		}
	}
	if !slices.IsSorted(names) || names[0] != "[Content_Types].xml" {
		t.Errorf("entries not sorted: %v", names)
	}
	// Excel repairs a sheet whose <col> elements are not ascending.
	sheet, err := r.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer sheet.Close()
	xml, _ := io.ReadAll(sheet)
	cols := regexp.MustCompile(`<col min="(\d+)"`).FindAllSubmatch(xml, -1)
	var order []string
	for _, c := range cols {
		order = append(order, string(c[1]))
	}
	if strings.Join(order, ",") != "1,2,3,4,5,6" {
		t.Errorf("<col> order %v", order)
	}
}

func TestXLSXMatchesJSON(t *testing.T) {
	xdir, files := exportTo(t, export.XLSX, fixture())
	jdir, _ := exportTo(t, export.JSON, fixture())
	if len(files) != 1 || files[0].Name != export.XLSXFile || !strings.Contains(files[0].ContentType, "spreadsheetml") {
		t.Fatalf("files %+v", files)
	}
	x, err := excelize.OpenFile(filepath.Join(xdir, export.XLSXFile))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); !slices.Equal(got, []string{"contributions", "returns"}) {
		t.Errorf("sheets %v", got)
	}
	props, err := x.GetDocProps()
	if err != nil || props.Created != "2025-03-31T23:59:59Z" || props.Modified != props.Created {
		t.Errorf("doc props %+v %v", props, err)
	}
	for _, tr := range fixture() {
		checkHeader(t, x, tr.Table)
		rows := readJSON(t, filepath.Join(jdir, tr.Name+".json"))
		for r, row := range rows {
			for c, col := range tr.Columns {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
				checkCell(t, x, tr.Name, ref, col.Kind, row[col.Name])
			}
		}
	}
}

func checkHeader(t *testing.T, x *excelize.File, tb export.Table) {
	t.Helper()
	panes, err := x.GetPanes(tb.Name)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("%s panes %+v %v", tb.Name, panes, err)
	}
	for c, col := range tb.Columns {
		ref, _ := excelize.CoordinatesToCellName(c+1, 1)
		v, _ := x.GetCellValue(tb.Name, ref)
		id, _ := x.GetCellStyle(tb.Name, ref)
		st, err := x.GetStyle(id)
		if v != col.Name || err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s!%s header %q style %+v %v", tb.Name, ref, v, st, err)
		}
	}
}

// checkCell compares one workbook cell with the JSON export's value: the
// same text, the same exact number, the right cell type and number format.
func checkCell(t *testing.T, x *excelize.File, sheet, ref string, k export.Kind, want any) {
	t.Helper()
	raw, _ := x.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	typ, _ := x.GetCellType(sheet, ref)
	formula, _ := x.GetCellFormula(sheet, ref)
	id, _ := x.GetCellStyle(sheet, ref)
	st, _ := x.GetStyle(id)
	fail := func(why string) {
		t.Errorf("%s!%s %v: raw %q type %d style %d: %s (json %v)", sheet, ref, k, raw, typ, st.NumFmt, why, want)
	}
	if formula != "" {
		fail("formula " + formula)
	}
	if want == nil {
		if raw != "" {
			fail("want empty")
		}
		return
	}
	numeric := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
	switch k {
	case export.Text:
		if typ != excelize.CellTypeInlineString || raw != want {
			fail("want inline string")
		}
	case export.Int:
		if !numeric || raw != string(want.(json.Number)) {
			fail("want integer")
		}
	case export.Money:
		if !numeric || st.NumFmt != 4 || !sameNumber(raw, want.(string)) {
			fail("want number of pounds with #,##0.00")
		}
		shown, _ := x.GetCellValue(sheet, ref)
		if strings.ReplaceAll(shown, ",", "") != want {
			fail("shown as " + shown)
		}
	case export.Decimal:
		if !numeric || !sameNumber(raw, want.(string)) {
			fail("want decimal number")
		}
	case export.Date:
		shown, _ := x.GetCellValue(sheet, ref)
		if !numeric || shown != want {
			fail("want date shown as " + shown)
		}
	case export.Bool:
		if typ != excelize.CellTypeBool || raw != map[bool]string{true: "1", false: "0"}[want.(bool)] {
			fail("want bool")
		}
	}
}

// sameNumber compares decimal texts exactly, as rationals, never as floats.
func sameNumber(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// TestXLSXMoneyExact writes awkward amounts through the float64 route and
// reads back the text excelize put in the file: it must equal pence/100
// exactly, and amounts past the bound must fall back to exact text.
func TestXLSXMoneyExact(t *testing.T) {
	amounts := []int64{1, 5, 10, 29, 57, 115, 1005, 123456789012345, 999_999_999_999_999,
		-999_999_999_999_999, 1_000_000_000_000_000, -4_503_599_627_370_497, 9_223_372_036_854_775_807}
	for p := int64(1); p < 1_000_000_000_000_000; p = p*7 + 3 {
		amounts = append(amounts, p, -p)
	}
	tr := tableRows{Table: export.Table{Name: "money", Columns: []export.Column{{Name: "amount", Kind: export.Money}}}}
	for _, p := range amounts {
		tr.rows = append(tr.rows, []export.Cell{export.MoneyCell(p)})
	}
	dir, _ := exportTo(t, export.XLSX, []tableRows{tr})
	x, err := excelize.OpenFile(filepath.Join(dir, export.XLSXFile))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for i, p := range amounts {
		ref := fmt.Sprintf("A%d", i+2)
		raw, _ := x.GetCellValue("money", ref, excelize.Options{RawCellValue: true})
		typ, _ := x.GetCellType("money", ref)
		exact := new(big.Rat).SetFrac64(p, 100).FloatString(2)
		asNumber := p > -maxExactPence && p < maxExactPence
		if !sameNumber(raw, exact) || (typ == excelize.CellTypeInlineString) == asNumber {
			t.Errorf("%d pence: cell %q type %d, want %s (number %v)", p, raw, typ, exact, asNumber)
		}
	}
}

func TestSheetNames(t *testing.T) {
	long := strings.Repeat("a", 29) + "xyz" // 32 characters
	cols := []export.Column{{Name: "v", Kind: export.Int}}
	dir, _ := exportTo(t, export.XLSX, []tableRows{
		{export.Table{Name: long, Columns: cols}, nil},
		{export.Table{Name: strings.Repeat("a", 29) + "xyw", Columns: cols}, nil},
		{export.Table{Name: "history", Columns: cols}, nil},
	})
	x, err := excelize.OpenFile(filepath.Join(dir, export.XLSXFile))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	want := []string{long[:31], strings.Repeat("a", 29) + "~2", "history_"}
	if got := x.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets %q, want %q", got, want)
	}
}

func TestXLSXRefusesTextItWouldChange(t *testing.T) {
	for _, s := range []string{"bell\x07", strings.Repeat("x", 32768)} {
		w, _ := export.NewWriter(export.XLSX, t.TempDir())
		if err := begin(w, []export.Column{{Name: "t", Kind: export.Text}}, export.TextCell(s)); err == nil {
			t.Errorf("accepted %.10q", s)
		}
		_ = w.Close()
	}
}
