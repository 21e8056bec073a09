package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/money"
)

// table is a data table as every page shows one (templates/parts.html,
// "table"): a caption, column headers, a header cell per row, and a footer
// of totals; a CSV beside a page is written from the same table.
type table struct {
	Caption string
	Columns []column
	Rows    [][]cell
	Foot    []cell
	Empty   string // said instead of an empty body
}

type column struct {
	Label string
	Num   bool // figures: aligned right
}

// cell is one value: the words shown, and for a CSV what it holds.
type cell struct {
	Text  string
	Href  string // a link to the value's own page
	Class string // a status's class: its colour (the words say it too)
	Num   bool
	Head  bool         // the row's header (th scope="row")
	csv   *export.Cell // the CSV's value; nil: Text as text
}

// fact is one named value of a summary list (templates/parts.html, "summary").
type fact struct {
	Label, Text, Href, Class string
}

func textCell(s string) cell { return cell{Text: s} }

func headCell(s, href string) cell { return cell{Text: s, Href: href, Head: true} }

func moneyCell(p money.Pence) cell {
	c := export.MoneyCell(int64(p))
	return cell{Text: pounds(p), Num: true, csv: &c}
}

// optMoneyCell is an amount that may not be known yet.
func optMoneyCell(p *money.Pence, none string) cell {
	if p == nil {
		c := export.NullCell()
		return cell{Text: none, Num: true, csv: &c}
	}
	return moneyCell(*p)
}

func intCell(n int) cell {
	c := export.IntCell(int64(n))
	return cell{Text: strconv.Itoa(n), Num: true, csv: &c}
}

// csv writes the table as CSV: its column labels, then each row and the
// footer, as an export writes them. It starts with a UTF-8 byte order mark,
// as a labelled export does: spreadsheets read a file without it in the
// system's code page, and the names (Cyngor Sir Gâr) would not survive.
func (t table) csv() []byte {
	cols := make([]export.Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = export.Column{Name: c.Label}
	}
	b := export.AppendCSVHeader([]byte("\uFEFF"), cols)
	row := func(cells []cell) {
		out := make([]export.Cell, len(cells))
		for i, c := range cells {
			if c.csv != nil {
				out[i] = *c.csv
			} else {
				out[i] = export.TextCell(c.Text)
			}
		}
		b = export.AppendCSVRow(b, out)
	}
	for _, r := range t.Rows {
		row(r)
	}
	if t.Foot != nil {
		row(t.Foot)
	}
	return b
}

// pounds writes an amount as people read it: "£1,234,567.89", a minus
// sign before the pound sign when it is negative.
func pounds(p money.Pence) string {
	s := p.String()
	sign := ""
	if rest, neg := strings.CutPrefix(s, "-"); neg {
		s, sign = rest, "−"
	}
	whole, pence, _ := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign + "£")
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String() + "." + pence
}

// when is a moment as people read it, in the region's time: "5 September
// 2018, 14:03" ("5 Medi 2018, 14:03").
func (v *visit) when(t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	return v.t("page.datetime", map[string]any{"Day": t.Day(), "Month": v.t("page.month."+strconv.Itoa(int(t.Month())), nil),
		"Year": t.Year(), "Time": t.Format("15:04")})
}
