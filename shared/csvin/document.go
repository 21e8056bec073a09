package csvin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// loc is where a JSON value came from.
type loc struct {
	row    int
	column string
}

// row is a data row whose cells passed their checks.
type row struct {
	n      int
	record string
	rec    *record
	vals   map[string]any // by column; an optional cell left empty is absent
}

// document is the JSON document under construction and where each of its
// values came from.
type document struct {
	errs   *errorList
	values map[string]any
	at     map[string]loc
	rows   map[string]int  // rows per record type, failed ones included
	first  map[string]int  // the row of a once-only record or activity code
	broken map[string]bool // record types with a row that failed its checks
	// unsure is set by a row of unknown (or unreadable) record type: it may
	// be the very record that looks missing, so "missing" is not claimed.
	unsure bool
}

func newDocument(errs *errorList) *document {
	return &document{errs: errs, values: map[string]any{}, at: map[string]loc{},
		rows: map[string]int{}, first: map[string]int{}, broken: map[string]bool{}}
}

// appendTo adds rows to a list field, one item per row, in file order
// (array order is significant in the canonical document).
func appendTo(list string) func(*document, row) {
	return func(d *document, r row) {
		items, _ := d.values[list].([]any)
		ptr := "/" + list + "/" + strconv.Itoa(len(items))
		d.at[ptr] = loc{r.n, ""}
		item := make(map[string]any, len(r.rec.cols))
		for _, c := range r.rec.cols {
			if v, ok := r.vals[c.column]; ok {
				item[c.field] = v
				d.at[ptr+"/"+c.field] = loc{r.n, c.column}
			}
		}
		d.values[list] = append(items, item)
	}
}

// once reports whether key is seen for the first time; a repeat is an
// error, since JSON has room for one value only.
func (d *document) once(key string, r row, column, id string, data map[string]any) bool {
	if first, seen := d.first[key]; seen {
		data["First"] = first
		d.errs.add(r.n, column, codeDuplicate, id, data)
		return false
	}
	d.first[key] = r.n
	return true
}

// setOnce sets a single-valued field: riskRating, commentary, final.
func setOnce(d *document, r row) {
	c := r.rec.cols[0]
	if d.once(r.record, r, "record", "csv.duplicate-record", map[string]any{"Record": r.record}) {
		d.values[c.field] = r.vals[c.column]
		d.at["/"+c.field] = loc{r.n, c.column}
	}
}

func addActivity(d *document, r row) {
	code, _ := r.vals["code"].(string)
	field := activityField(code)
	if field == "" {
		d.broken["activity"] = true
		d.errs.add(r.n, "code", codeUnknownActivity, "csv.unknown-activity", map[string]any{"Value": strconv.Quote(clip(code)), "Allowed": activityCodes()})
		return
	}
	if !d.once("activity "+code, r, "code", "csv.duplicate-activity", map[string]any{"Code": code}) {
		return
	}
	act, _ := d.values["activity"].(map[string]any)
	if act == nil {
		act = map[string]any{}
		d.values["activity"] = act
	}
	act[field] = r.vals["value"]
	d.at["/activity/"+field] = loc{r.n, "value"}
}

func activityField(code string) string {
	for _, a := range activities {
		if a.code == code {
			return a.field
		}
	}
	return ""
}

func activityCodes() string {
	codes := make([]string, len(activities))
	for i, a := range activities {
		codes[i] = a.code
	}
	return strings.Join(codes, ", ")
}

// require reports a record type the document cannot do without.
func (d *document) require(record string) {
	if d.rows[record] == 0 && !d.unsure {
		d.errs.add(0, "record", codeMissingRecord, "csv.missing-record", map[string]any{"Record": record})
	}
}

// requireActivities reports each activity code missing when the file gives
// activity (the JSON activity object needs all four), unless a failed
// activity row may be that code. Whether the return needs activity at all
// is its fund's (activity.required).
func (d *document) requireActivities() {
	act, _ := d.values["activity"].(map[string]any)
	if d.unsure || d.broken["activity"] || act == nil {
		return
	}
	for _, a := range activities {
		if _, ok := act[a.field]; !ok {
			d.errs.add(0, "code", codeMissingRecord, "csv.missing-activity", map[string]any{"Code": a.code})
		}
	}
}

// body is the document as JSON. Object keys come out sorted, so the same
// file always gives the same bytes.
func (d *document) body() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the body is read by the validator, not a browser
	if err := enc.Encode(d.values); err != nil {
		return nil, fmt.Errorf("csvin: encode document: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
