package xlsxform_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/csvin/xlsxform"
	"github.com/regional-data-exchange/rdx/shared/i18n"
)

var update = flag.Bool("update", false, "rewrite csvin/templates from the builder")

// The embedded templates, in every language, are exactly what the builder
// makes now.
func TestEmbeddedTemplatesAreCurrent(t *testing.T) {
	for _, lang := range i18n.Langs {
		for _, p := range csvin.Purposes() {
			built, err := xlsxform.Build(p, lang)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := xlsxform.Build(p, lang); !bytes.Equal(built, again) {
				t.Errorf("%s in %s: two builds differ", p, lang)
			}
			if *update {
				path := filepath.Join("..", filepath.FromSlash(csvin.TemplatePath(p, lang)))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, built, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			served, err := csvin.TemplateXLSX(p, lang)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(built, served) {
				t.Errorf("%s in %s: the embedded template is stale; run go test ./shared/csvin/xlsxform -update", p, lang)
			}
		}
	}
}

// A Welsh officer opening the Welsh workbook finds the form first, as in
// English (the sheet a spreadsheet saves as CSV), then the instructions
// sheet in Welsh: how to fill the form in, money in pounds, the periods,
// and every column of the form with what it holds. The form's header is
// the machine names in both languages.
func TestWelshWorkbookHasWelshInstructions(t *testing.T) {
	for _, c := range []struct {
		lang              i18n.Lang
		sheet             string
		want, notWant     []string
		title, saveAsHint string
	}{
		{i18n.Welsh, "Cyfarwyddiadau", []string{"Sut i lenwi'r ffurflen chwarterol", "punnoedd", "blwyddyn ariannol", "Mathau o gofnod", "Colofnau:"},
			[]string{"How to fill in"}, "Sut i lenwi'r ffurflen chwarterol", "Llenwch y daflen quarterly-return"},
		{i18n.English, "Instructions", []string{"How to fill in the quarterly return form", "pounds", "financial year", "Record types", "Columns:"},
			[]string{"Sut i lenwi"}, "How to fill in the quarterly return form", "Fill in the quarterly-return sheet"},
	} {
		t.Run(string(c.lang), func(t *testing.T) {
			b, err := csvin.TemplateXLSX(csvin.QuarterlyReturnCSV, c.lang)
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); len(got) != 2 || got[0] != "quarterly-return" || got[1] != c.sheet {
				t.Fatalf("sheets %q, want the form then %s", got, c.sheet)
			}
			if f.GetActiveSheetIndex() != 0 {
				t.Errorf("the workbook opens on sheet %d, not the form", f.GetActiveSheetIndex())
			}
			header, err := f.GetRows("quarterly-return")
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := csvin.TemplateRows(csvin.QuarterlyReturnCSV)
			if strings.Join(header[0], ",") != strings.Join(rows[0], ",") {
				t.Errorf("the form's header %q, want the machine names %q", header[0], rows[0])
			}
			guide, err := f.GetRows(c.sheet)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			columns := map[string]bool{}
			for _, r := range guide {
				all.WriteString(strings.Join(r, " ") + "\n")
				if len(r) == 2 && r[1] != "" {
					columns[r[0]] = true
				}
			}
			text := all.String()
			if guide[0][0] != c.title {
				t.Errorf("the instructions start %q, want %q", guide[0][0], c.title)
			}
			for _, w := range append(c.want, c.saveAsHint) {
				if !strings.Contains(text, w) {
					t.Errorf("the instructions do not say %q:\n%s", w, text)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(text, w) {
					t.Errorf("the instructions in %s say %q", c.lang, w)
				}
			}
			for _, col := range append(rows[0], "commentary") {
				if !columns[col] {
					t.Errorf("the instructions do not explain the column %s", col)
				}
			}
			if props, err := f.GetDocProps(); err != nil || props.Title != c.title || props.Language != string(c.lang) {
				t.Errorf("document properties %+v, %v", props, err)
			}
		})
	}
}
