package i18n

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// raw is a catalogue file as written: each id's text, or its plural forms.
func raw(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	var m map[string]any
	if _, err := toml.DecodeFile("locales/"+name, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for id, v := range m {
		switch v := v.(type) {
		case string:
			out[id] = map[string]string{"other": v}
		case map[string]any:
			forms := map[string]string{}
			for f, s := range v {
				if f != "description" {
					forms[f] = s.(string)
				}
			}
			out[id] = forms
		default:
			t.Fatalf("%s: %s is neither a text nor plural forms", name, id)
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// Every English message has its Welsh text, and the Welsh names nothing the
// English does not.
func TestEveryMessageHasItsWelshText(t *testing.T) {
	en, cy := raw(t, "en.toml"), raw(t, "cy.toml")
	for _, id := range slices.Sorted(maps.Keys(en)) {
		if _, ok := cy[id]; !ok {
			t.Errorf("%s has no Welsh text in cy.toml", id)
		}
	}
	for id := range cy {
		if _, ok := en[id]; !ok {
			t.Errorf("cy.toml has %s, which en.toml does not", id)
		}
	}
}

// A Welsh text fills the same placeholders as the English, form by form: a
// form English lacks (Welsh has zero, two, few and many) is held to English's
// "other".
func TestWelshPlaceholdersMatchTheEnglish(t *testing.T) {
	en, cy := raw(t, "en.toml"), raw(t, "cy.toml")
	for id, forms := range cy {
		for form, text := range forms {
			want, ok := en[id][form]
			if !ok {
				want = en[id]["other"]
			}
			if got, w := placeholders(text), placeholders(want); !slices.Equal(got, w) {
				t.Errorf("%s (%s): Welsh fills %v, English %v", id, form, got, w)
			}
		}
	}
}

// Every message, in each language and each plural form, renders with its
// sample values and leaves no placeholder unfilled.
func TestEveryPlaceholderIsFilled(t *testing.T) {
	en := raw(t, "en.toml")
	var samples map[string]map[string]any
	if _, err := toml.DecodeFile("locales/samples.toml", &samples); err != nil {
		t.Fatal(err)
	}
	for id, forms := range en {
		for _, text := range forms {
			for _, p := range placeholders(text) {
				if _, ok := samples[id][p]; !ok && p != "Count" {
					t.Errorf("%s names {{.%s}} but samples.toml gives it no sample value", id, p)
				}
			}
		}
		for _, l := range Langs {
			for _, n := range []int64{0, 1, 2, 3, 6, 7} {
				data := maps.Clone(samples[id])
				if data == nil {
					data = map[string]any{}
				}
				if _, plural := forms["one"]; plural {
					data["Count"] = n
				}
				got := Text(l, id, data)
				if got == id || strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
					t.Errorf("%s in %s with %v renders %q", id, l, data, got)
				}
			}
		}
	}
}

// "N fields failed validation" takes Welsh's plural form for each N (CLDR:
// 0 zero, 1 one, 2 two, 3 few, 6 many, 7 other), and English's one or other.
func TestValidationDetailPluralForms(t *testing.T) {
	for n, want := range map[int]string{
		0: "Methodd 0 maes y dilysu", 1: "Methodd 1 maes y dilysu", 2: "Methodd 2 faes y dilysu",
		3: "Methodd 3 maes y dilysu", 6: "Methodd 6 maes y dilysu", 7: "Methodd 7 o feysydd y dilysu",
		11: "Methodd 11 o feysydd y dilysu",
	} {
		if got := Text(Welsh, "problem.validation.detail", map[string]any{"Count": n}); got != want {
			t.Errorf("%d in Welsh: %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "1 field failed validation", 2: "2 fields failed validation", 7: "7 fields failed validation"} {
		if got := Text(English, "problem.validation.detail", map[string]any{"Count": n}); got != want {
			t.Errorf("%d in English: %q, want %q", n, got, want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		accept, param string
		want          Lang
		ok            bool
	}{
		{"", "", English, true},
		{"cy", "", Welsh, true},
		{"cy-GB", "", Welsh, true},
		{"en-GB", "", English, true},
		{"en", "", English, true},
		{"en;q=0.5, cy;q=0.9", "", Welsh, true},
		{"cy;q=0.4, en-GB;q=0.8", "", English, true},
		{"fr, cy;q=0.5", "", Welsh, true},
		{"fr", "", English, true},
		{"!!", "", English, true},
		{"en", "cy", Welsh, true},
		{"cy", "en", English, true},
		{"cy", "CY", Welsh, true},
		{"cy", "fr", English, false},
	} {
		got, ok := Negotiate(c.accept, c.param)
		if got != c.want || ok != c.ok {
			t.Errorf("Negotiate(%q, %q) = %s, %v; want %s, %v", c.accept, c.param, got, ok, c.want, c.ok)
		}
	}
}

func TestContextCarriesTheLanguage(t *testing.T) {
	ctx := context.Background()
	if From(ctx) != English {
		t.Errorf("a bare context answers in %s", From(ctx))
	}
	if From(With(ctx, Welsh)) != Welsh {
		t.Error("With(Welsh) is not read back")
	}
}

// An id the catalogue lacks shows as itself, not as a blank.
func TestUnknownIDShowsItself(t *testing.T) {
	if got := Text(Welsh, "no.such.message", nil); got != "no.such.message" {
		t.Errorf("got %q", got)
	}
}

// A value with words of its own in each language (a region's name for one of
// its things) is filled in the message's language, else in its own; the data
// given is left as it was.
func TestWordsAreFilledInTheMessagesLanguage(t *testing.T) {
	named := Words{Own: "Plans jointly agreed", In: map[Lang]string{Welsh: "Cynlluniau wedi'u cytuno ar y cyd"}}
	data := map[string]any{"Code": "national-condition-1", "Name": named}
	if got := Text(Welsh, "finding.assurance-missing", data); got != "Nid yw national-condition-1 (Cynlluniau wedi'u cytuno ar y cyd) wedi'i ateb." {
		t.Errorf("in Welsh: %q", got)
	}
	if got := Text(English, "finding.assurance-missing", data); !strings.Contains(got, "(Plans jointly agreed)") {
		t.Errorf("in English: %q", got)
	}
	if w, ok := data["Name"].(Words); !ok || w.Own != named.Own {
		t.Errorf("the data given changed: %v", data)
	}
	englishOnly := map[string]any{"Code": "c", "Name": Words{Own: "Plans jointly agreed"}}
	if got := Text(Welsh, "finding.assurance-missing", englishOnly); !strings.Contains(got, "(Plans jointly agreed)") || !strings.HasPrefix(got, "Nid yw") {
		t.Errorf("a name the region gives in English only, in a Welsh message: %q", got)
	}
	if b, _ := named.MarshalText(); string(b) != "Plans jointly agreed" || named.String() != "Plans jointly agreed" {
		t.Errorf("stored or logged, the words are the region's own: %s", b)
	}
}

// A Term is said in the language of the text it fills, and a Date with that
// language's month.
func TestTermsAndDatesAreSaidInTheTextsLanguage(t *testing.T) {
	data := map[string]any{"Want": Term("term.type.a-string"), "Got": Term("term.type.number")}
	if got := Text(Welsh, "finding.wrong-type", data); got != "Disgwyliwyd llinyn, cafwyd rhif." {
		t.Errorf("in Welsh: %q", got)
	}
	if got := Text(English, "finding.wrong-type", data); got != "Expected a string, got number." {
		t.Errorf("in English: %q", got)
	}
	on := Date(time.Date(2026, time.May, 2, 15, 0, 0, 0, time.UTC))
	d := map[string]any{"Version": 2, "Signatory": "Jane Jones", "Date": on}
	if got := Text(Welsh, "conflict.signed-off", d); !strings.HasSuffix(got, "ar 2 Mai 2026.") {
		t.Errorf("in Welsh: %q", got)
	}
	if got := Text(English, "conflict.signed-off", d); !strings.HasSuffix(got, "on 2 May 2026.") {
		t.Errorf("in English: %q", got)
	}
}

// A Message kept in a record, read back, says what it said when it was
// kept, in either language: its plural form too, from the count's text.
func TestAKeptMessageReadsBackInEitherLanguage(t *testing.T) {
	data := map[string]any{"Count": 2, "Want": Term("term.type.an-array")}
	b, err := json.Marshal(NewMessage("upload.failure.stopped", data))
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, l := range Langs {
		if got, want := m.In(l), Text(l, "upload.failure.stopped", data); got != want || strings.Contains(got, "{{") {
			t.Errorf("%s: kept %q, said %q", l, got, want)
		}
	}
	if !strings.Contains(m.In(English), "(2 attempts)") {
		t.Errorf("the plural form is lost: %q", m.In(English))
	}
}
