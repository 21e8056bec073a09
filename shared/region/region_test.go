package region

import (
	"testing"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

func TestIdentifierPatterns(t *testing.T) {
	cases := []struct {
		p    pattern
		s    string
		want bool
	}{
		{idPattern, "west-wales", true}, {idPattern, "a", true}, {idPattern, "0fund-9", true},
		{idPattern, "", false}, {idPattern, "-lead", false}, {idPattern, "Upper", false}, {idPattern, "has space", false},
		{idPattern, "a" + string(make([]byte, 63)), false}, {idPattern, "under_score", false}, {idPattern, "é", false},
		{codePattern, "W06000010", true}, {codePattern, "E54000008", true}, {codePattern, "w06", false},
		{codePattern, "", false}, {codePattern, "ABCDEFGHIJKLMNOPQ", false}, {codePattern, "W06-1", false},
	}
	for _, c := range cases {
		if got := c.p.match(c.s); got != c.want {
			t.Errorf("%s.match(%q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
	long := make([]byte, 63)
	for i := range long {
		long[i] = 'a'
	}
	if !idPattern.match(string(long)) || idPattern.match(string(long)+"a") {
		t.Error("ids are 1 to 63 characters")
	}
}

// A region built in code is checked by the registry as a file is.
func TestRegistryChecksRegionsBuiltInCode(t *testing.T) {
	r := &Region{ID: "built", Name: "Built", Languages: []i18n.Lang{i18n.English}, Country: "wales", Timezone: "Europe/London",
		Categories:   []Term{{ID: "residential", Name: "Residential care"}, {ID: "other", Name: "Other"}},
		Roles:        []Term{{ID: "chief-finance-officer", Name: "Chief finance officer"}},
		Areas:        []Area{{Code: "A1", Name: "Area"}},
		PartnerTypes: []PartnerType{{ID: "council", Name: "Council", Disciplines: []Discipline{SocialCare}}},
		Partners:     []Partner{{ID: "p", Name: "P", Type: "council", Areas: []string{"A1"}}},
		Funds: []Fund{{ID: "f", Name: "F", Host: "p", Members: []string{"p", "q"}, FinancialYears: []string{"2020-21"}, RiskShare: "each-cell-own",
			SpendCategories: []string{"residential"}, IncomeSources: []string{"other"}, ApprovedBy: "Board",
			ReportSignOffs: []SignOffRule{{PartnerType: "council", Roles: []string{"chief-finance-officer"}}}}},
	}
	if _, err := NewRegistry(r); err == nil || err.Error() != `region "built": /funds/0/members/1/partner: "q" is not a partner of the region` {
		t.Fatalf("got %v", err)
	}
	r.Partners = append(r.Partners, Partner{ID: "q", Name: "Q", Type: "council", Areas: []string{"A1"}})
	reg, err := NewRegistry(r)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := reg.Get("built"); got.Location().String() != "Europe/London" || !got.Funds[0].HasYear(got.Funds[0].Years()[0]) {
		t.Errorf("lookups not derived: %+v", got)
	}
	if _, err := NewRegistry(r, r); err == nil {
		t.Error("a region configured twice was accepted")
	}
}
