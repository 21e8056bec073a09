package web

import (
	"html/template"
	"strconv"
	"strings"
)

// HTML is the table as every page shows it (templates/parts.html, "table"
// calls it). It is written here rather than by a template because a page's
// tables are most of what it renders, and a template reaches every cell's
// fields by reflection through a chain of escaping functions: the
// position's page took four times its JSON route to render so. Every text
// and attribute is escaped exactly as html/template escapes it in the same
// place (TestPartsAreWrittenAsTheTemplatesWroteThem).
func (t table) HTML() template.HTML { return htmlOf(t.write) }

// htmlOf is what write writes, as HTML a template takes as it is.
func htmlOf(write func(*strings.Builder)) template.HTML {
	var b strings.Builder
	write(&b)
	return template.HTML(b.String())
}

// write writes the table as HTML does.
func (t table) write(b *strings.Builder) {
	b.Grow(256 + 96*len(t.Rows)*(len(t.Columns)+1))
	// A wide table scrolls in its own region, which the keyboard can reach
	// and scroll (axe's scrollable-region-focusable): one named by the
	// table's caption.
	b.WriteString("\n<div class=\"table-wrap\"")
	if t.Caption != "" {
		b.WriteString(` role="region" tabindex="0" aria-label="`)
		escapeText(b, t.Caption)
		b.WriteByte('"')
	}
	b.WriteString(">\n<table>")
	if t.Caption != "" {
		b.WriteString("<caption>")
		escapeText(b, t.Caption)
		b.WriteString("</caption>")
	}
	b.WriteString("\n<thead><tr>")
	for _, c := range t.Columns {
		b.WriteString(`<th scope="col"`)
		if c.Num {
			b.WriteString(` class="num"`)
		}
		b.WriteByte('>')
		escapeText(b, c.Label)
		b.WriteString("</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>")
	for _, row := range t.Rows {
		b.WriteString("\n<tr>")
		for _, c := range row {
			c.write(b)
		}
		b.WriteString("</tr>")
	}
	if len(t.Rows) == 0 {
		b.WriteString("\n<tr><td colspan=\"" + strconv.Itoa(len(t.Columns)) + "\">")
		escapeText(b, t.Empty)
		b.WriteString("</td></tr>")
	}
	b.WriteString("\n</tbody>")
	if len(t.Foot) > 0 {
		b.WriteString("\n<tfoot><tr>")
		for _, c := range t.Foot {
			c.write(b)
		}
		b.WriteString("</tr></tfoot>")
	}
	b.WriteString("\n</table>\n</div>\n")
}

// write is a cell as templates/parts.html's "cell" writes it.
func (c cell) write(b *strings.Builder) {
	switch {
	case c.Head:
		b.WriteString(`<th scope="row"`)
		if c.Num {
			b.WriteString(` class="num"`)
		}
		b.WriteByte('>')
	case c.Num || c.Class != "":
		b.WriteString(`<td class="`)
		if c.Num {
			b.WriteString("num")
			if c.Class != "" {
				b.WriteByte(' ')
			}
		}
		escapeText(b, c.Class)
		b.WriteString(`">`)
	default:
		b.WriteString("<td>")
	}
	writeLink(b, c.Href, c.Text)
	if c.Head {
		b.WriteString("</th>")
	} else {
		b.WriteString("</td>")
	}
}

// htmlEscapes are html/template's replacements in text and in a quoted
// attribute's value.
var htmlEscapes = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

func escapeText(b *strings.Builder, s string) {
	if !strings.ContainsAny(s, "\x00\"&'+<>") {
		b.WriteString(s)
		return
	}
	htmlEscapes.WriteString(b, s)
}

// normalizeURL is a link's address as html/template makes it safe before
// escaping it: an address with a scheme other than http, https or mailto
// becomes "#ZgotmplZ", and every byte outside RFC 3986's reserved and
// unreserved characters (and '%') is percent-encoded, quotes and
// parentheses too.
func normalizeURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return "#ZgotmplZ"
	}
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&*+,/:;=?@[]-._~%", c) >= 0:
			continue
		}
		b.WriteString(s[written:i])
		b.WriteString("%" + strings.ToLower(strconv.FormatUint(uint64(c)>>4, 16)+strconv.FormatUint(uint64(c)&15, 16)))
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// summaryHTML is a summary list of facts ("summary").
func summaryHTML(fs []fact) template.HTML {
	return htmlOf(func(b *strings.Builder) { writeSummary(b, fs) })
}

func writeSummary(b *strings.Builder, fs []fact) {
	b.WriteString("\n<dl class=\"summary\">")
	for _, f := range fs {
		b.WriteString("<dt>")
		escapeText(b, f.Label)
		b.WriteString("</dt><dd")
		if f.Class != "" {
			b.WriteString(` class="`)
			escapeText(b, f.Class)
			b.WriteByte('"')
		}
		b.WriteByte('>')
		writeLink(b, f.Href, f.Text)
		b.WriteString("</dd>")
	}
	b.WriteString("</dl>\n")
}

// docHTML is a submitted document ("doc"): an object as a description
// list, a list of flat objects as a table, any other list as a list.
func docHTML(n docNode) template.HTML { return htmlOf(n.write) }

func (n docNode) write(b *strings.Builder) {
	switch {
	case n.Table != nil:
		n.Table.write(b)
	case len(n.Fields) > 0:
		b.WriteString(`<dl class="doc">`)
		for _, f := range n.Fields {
			b.WriteString("<dt>")
			escapeText(b, f.Label)
			b.WriteString("</dt><dd>")
			f.Node.write(b)
			b.WriteString("</dd>")
		}
		b.WriteString("</dl>")
	case len(n.Items) > 0:
		b.WriteString(`<ul class="doc-list">`)
		for _, it := range n.Items {
			b.WriteString("<li>")
			it.write(b)
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	default:
		escapeText(b, n.Text)
	}
}

// writeLink is a text, linked when it has an address.
func writeLink(b *strings.Builder, href, text string) {
	if href == "" {
		escapeText(b, text)
		return
	}
	writeAnchor(b, href, text)
}

// writeAnchor is a link: its address and its text, escaped.
func writeAnchor(b *strings.Builder, href, text string) {
	b.WriteString(`<a href="`)
	escapeURL(b, href)
	b.WriteString(`">`)
	escapeText(b, text)
	b.WriteString("</a>")
}
