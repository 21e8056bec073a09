package apitest

import (
	"strings"
	"testing"
)

func testSecondRegion(t *testing.T, e *Env) {
	const cw, council, icb = "cheshire-west", "cheshire-west-and-chester", "cheshire-and-merseyside-icb"
	pool := func(partner, discipline string) []byte {
		return Edit(t, Example(t, "pool-contribution.json"), func(m map[string]any) {
			m["fundId"], m["financialYear"] = "better-care-fund", "2025-26"
			for _, l := range m["lines"].([]any) {
				l.(map[string]any)["areaCode"] = "E06000050"
				l.(map[string]any)["discipline"] = discipline
			}
		})
	}
	path := func(partner string) string {
		return SlicePath(cw, partner) + "/pool-contributions/better-care-fund/2025-26"
	}
	expectStatus(t, e.Put(path(council), e.PartnerToken(cw, council), pool(council, "social-care")), 201)
	expectStatus(t, e.Put(path(icb), e.PartnerToken(cw, icb), pool(icb, "health")), 201)
	r := e.Put(path(icb), e.PartnerToken(cw, icb), pool(icb, "social-care"))
	expectError(t, r, "partner.discipline-not-allowed", "/lines/0/discipline")
	qr := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
		m["fundId"], m["quarter"] = "better-care-fund", "2025-26-Q1"
		for _, l := range m["spend"].([]any) {
			l.(map[string]any)["areaCode"] = "E06000050"
		}
		m["income"].([]any)[0].(map[string]any)["areaCode"] = "E06000050"
	})
	qrPath := SlicePath(cw, council) + "/quarterly-returns/better-care-fund/2025-26-Q1"
	expectError(t, e.Put(qrPath, e.PartnerToken(cw, council), qr), "kpi.unknown-code", "/kpis/0/code")
	qr = Edit(t, qr, func(m map[string]any) {
		m["kpis"] = []any{map[string]any{"code": "discharge-to-usual-residence", "value": "93.1", "unit": "percent"}}
	})
	expectStatus(t, e.Put(qrPath, e.PartnerToken(cw, council), qr), 201)
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
