package apitest

import (
	"encoding/json"
	"strings"
	"testing"
)

// The names of a region's things come in the language asked where the
// region gives them in it: West Wales in Welsh and in English; an English
// region's in English, whatever is asked, with its problems in Welsh.
func testRegionNames(t *testing.T, e *Env) {
	rcu := e.RCUToken(WW)
	en, cy := e.Get("/v1/regions/west-wales", rcu), e.Get("/v1/regions/west-wales?lang=cy", rcu)
	expectStatus(t, en, 200)
	expectStatus(t, cy, 200)
	expectLanguage(t, cy, "cy")
	type named struct{ ID, Code, Name string }
	var ren, rcy struct {
		Name       string
		Languages  []string
		Areas      []named
		Partners   []named
		Funds      []struct{ ID, Name, ApprovedBy string }
		KPIs       []named
		Categories []named
		Roles      []named
	}
	decode(t, en, &ren)
	decode(t, cy, &rcy)
	names := func(ns []named) string {
		var out []string
		for _, n := range ns {
			id := n.ID
			if id == "" {
				id = n.Code
			}
			out = append(out, id+"="+n.Name)
		}
		return strings.Join(out, ", ")
	}
	for _, c := range []struct{ what, got, want string }{
		{"region", rcy.Name, "Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru"},
		{"languages", strings.Join(rcy.Languages, " "), "en cy"},
		{"partners", names(rcy.Partners), "carmarthenshire=Cyngor Sir Gâr, ceredigion=Cyngor Sir Ceredigion, pembrokeshire=Cyngor Sir Penfro, hywel-dda=Bwrdd Iechyd Prifysgol Hywel Dda"},
		{"areas", names(rcy.Areas), "W06000010=Sir Gaerfyrddin, W06000008=Ceredigion, W06000009=Sir Benfro"},
		{"fund", rcy.Funds[0].ID + "=" + rcy.Funds[0].Name + "; " + rcy.Funds[0].ApprovedBy, "care-homes-older-people=Cronfa gyfun cartrefi gofal i bobl hŷn; Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru"},
		{"role", names(rcy.Roles), "chief-finance-officer=Prif swyddog cyllid"},
		{"first category", names(rcy.Categories[:1]), "residential=Gofal preswyl"},
		{"first KPI", names(rcy.KPIs[:1]), "avg-weekly-fee=Y ffi wythnosol gyfartalog a dalwyd"},
		{"English region", ren.Name, "West Wales Regional Partnership Board"},
		{"English partners", names(ren.Partners[:1]), "carmarthenshire=Carmarthenshire County Council"},
		{"English areas", names(ren.Areas[:1]), "W06000010=Carmarthenshire"},
		{"English role", names(ren.Roles), "chief-finance-officer=Chief finance officer"},
	} {
		if c.got != c.want {
			t.Errorf("West Wales's %s: %q, want %q", c.what, c.got, c.want)
		}
	}
	if a, b := nameless(t, en.Body), nameless(t, cy.Body); a != b {
		t.Errorf("West Wales in Welsh differs from English in more than its names:\n en %s\n cy %s", a, b)
	}

	// The fund's report in Welsh names its KPIs and its board in Welsh, and
	// is the same content: the same ETag, which a sign-off names.
	if r := e.Put(QRPath, e.PartnerToken(WW, Carm), Example(t, "quarterly-return.json")); r.Status != 201 && r.Status != 200 {
		t.Fatalf("the example return: %d %s", r.Status, r.Body)
	}
	report := "/v1/regions/west-wales/funds/care-homes-older-people/reports/2018-19-Q2"
	en, cy = e.Get(report, rcu), e.Do(welsh(Req{Method: "GET", Path: report, Token: rcu}))
	expectStatus(t, en, 200)
	expectStatus(t, cy, 200)
	var pen, pcy struct {
		ApprovedBy    string
		ContentSHA256 string
		KPIs          []struct{ Partner, Code, Name string }
	}
	decode(t, en, &pen)
	decode(t, cy, &pcy)
	if pcy.ApprovedBy != "Bwrdd Partneriaeth Rhanbarthol Gorllewin Cymru" || pen.ApprovedBy != "West Wales Regional Partnership Board" {
		t.Errorf("the report's board: %q in Welsh, %q in English", pcy.ApprovedBy, pen.ApprovedBy)
	}
	if len(pcy.KPIs) != 1 || pcy.KPIs[0].Name != "Y ffi wythnosol gyfartalog a dalwyd" || len(pen.KPIs) != 1 || pen.KPIs[0].Name != "Average weekly fee paid" {
		t.Errorf("the report's KPIs: %+v in Welsh, %+v in English", pcy.KPIs, pen.KPIs)
	}
	if en.Header.Get("ETag") == "" || cy.Header.Get("ETag") != en.Header.Get("ETag") || pcy.ContentSHA256 != pen.ContentSHA256 {
		t.Errorf("the report's ETag: %q in Welsh, %q in English", cy.Header.Get("ETag"), en.Header.Get("ETag"))
	}
	if sum := contentSHA256(t, en.Body); sum != pen.ContentSHA256 {
		t.Errorf("contentSha256 %s, but the English content hashes to %s", pen.ContentSHA256, sum)
	}
	if a, b := nameless(t, en.Body), nameless(t, cy.Body); a != b {
		t.Errorf("the report in Welsh differs from English in more than its names:\n en %s\n cy %s", a, b)
	}

	// Wiltshire names its things in English only: asked in Welsh, the same
	// names; its problems in Welsh, naming its English words.
	wrcu := e.RCUToken(Wilts)
	en, cy = e.Get("/v1/regions/wiltshire", wrcu), e.Get("/v1/regions/wiltshire?lang=cy", wrcu)
	expectStatus(t, cy, 200)
	expectLanguage(t, cy, "cy")
	if string(en.Body) != string(cy.Body) || !strings.Contains(string(cy.Body), `"name":"Wiltshire Council"`) || !strings.Contains(string(cy.Body), `"languages":["en"]`) {
		t.Errorf("Wiltshire in Welsh is not Wiltshire as configured:\n en %.400s\n cy %.400s", en.Body, cy.Body)
	}
	const council, bcf = "wiltshire-council", "better-care-fund"
	body := bcfReturn(t, bcf, "2023-24-Q2", "social-care", "E06000054", "home-care", "8000000.00", "17000000.00", nationalConditions[:3], nil)
	r := e.Do(Req{Method: "PUT", Path: SlicePath(Wilts, council) + "/quarterly-returns/" + bcf + "/2023-24-Q2?lang=cy", Token: e.PartnerToken(Wilts, council), Body: body})
	expectError(t, r, "assurance.missing", "/assurances")
	expectLanguage(t, r, "cy")
	if !strings.Contains(string(r.Body), "Nid yw national-condition-4 (A plan for improving outcomes for people being discharged from hospital) wedi'i ateb.") {
		t.Errorf("the Welsh problem does not name the English assurance: %s", r.Body)
	}
}

// nameless is a JSON answer (its body, or decoded) without its names (every
// "name", and the report's and funds' "approvedBy"): what must not change
// with the language.
func nameless(t *testing.T, answer any) string {
	t.Helper()
	if body, ok := answer.([]byte); ok {
		answer = decodeAny(t, body)
	}
	b, _ := json.Marshal(without(answer, "name", "approvedBy"))
	return string(b)
}

func decodeAny(t *testing.T, body []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return v
}

// without is v without the members named keys, at any depth.
func without(v any, keys ...string) any {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range keys {
			delete(v, k)
		}
		for _, c := range v {
			without(c, keys...)
		}
	case []any:
		for _, c := range v {
			without(c, keys...)
		}
	}
	return v
}
