package xlsxform_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/csvin/xlsxform"
)

var update = flag.Bool("update", false, "rewrite csvin/templates from the builder")

// The embedded templates are exactly what the builder makes now.
func TestEmbeddedTemplatesAreCurrent(t *testing.T) {
	for _, p := range csvin.Purposes() {
		built, err := xlsxform.Build(p)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("..", "templates", string(p)+".xlsx"), built, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		served, err := csvin.TemplateXLSX(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, served) {
			t.Errorf("%s: the embedded template is stale; run go test ./shared/csvin/xlsxform -update", p)
		}
	}
}
