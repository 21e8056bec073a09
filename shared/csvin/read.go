package csvin

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// converter reads one file.
type converter struct {
	form     *form
	limits   Limits
	errs     errorList
	doc      *document
	cols     []string // each position's column, from the header
	recordAt int      // the position of the record column
	complete bool     // the whole file was read, so whole-file checks make sense
	headerOK bool     // the header named the form's columns, so rows were read
}

func newConverter(f *form, l Limits) *converter {
	c := &converter{form: f, limits: l}
	c.doc = newDocument(&c.errs)
	return c
}

// errTooLarge ends reading once the file passes MaxBytes.
var errTooLarge = errors.New("csvin: file too large")

// limitReader counts bytes so that no file, however long, is read past
// MaxBytes: memory and time stay bounded whatever arrives.
type limitReader struct {
	r        io.Reader
	n, limit int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, errTooLarge
	}
	if room := l.limit + 1 - l.n; int64(len(p)) > room {
		p = p[:room] // one byte past the limit is enough to know
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		return n - 1, errTooLarge
	}
	return n, err
}

// errTooManyCells ends reading at a row far wider than the form.
var errTooManyCells = errors.New("csvin: too many cells in a row")

// cellGuard stops a row with absurdly many cells before encoding/csv
// allocates them: within MaxBytes, a line of commas would otherwise cost
// millions of fields. It follows RFC 4180 quoting (commas inside quoted
// cells do not count); where the quoting is broken, encoding/csv stops at
// that line anyway.
type cellGuard struct {
	r         io.Reader
	maxCommas int
	commas    int
	quoted    bool
	failed    bool
}

func (g *cellGuard) Read(p []byte) (int, error) {
	if g.failed {
		return 0, errTooManyCells
	}
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		switch {
		case b == '"':
			g.quoted = !g.quoted
		case g.quoted:
		case b == ',':
			if g.commas++; g.commas > g.maxCommas {
				g.failed = true
				return i, errTooManyCells
			}
		case b == '\n':
			g.commas = 0
		}
	}
	return n, err
}

// maxCells is the widest row read: twice the form's columns leaves room
// to report a few stray columns one by one.
func (c *converter) maxCells() int { return 2 * (len(c.form.columns) + len(c.form.optional)) }

func (c *converter) run(r io.Reader) error {
	guard := &cellGuard{r: &limitReader{r: r, limit: c.limits.MaxBytes}, maxCommas: c.maxCells() - 1}
	in := bufio.NewReader(guard)
	if c.sniff(in) {
		return nil
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true // one row in memory at a time
	header, err := cr.Read()
	if err != nil {
		return c.readFailed(1, err)
	}
	if !c.header(header) {
		return nil
	}
	c.headerOK = true
	return c.rows(cr)
}

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// sniff looks at the first bytes: spreadsheets save "Unicode text" as
// UTF-16 and CSV UTF-8 with a byte order mark. It reports whether the file
// is already judged.
func (c *converter) sniff(in *bufio.Reader) bool {
	head, err := in.Peek(4)
	switch {
	case len(head) == 0 && err == io.EOF:
		c.errs.add(0, "", codeEmpty, "csv.empty", nil)
	case bytes.HasPrefix(head, utf16LEBOM) || bytes.HasPrefix(head, utf16BEBOM):
		c.errs.add(0, "", codeUTF16, "csv.utf16", nil)
	case bytes.HasPrefix(head, utf8BOM):
		_, _ = in.Discard(len(utf8BOM)) // Peek saw the bytes, so Discard cannot fail
		return false
	case len(head) >= 2 && (head[0] == 0 || head[1] == 0):
		// CSV text never holds NUL; UTF-16 without a BOM starts with one.
		c.errs.add(0, "", codeUTF16, "csv.utf16-nul", nil)
	default:
		return false
	}
	return true
}

// readFailed turns a read error into the file's problem, or passes on a
// failure of the reader itself.
func (c *converter) readFailed(n int, err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errTooLarge):
		c.errs.add(0, "", codeTooLarge, "csv.too-large", map[string]any{"Max": c.limits.MaxBytes})
	case errors.Is(err, errTooManyCells) && n == 1:
		c.errs.add(1, "", codeHeader, "csv.header-too-wide", map[string]any{"Max": c.maxCells(), "Columns": c.form.columnList()})
	case errors.Is(err, errTooManyCells):
		c.errs.add(n, "", codeRaggedRow, "csv.row-too-wide", map[string]any{"Max": c.maxCells(), "Header": len(c.cols)})
	case errors.As(err, &pe):
		c.errs.add(n, "", codeMalformed, "csv.malformed", map[string]any{"Line": pe.Line, "Column": pe.Column, "Why": parseProblem(pe.Err)})
	case err == io.EOF:
		c.errs.add(0, "", codeEmpty, "csv.empty", nil)
	default:
		return fmt.Errorf("csvin: read: %w", err)
	}
	return nil
}

// header maps positions to columns. It reports whether the rows can be read.
func (c *converter) header(cells []string) bool {
	seen := make(map[string]bool, len(cells))
	ok := c.readable(1, cells)
	c.cols = make([]string, len(cells))
	for i, raw := range cells {
		name := strings.ToLower(strings.TrimSpace(raw))
		if c.fits(raw) && !c.headerCell(i, name, seen) {
			ok = false // an unfit cell is reported already
		}
		seen[name] = true
		c.cols[i] = name
		if name == "record" {
			c.recordAt = i
		}
	}
	for _, want := range c.form.columns {
		if !seen[want] {
			c.errs.add(1, want, codeHeader, "csv.header-missing", map[string]any{"Column": want})
			ok = false
		}
	}
	return ok
}

func (c *converter) headerCell(i int, name string, seen map[string]bool) bool {
	switch {
	case name == "":
		c.errs.add(1, "", codeHeader, "csv.header-unnamed", map[string]any{"Index": i + 1})
	case !c.form.known(name):
		c.errs.add(1, clip(name), codeHeader, "csv.header-unknown", map[string]any{"Value": strconv.Quote(clip(name)), "Columns": c.form.columnList()})
	case seen[name]:
		c.errs.add(1, name, codeHeader, "csv.header-twice", map[string]any{"Column": name})
	default:
		return true
	}
	return false
}

// rows reads the data rows one at a time, stopping as soon as the file
// passes a limit.
func (c *converter) rows(cr *csv.Reader) error {
	for n := 2; ; n++ {
		cells, err := cr.Read()
		switch {
		case err == io.EOF:
			c.complete = true
			return nil
		case err != nil && !errors.Is(err, csv.ErrFieldCount):
			return c.readFailed(n, err)
		case n-1 > c.limits.MaxRows:
			c.errs.add(n, "", codeTooManyRows, "csv.too-many-rows", map[string]any{"Max": c.limits.MaxRows})
			return nil
		case err != nil:
			c.doc.unsure = true
			c.errs.add(n, "", codeRaggedRow, "csv.ragged-row", map[string]any{"Got": len(cells), "Header": len(c.cols)})
		default:
			c.row(n, cells)
		}
		if len(c.errs.list) >= maxErrors {
			c.errs.add(n, "", codeTooManyErrors, "csv.too-many-errors", map[string]any{"Max": maxErrors})
			return nil
		}
	}
}

func (c *converter) result() (*Result, error) {
	if c.complete {
		c.form.finish(c.doc)
	}
	at := c.doc.at
	res := &Result{Errors: c.errs.list, Locate: func(p string) (int, string, bool) { return locate(at, p) }}
	if len(res.Errors) > 0 && !c.headerOK {
		return res, nil // no row was read
	}
	body, err := c.doc.body()
	if err != nil {
		return nil, err
	}
	if len(res.Errors) == 0 {
		res.Body = body
	} else {
		res.Partial = body
	}
	return res, nil
}

// parseProblem is what encoding/csv found wrong, as a term of the catalogue.
func parseProblem(err error) i18n.Term {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return "term.csv.bare-quote"
	case errors.Is(err, csv.ErrQuote):
		return "term.csv.quote"
	}
	return "term.csv.other"
}
