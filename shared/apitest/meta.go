package apitest

import (
	"strings"
	"testing"
)

func testSecondRegion(t *testing.T, e *Env) {
	const cw, council, icb = "cheshire-west", "cheshire-west-and-chester", "cheshire-and-merseyside-icb"
	// Its fund names a funding stream on every contribution line.
	streams := map[string][]string{"social-care": {"local-authority-bcf", "additional-contribution"}, "health": {"nhs-minimum-contribution", "additional-contribution"}}
	pool := func(year, discipline string) []byte {
		return Edit(t, Example(t, "pool-contribution.json"), func(m map[string]any) {
			m["fundId"], m["financialYear"] = "better-care-fund", year
			for i, l := range m["lines"].([]any) {
				l.(map[string]any)["areaCode"] = "E06000050"
				l.(map[string]any)["discipline"] = discipline
				l.(map[string]any)["fundingStream"] = streams[discipline][i]
			}
		})
	}
	path := func(partner, year string) string {
		return SlicePath(cw, partner) + "/pool-contributions/better-care-fund/" + year
	}
	expectStatus(t, e.Put(path(council, "2025-26"), e.PartnerToken(cw, council), pool("2025-26", "social-care")), 201)
	expectStatus(t, e.Put(path(icb, "2025-26"), e.PartnerToken(cw, icb), pool("2025-26", "health")), 201)
	r := e.Put(path(icb, "2025-26"), e.PartnerToken(cw, icb), pool("2025-26", "social-care"))
	expectError(t, r, "partner.discipline-not-allowed", "/lines/0/discipline")
	// Members year by year: NHS West Cheshire CCG contributed until 2019-20.
	const westCCG = "west-cheshire-ccg"
	expectStatus(t, e.Put(path(westCCG, "2019-20"), e.PartnerToken(cw, westCCG), pool("2019-20", "health")), 201)
	expectError(t, e.Put(path(westCCG, "2021-22"), e.PartnerToken(cw, westCCG), pool("2021-22", "health")), "fund.not-member-in-year", "financialYear")
	// West Wales's care-home categories mean nothing to a Better Care Fund:
	// its scheme types do; and the host answers the national conditions.
	qr := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
		m["fundId"], m["quarter"] = "better-care-fund", "2025-26-Q1"
		for _, l := range m["spend"].([]any) {
			l.(map[string]any)["areaCode"] = "E06000050"
		}
		m["income"].([]any)[0].(map[string]any)["areaCode"] = "E06000050"
	})
	qrPath := SlicePath(cw, council) + "/quarterly-returns/better-care-fund/2025-26-Q1"
	r = e.Put(qrPath, e.PartnerToken(cw, council), qr)
	expectError(t, r, "kpi.unknown-code", "/kpis/0/code")
	expectError(t, r, "spend-category.invalid", "/spend/0/category")
	expectError(t, r, "assurance.missing", "/assurances")
	bcf := Edit(t, Example(t, "cheshire-west-quarterly-return.json"), func(m map[string]any) { m["quarter"] = "2025-26-Q1" })
	expectStatus(t, e.Put(qrPath, e.PartnerToken(cw, council), bcf), 201)
	// West Wales' areas mean nothing here.
	expectError(t, e.Put(SlicePath(cw, council)+"/population-assessments/W06000010/2022", e.PartnerToken(cw, council),
		Example(t, "population-assessment.json")), "area.unknown", "areaCode")
}

func testMetaRoutes(t *testing.T, e *Env) {
	h := e.Get("/v1/health", "")
	expectStatus(t, h, 200)
	me := e.Get("/v1/me", e.PartnerToken(WW, Carm)).JSON(t)
	if me["partner"] != Carm || me["region"] != WW || len(me["scopes"].([]any)) != 3 {
		t.Errorf("me: %v", me)
	}
	if rcu := e.Get("/v1/me", e.RCUToken(WW)).JSON(t); rcu["partner"] != nil {
		t.Errorf("RCU me: %v", rcu)
	}
	rules := e.Get("/v1/rules", e.GovToken()).JSON(t)["rules"].([]any)
	codes := map[string]bool{}
	for _, r := range rules {
		codes[r.(map[string]any)["code"].(string)] = true
	}
	for _, c := range []string{"money.too-many-decimals", "quarter.outside-fund-years", "partner.discipline-not-allowed", "actual.decreased"} {
		if !codes[c] {
			t.Errorf("catalogue lacks %s", c)
		}
	}
	reg := e.Get("/v1/regions/west-wales", e.RCUToken(WW)).JSON(t)
	if len(reg["partners"].([]any)) != 4 || reg["locks"] == nil {
		t.Errorf("region: %v", reg)
	}
}

func testRequestIDs(t *testing.T, e *Env) {
	r := e.Get(QRPath, e.PartnerToken(WW, Cere))
	expectStatus(t, r, 403)
	id := r.Header.Get("X-Request-Id")
	if id == "" || r.JSON(t)["requestId"] != id {
		t.Fatalf("problem requestId %v, header %q", r.JSON(t)["requestId"], id)
	}
	lines := e.Logs.Lines(id)
	if len(lines) == 0 || !strings.Contains(lines[0], `"request_id":"`+id+`"`) {
		t.Errorf("no structured log line carries %s: %v", id, lines)
	}
}
