package files_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/service/files"
)

// A statement is a PDF when it parses as one, not when its first and last
// bytes look right.
func TestCheckPDF(t *testing.T) {
	good := apitest.MinimalPDF("Market position statement 2024-25")
	check := func(b []byte) string {
		if e := files.CheckPDF(bytes.NewReader(b), int64(len(b))); e != nil {
			return e.Code
		}
		return ""
	}
	if code := check(good); code != "" {
		t.Fatalf("a well-formed PDF is refused: %s", code)
	}
	html := "<!doctype html><html><body><script>alert(document.domain)</script></body></html>"
	for name, b := range map[string][]byte{
		"HTML after a PDF header":          []byte("%PDF-1.7\n" + html + "\n%%EOF\n"),
		"HTML between a header and a tail": []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + html + "\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"),
		"the old check's minimum":          []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
		"HTML alone":                       []byte(html),
		"a PDF cut short":                  good[:len(good)/2],
		"a PDF with no pages":              bytes.Replace(good, []byte("/Kids [3 0 R] /Count 1"), []byte("/Kids [] /Count 0"), 1),
		"empty":                            {},
	} {
		if code := check(b); code != "upload.not-pdf" {
			t.Errorf("%s: %q, want upload.not-pdf", name, code)
		}
	}
	if e := files.CheckPDF(strings.NewReader(string(good)), int64(len(good))+1); e == nil || e.Code != "upload.unreadable" {
		t.Errorf("a size that differs from the declared one: %+v", e)
	}
}
