package web

import (
	"html/template"
	"strconv"
	"strings"
)

// The pages asked most (a fund's position, a partner's lists, a return and
// its versions, an upload) and the parts they share (the year picker, the
// chart, a receipt, what changed) are written here in Go, as their
// templates write them: html/template reaches every field and text by
// reflection, which took these pages over half again their JSON routes'
// time. Their templates stay the reference: each is written byte for byte
// as its template writes it, every text and address escaped as
// html/template escapes it in that place (TestPartsAreWrittenAsTheTemplatesWroteThem,
// and every page the package's tests ask for is written both ways and
// compared: checkAgainstTemplates).

// mainWriters write a page's "main" for a page template's name.
var mainWriters = map[string]func(b *strings.Builder, p *page) bool{
	"position":   writePositionMain,
	"kind":       writeKindMain,
	"submission": writeSubmissionMain,
	"upload":     writeUploadMain,
}

// partsFuncs write templates/parts*.html's parts in Go, each as its
// template wrote it.
var partsFuncs = template.FuncMap{"summaryHTML": summaryHTML, "docHTML": docHTML, "pickerHTML": pickerHTML,
	"chartHTML": chartHTML, "receiptHTML": receiptHTML, "diffHTML": diffHTML}

func writeKindMain(b *strings.Builder, p *page) bool {
	d, ok := p.Data.(kindData)
	if !ok {
		return false
	}
	b.WriteByte('\n')
	d.Table.write(b)
	if d.Next != "" {
		writeNext(b, p, d.Next)
	}
	b.WriteString("\n<p>")
	writeAnchor(b, d.Back, p.T("page.back-partner"))
	b.WriteString("</p>\n")
	return true
}

// writeNext is the link to a list's next page.
func writeNext(b *strings.Builder, p *page, href string) {
	b.WriteString("\n<p><a href=\"")
	escapeURL(b, href)
	b.WriteString("\" rel=\"next\">")
	escapeText(b, p.T("page.next"))
	b.WriteString("</a></p>")
}

func writeUploadMain(b *strings.Builder, p *page) bool {
	d, ok := p.Data.(uploadData)
	if !ok {
		return false
	}
	b.WriteByte('\n')
	writeSummary(b, d.Facts)
	if d.Refresh != "" {
		b.WriteString("\n<p class=\"pending\">")
		escapeText(b, p.T("page.upload.pending-note"))
		b.WriteString(" ")
		writeAnchor(b, d.Refresh, p.T("page.upload.refresh"))
		b.WriteString("</p>")
	}
	if len(d.Errors.Rows) > 0 {
		b.WriteString("\n<h2>")
		escapeText(b, p.T("page.upload.errors-heading"))
		b.WriteString("</h2>\n")
		d.Errors.write(b)
	}
	if d.Receipt != nil {
		b.WriteByte('\n')
		writeReceipt(b, p, d.Receipt)
	}
	b.WriteString("\n<p>")
	writeAnchor(b, d.Uploads, p.T("page.upload.all"))
	b.WriteString("</p>\n<p>")
	writeAnchor(b, d.Back, p.T("page.back-partner"))
	b.WriteString("</p>\n")
	return true
}

func writeSubmissionMain(b *strings.Builder, p *page) bool {
	d, ok := p.Data.(versionData)
	if !ok {
		return false
	}
	b.WriteByte('\n')
	writeSummary(b, d.Facts)
	if d.Upload != nil {
		b.WriteString("\n<p>")
		writeAnchor(b, d.Upload.Href, d.Upload.Text)
		b.WriteString("</p>")
	}
	if len(d.Warnings) > 0 {
		b.WriteString("\n<h2>")
		escapeText(b, p.T("page.warnings.heading"))
		b.WriteString("</h2>\n<ul>")
		for _, w := range d.Warnings {
			b.WriteString("<li>")
			escapeText(b, w)
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	}
	if f := d.Sign; f != nil {
		b.WriteString("\n<h2>")
		escapeText(b, p.T("page.signoff.heading"))
		b.WriteString("</h2>\n<form method=\"post\" action=\"")
		escapeURL(b, f.Action)
		b.WriteString("\" class=\"form\">\n")
		writeCSRFInput(b, p)
		b.WriteString("\n<input type=\"hidden\" name=\"version\" value=\"")
		b.WriteString(strconv.Itoa(f.Version))
		b.WriteString("\">\n<p>")
		escapeText(b, p.T("page.signoff.intro", "Version", f.Version))
		b.WriteString("</p>\n<div class=\"field\"><label for=\"signatory\">")
		escapeText(b, p.T("page.form.signatory"))
		b.WriteString("</label>\n<input id=\"signatory\" name=\"signatory\" type=\"text\" required maxlength=\"200\" autocomplete=\"name\"></div>\n" +
			"<div class=\"field\"><label for=\"role\">")
		escapeText(b, p.T("page.form.role"))
		b.WriteString("</label>\n<input id=\"role\" name=\"role\" type=\"text\" required maxlength=\"200\" autocomplete=\"organization-title\"></div>\n" +
			"<button type=\"submit\">")
		escapeText(b, p.T("page.signoff.button", "Version", f.Version))
		b.WriteString("</button>\n</form>")
	}
	if d.Versions != nil {
		b.WriteString("\n<h2>")
		escapeText(b, p.T("page.versions.heading"))
		b.WriteString("</h2>\n")
		d.Versions.write(b)
	}
	if d.NextVersion != "" {
		writeNext(b, p, d.NextVersion)
	}
	if d.Diff != nil {
		b.WriteByte('\n')
		writeDiff(b, p, d.Diff)
	}
	if d.Receipt != nil {
		b.WriteByte('\n')
		writeReceipt(b, p, d.Receipt)
	}
	b.WriteString("\n<h2>")
	escapeText(b, p.T("page.document.heading", "Version", d.Version))
	b.WriteString("</h2>\n<div class=\"document\">")
	d.Document.write(b)
	b.WriteString("</div>\n<p>")
	writeAnchor(b, d.Back, p.T("page.back"))
	b.WriteString("</p>\n")
	return true
}

func writePositionMain(b *strings.Builder, p *page) bool {
	d, ok := p.Data.(positionData)
	if !ok {
		return false
	}
	h2 := func(id string) {
		b.WriteString("<h2>")
		escapeText(b, p.T(id))
		b.WriteString("</h2>\n")
	}
	b.WriteString("\n<p>")
	escapeText(b, p.T("page.position.intro", "Region", d.Region, "AsAt", d.AsAt))
	b.WriteString("</p>\n")
	writePicker(b, d.Pick)
	b.WriteByte('\n')
	h2("page.position.members-heading")
	d.Members.write(b)
	b.WriteString("\n<p>")
	writeAnchor(b, d.CSV, p.T("page.position.csv"))
	b.WriteString("</p>\n<figure class=\"chart-figure\">\n")
	writeChart(b, d.Chart)
	b.WriteString("\n</figure>\n")
	h2("page.position.cells-heading")
	d.Cells.write(b)
	b.WriteByte('\n')
	h2("page.position.risk-heading")
	b.WriteString("<p>")
	escapeText(b, d.Model)
	b.WriteString("</p>\n")
	if d.RiskShare != nil {
		d.RiskShare.write(b)
	}
	b.WriteByte('\n')
	h2("page.position.pooling-heading")
	b.WriteString("<p>")
	escapeText(b, d.Pooling)
	b.WriteString("</p>\n")
	d.Consents.write(b)
	b.WriteString("\n<p>")
	writeAnchor(b, d.Completeness, p.T("page.completeness.link", "Year", d.Year))
	b.WriteString("</p>\n")
	return true
}

// pickerHTML is the year (and quarter) picker ("picker").
func pickerHTML(y yearPicker) template.HTML {
	return htmlOf(func(b *strings.Builder) { writePicker(b, y) })
}

func writePicker(b *strings.Builder, y yearPicker) {
	b.WriteString("\n<form method=\"get\" action=\"")
	escapeURL(b, y.Action)
	b.WriteString("\" class=\"picker\">")
	if y.Lang != "" {
		b.WriteString("<input type=\"hidden\" name=\"lang\" value=\"")
		escapeText(b, y.Lang)
		b.WriteString("\">")
	}
	b.WriteString("\n<div class=\"field\"><label for=\"pick-year\">")
	escapeText(b, y.YearLabel)
	b.WriteString("</label>\n<select id=\"pick-year\" name=\"financialYear\">")
	writeOptions(b, y.Years)
	b.WriteString("</select></div>")
	if len(y.Quarters) > 0 {
		b.WriteString("\n<div class=\"field\"><label for=\"pick-quarter\">")
		escapeText(b, y.QuarterLabel)
		b.WriteString("</label>\n<select id=\"pick-quarter\" name=\"quarter\">")
		writeOptions(b, y.Quarters)
		b.WriteString("</select></div>")
	}
	b.WriteString("\n<button type=\"submit\">")
	escapeText(b, y.Button)
	b.WriteString("</button>\n</form>\n")
}

func writeOptions(b *strings.Builder, os []option) {
	for _, o := range os {
		b.WriteString("<option value=\"")
		escapeText(b, o.Value)
		b.WriteByte('"')
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		escapeText(b, o.Label)
		b.WriteString("</option>")
	}
}

// chartHTML is a bar chart's SVG ("chart").
func chartHTML(c chart) template.HTML {
	return htmlOf(func(b *strings.Builder) { writeChart(b, c) })
}

func writeChart(b *strings.Builder, c chart) {
	num := func(n int) { b.WriteString(strconv.Itoa(n)) }
	b.WriteString("\n<svg class=\"chart\" role=\"img\" aria-labelledby=\"")
	escapeText(b, c.ID)
	b.WriteString("-title ")
	escapeText(b, c.ID)
	b.WriteString("-desc\" viewBox=\"0 0 ")
	num(c.Width)
	b.WriteByte(' ')
	num(c.Height)
	b.WriteString("\" width=\"")
	num(c.Width)
	b.WriteString("\" height=\"")
	num(c.Height)
	b.WriteString("\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"")
	escapeText(b, c.ID)
	b.WriteString("-title\">")
	escapeText(b, c.Title)
	b.WriteString("</title>\n<desc id=\"")
	escapeText(b, c.ID)
	b.WriteString("-desc\">")
	escapeText(b, c.Desc)
	b.WriteString("</desc>")
	for _, r := range c.Bars {
		b.WriteString("\n<text x=\"0\" y=\"")
		num(r.TextY)
		b.WriteString("\" class=\"chart-label\">")
		escapeText(b, r.Label)
		b.WriteString("</text>\n<rect x=\"")
		num(r.X)
		b.WriteString("\" y=\"")
		num(r.Y)
		b.WriteString("\" width=\"")
		num(r.W)
		b.WriteString("\" height=\"")
		num(r.H)
		b.WriteString("\" class=\"")
		escapeText(b, r.Class)
		b.WriteString("\"></rect>\n<text x=\"")
		num(r.ValueX)
		b.WriteString("\" y=\"")
		num(r.TextY)
		b.WriteString("\" text-anchor=\"")
		escapeText(b, r.ValueAnchor)
		b.WriteString("\" class=\"chart-value\">")
		escapeText(b, r.Value)
		b.WriteString("</text>")
	}
	b.WriteString("\n<line x1=\"")
	num(c.ZeroX)
	b.WriteString("\" y1=\"0\" x2=\"")
	num(c.ZeroX)
	b.WriteString("\" y2=\"")
	num(c.Height)
	b.WriteString("\" class=\"chart-axis\"></line>\n</svg>\n")
}

// receiptHTML is the receipt to keep ("receipt": .Page the page, .X a
// *receiptData).
func receiptHTML(w with) template.HTML {
	return htmlOf(func(b *strings.Builder) { writeReceipt(b, w.Page, w.X.(*receiptData)) })
}

func writeReceipt(b *strings.Builder, p *page, r *receiptData) {
	b.WriteString("\n<section class=\"receipt\" aria-labelledby=\"receipt-heading\">\n<h2 id=\"receipt-heading\">")
	escapeText(b, p.T("page.receipt.heading"))
	b.WriteString("</h2>\n<p>")
	escapeText(b, r.Intro)
	b.WriteString("</p>\n<ul class=\"links\">")
	if r.Receipt != "" {
		writeDownloadItem(b, r.Receipt, r.ReceiptFile, p.T("page.receipt.download", "File", r.ReceiptFile))
	} else {
		b.WriteString("\n<li>")
		escapeText(b, p.T("page.receipt.none"))
		b.WriteString("</li>")
	}
	if r.Document != "" {
		writeDownloadItem(b, r.Document, r.DocumentFile, p.T("page.receipt.document", "File", r.DocumentFile))
	}
	b.WriteString("\n</ul>")
	if r.Receipt != "" {
		b.WriteString("\n<aside class=\"note\" aria-labelledby=\"receipt-check-heading\">\n<h3 id=\"receipt-check-heading\">")
		escapeText(b, p.T("page.receipt.check-heading"))
		b.WriteString("</h3>\n<ol>\n<li>")
		escapeText(b, p.T("page.receipt.check-keep"))
		b.WriteString("</li>\n<li>")
		escapeText(b, p.T("page.receipt.check-keys"))
		b.WriteString(" <a href=\"")
		escapeURL(b, r.Keys)
		b.WriteString("\" download=\"receipt-keys.json\">")
		escapeText(b, p.T("page.receipt.keys"))
		b.WriteString("</a></li>\n<li>")
		escapeText(b, p.T("page.receipt.check-run"))
		b.WriteString("\n<pre><code>")
		escapeText(b, r.Command)
		b.WriteString("</code></pre></li>\n</ol>\n<p>")
		escapeText(b, p.T("page.receipt.check-result"))
		b.WriteString("</p>\n</aside>")
	}
	b.WriteString("\n</section>\n")
}

// writeDownloadItem is a list item linking to a file to download as file.
func writeDownloadItem(b *strings.Builder, href, file, label string) {
	b.WriteString("\n<li><a href=\"")
	escapeURL(b, href)
	b.WriteString("\" download=\"")
	escapeText(b, file)
	b.WriteString("\">")
	escapeText(b, label)
	b.WriteString("</a></li>")
}

// diffHTML is what changed since the version before ("diff": .Page the
// page, .X a *diffData).
func diffHTML(w with) template.HTML {
	return htmlOf(func(b *strings.Builder) { writeDiff(b, w.Page, w.X.(*diffData)) })
}

func writeDiff(b *strings.Builder, p *page, d *diffData) {
	b.WriteString("\n<section class=\"diff\" aria-labelledby=\"diff-heading\">\n<h2 id=\"diff-heading\">")
	escapeText(b, d.Since)
	b.WriteString("</h2>")
	if d.First {
		b.WriteString("\n<p>")
		escapeText(b, p.T("page.diff.first"))
		b.WriteString("</p>")
	} else {
		b.WriteString("\n<p>")
		escapeText(b, p.T("page.diff.intro"))
		b.WriteString(" ")
		writeAnchor(b, d.Against, p.T("page.diff.previous"))
		b.WriteString("</p>\n")
		d.Table.write(b)
	}
	b.WriteString("\n</section>\n")
}
