package csvin

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// row checks one data row and, if it passes, adds it to the document.
func (c *converter) row(n int, cells []string) {
	if blank(cells) {
		return // spreadsheets save trailing rows of empty cells
	}
	if !c.readable(n, cells) {
		c.doc.unsure = true
		return
	}
	if note(cells[c.recordAt]) {
		return // a note for the person filling the form in (the fund's lists)
	}
	name, rec := c.record(n, cells[c.recordAt])
	if rec == nil {
		c.doc.unsure = true
		return
	}
	c.doc.rows[name]++
	vals, ok := c.cells(n, name, rec, cells)
	if !ok {
		c.doc.broken[name] = true
		return
	}
	rec.add(c.doc, row{n: n, record: name, rec: rec, vals: vals})
}

// note reports a note row: its record cell starts with #. A fund's
// template lists the fund's categories, sources and streams in such rows,
// and a partner may keep them in the file it sends.
func note(record string) bool { return strings.HasPrefix(strings.TrimSpace(record), "#") }

func blank(cells []string) bool {
	for _, s := range cells {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// readable checks what must hold before a cell's text can be looked at:
// its size and its encoding.
func (c *converter) readable(n int, cells []string) bool {
	ok := true
	for i, s := range cells {
		switch {
		case len(s) > c.limits.MaxCellBytes:
			c.errs.add(n, c.column(i), codeCellTooLong, "csv.cell-too-long", map[string]any{"Got": len(s), "Max": c.limits.MaxCellBytes})
		case !utf8.ValidString(s):
			c.errs.add(n, c.column(i), codeEncoding, "csv.cell-encoding", nil)
		default:
			continue
		}
		ok = false
	}
	return ok
}

func (c *converter) fits(s string) bool {
	return len(s) <= c.limits.MaxCellBytes && utf8.ValidString(s)
}

// column names position i once the header is known.
func (c *converter) column(i int) string {
	if i < len(c.cols) {
		return c.cols[i]
	}
	return ""
}

// record reads the record cell: nil if it names no record type.
func (c *converter) record(n int, raw string) (string, *record) {
	name := strings.ToLower(strings.TrimSpace(raw))
	rec := c.form.records[name]
	switch {
	case name == "":
		c.errs.add(n, "record", codeCellRequired, "csv.record-required", map[string]any{"Allowed": c.recordNames()})
	case formulaLike(raw):
		c.errs.add(n, "record", codeFormula, "csv.formula", formulaData(raw))
	case rec == nil:
		c.errs.add(n, "record", codeUnknownRecord, "csv.unknown-record", map[string]any{"Value": strconv.Quote(clip(name)), "Allowed": c.recordNames()})
	default:
		return name, rec
	}
	return name, nil
}

func (c *converter) recordNames() string { return strings.Join(c.form.recordOrder(), ", ") }

// cells checks a row's cells against its record type and converts them.
func (c *converter) cells(n int, name string, rec *record, cells []string) (map[string]any, bool) {
	vals := make(map[string]any, len(rec.cols))
	ok := true
	for i, raw := range cells {
		if i == c.recordAt {
			continue
		}
		spec, belongs := rec.col(c.cols[i])
		v, p := convert(raw, spec, belongs, where{c.cols[i], name})
		if p != nil {
			c.errs.add(n, c.cols[i], p.code, p.id, p.data)
			ok = false
		} else if v != nil {
			vals[c.cols[i]] = v
		}
	}
	return vals, ok
}

// where is a cell's column and its row's record type, for messages.
type where struct{ column, record string }

// problem is a cell's code and message: the catalogue's id with data.
type problem struct {
	code, id string
	data     map[string]any
}

// convert turns one cell into its JSON value (nil: left out).
func convert(raw string, spec col, belongs bool, w where) (any, *problem) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "" && belongs && !spec.optional:
		return nil, &problem{codeCellRequired, "csv.cell-required", map[string]any{"Record": w.record, "Column": w.column}}
	case s == "":
		return nil, nil
	case !belongs:
		return nil, &problem{codeCellNotAllowed, "csv.cell-not-allowed", map[string]any{"Record": w.record, "Column": w.column}}
	case formulaLike(raw) && !(spec.kind.number() && numberLike(s)):
		return nil, &problem{codeFormula, "csv.formula", formulaData(raw)}
	}
	switch spec.kind {
	case integer:
		if v, ok := wholeNumber(s); ok {
			return v, nil
		}
		return nil, &problem{codeNotANumber, "csv.not-a-number", map[string]any{"Column": w.column, "Value": strconv.Quote(clip(s))}}
	case money, decimal:
		return ungroup(s), nil // the validator parses the text exactly
	case flag:
		if strings.EqualFold(s, "true") { // spreadsheets write TRUE
			return true, nil
		}
		return nil, &problem{codeFinalValue, "csv.final-value", map[string]any{"Record": w.record, "Column": w.column}}
	case yesNo:
		switch strings.ToLower(s) { // as people answer, and as spreadsheets write TRUE and FALSE
		case "yes", "true":
			return true, nil
		case "no", "false":
			return false, nil
		}
		return nil, &problem{codeYesNo, "csv.yes-no", map[string]any{"Record": w.record, "Column": w.column, "Value": strconv.Quote(clip(s))}}
	}
	return s, nil
}
