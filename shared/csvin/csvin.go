// Package csvin turns a partner's CSV upload into the JSON document the
// partner could have PUT instead, so that one validator judges both. It
// checks only what the JSON form cannot express (the file, its header, which
// cells each record type fills, whole numbers, spreadsheet formulas) and
// leaves every rule of the data dictionary to the validator; Result.Locate
// turns the validator's JSON pointers back into rows and columns.
//
// A file is read without knowing its fund: a fund's lists (its spend
// categories, income sources, funding streams and assurances) are the
// validator's to apply. A fund's template (FundTemplateCSV) names them in
// note rows, rows whose record cell starts with #, which are skipped.
package csvin

import (
	"fmt"
	"io"
	"strings"
)

// Purpose is an upload purpose that carries a CSV form.
type Purpose string

// The CSV upload purposes (docs: spec/api.md, "Upload purposes").
const (
	PopulationAssessmentCSV Purpose = "population-assessment-csv"
	QuarterlyReturnCSV      Purpose = "quarterly-return-csv"
	PoolContributionCSV     Purpose = "pool-contribution-csv"
)

// Purposes lists the CSV purposes, for routes that enumerate templates.
func Purposes() []Purpose {
	return []Purpose{PopulationAssessmentCSV, QuarterlyReturnCSV, PoolContributionCSV}
}

// ParsePurpose recognises a CSV purpose by its exact name.
func ParsePurpose(s string) (Purpose, bool) {
	p := Purpose(s)
	_, ok := forms()[p]
	return p, ok
}

// Limits bound the work one file may cause. A zero field means its default.
type Limits struct {
	MaxRows      int   // data rows (the header excluded)
	MaxBytes     int64 // the whole file
	MaxCellBytes int   // one cell, in bytes
}

// DefaultLimits are the service's limits: the JSON list limits plus slack
// (population: 2000 population + 500 needs rows; returns: 500 spend + 200
// income + 50 KPIs + 50 assurances + a few single rows; contributions: 200
// lines + 200 KPI plans + two approval rows), and room for note rows.
func DefaultLimits(p Purpose) Limits {
	rows := 2000
	if p == PopulationAssessmentCSV {
		rows = 5000
	}
	return Limits{MaxRows: rows, MaxBytes: 16 << 20, MaxCellBytes: 5000}
}

func (l Limits) orDefault(p Purpose) Limits {
	d := DefaultLimits(p)
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = d.MaxCellBytes
	}
	return l
}

// Result is a converted upload.
type Result struct {
	Body   []byte      // the JSON document (only when Errors is empty)
	Errors []CellError // every problem, in file order (up to about 1000: see csv.too-many-errors)
	// Partial, when Errors is not empty but the rows could be read, is the
	// document of the rows that passed their checks (the others left out),
	// so that the data dictionary's rules can judge them too and a file's
	// every error be reported at once; Locate maps its pointers.
	Partial []byte
	// Locate maps a JSON Pointer into Body (e.g. "/spend/3/actualToDate")
	// to the row and column it came from, so that the validator's findings
	// on Body can be reported as {row, column}. Rows count from 1 with the
	// header as row 1. A pointer inside a located value (an unknown child)
	// gets its nearest located ancestor; a pointer with none (a whole list,
	// the whole body) is not ok and gives row 0, column "".
	Locate func(pointer string) (row int, column string, ok bool)
}

// CellError is one problem of the file. Row 0 and Column "" mean the whole
// file; Column "" alone means the whole row.
type CellError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// ID is Message's id in the catalogue (shared/i18n) and Data its
	// values, to say it in the reader's language.
	ID   string         `json:"-"`
	Data map[string]any `json:"-"`
}

// Convert reads a CSV upload and builds the JSON body of the submission
// (without the key fields: the upload carries them). Problems of the file
// are in Result.Errors; the error is only for an unknown purpose or a
// failing reader.
func Convert(p Purpose, r io.Reader, limits Limits) (*Result, error) {
	f, ok := forms()[p]
	if !ok {
		return nil, fmt.Errorf("csvin: unknown purpose %q", p)
	}
	c := newConverter(f, limits.orDefault(p))
	if err := c.run(r); err != nil {
		return nil, err
	}
	return c.result()
}

// locate walks up the pointer until a located value: the validator may
// point inside a value (a whole row, say) at a place no cell produced.
func locate(at map[string]loc, p string) (int, string, bool) {
	for {
		if l, ok := at[p]; ok {
			return l.row, l.column, true
		}
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			return 0, "", false
		}
		p = p[:i]
	}
}
