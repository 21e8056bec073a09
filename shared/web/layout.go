package web

import (
	"html/template"
	"strings"
)

// writePage writes a page: the layout around the page's "main", written by
// main (pagehtml.go) or else by its template.
// The layout is written here as templates/layout.html writes it, byte for
// byte and escaped as html/template escapes it in each place
// (TestTheLayoutIsWrittenAsItsTemplateWroteIt): it is on every page, and
// the template reached each of its fields and texts by reflection.
func writePage(b *strings.Builder, t *template.Template, main func(*strings.Builder, *page) bool, p *page) error {
	service := p.T("page.service")
	b.WriteString("<!doctype html>\n<html lang=\"")
	escapeText(b, string(p.Lang))
	b.WriteString("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	escapeText(b, p.Title)
	b.WriteString(" – ")
	escapeText(b, service)
	b.WriteString("</title>\n<link rel=\"stylesheet\" href=\"")
	escapeURL(b, p.Stylesheet)
	b.WriteString("\">\n</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">")
	escapeText(b, p.T("page.skip"))
	b.WriteString("</a>\n<header class=\"site-header\">\n<div class=\"wrap\">\n<a class=\"service-name\" href=\"")
	escapeURL(b, p.Home)
	b.WriteString("\">")
	escapeText(b, service)
	b.WriteString("</a>\n<nav class=\"account\" aria-label=\"")
	escapeText(b, p.T("page.nav.account"))
	b.WriteString("\">\n<ul>\n<li><a href=\"")
	escapeURL(b, p.Switch.Href)
	b.WriteString("\" lang=\"")
	escapeText(b, string(p.Switch.Lang))
	b.WriteString("\" hreflang=\"")
	escapeText(b, string(p.Switch.Lang))
	b.WriteString("\">")
	escapeText(b, p.Switch.Label)
	b.WriteString("</a></li>")
	if p.Who != "" {
		b.WriteString("\n<li>")
		escapeText(b, p.T("page.signed-in-as", "Name", p.Who))
		b.WriteString("</li>\n<li><form method=\"post\" action=\"")
		escapeURL(b, p.SignOut)
		b.WriteString("\" class=\"inline\">")
		writeCSRFInput(b, p)
		b.WriteString("<button type=\"submit\" class=\"link-button\">")
		escapeText(b, p.T("page.signout"))
		b.WriteString("</button></form></li>")
	}
	b.WriteString("\n</ul>\n</nav>\n</div>\n</header>\n<main id=\"main\" class=\"wrap\" tabindex=\"-1\">")
	if f := p.Flash; f != nil {
		if f.Error {
			b.WriteString("\n<div class=\"flash flash-error\" role=\"alert\">\n<p>")
		} else {
			b.WriteString("\n<div class=\"flash\" role=\"status\">\n<p>")
		}
		escapeText(b, f.Text)
		b.WriteString("</p>")
		if len(f.Details) > 0 {
			b.WriteString("<ul>")
			for _, d := range f.Details {
				b.WriteString("<li>")
				escapeText(b, d)
				b.WriteString("</li>")
			}
			b.WriteString("</ul>")
		}
		b.WriteString("\n</div>")
	}
	b.WriteString("\n<h1>")
	escapeText(b, p.Title)
	b.WriteString("</h1>\n")
	if main == nil || !main(b, p) {
		if err := t.ExecuteTemplate(b, "main", p); err != nil {
			return err
		}
	}
	b.WriteString("\n</main>\n<footer class=\"site-footer\"><div class=\"wrap\"><p>")
	escapeText(b, p.T("page.footer"))
	b.WriteString("</p></div></footer>\n</body>\n</html>\n")
	return nil
}

// escapeURL is an address in an attribute, as html/template writes it.
func escapeURL(b *strings.Builder, href string) { escapeText(b, normalizeURL(href)) }

// writeCSRFInput is a form's hidden CSRF token field.
func writeCSRFInput(b *strings.Builder, p *page) {
	b.WriteString("<input type=\"hidden\" name=\"")
	escapeText(b, p.CSRFField)
	b.WriteString("\" value=\"")
	escapeText(b, p.CSRF)
	b.WriteString("\">")
}
