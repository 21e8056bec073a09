package apitest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The English regions' worked examples: positions under each risk-share
// model with figures added up by hand, each year's members, and a Better
// Care Fund report with its KPIs and assurances. Every figure below is in
// pence where it matters and is worked out in the comments.

// bcfContribution is a Better Care Fund contribution of one line.
func bcfContribution(t *testing.T, fund, year, discipline, area, stream, amount string) []byte {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"lines": []any{map[string]any{"discipline": discipline, "areaCode": area, "type": "cash",
		"amount": amount, "description": "Pooled budget", "fundingStream": stream}}, "approvedBy": "Director of Finance", "approvedOn": "2019-03-28"})
	return b
}

// bcfReturn is a quarterly return of one spend line, with the fund's
// assurances answered when asked (the host's returns), and KPI values.
func bcfReturn(t *testing.T, fund, quarter, discipline, area, category, actual, forecast string, assurances []string, kpis map[string]string) []byte {
	t.Helper()
	doc := map[string]any{"fundId": fund, "quarter": quarter,
		"spend":      []any{map[string]any{"discipline": discipline, "areaCode": area, "category": category, "actualToDate": actual, "forecastOutturn": forecast}},
		"riskRating": "green"} // a Better Care Fund asks for no placement activity
	if len(assurances) > 0 {
		var as []any
		for i, code := range assurances {
			a := map[string]any{"code": code, "met": i != 1}
			if i == 1 {
				a["commentary"] = "The uplift was agreed after the quarter closed."
			}
			as = append(as, a)
		}
		doc["assurances"] = as
	}
	if len(kpis) > 0 {
		var ks []any
		for code, v := range kpis {
			ks = append(ks, map[string]any{"code": code, "value": v, "unit": "percent"})
		}
		doc["kpis"] = ks
	}
	b, _ := json.Marshal(doc)
	return b
}

var nationalConditions = []string{"national-condition-1", "national-condition-2", "national-condition-3", "national-condition-4"}

type sharedDoc struct {
	RiskShare *struct {
		Model               string
		Variance, Overspend string
		Underspend          string
		Shares              []struct {
			Partner               string
			ShareOfVariance       *string
			Overspend, Underspend *string
			RemainderPenny        bool
		}
	}
	Partners []struct{ Partner string }
}

func (e *Env) putOK(t *testing.T, region, partner, path string, body []byte) {
	t.Helper()
	if r := e.Put(SlicePath(region, partner)+path, e.PartnerToken(region, partner), body); r.Status != 201 {
		t.Fatalf("%s %s: %d %s", partner, path, r.Status, r.Body)
	}
}

func (e *Env) shared(t *testing.T, region, fund, query string) sharedDoc {
	t.Helper()
	r := e.Get(fmt.Sprintf("/v1/regions/%s/funds/%s/position?%s", region, fund, query), e.RCUToken(region))
	expectStatus(t, r, 200)
	var d sharedDoc
	if err := json.Unmarshal(r.Body, &d); err != nil || d.RiskShare == nil {
		t.Fatalf("position without a shared variance: %v %s", err, r.Body)
	}
	return d
}

// shares are each member's share of the variance, as "partner share".
func (d sharedDoc) shares() []string {
	var out []string
	for _, s := range d.RiskShare.Shares {
		v := "null"
		if s.ShareOfVariance != nil {
			v = *s.ShareOfVariance
		}
		out = append(out, s.Partner+" "+v)
	}
	return out
}

func sameList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// Cheshire West 2019-20: the council and both CCGs share the fund's net
// variance pro rata to their contributions, £9m : £6m : £3m (3:2:1).
// Forecasts over contribution: council +£600.01, West Cheshire +£400.00,
// Vale Royal £0.00: V = +£1,000.01 = 100,001p. Exact shares 50,000.5p,
// 33,333.67p and 16,666.83p; floors 50,000 + 33,333 + 16,666 = 99,999p,
// so two pennies go to the largest remainders (.83 Vale Royal, .67 West
// Cheshire): £500.00, £333.34, £166.67. In 2022-23 the members are the
// council and the ICB only.
func testCheshireWestProRata(t *testing.T, e *Env) {
	const cw, fund, council, west, vale = "cheshire-west", "better-care-fund", "cheshire-west-and-chester", "west-cheshire-ccg", "vale-royal-ccg"
	pc := "/pool-contributions/" + fund + "/2019-20"
	e.putOK(t, cw, council, pc, bcfContribution(t, fund, "2019-20", "social-care", "E06000050", "local-authority-bcf", "9000000.00"))
	e.putOK(t, cw, west, pc, bcfContribution(t, fund, "2019-20", "health", "E06000050", "nhs-minimum-contribution", "6000000.00"))
	e.putOK(t, cw, vale, pc, bcfContribution(t, fund, "2019-20", "health", "E06000050", "nhs-minimum-contribution", "3000000.00"))
	qr := "/quarterly-returns/" + fund + "/2019-20-Q2"
	e.putOK(t, cw, council, qr, bcfReturn(t, fund, "2019-20-Q2", "social-care", "E06000050", "home-care", "4500000.00", "9000600.01", nationalConditions, nil))
	e.putOK(t, cw, west, qr, bcfReturn(t, fund, "2019-20-Q2", "health", "E06000050", "bed-based-intermediate-care", "3000000.00", "6000400.00", nil, nil))
	e.putOK(t, cw, vale, qr, bcfReturn(t, fund, "2019-20-Q2", "health", "E06000050", "home-care", "1500000.00", "3000000.00", nil, nil))
	d := e.shared(t, cw, fund, "financialYear=2019-20")
	if d.RiskShare.Model != "pro-rata-contributions" || d.RiskShare.Variance != "1000.01" || d.RiskShare.Overspend != "1000.01" {
		t.Errorf("the fund's variance: %+v", *d.RiskShare)
	}
	sameList(t, "2019-20 shares", d.shares(), []string{council + " 500.00", west + " 333.34", vale + " 166.67"})
	// The ICB was not a member in 2019-20, and the CCGs are not in 2022-23.
	expectError(t, e.Put(SlicePath(cw, "cheshire-and-merseyside-icb")+pc, e.PartnerToken(cw, "cheshire-and-merseyside-icb"),
		bcfContribution(t, fund, "2019-20", "health", "E06000050", "nhs-minimum-contribution", "1.00")), "fund.not-member-in-year", "financialYear")
	e.putOK(t, cw, council, "/pool-contributions/"+fund+"/2022-23", bcfContribution(t, fund, "2022-23", "social-care", "E06000050", "local-authority-bcf", "100.00"))
	r := e.Get("/v1/regions/cheshire-west/funds/better-care-fund/position?financialYear=2022-23", e.RCUToken(cw))
	expectStatus(t, r, 200)
	var later sharedDoc
	json.Unmarshal(r.Body, &later)
	var members []string
	for _, p := range later.Partners {
		members = append(members, p.Partner)
	}
	sameList(t, "2022-23 members", members, []string{council, "cheshire-and-merseyside-icb"})
}

// Wiltshire: the Better Care Fund's variance is shared 45/55 between the
// council and that year's NHS body, and the mental health and learning
// disabilities pool's is borne by the host.
//
// BCF 2023-24 as at Q1: council forecast £2,000,000.00 against £2,000,000.01
// contributed (−£0.01), BSW ICB £3,000,000.00 against £3,000,000.02
// (−£0.02): V = −£0.03, an underspend of 3p shared 45:55: exact 1.35p and
// 1.65p, floors 1 + 1 = 2, the remaining penny to the larger remainder
// (.65, the ICB): council −£0.01, ICB −£0.02.
//
// MH/LD 2024-25 as at Q1: the council +£1,500.75 over, the ICB −£500.00
// under: V = +£1,000.75, all the host's.
func testWiltshireSharesAndHost(t *testing.T, e *Env) {
	const wi, council, icb = "wiltshire", "wiltshire-council", "bsw-icb"
	const bcf, mhld = "better-care-fund", "mental-health-learning-disabilities"
	e.putOK(t, wi, council, "/pool-contributions/"+bcf+"/2023-24", bcfContribution(t, bcf, "2023-24", "social-care", "E06000054", "local-authority-bcf", "2000000.01"))
	e.putOK(t, wi, icb, "/pool-contributions/"+bcf+"/2023-24", bcfContribution(t, bcf, "2023-24", "health", "E06000054", "nhs-minimum-contribution", "3000000.02"))
	e.putOK(t, wi, council, "/quarterly-returns/"+bcf+"/2023-24-Q1", bcfReturn(t, bcf, "2023-24-Q1", "social-care", "E06000054", "home-care", "500000.00", "2000000.00", nationalConditions, nil))
	e.putOK(t, wi, icb, "/quarterly-returns/"+bcf+"/2023-24-Q1", bcfReturn(t, bcf, "2023-24-Q1", "health", "E06000054", "home-care", "750000.00", "3000000.00", nil, nil))
	d := e.shared(t, wi, bcf, "financialYear=2023-24")
	if d.RiskShare.Model != "fixed-shares" || d.RiskShare.Variance != "-0.03" || d.RiskShare.Underspend != "0.03" {
		t.Errorf("the BCF's variance: %+v", *d.RiskShare)
	}
	sameList(t, "BCF shares", d.shares(), []string{council + " -0.01", icb + " -0.02"})

	mhldContribution := func(discipline, amount string) []byte {
		b, _ := json.Marshal(map[string]any{"lines": []any{map[string]any{"discipline": discipline, "areaCode": "E06000054", "type": "cash",
			"amount": amount, "description": "Pooled budget"}}, "approvedBy": "Director of Finance", "approvedOn": "2024-03-28"})
		return b
	}
	e.putOK(t, wi, council, "/pool-contributions/"+mhld+"/2024-25", mhldContribution("social-care", "10000000.00"))
	e.putOK(t, wi, icb, "/pool-contributions/"+mhld+"/2024-25", mhldContribution("health", "8000000.00"))
	e.putOK(t, wi, council, "/quarterly-returns/"+mhld+"/2024-25-Q1", bcfReturn(t, mhld, "2024-25-Q1", "social-care", "E06000054", "mental-health-placements", "2500000.00", "10001500.75", nil, nil))
	e.putOK(t, wi, icb, "/quarterly-returns/"+mhld+"/2024-25-Q1", bcfReturn(t, mhld, "2024-25-Q1", "health", "E06000054", "learning-disabilities-placements", "2000000.00", "7999500.00", nil, nil))
	h := e.shared(t, wi, mhld, "financialYear=2024-25")
	if h.RiskShare.Model != "host-bears" || h.RiskShare.Variance != "1000.75" {
		t.Errorf("the MH/LD pool's variance: %+v", *h.RiskShare)
	}
	sameList(t, "MH/LD shares", h.shares(), []string{council + " 1000.75", icb + " 0.00"})
}

// A Better Care Fund report shows each member's KPI against its plan, the
// host's answers to the national conditions, and the sign-offs the fund
// asks: every member's chief executive and the council's S151 officer.
func testBCFReportContent(t *testing.T, e *Env) {
	const wi, bcf, council, icb = "wiltshire", "better-care-fund", "wiltshire-council", "bsw-icb"
	contribution := Edit(t, Example(t, "wiltshire-pool-contribution.json"), func(map[string]any) {})
	e.putOK(t, wi, council, "/pool-contributions/"+bcf+"/2023-24", contribution)
	e.putOK(t, wi, icb, "/pool-contributions/"+bcf+"/2023-24", bcfContribution(t, bcf, "2023-24", "health", "E06000054", "nhs-minimum-contribution", "20000000.00"))
	e.putOK(t, wi, council, "/quarterly-returns/"+bcf+"/2023-24-Q2", bcfReturn(t, bcf, "2023-24-Q2", "social-care", "E06000054", "home-care", "8000000.00", "17000000.00",
		nationalConditions, map[string]string{"discharge-to-usual-residence": "92.7"}))
	r := e.Get("/v1/regions/wiltshire/funds/better-care-fund/reports/2023-24-Q2", e.RCUToken(wi))
	expectStatus(t, r, 200)
	var rep struct {
		Status string
		KPIs   []struct {
			Partner, Code, Direction string
			Plan, Actual             *string
			OnTrack                  *bool
		}
		Assurances []struct {
			Code   string
			Answer *struct {
				Met        bool
				Commentary string
			}
		}
		RequiredSignOffs []struct{ Partner, Role string }
	}
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatal(err)
	}
	// The plan for Q2 is 92.8%, higher is better: 92.7% is off track.
	if len(rep.KPIs) != 1 || rep.KPIs[0].Code != "discharge-to-usual-residence" || rep.KPIs[0].Plan == nil || *rep.KPIs[0].Plan != "92.8" ||
		rep.KPIs[0].Actual == nil || *rep.KPIs[0].Actual != "92.7" || rep.KPIs[0].OnTrack == nil || *rep.KPIs[0].OnTrack {
		t.Errorf("KPIs: %s", r.Body)
	}
	if len(rep.Assurances) != 4 || rep.Assurances[1].Answer == nil || rep.Assurances[1].Answer.Met || rep.Assurances[1].Answer.Commentary == "" ||
		rep.Assurances[0].Answer == nil || !rep.Assurances[0].Answer.Met {
		t.Errorf("assurances: %+v", rep.Assurances)
	}
	var required []string
	for _, q := range rep.RequiredSignOffs {
		required = append(required, q.Partner+" "+q.Role)
	}
	sameList(t, "required sign-offs", required, []string{council + " chief-executive", council + " s151-officer", icb + " chief-executive"})
	if rep.Status != "awaiting-sign-off" {
		t.Errorf("status %s", rep.Status)
	}
}

// Government exports each English region's year like West Wales's: the
// contribution lines name their funding stream, the KPI plans and the host's
// answers to the fund's assurances are tables of their own, and the same
// data exports to the same bytes.
func testEnglishExports(t *testing.T, e *Env) {
	const cw, wi, bcf = "cheshire-west", "wiltshire", "better-care-fund"
	e.putOK(t, cw, "cheshire-west-and-chester", "/quarterly-returns/"+bcf+"/2019-20-Q2", Example(t, "cheshire-west-quarterly-return.json"))
	e.putOK(t, wi, "wiltshire-council", "/pool-contributions/"+bcf+"/2023-24", Example(t, "wiltshire-pool-contribution.json"))
	gov := e.GovToken()
	for _, c := range []struct {
		region, year string
		want         map[string][]string // file: what it must hold
	}{
		{cw, "2019-20", map[string][]string{
			"quarterly_return_assurances.csv": {"better-care-fund,2019-20-Q2", "national-condition-1"},
			"quarterly_return_lines.csv":      {"6204310.55", "dfg-related-schemes"},
		}},
		{wi, "2023-24", map[string][]string{
			"pool_contributions.csv":          {"funding_stream", "disabled-facilities-grant", "4183562.00"},
			"pool_contribution_kpi_plans.csv": {"discharge-to-usual-residence", "2023-24-Q2"},
		}},
	} {
		first := requestYearExport(t, e, gov, c.region, c.year, "csv")
		if first.State != "ready" {
			t.Fatalf("%s export: %+v", c.region, first)
		}
		for file, wants := range c.want {
			body := string(download(t, e, first, file))
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s does not hold %q:\n%s", c.region, file, w, body)
				}
			}
		}
		a, b := fileHashes(t, e, first), fileHashes(t, e, requestYearExport(t, e, gov, c.region, c.year, "csv"))
		for name, h := range a {
			if b[name] != h {
				t.Errorf("%s: %s differs between two exports of the same data", c.region, name)
			}
		}
	}
}

// testEnglishWalkthrough is the README's walk-through for Wiltshire, with
// its example files: both members' 2023-24 contributions to the Better
// Care Fund and the council's Q2 return; the position shares the variance
// 45/55; the report is signed by each member's chief executive and the
// council's S151 officer, then approved by the Health and Wellbeing Board.
//
// The council's forecast, £19,443,562.00, is over its contribution,
// £17,122,007.00, by V = £2,321,555.00 (the ICB has sent no return, so its
// cell has no actuals): the council bears 45%, £1,044,699.75, the ICB 55%,
// £1,276,855.25, each exact.
func testEnglishWalkthrough(t *testing.T, e *Env) {
	const wi, bcf, council, icb = "wiltshire", "better-care-fund", "wiltshire-council", "bsw-icb"
	e.putOK(t, wi, council, "/pool-contributions/"+bcf+"/2023-24", Example(t, "wiltshire-pool-contribution.json"))
	e.putOK(t, wi, icb, "/pool-contributions/"+bcf+"/2023-24", Example(t, "wiltshire-icb-pool-contribution.json"))
	e.putOK(t, wi, council, "/quarterly-returns/"+bcf+"/2023-24-Q2", Example(t, "wiltshire-quarterly-return.json"))
	// The CCG that ended in 2019-20 cannot send for 2023-24.
	old := e.Put(SlicePath(wi, "wiltshire-ccg")+"/pool-contributions/"+bcf+"/2023-24", e.PartnerToken(wi, "wiltshire-ccg"), Example(t, "wiltshire-icb-pool-contribution.json"))
	expectError(t, old, "fund.not-member-in-year", "financialYear")

	pos := e.shared(t, wi, bcf, "financialYear=2023-24")
	if pos.RiskShare.Model != "fixed-shares" || pos.RiskShare.Variance != "2321555.00" {
		t.Errorf("the fund's variance: %+v", *pos.RiskShare)
	}
	sameList(t, "45/55 shares", pos.shares(), []string{council + " 1044699.75", icb + " 1276855.25"})

	path := "/v1/regions/wiltshire/funds/better-care-fund/reports/2023-24-Q2"
	r := e.Get(path, e.PartnerToken(wi, icb)) // a member reads its fund's report
	expectStatus(t, r, 200)
	etag := r.Header.Get("ETag")
	for _, s := range []struct{ partner, role string }{{council, "chief-executive"}, {council, "s151-officer"}, {icb, "chief-executive"}} {
		signed := e.Do(Req{Method: "POST", Path: path + "/signoffs", Token: e.PartnerToken(wi, s.partner), Header: map[string]string{"If-Match": etag},
			Body: []byte(`{"signatory":"` + s.role + ` of ` + s.partner + `","role":"` + s.role + `"}`)})
		expectStatus(t, signed, 201)
	}
	approved := e.Do(Req{Method: "POST", Path: path + "/approval", Token: e.BoardToken(wi), Header: map[string]string{"If-Match": etag},
		Body: []byte(`{"approvedBy":"Wiltshire Health and Wellbeing Board","reference":"HWB minute 2023/58","approvedOn":"2023-11-16"}`)})
	expectStatus(t, approved, 201)
	var rep struct {
		Status string
		KPIs   []struct{ OnTrack *bool }
	}
	json.Unmarshal(approved.Body, &rep)
	if rep.Status != "approved" || len(rep.KPIs) != 1 || rep.KPIs[0].OnTrack == nil || !*rep.KPIs[0].OnTrack {
		t.Errorf("the approved report: %s", approved.Body)
	}
}
