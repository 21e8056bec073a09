package web

import (
	"html/template"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// partsTemplates are how templates/parts.html and parts-partner.html wrote a
// table, a summary, a document, the year picker, the chart, a receipt and
// what changed before they were written in Go: the references the Go
// writers must match byte for byte, their escaping included.
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
{{end}}
{{define "refpicker"}}
<form method="get" action="{{.Action}}" class="picker">
{{- with .Lang}}<input type="hidden" name="lang" value="{{.}}">{{end}}
<div class="field"><label for="pick-year">{{.YearLabel}}</label>
<select id="pick-year" name="financialYear">{{range .Years}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
{{- with .Quarters}}
<div class="field"><label for="pick-quarter">{{$.QuarterLabel}}</label>
<select id="pick-quarter" name="quarter">{{range .}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
{{- end}}
<button type="submit">{{.Button}}</button>
</form>
{{end}}
{{define "refchart"}}
<svg class="chart" role="img" aria-labelledby="{{.ID}}-title {{.ID}}-desc" viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}" xmlns="http://www.w3.org/2000/svg">
<title id="{{.ID}}-title">{{.Title}}</title>
<desc id="{{.ID}}-desc">{{.Desc}}</desc>
{{- range .Bars}}
<text x="0" y="{{.TextY}}" class="chart-label">{{.Label}}</text>
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"></rect>
<text x="{{.ValueX}}" y="{{.TextY}}" text-anchor="{{.ValueAnchor}}" class="chart-value">{{.Value}}</text>
{{- end}}
<line x1="{{.ZeroX}}" y1="0" x2="{{.ZeroX}}" y2="{{.Height}}" class="chart-axis"></line>
</svg>
{{end}}
{{define "refreceipt"}}
<section class="receipt" aria-labelledby="receipt-heading">
<h2 id="receipt-heading">{{.Page.T "page.receipt.heading"}}</h2>
<p>{{.X.Intro}}</p>
<ul class="links">
{{- if .X.Receipt}}
<li><a href="{{.X.Receipt}}" download="{{.X.ReceiptFile}}">{{.Page.T "page.receipt.download" "File" .X.ReceiptFile}}</a></li>
{{- else}}
<li>{{.Page.T "page.receipt.none"}}</li>
{{- end}}
{{- with .X.Document}}
<li><a href="{{.}}" download="{{$.X.DocumentFile}}">{{$.Page.T "page.receipt.document" "File" $.X.DocumentFile}}</a></li>
{{- end}}
</ul>
{{- if .X.Receipt}}
<aside class="note" aria-labelledby="receipt-check-heading">
<h3 id="receipt-check-heading">{{.Page.T "page.receipt.check-heading"}}</h3>
<ol>
<li>{{.Page.T "page.receipt.check-keep"}}</li>
<li>{{.Page.T "page.receipt.check-keys"}} <a href="{{.X.Keys}}" download="receipt-keys.json">{{.Page.T "page.receipt.keys"}}</a></li>
<li>{{.Page.T "page.receipt.check-run"}}
<pre><code>{{.X.Command}}</code></pre></li>
</ol>
<p>{{.Page.T "page.receipt.check-result"}}</p>
</aside>
{{- end}}
</section>
{{end}}
{{define "refdiff"}}
<section class="diff" aria-labelledby="diff-heading">
<h2 id="diff-heading">{{.X.Since}}</h2>
{{- if .X.First}}
<p>{{.Page.T "page.diff.first"}}</p>
{{- else}}
<p>{{.Page.T "page.diff.intro"}} <a href="{{.X.Against}}">{{.Page.T "page.diff.previous"}}</a></p>
{{template "table" .X.Table}}
{{- end}}
</section>
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
	pickers := map[string]yearPicker{
		"years": {Action: "/app/regions/west-wales/funds/x y/periods", YearLabel: hostile, Button: "Show",
			Years: []option{{Value: "2018-19", Label: "2018-19"}, {Value: `"><b>`, Label: hostile, Selected: true}}},
		"quarters, Welsh": {Action: "javascript:alert(1)", Lang: `cy"x`, YearLabel: "Blwyddyn", QuarterLabel: hostile, Button: hostile,
			Years: []option{{Value: "2018-19", Label: "2018-19", Selected: true}}, Quarters: []option{{Value: "", Label: "Latest", Selected: true}, {Value: "Q1", Label: "Q1"}}},
	}
	for name, y := range pickers {
		sameAsTemplate(t, ref, "refpicker", name, y, pickerHTML(y))
	}
	charts := map[string]chart{
		"none":   varianceChart("v", hostile, hostile, nil),
		"either": varianceChart(`a"b`, "Variance", "d", []chartRow{{hostile, 123456}, {"Ceredigion", -5000}, {"x", 0}}),
	}
	for name, c := range charts {
		sameAsTemplate(t, ref, "refchart", name, c, chartHTML(c))
	}
	p := &page{Lang: i18n.Welsh}
	receipts := map[string]*receiptData{
		"a version's": {Receipt: "/app/a/versions/2/receipt.jws?lang=cy&x=1", ReceiptFile: hostile, Document: "/app/a/versions/2/document.json",
			DocumentFile: `v2".json`, Intro: hostile, Keys: "/v1/receipt-keys", Command: "go run ./infra/verify receipt --receipt " + hostile},
		"none yet":     {Document: "data:x", DocumentFile: "d.json", Intro: "i"},
		"an upload's":  {Receipt: "/app/u/receipt.jws", ReceiptFile: "upload-1.receipt.jws", Intro: "u", Keys: "k", Command: "c"},
		"nothing more": {Intro: hostile},
	}
	for name, r := range receipts {
		sameAsTemplate(t, ref, "refreceipt", name, p.With(r), receiptHTML(p.With(r)))
	}
	diffs := map[string]*diffData{
		"first":   {First: true, Since: hostile},
		"changes": {Since: "Changes since version 1", Against: "/app/a/versions/1?lang=cy&b=2", Table: spend},
	}
	for name, d := range diffs {
		sameAsTemplate(t, ref, "refdiff", name, p.With(d), diffHTML(p.With(d)))
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
