// Package export writes the tables of a ministerial export as CSV, XLSX or
// JSON files, and the manifest that lists them. It is pure: it streams rows
// handed to it into files of one directory and never reads the store, the
// clock or a random source, so the same rows always give the same bytes.
//
// CSV and JSON are built in. The XLSX writer lives in package
// shared/export/xlsx, which registers itself when imported, so that a
// program which never writes a workbook does not link or initialise the
// spreadsheet library: a program that builds exports imports it for its
// side effect (import _ ".../shared/export/xlsx").
package export

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// Format is the file format of an export.
type Format string

// The formats an export can be requested in.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	JSON Format = "json"
)

// ParseFormat reads a requested format exactly (lower case, as the API
// spells it).
func ParseFormat(s string) (Format, bool) {
	switch f := Format(s); f {
	case CSV, XLSX, JSON:
		return f, true
	}
	return "", false
}

// Kind is the type of a column and of the cells in it. The zero Kind is the
// kind of a null cell, never a column's.
type Kind int

// The cell kinds.
const (
	Text    Kind = iota + 1
	Int          // int64
	Money        // int64 pence, written as pounds with two decimals
	Decimal      // exact decimal text, never a float
	Date         // a calendar date, written YYYY-MM-DD
	Bool
)

var kindNames = [...]string{"null", "text", "int", "money", "decimal", "date", "bool"}

// String names the kind for messages.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Column is one column of a table.
type Column struct {
	Name string
	Kind Kind
	// Label is the column's name for people, in the export's language:
	// written, with the Labels option, in a row of its own under the header
	// of names (CSV and XLSX; JSON has no header).
	Label string
}

// Table is one CSV file, one XLSX sheet or one JSON array.
type Table struct {
	Name    string
	Columns []Column
	// Label is the table's name for people, in the export's language: with
	// the Labels option, its sheet's name in a workbook (files keep Name).
	Label string
}

// Cell is one value of a row. The zero Cell is null.
type Cell struct {
	kind Kind
	s    string // Text and Decimal text, Date as YYYY-MM-DD
	i    int64  // Int, Money pence, Date as days since 1970-01-01
	b    bool
}

// TextCell is a text value.
func TextCell(s string) Cell { return Cell{kind: Text, s: s} }

// IntCell is a whole number.
func IntCell(i int64) Cell { return Cell{kind: Int, i: i} }

// MoneyCell is an amount in pence.
func MoneyCell(pence int64) Cell { return Cell{kind: Money, i: pence} }

// DecimalCell is an exact decimal given as its text ("612.4", "-0.25"); the
// text is written as given, so it must be [-]digits[.digits].
func DecimalCell(s string) Cell { return Cell{kind: Decimal, s: s} }

// DateCell is the calendar date of t in t's own location; the time of day
// is dropped.
func DateCell(t time.Time) Cell {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return Cell{kind: Date, s: day.Format(time.DateOnly), i: day.Unix() / 86400}
}

// BoolCell is true or false.
func BoolCell(b bool) Cell { return Cell{kind: Bool, b: b} }

// NullCell is a missing value: an empty CSV field, JSON null, no XLSX cell.
func NullCell() Cell { return Cell{} }

// Kind is the cell's kind; 0 for a null cell.
func (c Cell) Kind() Kind { return c.kind }

// Text is the text of a Text cell, the exact decimal text of a Decimal cell
// ("612.40", as given) and the YYYY-MM-DD of a Date cell; "" for the others.
func (c Cell) Text() string { return c.s }

// Int is the number of an Int cell, the pence of a Money cell and the days
// from 1970-01-01 of a Date cell (negative before it); 0 for the others.
func (c Cell) Int() int64 { return c.i }

// Bool is the value of a Bool cell; false for the others.
func (c Cell) Bool() bool { return c.b }

// Date bounds: spreadsheets count days from 1900 and mis-date the first two
// months of 1900 (the 1900 leap-year bug), so the same date could not be
// shown identically in every format outside this range.
var (
	minDate = time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	maxDate = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / 86400
)

// check reports a cell a column cannot hold, so that every format refuses
// the same rows rather than each writing something different.
func (c Cell) check(col Column) error {
	if c.kind == 0 {
		return nil
	}
	if c.kind != col.Kind {
		return fmt.Errorf("column %q is %s, cell is %s", col.Name, col.Kind, c.kind)
	}
	switch c.kind {
	case Text:
		if !utf8.ValidString(c.s) {
			return fmt.Errorf("column %q: text is not valid UTF-8", col.Name)
		}
	case Decimal:
		if !money.PlainDecimal(c.s) { // every format writes it as is
			return fmt.Errorf("column %q: %q is not a decimal", col.Name, c.s)
		}
	case Date:
		if c.i < minDate || c.i > maxDate {
			return fmt.Errorf("column %q: date %s outside 1900-03-01..9999-12-31", col.Name, c.s)
		}
	}
	return nil
}
