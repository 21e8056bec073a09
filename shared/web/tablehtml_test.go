package web

import (
	"html/template"
	"strings"
	"testing"
)

// partsTemplates are how templates/parts.html wrote a table, a summary and
// a document before they were written in Go: the references the Go writers
// must match byte for byte, their escaping included.
const partsTemplates = `{{define "refsummary"}}
<dl class="summary">{{range .}}<dt>{{.Label}}</dt><dd{{with .Class}} class="{{.}}"{{end}}>{{if .Href}}<a href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</dd>{{end}}</dl>
{{end}}
{{define "refdoc"}}{{if .Table}}{{template "reftable" .Table}}{{else if .Fields}}<dl class="doc">{{range .Fields}}<dt>{{.Label}}</dt><dd>{{template "refdoc" .Node}}</dd>{{end}}</dl>{{else if .Items}}<ul class="doc-list">{{range .Items}}<li>{{template "refdoc" .}}</li>{{end}}</ul>{{else}}{{.Text}}{{end}}{{end}}
{{define "reftable"}}
<div class="table-wrap"{{with .Caption}} role="region" tabindex="0" aria-label="{{.}}"{{end}}>
<table>
{{- with .Caption}}<caption>{{.}}</caption>{{end}}
<thead><tr>{{range .Columns}}<th scope="col"{{if .Num}} class="num"{{end}}>{{.Label}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range .}}{{template "cell" .}}{{end}}</tr>
{{- else}}
<tr><td colspan="{{len .Columns}}">{{.Empty}}</td></tr>
{{- end}}
</tbody>
{{- with .Foot}}
<tfoot><tr>{{range .}}{{template "cell" .}}{{end}}</tr></tfoot>
{{- end}}
</table>
</div>
{{end}}`

// A table, a summary and a document are written as their templates wrote
// them: the same markup, every text and attribute escaped as html/template
// escapes it, a link that is no web address refused as html/template
// refuses it.
func TestPartsAreWrittenAsTheTemplatesWroteThem(t *testing.T) {
	ref := template.Must(template.Must(template.New("parts.html").Funcs(partsFuncs).ParseFS(templateFS, "templates/parts.html")).Parse(partsTemplates))
	hostile := `<script>alert("x&y")</script> 'quoted' a+b ` + "\x00 Cyngor Sir Gâr"
	tables := map[string]table{
		"empty":      {Caption: "Nothing", Columns: []column{{Label: "A"}, {Label: "B", Num: true}}, Empty: "None yet <b>"},
		"no caption": {Columns: []column{{Label: "A"}}, Rows: [][]cell{{textCell("x")}}},
		"every kind of cell": {Caption: hostile, Columns: []column{{Label: hostile}, {Label: "£", Num: true}, {Label: "c"}},
			Rows: [][]cell{
				{headCell(hostile, "/app/regions/west-wales/partners/x y/?lang=cy&financialYear=2018-19"), {Text: "£1,234.56", Num: true}, {Text: "Late", Class: "status-late"}},
				{{Text: "h", Head: true, Num: true, Class: "ignored"}, {Text: "1", Num: true, Class: "status-signed"}, {Text: hostile, Href: "javascript:alert(1)"}},
				{{Text: "h", Head: true, Href: "https://example.org/a'b(c)\"d<e>é%41"}, {Text: "", Class: `x" onclick="y`}, textCell(hostile)},
				{{Text: "m", Href: "mailto:a@b.c"}, {Text: "d", Href: "/app/a/b:c"}, {Text: "p", Href: "data:text/html,x"}},
			},
			Foot: []cell{{Text: "Total", Head: true}, moneyCell(-123456), textCell("")}},
	}
	for name, tb := range tables {
		sameAsTemplate(t, ref, "reftable", name, tb, tb.HTML())
	}
	summaries := map[string][]fact{"none": nil, "facts": {{Label: hostile, Text: hostile, Class: "status-late"},
		{Label: "Version", Text: "Version 2", Href: "/app/a/versions/2?lang=cy&x=a+b"}, {Label: "x", Text: "y", Href: "vbscript:x", Class: `a"b`}}}
	for name, fs := range summaries {
		sameAsTemplate(t, ref, "refsummary", name, fs, summaryHTML(fs))
	}
	spend := tables["every kind of cell"]
	docs := map[string]docNode{"empty object": {Fields: []docField{}}, "text": {Text: hostile},
		"nested": {Fields: []docField{{Label: hostile, Node: docNode{Text: "£5"}}, {Label: "Spend", Node: docNode{Table: &spend}},
			{Label: "List", Node: docNode{Items: []docNode{{Text: "a<b"}, {Fields: []docField{{Label: "k", Node: docNode{Items: []docNode{}}}}}}}}}},
	}
	for name, n := range docs {
		sameAsTemplate(t, ref, "refdoc", name, n, docHTML(n))
	}
}

// sameAsTemplate fails unless got is what the reference template writes of data.
func sameAsTemplate(t *testing.T, ref *template.Template, reference, name string, data any, got template.HTML) {
	t.Helper()
	var want strings.Builder
	if err := ref.ExecuteTemplate(&want, reference, data); err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("%s %s:\n got %q\nwant %q", reference, name, got, want.String())
	}
}
