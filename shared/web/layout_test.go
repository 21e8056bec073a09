package web

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// The layout is written as templates/layout.html writes it, byte for byte:
// signed in and out, with a flash of each kind, in Welsh and English, every
// text and address escaped as html/template escapes it in its place, and a
// link that is no web address refused as html/template refuses it.
func TestTheLayoutIsWrittenAsItsTemplateWroteIt(t *testing.T) {
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	hostile := `<script>alert("x&y")</script> 'quoted' a+b ` + "\x00 Cyngor Sir Gâr"
	body := message{Body: hostile, Details: []string{"a", hostile}}
	cases := map[string]page{
		"signed out": {Lang: i18n.English, Title: "Sign in", Home: Prefix, SignOut: signOutPath, Stylesheet: stylesheet,
			Switch: langSwitch{Href: "/app/sign-in?lang=cy", Label: "Cymraeg", Lang: i18n.Welsh}, Data: message{Body: "b"}},
		"signed in, Welsh, a flash with details": {Lang: i18n.Welsh, Title: hostile, Who: hostile, CSRF: "tok+en/==", CSRFField: csrfField,
			Home: Prefix + "?lang=cy", SignOut: signOutPath + "?lang=cy", Stylesheet: stylesheet,
			Switch: langSwitch{Href: "/app/regions/west-wales/funds/x y/position?financialYear=2018-19&lang=en", Label: "English", Lang: i18n.English},
			Flash:  &flash{Error: true, Text: hostile, Details: []string{hostile, "two"}}, Data: body},
		"a flash without details, odd addresses": {Lang: i18n.English, Title: "t", Who: "Ann", CSRF: `"><script>`, CSRFField: csrfField,
			Home: "javascript:alert(1)", SignOut: "/app/a'b(c)\"d<e>é%41", Stylesheet: stylesheet,
			Switch: langSwitch{Href: "data:text/html,x", Label: hostile, Lang: i18n.Welsh}, Flash: &flash{Text: "Done."}, Data: body},
	}
	for name, p := range cases {
		var want, got strings.Builder
		if err := pages["message"].ExecuteTemplate(&want, "layout.html", &p); err != nil {
			t.Fatal(err)
		}
		if err := writePage(&got, pages["message"], nil, &p); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", name, got.String(), want.String())
		}
	}
}
