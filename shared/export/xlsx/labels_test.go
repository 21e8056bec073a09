package xlsx

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/export"
)

// welsh is the fixture with Welsh labels, as an export in Welsh gives them.
func welsh() []tableRows {
	t := fixture()
	labels := [][]string{{"Partner", "Nifer", "Swm (£)", "Cymhareb", "Dyddiad", "Wedi'i llofnodi"}, {"Partner", "Chwarter", "Gwariant (£)"}}
	for i, name := range []string{"Cyfraniadau i'r gronfa", "Ffurflenni chwarterol"} {
		t[i].Label = name
		t[i].Columns = slices.Clone(t[i].Columns)
		for j := range t[i].Columns {
			t[i].Columns[j].Label = labels[i][j]
		}
	}
	return t
}

func open(t *testing.T, dir string) *excelize.File {
	t.Helper()
	x, err := excelize.OpenFile(filepath.Join(dir, export.XLSXFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	return x
}

// A workbook with labels opens on sheets named in its language, each with
// the header of names, then the labels, both frozen, then the same rows as
// the workbook without labels; without the option the labels are not used.
func TestLabelledWorkbook(t *testing.T) {
	plainDir, _ := exportTo(t, export.XLSX, welsh())
	dir, _ := exportTo(t, export.XLSX, welsh(), export.Labels())
	plain, labelled := open(t, plainDir), open(t, dir)
	if got := plain.GetSheetList(); !slices.Equal(got, []string{"contributions", "returns"}) {
		t.Errorf("without labels the sheets are %q", got)
	}
	if got := labelled.GetSheetList(); !slices.Equal(got, []string{"Cyfraniadau i'r gronfa", "Ffurflenni chwarterol"}) {
		t.Fatalf("with labels the sheets are %q", got)
	}
	for i, tb := range welsh() {
		want, _ := plain.GetRows(tb.Name, excelize.Options{RawCellValue: true})
		got, _ := labelled.GetRows(tb.Label, excelize.Options{RawCellValue: true})
		if len(got) != len(want)+1 || !slices.Equal(got[0], want[0]) {
			t.Fatalf("%s: %d rows, header %q; want %d rows under the names %q", tb.Label, len(got), got[0], len(want)+1, want[0])
		}
		var labels []string
		for _, c := range tb.Columns {
			labels = append(labels, c.Label)
		}
		if !slices.Equal(got[1], labels) {
			t.Errorf("%s: row 2 %q, want the labels %q", tb.Label, got[1], labels)
		}
		for r := range want[1:] {
			if !slices.Equal(got[r+2], want[r+1]) {
				t.Errorf("%s row %d: %q, want %q", tb.Label, r+3, got[r+2], want[r+1])
			}
		}
		panes, err := labelled.GetPanes(tb.Label)
		if err != nil || !panes.Freeze || panes.YSplit != 2 || panes.TopLeftCell != "A3" {
			t.Errorf("%s: panes %+v (%v), want the two header rows frozen", tb.Label, panes, err)
		}
		if i == 0 {
			if width, _ := labelled.GetColWidth(tb.Label, "F"); width < float64(len([]rune("Wedi'i llofnodi"))) {
				t.Errorf("column F is %.0f wide, narrower than its label", width)
			}
		}
	}
}
