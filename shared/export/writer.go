package export

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Writer streams the rows of several tables into one export's files. Call
// Begin, Row for each row, End for each table in turn, then Close. After any
// error the files are incomplete and the directory should be discarded;
// Close still releases everything. A Writer is not safe for concurrent use.
type Writer interface {
	Begin(t Table) error
	Row(cells []Cell) error
	End() error
	Close() error
}

// Option adjusts a Writer.
type Option func(*Options)

// Options are what a format's Sink is given besides its directory.
type Options struct {
	// AsAt is the time recorded inside files that carry one (the XLSX
	// document properties), in UTC: the AsAt option's time, or
	// 1980-01-01T00:00:00Z when none was given, never the clock.
	AsAt time.Time
	// Labels writes each table's column labels in a row under its header
	// (CSV and XLSX), names each sheet of a workbook by its table's label,
	// and starts each CSV file with a UTF-8 byte order mark, so that a
	// spreadsheet shows the labels' letters (£, ŵ) as written.
	Labels bool
}

// defaultAsAt stands in when no as-at time is given: a constant, because a
// clock reading would make two runs differ.
var defaultAsAt = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// AsAt sets the time recorded inside files that carry one (the XLSX document
// properties). Pass the data's as-at point, never the clock, so a rerun on
// the same data gives the same bytes.
func AsAt(t time.Time) Option { return func(o *Options) { o.AsAt = t.UTC() } }

// Labels writes the tables' and columns' labels for people (Options.Labels):
// every table given to the Writer then needs them.
func Labels() Option { return func(o *Options) { o.Labels = true } }

// Sink is one format's file writing, for a writer registered with Register.
// The format-independent checks live in the Writer that NewWriter returns,
// so every format accepts and refuses the same input: a Sink sees only
// tables whose names are safe file names ([A-Za-z0-9._-], not leading '.',
// at most 100 bytes) and unique without regard to case, with at least one
// column, column names non-empty, valid UTF-8 and unique, and column kinds
// Text to Bool; with the Labels option, tables whose labels are sheet names
// every spreadsheet accepts (see SheetLabel), unique without regard to case,
// and whose columns' labels are non-empty valid UTF-8; and only rows with
// one cell per column, each null or of its
// column's kind, Text valid UTF-8, Decimal [-]digits[.digits] and Date within
// 1900-03-01..9999-12-31. The Table's Columns are the Sink's to keep; the
// cells slice is the caller's and may be reused once Row returns.
//
// Calls come in order: Begin, Row for each row, End, for each table, then
// Close. When the Writer is closed after an error Abort is called instead of
// Close, and when Close fails Abort follows it; Abort must release
// everything, even after the Sink has already released some of it itself.
// A Sink is used by one goroutine at a time.
type Sink interface {
	Begin(t Table) error
	Row(cells []Cell) error
	End() error
	Close() error // finish the export
	Abort()       // release everything after an error
}

// newSinkFunc makes a format's Sink writing into dir, which exists.
type newSinkFunc = func(dir string, o Options) (Sink, error)

// sinks are the formats NewWriter can write: CSV and JSON built in, others
// added by Register from the init of the package that writes them, so that
// a program which never writes a workbook does not link (or initialise) the
// spreadsheet library.
var sinks = struct {
	sync.RWMutex
	m map[Format]newSinkFunc
}{m: map[Format]newSinkFunc{
	CSV:  func(dir string, o Options) (Sink, error) { return newCSVSink(dir, o.Labels), nil },
	JSON: func(dir string, _ Options) (Sink, error) { return newJSONSink(dir), nil },
}}

// Register makes format f writable by NewWriter, through the Sinks newSink
// makes in an existing directory dir with the Writer's Options. It is meant to be called from the init function of the package
// that implements the format (shared/export/xlsx registers XLSX) and is safe
// for concurrent use. It panics if f is not a format ParseFormat accepts, if
// newSink is nil or if f already has a writer.
func Register(f Format, newSink func(dir string, o Options) (Sink, error)) {
	if _, ok := ParseFormat(string(f)); !ok {
		panic(fmt.Sprintf("export: Register of unknown format %q", f))
	}
	if newSink == nil {
		panic(fmt.Sprintf("export: Register of a nil %s writer", f))
	}
	sinks.Lock()
	defer sinks.Unlock()
	if sinks.m[f] != nil {
		panic(fmt.Sprintf("export: Register called twice for %s", f))
	}
	sinks.m[f] = newSink
}

func lookupSink(f Format) (newSinkFunc, error) {
	if _, ok := ParseFormat(string(f)); !ok {
		return nil, fmt.Errorf("export: unknown format %q", f)
	}
	sinks.RLock()
	newSink := sinks.m[f]
	sinks.RUnlock()
	if newSink == nil {
		return nil, fmt.Errorf("export: %s writer not linked; import shared/export/%s", f, f)
	}
	return newSink, nil
}

// XLSXFile is the one workbook of an XLSX export.
const XLSXFile = "export.xlsx"

// NewWriter writes an export in format f into dir, which must exist. CSV and
// JSON give one file per table, "<name>.csv" or "<name>.json"; XLSX gives one
// workbook "export.xlsx" (XLSXFile) with one sheet per table, written at
// Close, and only in a program that imports shared/export/xlsx: without it
// NewWriter(XLSX, ...) returns an error.
func NewWriter(f Format, dir string, opts ...Option) (Writer, error) {
	o := Options{AsAt: defaultAsAt}
	for _, opt := range opts {
		opt(&o)
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("export: %s is not a directory", dir)
	}
	newSink, err := lookupSink(f)
	if err != nil {
		return nil, err
	}
	s, err := newSink(dir, o)
	if err != nil {
		return nil, err
	}
	return &checkedWriter{sink: s, names: map[string]bool{}, labels: o.Labels, sheets: map[string]bool{}}, nil
}

// checkedWriter enforces the call order and the cells' kinds, and makes the
// first error sticky so a half-written export is never finished.
type checkedWriter struct {
	sink   Sink
	names  map[string]bool // lower-cased table names already begun
	labels bool            // the Labels option: tables and columns carry labels
	sheets map[string]bool // lower-cased table labels already begun
	table  *Table
	rows   int
	err    error
	closed bool
}

var errClosed = errors.New("export: writer closed")

func (w *checkedWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *checkedWriter) Begin(t Table) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.table != nil {
		return w.fail(fmt.Errorf("export: Begin(%q) before End of %q", t.Name, w.table.Name))
	}
	if err := w.checkTable(t); err != nil {
		return w.fail(err)
	}
	t.Columns = append([]Column(nil), t.Columns...) // the caller may reuse its slice
	w.names[strings.ToLower(t.Name)] = true
	if w.labels {
		w.sheets[strings.ToLower(t.Label)] = true
	}
	w.table, w.rows = &t, 0
	return w.wrap(w.sink.Begin(t))
}

func (w *checkedWriter) Row(cells []Cell) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.table == nil {
		return w.fail(errors.New("export: Row outside a table"))
	}
	w.rows++
	if err := w.checkRow(cells); err != nil {
		return w.fail(err)
	}
	return w.wrap(w.sink.Row(cells))
}

func (w *checkedWriter) End() error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.table == nil {
		return w.fail(errors.New("export: End outside a table"))
	}
	w.table = nil
	return w.wrap(w.sink.End())
}

// Close finishes the export, or after an error only releases what is open.
func (w *checkedWriter) Close() error {
	if w.closed {
		return errClosed
	}
	w.closed = true
	if w.err == nil && w.table != nil {
		w.err = fmt.Errorf("export: Close before End of %q", w.table.Name)
	}
	if w.err != nil {
		w.sink.Abort()
		return w.err
	}
	if err := w.sink.Close(); err != nil {
		w.sink.Abort()
		return err
	}
	return nil
}

func (w *checkedWriter) usable() error {
	if w.closed {
		return errClosed
	}
	return w.err
}

func (w *checkedWriter) wrap(err error) error {
	if err != nil {
		return w.fail(fmt.Errorf("export: %w", err))
	}
	return nil
}

func (w *checkedWriter) checkRow(cells []Cell) error {
	t := w.table
	if len(cells) != len(t.Columns) {
		return fmt.Errorf("export: table %q row %d has %d cells, want %d", t.Name, w.rows, len(cells), len(t.Columns))
	}
	for i, c := range cells {
		if err := c.check(t.Columns[i]); err != nil {
			return fmt.Errorf("export: table %q row %d: %w", t.Name, w.rows, err)
		}
	}
	return nil
}

// maxNameLen keeps "<name>.json" well inside every file system's limit.
const maxNameLen = 100

// checkTable refuses names that are not safe file names on every system
// (they become "<name>.csv"), duplicates (case-insensitively, as Windows and
// spreadsheets compare them) and columns JSON could not key uniquely.
func (w *checkedWriter) checkTable(t Table) error {
	if !safeName(t.Name) {
		return fmt.Errorf("export: table name %q: want letters, digits, '-', '_' or '.', not leading '.', at most %d", t.Name, maxNameLen)
	}
	if w.names[strings.ToLower(t.Name)] {
		return fmt.Errorf("export: table %q written twice", t.Name)
	}
	if len(t.Columns) == 0 {
		return fmt.Errorf("export: table %q has no columns", t.Name)
	}
	seen := make(map[string]bool, len(t.Columns))
	for _, c := range t.Columns {
		if c.Name == "" || !utf8.ValidString(c.Name) || seen[c.Name] {
			return fmt.Errorf("export: table %q: column name %q empty, invalid or repeated", t.Name, c.Name)
		}
		if c.Kind < Text || c.Kind > Bool {
			return fmt.Errorf("export: table %q column %q: unknown kind %v", t.Name, c.Name, c.Kind)
		}
		seen[c.Name] = true
	}
	if w.labels {
		return w.checkLabels(t)
	}
	return nil
}

// checkLabels refuses labels a workbook could not show as given: a table's
// must be a sheet name, unique without regard to case; a column's must be
// there.
func (w *checkedWriter) checkLabels(t Table) error {
	if err := SheetLabel(t.Label); err != nil {
		return fmt.Errorf("export: table %q: %w", t.Name, err)
	}
	if w.sheets[strings.ToLower(t.Label)] {
		return fmt.Errorf("export: table %q: label %q used twice", t.Name, t.Label)
	}
	for _, c := range t.Columns {
		if strings.TrimSpace(c.Label) == "" || !utf8.ValidString(c.Label) {
			return fmt.Errorf("export: table %q column %q: label %q empty or invalid", t.Name, c.Name, c.Label)
		}
	}
	return nil
}

// maxSheetLabel is the spreadsheet limit on a sheet name's length.
const maxSheetLabel = 31

// SheetLabel reports why a label cannot name a sheet as given: every
// spreadsheet takes 1 to 31 characters, none of : \ / ? * [ ] or a control
// character, not starting or ending with an apostrophe, and not Excel's
// reserved History.
func SheetLabel(label string) error {
	n := utf8.RuneCountInString(label)
	switch {
	case !utf8.ValidString(label) || n == 0 || n > maxSheetLabel:
		return fmt.Errorf("label %q: a sheet name has 1 to %d characters", label, maxSheetLabel)
	case strings.ContainsAny(label, `:\/?*[]`) || strings.ContainsFunc(label, unicode.IsControl):
		return fmt.Errorf("label %q: a sheet name has none of : \\ / ? * [ ] or control characters", label)
	case strings.HasPrefix(label, "'") || strings.HasSuffix(label, "'"):
		return fmt.Errorf("label %q: a sheet name does not start or end with an apostrophe", label)
	case strings.EqualFold(label, "History"):
		return fmt.Errorf("label %q: History is reserved", label)
	}
	return nil
}

func safeName(s string) bool {
	if s == "" || len(s) > maxNameLen || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// createFile refuses to overwrite: an export's files are written once.
func createFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}
