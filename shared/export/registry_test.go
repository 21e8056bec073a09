package export

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// setSink makes newSink (nil: none) format f's writer until the test ends.
func setSink(t *testing.T, f Format, newSink newSinkFunc) {
	t.Helper()
	sinks.Lock()
	saved, had := sinks.m[f]
	if newSink == nil {
		delete(sinks.m, f)
	} else {
		sinks.m[f] = newSink
	}
	sinks.Unlock()
	t.Cleanup(func() {
		sinks.Lock()
		defer sinks.Unlock()
		if had {
			sinks.m[f] = saved
		} else {
			delete(sinks.m, f)
		}
	})
}

func TestXLSXNotLinked(t *testing.T) {
	setSink(t, XLSX, nil)
	_, err := NewWriter(XLSX, t.TempDir())
	if err == nil || err.Error() != "export: xlsx writer not linked; import shared/export/xlsx" {
		t.Errorf("NewWriter(XLSX) without the writer: %v", err)
	}
	for _, f := range []Format{CSV, JSON} {
		w, err := NewWriter(f, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		_ = w.Close()
	}
	if _, err := NewWriter("pdf", t.TempDir()); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("NewWriter(pdf): %v", err)
	}
}

func TestRegisterRefuses(t *testing.T) {
	setSink(t, XLSX, nil)
	fake := func(string, Options) (Sink, error) { return nil, errors.New("unused") }
	panics := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	panics("unknown format", func() { Register("pdf", fake) })
	panics("nil writer", func() { Register(XLSX, nil) })
	panics("built-in format", func() { Register(CSV, fake) })
	Register(XLSX, fake)
	panics("second registration", func() { Register(XLSX, fake) })
}

// recordingSink notes the calls a Sink receives.
type recordingSink struct {
	calls    []string
	failRow  bool
	failEnd  bool
	failDone bool
	cols     []Column
}

func (s *recordingSink) Begin(t Table) error {
	s.calls = append(s.calls, "Begin "+t.Name)
	s.cols = t.Columns
	return nil
}

func (s *recordingSink) Row(cells []Cell) error {
	s.calls = append(s.calls, "Row "+cells[0].Text())
	if s.failRow {
		return errors.New("row refused")
	}
	return nil
}

func (s *recordingSink) End() error {
	s.calls = append(s.calls, "End")
	if s.failEnd {
		return errors.New("end refused")
	}
	return nil
}

func (s *recordingSink) Close() error {
	s.calls = append(s.calls, "Close")
	if s.failDone {
		return errors.New("close refused")
	}
	return nil
}

func (s *recordingSink) Abort() { s.calls = append(s.calls, "Abort") }

// TestSinkContract checks what a registered writer is promised: its
// Options, a Table of its own, checked rows only, and Abort after errors.
func TestSinkContract(t *testing.T) {
	var sink *recordingSink
	var got Options
	var gotDir string
	setSink(t, XLSX, func(dir string, o Options) (Sink, error) {
		gotDir, got, sink = dir, o, &recordingSink{}
		return sink, nil
	})
	cols := []Column{{Name: "t", Kind: Text}}
	run := func(prepare func(*recordingSink), rows ...Cell) error {
		dir := t.TempDir()
		w, err := NewWriter(XLSX, dir, AsAt(time.Date(2025, 4, 1, 0, 30, 0, 0, time.FixedZone("BST", 3600))))
		if err != nil {
			t.Fatal(err)
		}
		if gotDir != dir {
			t.Errorf("dir %q, want %q", gotDir, dir)
		}
		prepare(sink)
		if err := w.Begin(Table{Name: "x", Columns: cols}); err != nil {
			t.Fatal(err)
		}
		for _, c := range rows {
			if err := w.Row([]Cell{c}); err != nil {
				break
			}
		}
		_ = w.End()
		return w.Close()
	}

	if err := run(func(*recordingSink) {}, TextCell("a"), TextCell("b")); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 3, 31, 23, 30, 0, 0, time.UTC); !got.AsAt.Equal(want) || got.AsAt.Location() != time.UTC {
		t.Errorf("Options.AsAt %v, want %v in UTC", got.AsAt, want)
	}
	if want := []string{"Begin x", "Row a", "Row b", "End", "Close"}; !slices.Equal(sink.calls, want) {
		t.Errorf("calls %q, want %q", sink.calls, want)
	}
	if &sink.cols[0] == &cols[0] {
		t.Error("the Sink was handed the caller's Columns")
	}

	cases := []struct {
		name    string
		prepare func(*recordingSink)
		rows    []Cell
		want    []string
	}{
		{"refused cell never reaches the sink", func(*recordingSink) {}, []Cell{TextCell("a"), IntCell(1)}, []string{"Begin x", "Row a", "Abort"}},
		{"row error", func(s *recordingSink) { s.failRow = true }, []Cell{TextCell("a"), TextCell("b")}, []string{"Begin x", "Row a", "Abort"}},
		{"end error", func(s *recordingSink) { s.failEnd = true }, []Cell{TextCell("a")}, []string{"Begin x", "Row a", "End", "Abort"}},
		{"close error", func(s *recordingSink) { s.failDone = true }, nil, []string{"Begin x", "End", "Close", "Abort"}},
	}
	for _, c := range cases {
		if err := run(c.prepare, c.rows...); err == nil {
			t.Errorf("%s: Close succeeded", c.name)
		}
		if !slices.Equal(sink.calls, c.want) {
			t.Errorf("%s: calls %q, want %q", c.name, sink.calls, c.want)
		}
	}
}

// TestRegisterConcurrent registers while writers are made; run with -race.
func TestRegisterConcurrent(t *testing.T) {
	setSink(t, XLSX, nil)
	fake := func(string, Options) (Sink, error) { return &recordingSink{}, nil }
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if i == 0 {
				Register(XLSX, fake)
				return
			}
			for _, f := range []Format{JSON, XLSX} {
				if w, err := NewWriter(f, t.TempDir()); err == nil {
					_ = w.Close()
				}
			}
		})
	}
	wg.Wait()
	if _, err := NewWriter(XLSX, t.TempDir()); err != nil {
		t.Errorf("after Register: %v", err)
	}
}

// TestCellAccessors checks what a writer outside the package reads of a cell.
func TestCellAccessors(t *testing.T) {
	cases := []struct {
		cell Cell
		kind Kind
		text string
		i    int64
		b    bool
	}{
		{TextCell("=SUM(A1)"), Text, "=SUM(A1)", 0, false},
		{IntCell(-7), Int, "", -7, false},
		{MoneyCell(-500), Money, "", -500, false},
		{DecimalCell("612.40"), Decimal, "612.40", 0, false},
		{date(2024, 4, 1), Date, "2024-04-01", 19814, false},
		{date(1900, 3, 1), Date, "1900-03-01", -25508, false},
		{DateCell(time.Date(2025, 3, 31, 23, 59, 0, 0, time.FixedZone("BST", 3600))), Date, "2025-03-31", 20178, false},
		{BoolCell(true), Bool, "", 0, true},
		{NullCell(), 0, "", 0, false},
	}
	for _, c := range cases {
		if c.cell.Kind() != c.kind || c.cell.Text() != c.text || c.cell.Int() != c.i || c.cell.Bool() != c.b {
			t.Errorf("%v cell: Kind %v Text %q Int %d Bool %v, want %v %q %d %v",
				c.kind, c.cell.Kind(), c.cell.Text(), c.cell.Int(), c.cell.Bool(), c.kind, c.text, c.i, c.b)
		}
	}
}
