package submission_test

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Every rule of the published catalogue has its message in English and in
// Welsh, and the two differ: the catalogue is not English under a Welsh tag.
func TestEveryRuleHasItsMessageInBothLanguages(t *testing.T) {
	en, cy := submission.CatalogueIn(i18n.English), submission.CatalogueIn(i18n.Welsh)
	if len(en) != len(cy) || len(en) == 0 {
		t.Fatalf("%d rules in English, %d in Welsh", len(en), len(cy))
	}
	for i := range en {
		switch {
		case en[i].Code != cy[i].Code || en[i].Severity != cy[i].Severity || strings.Join(en[i].Fields, ",") != strings.Join(cy[i].Fields, ","):
			t.Errorf("%s: the Welsh entry differs in more than words: %+v", en[i].Code, cy[i])
		case en[i].Message == "rule."+en[i].Code || cy[i].Message == "rule."+cy[i].Code:
			t.Errorf("%s has no message in the catalogue", en[i].Code)
		case en[i].Message == cy[i].Message:
			t.Errorf("%s: the Welsh message is the English one: %q", en[i].Code, cy[i].Message)
		}
	}
}

// A warning is kept with its message's id and values and read in the
// reader's language; one stored before, in English only, is read in Welsh
// as its rule's message, and in English as it was.
func TestStoredWarningsAreReadInTheReadersLanguage(t *testing.T) {
	kept := submission.Warning{Code: "forecast.below-actual", Pointer: "/spend/0/forecastOutturn", Message: "Forecast outturn 100.00 is below actual to date 120.00.",
		Text: i18n.NewMessage("finding.forecast-below-actual", map[string]any{"Forecast": "100.00", "Actual": "120.00"})}
	en, cy := kept.In(i18n.English), kept.In(i18n.Welsh)
	if en.Message != kept.Message || en.Text != nil || cy.Text != nil {
		t.Errorf("in English: %+v", en)
	}
	if cy.Message == en.Message || !strings.Contains(cy.Message, "100.00") || !strings.Contains(cy.Message, "120.00") || cy.Code != kept.Code || cy.Pointer != kept.Pointer {
		t.Errorf("in Welsh: %+v", cy)
	}
	old := submission.Warning{Code: "forecast.below-actual", Pointer: "/spend/0/forecastOutturn", Message: "Forecast outturn 100.00 is below actual to date 120.00."}
	if got := old.In(i18n.English); got != old {
		t.Errorf("an old warning in English: %+v", got)
	}
	if got := old.In(i18n.Welsh); got.Message != i18n.Text(i18n.Welsh, "rule.forecast.below-actual", nil) || got.Code != old.Code {
		t.Errorf("an old warning in Welsh: %+v", got)
	}
}
