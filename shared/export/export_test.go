package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests that run every format need the XLSX writer, which registers
// itself from package shared/export/xlsx: link_test.go links it into this
// test binary. The workbook's own tests are in that package.

var asAt = time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC)

// tableRows is one table of a fixture with its rows.
type tableRows struct {
	Table
	rows [][]Cell
}

var allKinds = []Column{
	{Name: "partner", Kind: Text}, {Name: "count", Kind: Int}, {Name: "amount", Kind: Money},
	{Name: "ratio", Kind: Decimal}, {Name: "due", Kind: Date}, {Name: "signedOff", Kind: Bool},
}

func date(y int, m time.Month, d int) Cell { return DateCell(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) }

// fixture has two tables covering every kind, nulls, negative numbers and
// text a spreadsheet would take for a formula.
func fixture() []tableRows {
	return []tableRows{
		{Table{Name: "contributions", Columns: allKinds}, [][]Cell{
			{TextCell("Ceredigion"), IntCell(3), MoneyCell(125000050), DecimalCell("612.40"), date(2024, 4, 1), BoolCell(true)},
			{TextCell("=SUM(A1)"), IntCell(-7), MoneyCell(-500), DecimalCell("-1234.50"), date(2025, 3, 31), BoolCell(false)},
			{TextCell("-5"), IntCell(0), MoneyCell(-5), DecimalCell("0.000001"), NullCell(), NullCell()},
			{TextCell("a,b \"c\"\nd"), NullCell(), MoneyCell(0), NullCell(), date(1900, 3, 1), BoolCell(true)},
		}},
		{Table{Name: "returns", Columns: []Column{{Name: "partner", Kind: Text}, {Name: "quarter", Kind: Int}, {Name: "spend", Kind: Money}}}, [][]Cell{
			{TextCell("Powys"), IntCell(1), MoneyCell(99)},
			{TextCell("@cmd"), IntCell(2), MoneyCell(-100)},
			{TextCell("Hywel Dda UHB"), IntCell(3), MoneyCell(999_999_999_999_999)},
		}},
	}
}

func writeAll(tb testing.TB, f Format, dir string, tables []tableRows, opts ...Option) {
	tb.Helper()
	w, err := NewWriter(f, dir, append([]Option{AsAt(asAt)}, opts...)...)
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

func export(tb testing.TB, f Format, tables []tableRows, opts ...Option) (string, []FileInfo) {
	tb.Helper()
	dir := tb.TempDir()
	writeAll(tb, f, dir, tables, opts...)
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
		{TextCell("  =1+1"), "'  =1+1"},                 // spreadsheets skip the spaces
		{TextCell("＝SUM(A1)"), "'＝SUM(A1)"},             // and read full-width signs
		{TextCell("\u00a0=SUM(A1)"), "'\u00a0=SUM(A1)"}, // behind a no-break space
		{TextCell("\u3000@cmd"), "'\u3000@cmd"},         // an ideographic space
		{TextCell("\u200b\u2007+1"), "'\u200b\u2007+1"}, // a zero-width and a figure space
		{TextCell("\u00a0plain"), "\u00a0plain"},
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
	cols := []Column{{Name: "t", Kind: Text}}
	dir, _ := export(t, JSON, []tableRows{
		{Table{Name: "empty", Columns: cols}, nil},
		{Table{Name: "odd", Columns: cols}, [][]Cell{{TextCell("<a&b>\u2028\x01\"\\é")}}},
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

func TestRefusals(t *testing.T) {
	cols := []Column{{Name: "n", Kind: Int}, {Name: "d", Kind: Decimal}}
	cases := []struct {
		name string
		run  func(w Writer) error
	}{
		{"row outside table", func(w Writer) error { return w.Row([]Cell{IntCell(1), NullCell()}) }},
		{"path in name", func(w Writer) error { return w.Begin(Table{Name: "../x", Columns: cols}) }},
		{"hidden name", func(w Writer) error { return w.Begin(Table{Name: ".x", Columns: cols}) }},
		{"no columns", func(w Writer) error { return w.Begin(Table{Name: "x", Columns: nil}) }},
		{"repeated column", func(w Writer) error {
			return w.Begin(Table{Name: "x", Columns: []Column{{Name: "a", Kind: Int}, {Name: "a", Kind: Text}}})
		}},
		{"unknown kind", func(w Writer) error { return w.Begin(Table{Name: "x", Columns: []Column{{Name: "a", Kind: Kind(0)}}}) }},
		{"wrong cell count", func(w Writer) error { return begin(w, cols, IntCell(1)) }},
		{"wrong kind", func(w Writer) error { return begin(w, cols, TextCell("1"), NullCell()) }},
		{"bad decimal", func(w Writer) error { return begin(w, cols, IntCell(1), DecimalCell("1e5")) }},
		{"bad utf-8", func(w Writer) error {
			return begin(w, []Column{{Name: "t", Kind: Text}}, TextCell("\xff"))
		}},
		{"date before 1900-03-01", func(w Writer) error {
			return begin(w, []Column{{Name: "d", Kind: Date}}, date(1900, 2, 28))
		}},
		{"duplicate table", func(w Writer) error {
			if err := w.Begin(Table{Name: "x", Columns: cols}); err != nil {
				return nil
			}
			if err := w.End(); err != nil {
				return nil
			}
			return w.Begin(Table{Name: "X", Columns: cols})
		}},
		{"close before end", func(w Writer) error {
			if err := w.Begin(Table{Name: "x", Columns: cols}); err != nil {
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
	if err := w.Begin(Table{Name: "x", Columns: cols}); err != nil {
		return nil // the test wants the Row to fail, not Begin
	}
	return w.Row(cells)
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
		{Partner: "ceredigion", Kind: "pool-contribution", Key: "2024-25", Version: 1, SHA256: files[1].SHA256, Receipt: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"},
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
		`],"financialYear":"2024-25","format":"csv","generator":"rdx-export/2","region":"west-wales","versions":[` +
		`{"key":"2024-25","kind":"pool-contribution","partner":"ceredigion","receipt":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln","sha256":"` + files[1].SHA256 + `","version":1},` +
		`{"key":"2024-25/Q1","kind":"quarterly-return","partner":"powys","sha256":"` + files[0].SHA256 + `","version":2}]}`
	if a.String() != want {
		t.Errorf("manifest\n got %s\nwant %s", a.String(), want)
	}
	if signed, err := ManifestBytes(m); err != nil || string(signed) != want {
		t.Errorf("ManifestBytes: %v\n got %s\nwant %s", err, signed, want)
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
var bigTable = Table{Name: "big", Columns: []Column{
	{Name: "partner", Kind: Text}, {Name: "quarter", Kind: Int}, {Name: "spend", Kind: Money}, {Name: "ratio", Kind: Decimal}, {Name: "note", Kind: Text},
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
