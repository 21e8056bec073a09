package region

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

func load(t *testing.T, file string) *Region {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return r
}

// Asked in Welsh, West Wales names everything in Welsh; asked in English, in
// English; its ids and codes are the same in both.
func TestWestWalesInWelshAndEnglish(t *testing.T) {
	r := load(t, shipped[0])
	cy, en := r.In(i18n.Welsh), r.In(i18n.English)
	carm, _ := cy.Partner("carmarthenshire")
	hd, _ := cy.Partner("hywel-dda")
	fund, _ := cy.Fund("care-homes-older-people")
	role, _ := cy.Role("chief-finance-officer")
	for got, want := range map[string]string{
		cy.Name: "Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru", carm.Name: "Cyngor Sir Gâr", hd.Name: "Bwrdd Iechyd Prifysgol Hywel Dda",
		cy.Areas[0].Name + ", " + cy.Areas[1].Name + ", " + cy.Areas[2].Name: "Sir Gaerfyrddin, Ceredigion, Sir Benfro",
		cy.PartnerTypes[1].Name: "Bwrdd iechyd lleol", fund.Name: "Cronfa gyfun cartrefi gofal i bobl hŷn",
		fund.ApprovedBy: "Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru", role.Name: "Prif swyddog cyllid", cy.Categories[0].Name: "Gofal preswyl",
		cy.KPIs[0].Name: "Y ffi wythnosol gyfartalog a dalwyd",
	} {
		if got != want {
			t.Errorf("in Welsh: %q, want %q", got, want)
		}
	}
	if carm, _ := en.Partner("carmarthenshire"); carm.Name != "Carmarthenshire County Council" || en.Areas[0].Name != "Carmarthenshire" || en.Name != "West Wales Regional Partnership Board" {
		t.Errorf("in English: %s, %s, %s", en.Name, carm.Name, en.Areas[0].Name)
	}
	// The same configuration but its words: the Welsh with its names taken
	// out is the English with its names taken out.
	if a, b := withoutNames(t, cy), withoutNames(t, en); a != b {
		t.Errorf("the Welsh region differs from the English in more than names:\n cy %s\n en %s", a, b)
	}
	// As a person reads it, a name is just a name: no names beside it.
	if b, _ := json.Marshal(cy); strings.Contains(string(b), `"names"`) || strings.Contains(string(b), `"approvedByNames"`) || !strings.Contains(string(b), `"languages":["en","cy"]`) {
		t.Errorf("the region in Welsh: %s", b)
	}
	// The configuration itself is unchanged, and every lookup is there.
	if p, _ := r.Partner("carmarthenshire"); p.Name != "Carmarthenshire County Council" || p.Names[i18n.Welsh] != "Cyngor Sir Gâr" || p.NameIn(i18n.Welsh) != "Cyngor Sir Gâr" {
		t.Errorf("the configuration changed: %+v", p)
	}
	if f, _ := cy.Fund("care-homes-older-people"); len(f.Years()) != 9 || cy.Location() == nil {
		t.Errorf("the Welsh region lost its lookups")
	}
}

// A Welsh request in an English region gets the names the region has: its
// English ones.
func TestAnEnglishRegionInWelshKeepsItsNames(t *testing.T) {
	r := load(t, shipped[2])
	if len(r.Languages) != 1 || r.Languages[0] != i18n.English {
		t.Fatalf("wiltshire's languages: %v", r.Languages)
	}
	cy := r.In(i18n.Welsh)
	if p, _ := cy.Partner("wiltshire-council"); p.Name != "Wiltshire Council" || cy.Name != r.Name {
		t.Errorf("wiltshire in Welsh: %s, %s", cy.Name, p.Name)
	}
	if a := cy.Funds[0].Assurances[0]; a.Name != r.Funds[0].Assurances[0].Name || a.Words().For(i18n.Welsh) != a.Name {
		t.Errorf("an assurance in Welsh: %q", a.Name)
	}
}

func withoutNames(t *testing.T, r *Region) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "name")
			delete(v, "approvedBy")
			for _, c := range v {
				strip(c)
			}
		case []any:
			for _, c := range v {
				strip(c)
			}
		}
	}
	strip(v)
	b, _ = json.Marshal(v)
	return string(b)
}

// A region that declares Welsh but leaves a partner without its Welsh name
// does not load, and the error names the file and the place.
func TestAWelshRegionWithoutAWelshNameDoesNotLoad(t *testing.T) {
	data := edit(t, func(m map[string]any) {
		delete(item(m, "partners", 0), "names")
		delete(item(m, "kpis", 2), "names")
	})
	_, err := LoadFS(fstest.MapFS{"west-wales.json": {Data: data}})
	if err == nil {
		t.Fatal("a Welsh region without a partner's Welsh name loaded")
	}
	for _, want := range []string{
		"west-wales.json: 2 faults:",
		"/partners/0/names/cy: required: the region's languages include cy, so every name is given in it too",
		"/kpis/2/names/cy: required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}
