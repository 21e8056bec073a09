package export

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
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var asAt = time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC)

// tableRows is one table of a fixture with its rows.
type tableRows struct {
	Table
	rows [][]Cell
}

var allKinds = []Column{
	{"partner", Text}, {"count", Int}, {"amount", Money},
	{"ratio", Decimal}, {"due", Date}, {"signedOff", Bool},
}

func date(y int, m time.Month, d int) Cell { return DateCell(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) }

// fixture has two tables covering every kind, nulls, negative numbers and
// text a spreadsheet would take for a formula.
func fixture() []tableRows {
	return []tableRows{
		{Table{"contributions", allKinds}, [][]Cell{
			{TextCell("Ceredigion"), IntCell(3), MoneyCell(125000050), DecimalCell("612.40"), date(2024, 4, 1), BoolCell(true)},
			{TextCell("=SUM(A1)"), IntCell(-7), MoneyCell(-500), DecimalCell("-1234.50"), date(2025, 3, 31), BoolCell(false)},
			{TextCell("-5"), IntCell(0), MoneyCell(-5), DecimalCell("0.000001"), NullCell(), NullCell()},
			{TextCell("a,b \"c\"\nd"), NullCell(), MoneyCell(0), NullCell(), date(1900, 3, 1), BoolCell(true)},
		}},
		{Table{"returns", []Column{{"partner", Text}, {"quarter", Int}, {"spend", Money}}}, [][]Cell{
			{TextCell("Powys"), IntCell(1), MoneyCell(99)},
			{TextCell("@cmd"), IntCell(2), MoneyCell(-100)},
			{TextCell("Hywel Dda UHB"), IntCell(3), MoneyCell(999_999_999_999_999)},
		}},
	}
}

func writeAll(tb testing.TB, f Format, dir string, tables []tableRows) {
	tb.Helper()
	w, err := NewWriter(f, dir, AsAt(asAt))
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

func export(tb testing.TB, f Format, tables []tableRows) (string, []FileInfo) {
	tb.Helper()
	dir := tb.TempDir()
	writeAll(tb, f, dir, tables)
	files, err := Files(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, files
}

var formats = []Format{CSV, XLSX, JSON}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"csv", "xlsx", "json"} {
		if f, ok := ParseFormat(s); !ok || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, ok)
		}
	}
	for _, s := range []string{"", "CSV", "xls", "pdf"} {
		if _, ok := ParseFormat(s); ok {
			t.Errorf("ParseFormat(%q) accepted", s)
		}
	}
}

func TestCSVCells(t *testing.T) {
	cases := []struct {
		cell Cell
		want string
	}{
		{TextCell("=SUM(A1)"), "'=SUM(A1)"},
		{TextCell("-5"), "'-5"},
		{TextCell("+44 1970"), "'+44 1970"},
		{TextCell("@cmd"), "'@cmd"},
		{TextCell("\tx"), "'\tx"},
		{TextCell("\rx"), "\"'\rx\""},
		{TextCell("=1,2"), "\"'=1,2\""},
		{TextCell("a,b"), `"a,b"`},
		{TextCell(`say "hi"`), `"say ""hi"""`},
		{TextCell("line1\nline2"), "\"line1\nline2\""},
		{TextCell(" lead and trail "), " lead and trail "},
		{TextCell("O'Neil"), "O'Neil"},
		{TextCell(""), ""},
		{MoneyCell(-500), "-5.00"},
		{MoneyCell(-5), "-0.05"},
		{MoneyCell(125000050), "1250000.50"},
		{MoneyCell(0), "0.00"},
		{IntCell(-1234), "-1234"},
		{DecimalCell("-1234.50"), "-1234.50"},
		{date(2024, 4, 1), "2024-04-01"},
		{BoolCell(true), "true"},
		{NullCell(), ""},
	}
	for _, c := range cases {
		if got := string(appendCSVCell(nil, c.cell)); got != c.want {
			t.Errorf("%v %q: got %q, want %q", c.cell.kind, c.cell.s, got, c.want)
		}
	}
}

func TestCSVFile(t *testing.T) {
	dir, _ := export(t, CSV, fixture())
	got, err := os.ReadFile(filepath.Join(dir, "contributions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "partner,count,amount,ratio,due,signedOff\r\n" +
		"Ceredigion,3,1250000.50,612.40,2024-04-01,true\r\n" +
		"'=SUM(A1),-7,-5.00,-1234.50,2025-03-31,false\r\n" +
		"'-5,0,-0.05,0.000001,,\r\n" +
		"\"a,b \"\"c\"\"\nd\",,0.00,,1900-03-01,true\r\n"
	if string(got) != want {
		t.Errorf("contributions.csv:\n got %q\nwant %q", got, want)
	}
}

func TestSameInputSameBytes(t *testing.T) {
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			_, first := export(t, f, fixture())
			// XLSX runs several times: excelize's own entry order varies from
			// run to run with several sheets, which canonicalZip must hide.
			for range 4 {
				_, again := export(t, f, fixture())
				if !slices.Equal(first, again) {
					t.Fatalf("files differ:\n%v\n%v", first, again)
				}
			}
		})
	}
}

func TestXLSXZipIsCanonical(t *testing.T) {
	dir, _ := export(t, XLSX, fixture())
	r, err := zip.OpenReader(filepath.Join(dir, XLSXFile))
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

func hashes(files []FileInfo) map[string]string {
	m := map[string]string{}
	for _, f := range files {
		m[f.Name] = f.SHA256
	}
	return m
}

func TestChangedCellChangesOnlyItsFile(t *testing.T) {
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			_, before := export(t, f, fixture())
			changed := fixture()
			changed[1].rows[1][2] = MoneyCell(-101)
			_, after := export(t, f, changed)
			b, a := hashes(before), hashes(after)
			var differ []string
			for name := range b {
				if b[name] != a[name] {
					differ = append(differ, name)
				}
			}
			want := map[Format]string{CSV: "returns.csv", JSON: "returns.json", XLSX: XLSXFile}[f]
			if len(a) != len(b) || !slices.Equal(differ, []string{want}) {
				t.Errorf("changed files %v, want [%s]", differ, want)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	dir, files := export(t, JSON, fixture())
	if len(files) != 2 || files[0].Name != "contributions.json" || files[0].ContentType != "application/json" {
		t.Fatalf("files %+v", files)
	}
	rows := readJSON(t, filepath.Join(dir, "contributions.json"))
	want := []map[string]any{
		{"partner": "Ceredigion", "count": json.Number("3"), "amount": "1250000.50", "ratio": "612.40", "due": "2024-04-01", "signedOff": true},
		{"partner": "=SUM(A1)", "count": json.Number("-7"), "amount": "-5.00", "ratio": "-1234.50", "due": "2025-03-31", "signedOff": false},
		{"partner": "-5", "count": json.Number("0"), "amount": "-0.05", "ratio": "0.000001", "due": nil, "signedOff": nil},
		{"partner": "a,b \"c\"\nd", "count": nil, "amount": "0.00", "ratio": nil, "due": "1900-03-01", "signedOff": true},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", rows, want)
	}
}

func TestJSONEmptyTableAndEscapes(t *testing.T) {
	cols := []Column{{"t", Text}}
	dir, _ := export(t, JSON, []tableRows{
		{Table{"empty", cols}, nil},
		{Table{"odd", cols}, [][]Cell{{TextCell("<a&b>\u2028\x01\"\\é")}}},
	})
	empty, _ := os.ReadFile(filepath.Join(dir, "empty.json"))
	odd, _ := os.ReadFile(filepath.Join(dir, "odd.json"))
	if string(empty) != "[]\n" {
		t.Errorf("empty: %q", empty)
	}
	if want := "[\n{\"t\":\"<a&b>\\u2028\\u0001\\\"\\\\é\"}\n]\n"; string(odd) != want {
		t.Errorf("odd: %q, want %q", odd, want)
	}
	if rows := readJSON(t, filepath.Join(dir, "odd.json")); rows[0]["t"] != "<a&b>\u2028\x01\"\\é" {
		t.Errorf("round trip: %q", rows[0]["t"])
	}
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

func TestXLSXMatchesJSON(t *testing.T) {
	xdir, files := export(t, XLSX, fixture())
	jdir, _ := export(t, JSON, fixture())
	if len(files) != 1 || files[0].Name != XLSXFile || !strings.Contains(files[0].ContentType, "spreadsheetml") {
		t.Fatalf("files %+v", files)
	}
	x, err := excelize.OpenFile(filepath.Join(xdir, XLSXFile))
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

func checkHeader(t *testing.T, x *excelize.File, tb Table) {
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
func checkCell(t *testing.T, x *excelize.File, sheet, ref string, k Kind, want any) {
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
	case Text:
		if typ != excelize.CellTypeInlineString || raw != want {
			fail("want inline string")
		}
	case Int:
		if !numeric || raw != string(want.(json.Number)) {
			fail("want integer")
		}
	case Money:
		if !numeric || st.NumFmt != 4 || !sameNumber(raw, want.(string)) {
			fail("want number of pounds with #,##0.00")
		}
		shown, _ := x.GetCellValue(sheet, ref)
		if strings.ReplaceAll(shown, ",", "") != want {
			fail("shown as " + shown)
		}
	case Decimal:
		if !numeric || !sameNumber(raw, want.(string)) {
			fail("want decimal number")
		}
	case Date:
		shown, _ := x.GetCellValue(sheet, ref)
		if !numeric || shown != want {
			fail("want date shown as " + shown)
		}
	case Bool:
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
	tr := tableRows{Table: Table{"money", []Column{{"amount", Money}}}}
	for _, p := range amounts {
		tr.rows = append(tr.rows, []Cell{MoneyCell(p)})
	}
	dir, _ := export(t, XLSX, []tableRows{tr})
	x, err := excelize.OpenFile(filepath.Join(dir, XLSXFile))
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
	cols := []Column{{"v", Int}}
	dir, _ := export(t, XLSX, []tableRows{
		{Table{long, cols}, nil},
		{Table{strings.Repeat("a", 29) + "xyw", cols}, nil},
		{Table{"history", cols}, nil},
	})
	x, err := excelize.OpenFile(filepath.Join(dir, XLSXFile))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	want := []string{long[:31], strings.Repeat("a", 29) + "~2", "history_"}
	if got := x.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets %q, want %q", got, want)
	}
}

func TestRefusals(t *testing.T) {
	cols := []Column{{"n", Int}, {"d", Decimal}}
	cases := []struct {
		name string
		run  func(w Writer) error
	}{
		{"row outside table", func(w Writer) error { return w.Row([]Cell{IntCell(1), NullCell()}) }},
		{"path in name", func(w Writer) error { return w.Begin(Table{"../x", cols}) }},
		{"hidden name", func(w Writer) error { return w.Begin(Table{".x", cols}) }},
		{"no columns", func(w Writer) error { return w.Begin(Table{"x", nil}) }},
		{"repeated column", func(w Writer) error { return w.Begin(Table{"x", []Column{{"a", Int}, {"a", Text}}}) }},
		{"unknown kind", func(w Writer) error { return w.Begin(Table{"x", []Column{{"a", Kind(0)}}}) }},
		{"wrong cell count", func(w Writer) error { return begin(w, cols, IntCell(1)) }},
		{"wrong kind", func(w Writer) error { return begin(w, cols, TextCell("1"), NullCell()) }},
		{"bad decimal", func(w Writer) error { return begin(w, cols, IntCell(1), DecimalCell("1e5")) }},
		{"bad utf-8", func(w Writer) error {
			return begin(w, []Column{{"t", Text}}, TextCell("\xff"))
		}},
		{"date before 1900-03-01", func(w Writer) error {
			return begin(w, []Column{{"d", Date}}, date(1900, 2, 28))
		}},
		{"duplicate table", func(w Writer) error {
			if err := w.Begin(Table{"x", cols}); err != nil {
				return nil
			}
			if err := w.End(); err != nil {
				return nil
			}
			return w.Begin(Table{"X", cols})
		}},
		{"close before end", func(w Writer) error {
			if err := w.Begin(Table{"x", cols}); err != nil {
				return nil
			}
			return w.Close()
		}},
	}
	for _, f := range formats {
		for _, c := range cases {
			w, err := NewWriter(f, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if err := c.run(w); err == nil {
				t.Errorf("%s %s: accepted", f, c.name)
			}
			if err := w.Close(); err == nil {
				t.Errorf("%s %s: Close after error succeeded", f, c.name)
			}
		}
	}
}

func begin(w Writer, cols []Column, cells ...Cell) error {
	if err := w.Begin(Table{"x", cols}); err != nil {
		return nil // the test wants the Row to fail, not Begin
	}
	return w.Row(cells)
}

func TestXLSXRefusesTextItWouldChange(t *testing.T) {
	for _, s := range []string{"bell\x07", strings.Repeat("x", 32768)} {
		w, _ := NewWriter(XLSX, t.TempDir())
		if err := begin(w, []Column{{"t", Text}}, TextCell(s)); err == nil {
			t.Errorf("accepted %.10q", s)
		}
		_ = w.Close()
	}
}

func TestManifest(t *testing.T) {
	dir, files := export(t, CSV, fixture())
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name))
		if f.Bytes != int64(len(b)) || len(f.SHA256) != 64 || f.ContentType != "text/csv; charset=utf-8" {
			t.Errorf("file info %+v for %d bytes", f, len(b))
		}
	}
	versions := []VersionRef{
		{Partner: "powys", Kind: "quarterly-return", Key: "2024-25/Q1", Version: 2, SHA256: files[0].SHA256},
		{Partner: "ceredigion", Kind: "pool-contribution", Key: "2024-25", Version: 1, SHA256: files[1].SHA256},
	}
	m := Manifest{Region: "west-wales", FinancialYear: "2024-25", Format: "csv",
		AsAt: "2025-03-31T23:59:59Z", Generator: Generator, Files: files, Versions: versions}
	var a, b bytes.Buffer
	if err := WriteManifest(&a, m); err != nil {
		t.Fatal(err)
	}
	m.Files = []FileInfo{files[1], files[0]}
	m.Versions = []VersionRef{versions[1], versions[0]}
	if err := WriteManifest(&b, m); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("order changed the manifest:\n%s\n%s", a.String(), b.String())
	}
	if m.Files[0] != files[1] {
		t.Error("WriteManifest reordered the caller's slice")
	}
	want := `{"asAt":"2025-03-31T23:59:59Z","files":[` + fileJSON(files[0]) + `,` + fileJSON(files[1]) +
		`],"financialYear":"2024-25","format":"csv","generator":"rdx-export/1","region":"west-wales","versions":[` +
		`{"key":"2024-25","kind":"pool-contribution","partner":"ceredigion","sha256":"` + files[1].SHA256 + `","version":1},` +
		`{"key":"2024-25/Q1","kind":"quarterly-return","partner":"powys","sha256":"` + files[0].SHA256 + `","version":2}]}`
	if a.String() != want {
		t.Errorf("manifest\n got %s\nwant %s", a.String(), want)
	}
}

func fileJSON(f FileInfo) string {
	return fmt.Sprintf(`{"bytes":%d,"contentType":"%s","name":"%s","sha256":"%s"}`, f.Bytes, f.ContentType, f.Name, f.SHA256)
}

func TestManifestRefusals(t *testing.T) {
	good := Manifest{Format: "json", AsAt: "2025-03-31T23:59:59+01:00"}
	var buf bytes.Buffer
	if err := WriteManifest(&buf, good); err != nil || !strings.Contains(buf.String(), `"files":[]`) {
		t.Fatalf("%v %s", err, buf.String())
	}
	bad := []Manifest{
		{Format: "json", AsAt: "31/03/2025"},
		{Format: "pdf", AsAt: good.AsAt},
		{Format: "json", AsAt: good.AsAt, Files: []FileInfo{{Name: "a", SHA256: "XYZ"}}},
		{Format: "json", AsAt: good.AsAt, Files: []FileInfo{{Name: "a", SHA256: strings.Repeat("0", 64)}, {Name: "a", SHA256: strings.Repeat("0", 64)}}},
	}
	for _, m := range bad {
		if err := WriteManifest(&bytes.Buffer{}, m); err == nil {
			t.Errorf("accepted %+v", m)
		}
	}
}

// bigTable is the shape the memory test and benchmark stream.
var bigTable = Table{"big", []Column{
	{"partner", Text}, {"quarter", Int}, {"spend", Money}, {"ratio", Decimal}, {"note", Text},
}}

var partners = []string{"Carmarthenshire", "Ceredigion", "Pembrokeshire", "Hywel Dda UHB"}

func fillRow(cells []Cell, i int) {
	cells[0] = TextCell(partners[i%len(partners)])
	cells[1] = IntCell(int64(i%4 + 1))
	cells[2] = MoneyCell(int64(i)*1_234_567 - 50_000_000)
	cells[3] = DecimalCell("612.45")
	cells[4] = TextCell("=row")
}

func streamRows(tb testing.TB, w Writer, n int, at func(done int)) {
	tb.Helper()
	if err := w.Begin(bigTable); err != nil {
		tb.Fatal(err)
	}
	cells := make([]Cell, len(bigTable.Columns))
	for i := range n {
		fillRow(cells, i)
		if err := w.Row(cells); err != nil {
			tb.Fatal(err)
		}
		if at != nil {
			at(i + 1)
		}
	}
	if err := w.End(); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestMemoryBounded streams 200k rows per format and checks the heap does
// not grow with them. CSV and JSON hold one buffered line; XLSX holds
// excelize's in-memory chunk, which spills to disk at 16 MiB (its buffer's
// capacity can reach twice that), so its bound is fixed, not per row.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 600k rows")
	}
	const mib = 1 << 20
	bound := map[Format]uint64{CSV: 2 * mib, JSON: 2 * mib, XLSX: 32 * mib}
	for _, f := range formats {
		t.Run(string(f), func(t *testing.T) {
			if raceEnabled && f == XLSX {
				t.Skip("too slow under -race; runs in plain go test")
			}
			w, err := NewWriter(f, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			marks := map[int]uint64{}
			streamRows(t, w, 200_000, func(done int) {
				if done == 20_000 || done == 100_000 || done == 200_000 {
					marks[done] = heapInuse()
				}
			})
			growth := int64(marks[200_000]) - int64(marks[20_000])
			late := int64(marks[200_000]) - int64(marks[100_000])
			t.Logf("HeapInuse 20k %.1f MiB, 100k %.1f MiB, 200k %.1f MiB; growth 20k→200k %.1f MiB, 100k→200k %.1f MiB",
				float64(marks[20_000])/mib, float64(marks[100_000])/mib, float64(marks[200_000])/mib, float64(growth)/mib, float64(late)/mib)
			if growth > int64(bound[f]) || late > 2*mib {
				t.Errorf("heap grew %d bytes (bound %d), %d in the last 100k rows", growth, bound[f], late)
			}
		})
	}
}

func BenchmarkWriters(b *testing.B) {
	for _, f := range formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w, err := NewWriter(f, b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				streamRows(b, w, 100_000, nil)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/row")
		})
	}
}
