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
