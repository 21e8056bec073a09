// Package i18n is every word a person reads, in English and in Welsh: the
// message catalogues (locales/en.toml, locales/cy.toml), looked up by id with
// go-i18n and its CLDR plural rules, and the choice of language for a request
// from its Accept-Language header and its lang parameter.
//
// The catalogues are read once, the first time a message is asked for, and
// kept: no request parses a file.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is a language the service answers in, as its BCP 47 tag.
type Lang string

// The languages, English first: it is the one used when nothing is asked.
const (
	English Lang = "en"
	Welsh   Lang = "cy"
)

// Langs are the languages the service answers in.
var Langs = []Lang{English, Welsh}

//go:embed locales/en.toml locales/cy.toml
var locales embed.FS

// catalogue is the bundle and one localizer for each language, built once.
type catalogue struct {
	bundle     *goi18n.Bundle
	localizers map[Lang]*goi18n.Localizer
}

var load = sync.OnceValue(func() *catalogue {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &catalogue{bundle: b, localizers: map[Lang]*goi18n.Localizer{}}
	for _, l := range Langs {
		if _, err := b.LoadMessageFileFS(locales, "locales/"+string(l)+".toml"); err != nil {
			panic(fmt.Sprintf("i18n: the %s catalogue does not load: %v", l, err)) // embedded: a test catches it
		}
		c.localizers[l] = goi18n.NewLocalizer(b, string(l), string(English))
	}
	return c
})

// Text is the message id in lang with data filled in. A Count in data chooses
// the plural form (Welsh has six: zero, one, two, few, many, other); a Term
// in data is shown in lang too. An id the catalogue lacks is given back as it
// is, so that a missing message shows.
func Text(lang Lang, id string, data map[string]any) string {
	c := load()
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[English]
	}
	data = withTerms(lang, data)
	cfg := &goi18n.LocalizeConfig{MessageID: id, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil {
		return id
	}
	return s
}

type langKey struct{}

// With is ctx answering in lang.
func With(ctx context.Context, lang Lang) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// From is the language ctx answers in: English unless With chose another.
func From(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok {
		return l
	}
	return English
}

// Words is a value a message names that has its own words in each language:
// the name a region gives one of its things (a fund, an assurance) in each of
// its languages. Text fills in the message's language's (In), else Own, the
// name in the region's first language; anywhere no language is chosen (a log,
// JSON) it reads as Own.
type Words struct {
	Own string
	In  map[Lang]string
}

// For is the words in lang: its own, else Own.
func (w Words) For(lang Lang) string {
	if s := w.In[lang]; s != "" {
		return s
	}
	return w.Own
}

func (w Words) String() string { return w.Own }

// MarshalText is Own: stored or logged, the words are the region's own.
func (w Words) MarshalText() ([]byte, error) { return []byte(w.Own), nil }

// Term is a value that is itself a message of the catalogue (a word such as
// "a string" or "attempts"): it is shown in the language of the text it fills.
type Term string

// Date is a day a message names, written in the language of the message
// ("2 January 2026", "2 Ionawr 2026").
type Date time.Time

// withTerms is data with its Terms, Dates and Words written out in lang;
// data itself when it has none, so the common case copies nothing.
func withTerms(lang Lang, data map[string]any) map[string]any {
	for _, v := range data {
		switch v.(type) {
		case Term, Date, Words:
		default:
			continue
		}
		out := make(map[string]any, len(data))
		for k, v := range data {
			switch x := v.(type) {
			case Term:
				v = Text(lang, string(x), nil)
			case Words:
				v = x.For(lang)
			case Date:
				t := time.Time(x)
				v = fmt.Sprintf("%d %s %d", t.Day(), Text(lang, fmt.Sprintf("term.month.%d", t.Month()), nil), t.Year())
			}
			out[k] = v
		}
		return out
	}
	return data
}

// Message is a text kept for later: its id in the catalogue and its values,
// as a record stores it, so that it is shown in the reader's language rather
// than the writer's. Values are kept as their text (a count's text still
// chooses its plural form); Terms are kept apart, as the ids they are.
type Message struct {
	ID    string            `json:"id"`
	Args  map[string]string `json:"args,omitempty"`
	Terms map[string]string `json:"terms,omitempty"`
}

// NewMessage keeps the message id with data.
func NewMessage(id string, data map[string]any) *Message {
	m := &Message{ID: id}
	for k, v := range data {
		if t, ok := v.(Term); ok {
			if m.Terms == nil {
				m.Terms = map[string]string{}
			}
			m.Terms[k] = string(t)
			continue
		}
		if m.Args == nil {
			m.Args = map[string]string{}
		}
		if d, ok := v.(Date); ok {
			v = time.Time(d).Format(time.DateOnly)
		}
		m.Args[k] = fmt.Sprint(v)
	}
	return m
}

// Data is the message's values as Text takes them.
func (m *Message) Data() map[string]any {
	if len(m.Args)+len(m.Terms) == 0 {
		return nil
	}
	out := make(map[string]any, len(m.Args)+len(m.Terms))
	for k, v := range m.Args {
		out[k] = v
	}
	for k, v := range m.Terms {
		out[k] = Term(v)
	}
	return out
}

// In is the message in lang.
func (m *Message) In(lang Lang) string { return Text(lang, m.ID, m.Data()) }

// Lookup is the message id in lang with data filled in, and whether the
// catalogue has it.
func Lookup(lang Lang, id string, data map[string]any) (string, bool) {
	s := Text(lang, id, data)
	return s, s != id
}
