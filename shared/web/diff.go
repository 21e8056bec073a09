package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/wI2L/jsondiff"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// change is one difference between a version's document and the version's
// before it: a value changed, added or removed, at its JSON pointer in the
// document it is found in (a removed value's in the previous version's,
// any other's in this version's).
type change struct {
	Op            string // changeChanged, changeAdded, changeRemoved
	Pointer       string
	Before, After any // decoded JSON (numbers as json.Number); nil where there is none
}

const (
	changeChanged = "changed"
	changeAdded   = "added"
	changeRemoved = "removed"
)

// documentChanges compares two canonical documents.
//
// The comparison is github.com/wI2L/jsondiff's (RFC 6902 JSON Patch, kept
// and tested upstream) with lists compared by their longest common
// subsequence: a spend line added or removed in the middle is that line
// added or removed, not every line after it changed. A patch's pointers
// are where each operation applies, after those before it; a removed
// item's pointer is given back in the previous version's numbering here.
func documentChanges(prev, cur []byte) ([]change, error) {
	patch, err := jsondiff.CompareJSON(prev, cur, jsondiff.LCS(), jsondiff.UnmarshalFunc(unmarshalNumbers))
	if err != nil {
		return nil, err
	}
	var out []change
	shift := map[string]int{} // a list's items added less those removed, so far
	for _, op := range patch {
		parent, last := splitPointer(op.Path)
		item := isIndex(last)
		switch op.Type {
		case jsondiff.OperationReplace:
			out = append(out, change{Op: changeChanged, Pointer: op.Path, Before: op.OldValue, After: op.Value})
		case jsondiff.OperationAdd:
			if item {
				shift[parent]++
			}
			out = append(out, change{Op: changeAdded, Pointer: op.Path, After: op.Value})
		case jsondiff.OperationRemove:
			ptr := op.Path
			if item {
				i, _ := strconv.Atoi(last)
				ptr = parent + "/" + strconv.Itoa(i-shift[parent])
				shift[parent]--
			}
			out = append(out, change{Op: changeRemoved, Pointer: ptr, Before: op.OldValue})
		}
	}
	return out, nil
}

// unmarshalNumbers decodes JSON keeping each number's text (jsondiff asks
// for each document into an *any).
func unmarshalNumbers(b []byte, v any) error {
	x, err := readJSON(b, false)
	if err != nil {
		return err
	}
	*v.(*any) = x
	return nil
}

func splitPointer(p string) (parent, last string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// isIndex: a pointer's token that is a list's index (no field of any
// document is named by digits).
func isIndex(tok string) bool {
	return tok != "" && strings.Trim(tok, "0123456789") == ""
}

// diffData is what a version page says of the changes since the version
// before it.
type diffData struct {
	First   bool   // version 1: there is nothing before it
	Since   string // "Changes since version N"
	Table   table
	Against string // the previous version's page
}

// versionDiff compares a version's document with the previous version's.
func versionDiff(v *visit, k submission.Kind, n int, prev, cur []byte, prevHref string) (*diffData, error) {
	changes, err := documentChanges(prev, cur)
	if err != nil {
		return nil, err
	}
	d := &diffData{Since: v.t("page.diff.since", map[string]any{"Version": n - 1}), Against: prevHref}
	d.Table = table{Caption: v.t("page.diff.caption", map[string]any{"Version": n, "Previous": n - 1, "Count": len(changes)}),
		Empty: v.t("page.diff.none", nil), Columns: []column{{Label: v.t("page.diff.col.field", nil)},
			{Label: v.t("page.diff.col.pointer", nil)}, {Label: v.t("page.diff.col.change", nil)},
			{Label: v.t("page.diff.col.before", nil)}, {Label: v.t("page.diff.col.after", nil)}}}
	for _, c := range changes {
		class := map[string]string{changeAdded: "change-added", changeRemoved: "change-removed", changeChanged: "change-changed"}[c.Op]
		d.Table.Rows = append(d.Table.Rows, []cell{headCell(pointerLabel(v, c.Pointer), ""), textCell(c.Pointer),
			{Text: v.t("page.diff."+c.Op, nil), Class: class},
			textCell(diffValue(v, k, c.Pointer, c.Before, c.Op == changeAdded)), textCell(diffValue(v, k, c.Pointer, c.After, c.Op == changeRemoved))})
	}
	return d, nil
}

// pointerToken reads one reference token of a JSON Pointer (RFC 6901).
var pointerToken = strings.NewReplacer("~1", "/", "~0", "~")

// pointerLabel is a JSON pointer in words: each field's label, each list
// item by its number ("Spend, item 2, Actual to date").
func pointerLabel(v *visit, ptr string) string {
	if ptr == "" {
		return v.t("page.diff.whole", nil)
	}
	var parts []string
	for _, tok := range strings.Split(ptr[1:], "/") {
		if isIndex(tok) {
			i, _ := strconv.Atoi(tok)
			parts = append(parts, v.t("page.diff.item", map[string]any{"Number": i + 1}))
			continue
		}
		parts = append(parts, fieldLabel(v, pointerToken.Replace(tok)))
	}
	return strings.Join(parts, ", ")
}

// diffValue is a value as the change table shows it: money as pounds, an
// item as its fields in words, and a dash where the side has none.
func diffValue(v *visit, k submission.Kind, ptr string, val any, absent bool) string {
	if absent {
		return v.t("page.diff.absent", nil)
	}
	switch x := val.(type) {
	case map[string]any:
		names := make([]string, 0, len(x))
		for name := range x {
			names = append(names, name)
		}
		sort.Strings(names)
		parts := make([]string, 0, len(names))
		for _, name := range names {
			parts = append(parts, fieldLabel(v, name)+": "+diffValue(v, k, ptr+"/"+name, x[name], false))
		}
		return strings.Join(parts, "; ")
	case []any:
		parts := make([]string, 0, len(x))
		for i, it := range x {
			parts = append(parts, diffValue(v, k, ptr+"/"+strconv.Itoa(i), it, false))
		}
		return "[" + strings.Join(parts, "; ") + "]"
	case string:
		if k.MoneyAt(ptr) {
			if p, err := money.Parse(x); err == nil {
				return pounds(p)
			}
		}
	}
	return scalarText(v, val)
}
