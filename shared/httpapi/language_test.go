package httpapi

import (
	"net/http"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// WWW-Authenticate's error_description keeps to RFC 6750's characters in
// any language: a Welsh letter loses its diacritic, a quote becomes an
// apostrophe, and nothing else outside printable ASCII is kept.
func TestDescriptionCharsKeepToRFC6750(t *testing.T) {
	for in, want := range map[string]string{
		"mae'r tocyn wedi dod i ben":          "mae'r tocyn wedi dod i ben",
		"ŵyr â thŷ":                           "wyr a thy",
		`the "token"\ is bad`:                 "the 'token'' is bad",
		"don’t – stop":                        "don't  stop",
		"Ni chaiff y tocyn hwn wneud hyn yma": "Ni chaiff y tocyn hwn wneud hyn yma",
	} {
		got := descriptionChars(in)
		if got != want {
			t.Errorf("descriptionChars(%q) = %q, want %q", in, got, want)
		}
		for _, c := range []byte(got) {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				t.Errorf("%q keeps %q", got, c)
			}
		}
	}
}

// A stored answer from before answers kept their Content-Language is in the
// language its title is in; any other body was English.
func TestStoredLanguage(t *testing.T) {
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	welsh := []byte(`{"type":"` + ProblemBase + `validation","title":"` + title(i18n.Welsh, "validation") + `"}`)
	english := []byte(`{"type":"` + ProblemBase + `validation","title":"` + title(i18n.English, "validation") + `"}`)
	if got := storedLanguage(problem, welsh); got != i18n.Welsh {
		t.Errorf("a Welsh problem: %s", got)
	}
	if got := storedLanguage(problem, english); got != i18n.English {
		t.Errorf("an English problem: %s", got)
	}
	if got := storedLanguage(http.Header{"Content-Type": {"application/json"}}, []byte(`{}`)); got != i18n.English {
		t.Errorf("a JSON answer: %s", got)
	}
}
