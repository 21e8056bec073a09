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
	"maps"
	"sync"

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
// the plural form (Welsh has six: zero, one, two, few, many, other). An id the
// catalogue lacks is given back as it is, so that a missing message shows.
func Text(lang Lang, id string, data map[string]any) string {
	c := load()
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[English]
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id, TemplateData: wordsIn(lang, data)}
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

// wordsIn is data with every Words value in lang (data itself when it has
// none, as almost every message's has not).
func wordsIn(lang Lang, data map[string]any) map[string]any {
	out, cloned := data, false
	for k, v := range data {
		if w, ok := v.(Words); ok {
			if !cloned {
				out, cloned = maps.Clone(data), true
			}
			out[k] = w.For(lang)
		}
	}
	return out
}
