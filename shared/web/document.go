package web

import (
	"encoding/json"
	"strings"
	"unicode"
)

// docNode is a submitted document as a page shows it, in the document's own
// order: an object as a list of named values, a list of flat objects as a
// table (a return's spend lines), any other list as a list, and a value as
// its text. Every text is escaped when shown: a commentary that holds
// markup shows the markup as words.
type docNode struct {
	Text   string
	Fields []docField
	Items  []docNode
	Table  *table
}

type docField struct {
	Label string
	Node  docNode
}

// readDocument reads a canonical JSON document into what the page shows.
func readDocument(v *visit, raw []byte) (docNode, error) {
	val, err := readJSON(raw, true)
	if err != nil {
		return docNode{}, err
	}
	return docOf(v, val), nil
}

// ordered is a JSON object with its members in the document's order.
type ordered []member

type member struct {
	name  string
	value any
}

func docOf(v *visit, val any) docNode {
	switch x := val.(type) {
	case ordered:
		n := docNode{Fields: []docField{}}
		for _, m := range x {
			f := docField{Label: fieldLabel(v, m.name), Node: docOf(v, m.value)}
			if f.Node.Table != nil {
				f.Node.Table.Caption = f.Label
			}
			n.Fields = append(n.Fields, f)
		}
		return n
	case []any:
		if t, ok := flatTable(v, x); ok {
			return docNode{Table: &t}
		}
		n := docNode{Items: []docNode{}}
		for _, it := range x {
			n.Items = append(n.Items, docOf(v, it))
		}
		return n
	}
	return docNode{Text: scalarText(v, val)}
}

func scalarText(v *visit, val any) string {
	switch x := val.(type) {
	case nil:
		return v.t("page.value.none", nil)
	case bool:
		if x {
			return v.t("page.value.yes", nil)
		}
		return v.t("page.value.no", nil)
	case json.Number:
		return x.String()
	case string:
		return x
	}
	return ""
}

// flatTable is a list of objects whose values are all plain, as a table:
// a column per name, in the order the names first appear.
func flatTable(v *visit, list []any) (table, bool) {
	if len(list) == 0 {
		return table{}, false
	}
	var names []string
	seen := map[string]bool{}
	for _, it := range list {
		obj, ok := it.(ordered)
		if !ok {
			return table{}, false
		}
		for _, m := range obj {
			switch m.value.(type) {
			case ordered, []any:
				return table{}, false
			}
			if !seen[m.name] {
				seen[m.name] = true
				names = append(names, m.name)
			}
		}
	}
	t := table{}
	for _, n := range names {
		t.Columns = append(t.Columns, column{Label: fieldLabel(v, n)})
	}
	for _, it := range list {
		values := map[string]any{}
		for _, m := range it.(ordered) {
			values[m.name] = m.value
		}
		row := make([]cell, len(names))
		for i, n := range names {
			val, ok := values[n]
			if !ok {
				val = nil
			}
			row[i] = textCell(scalarText(v, val))
			_, row[i].Num = val.(json.Number)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, true
}

// fieldLabel is a document field's name as words: the catalogue's
// (page.field.{name}), else its name spelt out ("actualToDate": "Actual to
// date").
func fieldLabel(v *visit, name string) string {
	id := "page.field." + name
	if s := v.t(id, nil); s != id {
		return s
	}
	var b strings.Builder
	for i, r := range name {
		switch {
		case i == 0:
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsUpper(r):
			b.WriteByte(' ')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
