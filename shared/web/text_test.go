package web

import (
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// A message with values is kept once said, and said again as the catalogue
// says it: each plural form of Welsh and English, a date, names with
// markup, after the kept messages have been let go, and values of another
// kind (looked up each time).
func TestMessagesWithValuesAreSaidAsTheCatalogueSaysThem(t *testing.T) {
	defer func(n int64) { maxValueTexts = n }(maxValueTexts)
	maxValueTexts = 5
	type ask struct {
		id   string
		data map[string]any
	}
	var asks []ask
	for _, n := range []int{0, 1, 2, 3, 6, 11, 100} {
		asks = append(asks, ask{"page.upload.errors", map[string]any{"Count": n}})
	}
	asks = append(asks, ask{"page.datetime", map[string]any{"Day": 5, "Month": "Medi", "Year": 2018, "Time": "14:03"}},
		ask{"page.signed-in-as", map[string]any{"Name": "<b>Ann</b>"}}, ask{"page.signed-in-as", map[string]any{"Name": "Ann"}},
		ask{"page.version.name", map[string]any{"Version": int64(3)}}, ask{"page.version.name", map[string]any{"Version": 3.5}})
	for range 3 {
		for _, lang := range []i18n.Lang{i18n.English, i18n.Welsh} {
			for _, a := range asks {
				if got, want := text(lang, a.id, a.data), i18n.Text(lang, a.id, a.data); got != want {
					t.Errorf("%s %s %v: %q, the catalogue says %q", lang, a.id, a.data, got, want)
				}
			}
		}
	}
	var n int64 // the messages kept, counted: valueCount is reset with them, so it is no measure
	valueTexts.Range(func(any, any) bool { n++; return true })
	if n > maxValueTexts {
		t.Errorf("%d messages kept, at most %d", n, maxValueTexts)
	}
}
