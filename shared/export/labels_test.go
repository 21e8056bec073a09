package export

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// welsh is the fixture with Welsh labels, as an export in Welsh gives them.
func welsh() []tableRows {
	t := fixture()
	t[0].Label = "Cyfraniadau i'r gronfa"
	for i, l := range []string{"Partner", "Nifer", "Swm (£)", "Cymhareb", "Dyddiad", "Wedi'i llofnodi"} {
		t[0].Columns = slices.Clone(t[0].Columns)
		t[0].Columns[i].Label = l
	}
	t[1].Label = "Ffurflenni chwarterol"
	t[1].Columns = slices.Clone(t[1].Columns)
	for i, l := range []string{"Partner", "Chwarter", "Gwariant (£)"} {
		t[1].Columns[i].Label = l
	}
	return t
}

// With labels, a CSV file starts with a byte order mark, keeps its header
// of names as the first row, has the labels as the second and then the
// same rows as without; without them the labels given are not written.
func TestCSVLabelRow(t *testing.T) {
	plainDir, plain := export(t, CSV, welsh())
	if _, bare := export(t, CSV, fixture()); !slices.Equal(plain, bare) {
		t.Errorf("labels without the option changed the files:\n%v\n%v", plain, bare)
	}
	dir, _ := export(t, CSV, welsh(), Labels())
	for _, name := range []string{"contributions.csv", "returns.csv"} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		want, _ := os.ReadFile(filepath.Join(plainDir, name))
		header, rest, _ := strings.Cut(string(want), "\r\n")
		if !strings.HasPrefix(string(got), "\uFEFF"+header+"\r\n") {
			t.Errorf("%s does not start with a BOM and the header of names: %q", name, got)
		}
		labels, tail, _ := strings.Cut(strings.TrimPrefix(string(got), "\uFEFF"+header+"\r\n"), "\r\n")
		if tail != rest {
			t.Errorf("%s: the rows after the labels differ from the file without them", name)
		}
		wantLabels := map[string]string{"contributions.csv": "Partner,Nifer,Swm (£),Cymhareb,Dyddiad,Wedi'i llofnodi",
			"returns.csv": "Partner,Chwarter,Gwariant (£)"}[name]
		if labels != wantLabels {
			t.Errorf("%s labels %q, want %q", name, labels, wantLabels)
		}
	}
}

// JSON has no header row: labels change nothing there. With labels, every
// format still gives the same bytes for the same input.
func TestLabelsReproducible(t *testing.T) {
	_, plain := export(t, JSON, fixture())
	if _, labelled := export(t, JSON, welsh(), Labels()); !slices.Equal(plain, labelled) {
		t.Errorf("labels changed the JSON files:\n%v\n%v", plain, labelled)
	}
	for _, f := range formats {
		_, first := export(t, f, welsh(), Labels())
		for range 3 {
			if _, again := export(t, f, welsh(), Labels()); !slices.Equal(first, again) {
				t.Fatalf("%s: labelled files differ:\n%v\n%v", f, first, again)
			}
		}
		if f != JSON {
			if _, plain := export(t, f, fixture()); slices.Equal(first, plain) {
				t.Errorf("%s: the labels changed no byte", f)
			}
		}
	}
}

// With labels, every table needs a label that names a sheet in every
// spreadsheet, unique without regard to case, and every column a label.
func TestLabelRefusals(t *testing.T) {
	cols := []Column{{Name: "n", Kind: Int, Label: "Nifer"}}
	table := func(label string, cols []Column) func(w Writer) error {
		return func(w Writer) error { return w.Begin(Table{Name: "x", Columns: cols, Label: label}) }
	}
	for name, run := range map[string]func(Writer) error{
		"no table label":       table("", cols),
		"32 characters":        table(strings.Repeat("ŵ", 32), cols),
		"a colon":              table("Cronfa: 2024", cols),
		"a slash":              table("Mewn/Allan", cols),
		"a bracket":            table("Cronfa [1]", cols),
		"leading apostrophe":   table("'Cronfa", cols),
		"trailing apostrophe":  table("Cronfeydd'", cols),
		"History":              table("HISTORY", cols),
		"no column label":      table("Cronfa", []Column{{Name: "n", Kind: Int}}),
		"a blank column label": table("Cronfa", []Column{{Name: "n", Kind: Int, Label: " "}}),
		"a label twice, in another case": func(w Writer) error {
			if err := w.Begin(Table{Name: "a", Columns: cols, Label: "Cronfa"}); err != nil {
				return nil
			}
			if err := w.End(); err != nil {
				return nil
			}
			return w.Begin(Table{Name: "b", Columns: cols, Label: "CRONFA"})
		},
	} {
		for _, f := range formats {
			w, err := NewWriter(f, t.TempDir(), Labels())
			if err != nil {
				t.Fatal(err)
			}
			if err := run(w); err == nil {
				t.Errorf("%s %s: accepted", f, name)
			}
			_ = w.Close()
		}
	}
	// 31 Welsh letters and an apostrophe inside are a sheet name.
	for _, label := range []string{strings.Repeat("ŵ", 31), "Cyfraniadau i'r gronfa"} {
		if err := SheetLabel(label); err != nil {
			t.Errorf("%q: %v", label, err)
		}
	}
	// Without the option, labels are not checked: they are not written.
	w, _ := NewWriter(CSV, t.TempDir())
	if err := table("Cronfa: [1]", []Column{{Name: "n", Kind: Int}})(w); err != nil {
		t.Errorf("an unwritten label refused: %v", err)
	}
	_ = w.Close()
	if !bytes.Equal([]byte(utf8BOM), []byte{0xEF, 0xBB, 0xBF}) {
		t.Error("the BOM is not UTF-8's")
	}
}
