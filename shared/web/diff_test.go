package web

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func line(category, actual string) string {
	return `{"actualToDate":"` + actual + `","areaCode":"W06000010","category":"` + category + `","discipline":"social-care","forecastOutturn":"100.00"}`
}

func returnDoc(extra string, lines ...string) []byte {
	return []byte(`{` + extra + `"fundId":"f","quarter":"2018-19-Q2","riskRating":"amber","spend":[` + strings.Join(lines, ",") + `]}`)
}

// rows is each change as "op pointer: before -> after", in the words a
// page shows.
func rows(t *testing.T, prev, cur []byte) []string {
	t.Helper()
	v := &visit{lang: i18n.English}
	cs, err := documentChanges(prev, cur)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.Op+" "+c.Pointer+" ("+pointerLabel(v, c.Pointer)+"): "+
			diffValue(v, submission.QuarterlyReturns, c.Pointer, c.Before, c.Op == changeAdded)+" -> "+
			diffValue(v, submission.QuarterlyReturns, c.Pointer, c.After, c.Op == changeRemoved))
	}
	return out
}

func same(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestAChangedAmountIsShownInPoundsAtItsField(t *testing.T) {
	same(t, rows(t, returnDoc("", line("residential", "4102337.18"), line("nursing", "2890110.40")),
		returnDoc("", line("residential", "4102337.18"), line("nursing", "2990110.40"))),
		"changed /spend/1/actualToDate (Spend, item 2, Actual to date): £2,890,110.40 -> £2,990,110.40")
}

func TestNothingChangedIsNoChange(t *testing.T) {
	doc := returnDoc("", line("residential", "1.00"))
	same(t, rows(t, doc, doc))
}

func TestALineRemovedInTheMiddleIsThatLineRemovedNotTheRestChanged(t *testing.T) {
	same(t, rows(t, returnDoc("", line("residential", "1.00"), line("nursing", "2.00"), line("respite", "3.00")),
		returnDoc("", line("residential", "1.00"), line("respite", "3.00"))),
		"removed /spend/1 (Spend, item 2): Actual to date: £2.00; Area: W06000010; Category: nursing; Discipline: social-care; Forecast outturn: £100.00 -> —")
}

func TestRemovedItemsAreNumberedAsThePreviousVersionHadThem(t *testing.T) {
	// A line added first, then the old second line removed: the patch
	// removes it at /spend/2 (after the add), the previous version had it
	// at /spend/1.
	same(t, rows(t, returnDoc("", line("residential", "1.00"), line("nursing", "2.00"), line("respite", "3.00")),
		returnDoc("", line("nursing-dementia", "9.00"), line("residential", "1.00"), line("respite", "3.00"))),
		"added /spend/0 (Spend, item 1): — -> Actual to date: £9.00; Area: W06000010; Category: nursing-dementia; Discipline: social-care; Forecast outturn: £100.00",
		"removed /spend/1 (Spend, item 2): Actual to date: £2.00; Area: W06000010; Category: nursing; Discipline: social-care; Forecast outturn: £100.00 -> —")
	// Two lines removed from the front, one added at the end.
	same(t, rows(t, returnDoc("", line("residential", "1.00"), line("nursing", "2.00"), line("respite", "3.00")),
		returnDoc("", line("respite", "3.00"), line("nursing-dementia", "4.00"))),
		"removed /spend/0 (Spend, item 1): Actual to date: £1.00; Area: W06000010; Category: residential; Discipline: social-care; Forecast outturn: £100.00 -> —",
		"removed /spend/1 (Spend, item 2): Actual to date: £2.00; Area: W06000010; Category: nursing; Discipline: social-care; Forecast outturn: £100.00 -> —",
		"added /spend/1 (Spend, item 2): — -> Actual to date: £4.00; Area: W06000010; Category: nursing-dementia; Discipline: social-care; Forecast outturn: £100.00")
}

func TestFieldsAddedAndRemovedAndPlainValuesChanged(t *testing.T) {
	same(t, rows(t, returnDoc(`"activity":{"bedWeeks":10},"commentary":"First.",`, line("residential", "1.00")),
		returnDoc(`"activity":{"bedWeeks":12},"final":true,`, line("residential", "1.00"))),
		"changed /activity/bedWeeks (Placement activity, Bed-weeks): 10 -> 12",
		"removed /commentary (Commentary): First. -> —",
		"added /final (Final): — -> Yes")
}

func TestADocumentThatIsNoJSONIsAnError(t *testing.T) {
	if _, err := documentChanges([]byte(`{"a":1}`), []byte(`{`)); err == nil {
		t.Error("no error")
	}
}
