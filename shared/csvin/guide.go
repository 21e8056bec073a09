package csvin

import (
	"slices"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// Guide is how a form is filled in, in one language, for the person doing
// it: what the CSV template's note rows say and the XLSX template's
// instructions sheet shows. The form itself never changes with the
// language: its header row is the machine names in both.
type Guide struct {
	Title string
	// Lines are how to fill the form in: rows and records, the header, the
	// notes, the example, money, periods and where the key comes from.
	Lines []string
	// Save says how to save the file for upload (a CSV file, or the
	// workbook's form sheet saved as CSV).
	Save string
	// RecordsHeading introduces Records, ColumnsHeading Columns.
	RecordsHeading, ColumnsHeading string
	Records, Columns               []Entry // in the form's order
}

// Entry is one record type or column and what it holds.
type Entry struct{ Name, Text string }

// sharedColumns mean the same in every form; every other column's message
// is its form's own (a quarterly return's value is not a contribution's).
var sharedColumns = []string{"record", "discipline", "area_code"}

func columnMessage(p Purpose, column string) string {
	if slices.Contains(sharedColumns, column) {
		return "template.column." + column
	}
	return "template.column." + string(p) + "." + column
}

// GuideFor is the purpose's guide in lang; sheet, when not "", is the
// workbook's form sheet, which the guide tells the reader to save as CSV.
// Nil for an unknown purpose.
func GuideFor(p Purpose, lang i18n.Lang, sheet string) *Guide {
	f, ok := forms()[p]
	if !ok {
		return nil
	}
	return f.guide(p, lang, sheet, f.recordOrder(), append(slices.Clone(f.columns), f.optional...))
}

// guide is the form's guide in lang for the record types and columns given
// (a fund's form leaves out those the fund does not use).
func (f *form) guide(p Purpose, lang i18n.Lang, sheet string, records, columns []string) *Guide {
	text := func(id string) string { return i18n.Text(lang, id, nil) }
	g := &Guide{Title: text("template.title." + string(p)), RecordsHeading: text("template.records"), ColumnsHeading: text("template.columns")}
	for _, id := range []string{"template.how.rows", "template.how.header", "template.how.notes", "template.how.example"} {
		g.Lines = append(g.Lines, text(id))
	}
	for _, id := range f.howTo {
		g.Lines = append(g.Lines, text(id))
	}
	g.Save = text("template.how.save-csv")
	if sheet != "" {
		g.Save = i18n.Text(lang, "template.how.save-xlsx", map[string]any{"Sheet": sheet})
	}
	for _, r := range records {
		g.Records = append(g.Records, Entry{Name: r, Text: text("template.record." + r)})
	}
	for _, c := range columns {
		g.Columns = append(g.Columns, Entry{Name: c, Text: text(columnMessage(p, c))})
	}
	return g
}

// Notes are the guide as the CSV template's note rows say it, each without
// its leading "# ".
func (g *Guide) Notes() []string {
	out := append([]string{g.Title}, g.Lines...)
	out = append(out, g.Save, g.RecordsHeading)
	for _, r := range g.Records {
		out = append(out, r.Name+": "+r.Text)
	}
	out = append(out, g.ColumnsHeading)
	for _, c := range g.Columns {
		out = append(out, c.Name+": "+c.Text)
	}
	return out
}

// recordOrder is the form's record types: the example's, in its order,
// then those it leaves out, by name.
func (f *form) recordOrder() []string {
	names := make([]string, 0, len(f.records))
	for _, row := range f.example {
		if !slices.Contains(names, row["record"]) {
			names = append(names, row["record"])
		}
	}
	var rest []string
	for name := range f.records {
		if !slices.Contains(names, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// noteRows are notes as rows of a form with width columns: each note's
// text, after "# ", in the record column, the other cells empty.
func noteRows(notes []string, width int) [][]string {
	rows := make([][]string, len(notes))
	for i, n := range notes {
		rows[i] = make([]string, width)
		rows[i][0] = "# " + strings.TrimSpace(n)
	}
	return rows
}
