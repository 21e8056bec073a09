package region

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

var shipped = []string{"../../infra/regions/west-wales.json", "../../infra/regions/cheshire-west.json", "../../infra/regions/wiltshire.json"}

// The product's region files load, with their lookups derived.
func TestShippedRegionsLoad(t *testing.T) {
	for _, f := range shipped {
		r := load(t, f)
		if r.Location() == nil || r.Location().String() != "Europe/London" {
			t.Errorf("%s: location %v", f, r.Location())
		}
		for _, fund := range r.Funds {
			ys := fund.Years()
			if len(ys) != len(fund.FinancialYears) {
				t.Errorf("%s: %s has years %v", f, fund.ID, ys)
			}
			for i := 1; i < len(ys); i++ {
				if ys[i-1].Start >= ys[i].Start {
					t.Errorf("%s: %s years out of order: %v", f, fund.ID, ys)
				}
			}
		}
	}
}

// A file with five different mistakes does not load, and the one error
// names all five, each at its JSON Pointer: an unknown field, an area, a
// member and a host that do not exist or do not belong, a malformed year.
func TestFiveMistakesAllNamed(t *testing.T) {
	broken, err := os.ReadFile("testdata/five-mistakes.json")
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(shipped[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadFS(fstest.MapFS{"west-wales.json": {Data: good}, "five-mistakes.json": {Data: broken}})
	if err == nil {
		t.Fatal("a region with five mistakes loaded")
	}
	for _, want := range FiveMistakes {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %q:\n%v", want, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "five-mistakes.json: 5 faults:") {
		t.Errorf("the error does not start with the file and the count:\n%v", err)
	}
}

// FiveMistakes are the faults of testdata/five-mistakes.json as the error names them.
var FiveMistakes = []string{
	"/partners/1/website: not a field",
	`/partners/2/areas/1: "W06000009" is not an area of the region`,
	`/funds/0/members/2/partner: "hywel-da" is not a partner of the region`,
	`/funds/0/financialYears/1: "2025-2026": a financial year is YYYY-YY`,
	`/funds/1/host: the host "carmarthenshire" is not a member of the fund in 2026-27`,
}

// edit applies a change to West Wales's configuration as decoded JSON.
func edit(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	data, err := os.ReadFile(shipped[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// members is a fund's members in every one of its years.
func members(ids ...string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"partner": id}
	}
	return out
}

func item(m map[string]any, list string, i int) map[string]any {
	return m[list].([]any)[i].(map[string]any)
}

// Every rule of a configuration, each broken alone, is reported at its place
// (with what follows from it: a partner renamed is no longer a fund's member).
func TestEveryRuleNamesItsPlace(t *testing.T) {
	cases := []struct {
		name, pointer, says string
		change              func(m map[string]any)
	}{
		{"region id", "/id", "is not an id", func(m map[string]any) { m["id"] = "West Wales" }},
		{"region name", "/name", "required", func(m map[string]any) { m["name"] = "" }},
		{"country", "/country", "required", func(m map[string]any) { delete(m, "country") }},
		{"unknown zone", "/timezone", `"Europe/Cardiff" is not a time zone`, func(m map[string]any) { m["timezone"] = "Europe/Cardiff" }},
		{"no zone", "/timezone", "is not a time zone", func(m map[string]any) { m["timezone"] = "" }},
		{"the machine's zone", "/timezone", "is not a time zone", func(m map[string]any) { m["timezone"] = "Local" }},
		{"area code", "/areas/1/code", "is not a code", func(m map[string]any) { item(m, "areas", 1)["code"] = "w06000008" }},
		{"area named twice", "/areas/2/code", `"W06000010" is given twice (first as item 0)`, func(m map[string]any) { item(m, "areas", 2)["code"] = "W06000010" }},
		{"area name", "/areas/0/name", "required", func(m map[string]any) { item(m, "areas", 0)["name"] = "" }},
		{"partner type id", "/partnerTypes/0/id", "is not an id", func(m map[string]any) { item(m, "partnerTypes", 0)["id"] = "-council" }},
		{"partner type twice", "/partnerTypes/1/id", "given twice", func(m map[string]any) { item(m, "partnerTypes", 1)["id"] = "local-authority" }},
		{"discipline", "/partnerTypes/1/disciplines/0", `"dentistry" is not one of health, social-care`, func(m map[string]any) {
			item(m, "partnerTypes", 1)["disciplines"] = []any{"dentistry"}
		}},
		{"partner id", "/partners/0/id", "is not an id", func(m map[string]any) { item(m, "partners", 0)["id"] = "carmarthenshire_cc" }},
		{"partner twice", "/partners/3/id", `"ceredigion" is given twice (first as item 1)`, func(m map[string]any) { item(m, "partners", 3)["id"] = "ceredigion" }},
		{"partner type", "/partners/0/type", `"council" is not a partner type`, func(m map[string]any) { item(m, "partners", 0)["type"] = "council" }},
		{"partner code", "/partners/3/code", "is not a code", func(m map[string]any) { item(m, "partners", 3)["code"] = "W11-25" }},
		{"partner serves no area", "/partners/1/areas", "lists at least 1", func(m map[string]any) { item(m, "partners", 1)["areas"] = []any{} }},
		{"partner serves an unknown area", "/partners/3/areas/2", `"W06000011" is not an area`, func(m map[string]any) {
			item(m, "partners", 3)["areas"] = []any{"W06000010", "W06000008", "W06000011"}
		}},
		{"fund id", "/funds/1/id", "is not an id", func(m map[string]any) { item(m, "funds", 1)["id"] = "" }},
		{"fund twice", "/funds/1/id", "given twice", func(m map[string]any) { item(m, "funds", 1)["id"] = "care-homes-older-people" }},
		{"host not a member", "/funds/0/host", `the host "hywel-dda" is not a member of the fund in 2018-19`, func(m map[string]any) {
			item(m, "funds", 0)["members"] = members("carmarthenshire", "ceredigion", "pembrokeshire")
			item(m, "funds", 0)["host"] = "hywel-dda"
		}},
		{"host not a member every year", "/funds/0/host", `the host "hywel-dda" is not a member of the fund in 2020-21`, func(m map[string]any) {
			item(m, "funds", 0)["members"] = []any{map[string]any{"partner": "hywel-dda", "until": "2019-20"},
				map[string]any{"partner": "carmarthenshire"}, map[string]any{"partner": "ceredigion"}}
			item(m, "funds", 0)["host"] = "hywel-dda"
		}},
		{"no host", "/funds/0/host", "required", func(m map[string]any) { delete(item(m, "funds", 0), "host") }},
		{"no members", "/funds/0/members", "lists at least 1", func(m map[string]any) { item(m, "funds", 0)["members"] = nil }},
		{"member not a partner", "/funds/0/members/3/partner", `"powys" is not a partner`, func(m map[string]any) {
			item(m, "funds", 0)["members"] = members("carmarthenshire", "ceredigion", "pembrokeshire", "powys")
		}},
		{"member twice", "/funds/0/members/2/partner", `"ceredigion" is already a member in some of these years (item 1)`, func(m map[string]any) {
			item(m, "funds", 0)["members"] = members("carmarthenshire", "ceredigion", "ceredigion")
		}},
		{"memberships overlap", "/funds/0/members/2/partner", `"ceredigion" is already a member in some of these years (item 1)`, func(m map[string]any) {
			item(m, "funds", 0)["members"] = []any{map[string]any{"partner": "carmarthenshire"}, map[string]any{"partner": "ceredigion", "until": "2020-21"},
				map[string]any{"partner": "ceredigion", "from": "2020-21"}, map[string]any{"partner": "pembrokeshire"}}
		}},
		{"a membership ends before it starts", "/funds/0/members/1/until", "2019-20 is before the membership's first year 2021-22", func(m map[string]any) {
			item(m, "funds", 0)["members"] = []any{map[string]any{"partner": "carmarthenshire"}, map[string]any{"partner": "ceredigion", "from": "2021-22", "until": "2019-20"},
				map[string]any{"partner": "pembrokeshire"}}
		}},
		{"a membership outside the fund's years", "/funds/1/members/1/from", "2025-26 is not a year of the fund", func(m map[string]any) {
			item(m, "funds", 1)["members"] = []any{map[string]any{"partner": "carmarthenshire"}, map[string]any{"partner": "ceredigion", "from": "2025-26"},
				map[string]any{"partner": "pembrokeshire"}}
		}},
		{"a year with one member", "/funds/0/members", "2020-21 has 1 member(s): a pooled fund has at least two every year", func(m map[string]any) {
			item(m, "funds", 0)["members"] = []any{map[string]any{"partner": "carmarthenshire"}, map[string]any{"partner": "ceredigion", "until": "2019-20"},
				map[string]any{"partner": "pembrokeshire", "from": "2021-22"}}
		}},
		{"a share without fixed shares", "/funds/0/members/1/share", "but the fund's risk share is each-cell-own", func(m map[string]any) {
			item(m, "funds", 0)["members"].([]any)[1].(map[string]any)["share"] = 50
		}},
		{"fixed shares without a share", "/funds/0/members/2/share", "required", func(m map[string]any) {
			f := item(m, "funds", 0)
			f["riskShare"] = "fixed-shares"
			f["members"] = []any{map[string]any{"partner": "carmarthenshire", "share": 40}, map[string]any{"partner": "ceredigion", "share": 60},
				map[string]any{"partner": "pembrokeshire"}}
		}},
		{"fixed shares not summing to 100", "/funds/1/members", "the members' shares in 2026-27 sum to 99.5%, not 100%", func(m map[string]any) {
			f := item(m, "funds", 1)
			f["riskShare"] = "fixed-shares"
			f["members"] = []any{map[string]any{"partner": "carmarthenshire", "share": 45}, map[string]any{"partner": "ceredigion", "share": 54.5}}
		}},
		{"a share of nothing", "/funds/1/members/0/share", "is not more than 0%", func(m map[string]any) {
			f := item(m, "funds", 1)
			f["riskShare"] = "fixed-shares"
			f["members"] = []any{map[string]any{"partner": "carmarthenshire", "share": 0}, map[string]any{"partner": "ceredigion", "share": 100}}
		}},
		{"a share too precise", "/funds/1/members/0/share", "at most two decimals", func(m map[string]any) {
			f := item(m, "funds", 1)
			f["riskShare"] = "fixed-shares"
			f["members"] = []any{map[string]any{"partner": "carmarthenshire", "share": 33.333}, map[string]any{"partner": "ceredigion", "share": 66.667}}
		}},
		{"no spend categories", "/funds/0/spendCategories", "lists at least 1", func(m map[string]any) { item(m, "funds", 0)["spendCategories"] = []any{} }},
		{"a spend category twice", "/funds/0/spendCategories/2", "given twice", func(m map[string]any) {
			item(m, "funds", 0)["spendCategories"] = []any{"residential", "nursing", "residential"}
		}},
		{"an income source not a category", "/funds/0/incomeSources/0", `"Client contributions" is not one of the region's categories`, func(m map[string]any) {
			item(m, "funds", 0)["incomeSources"] = []any{"Client contributions"}
		}},
		{"a spend category not a category", "/funds/1/spendCategories/1", `"nursing-home" is not one of the region's categories`, func(m map[string]any) {
			item(m, "funds", 1)["spendCategories"] = []any{"residential", "nursing-home"}
		}},
		{"a category id", "/categories/0/id", "is not an id", func(m map[string]any) { item(m, "categories", 0)["id"] = "Residential" }},
		{"a category twice", "/categories/7/id", `"residential" is given twice (first as item 0)`, func(m map[string]any) { item(m, "categories", 7)["id"] = "residential" }},
		{"a category name", "/categories/2/name", "required", func(m map[string]any) { delete(item(m, "categories", 2), "name") }},
		{"a role not the region's", "/funds/0/reportSignOffs/1/roles/0", `"finance-director" is not one of the region's roles`, func(m map[string]any) {
			item(m, "funds", 0)["reportSignOffs"].([]any)[1].(map[string]any)["roles"] = []any{"finance-director"}
		}},
		{"a role twice", "/roles/1/id", "given twice", func(m map[string]any) {
			m["roles"] = append(m["roles"].([]any), map[string]any{"id": "chief-finance-officer", "name": "CFO", "names": map[string]any{"cy": "PSC"}})
		}},
		{"no languages", "/languages", "lists at least 1", func(m map[string]any) { m["languages"] = []any{} }},
		{"a language the service does not answer in", "/languages/1", `"fr" is not a language the service answers in (en, cy)`, func(m map[string]any) { m["languages"] = []any{"en", "fr"} }},
		{"a language twice", "/languages/2", `"cy" is given twice (first as item 1)`, func(m map[string]any) { m["languages"] = []any{"en", "cy", "cy"} }},
		{"a name not given in Welsh", "/partners/0/names/cy", "required: the region's languages include cy", func(m map[string]any) { delete(item(m, "partners", 0), "names") }},
		{"a Welsh name left empty", "/kpis/3/names/cy", "required: the region's languages include cy", func(m map[string]any) { item(m, "kpis", 3)["names"] = map[string]any{"cy": " "} }},
		{"the region's name not in Welsh", "/names/cy", "required", func(m map[string]any) { delete(m, "names") }},
		{"a board not named in Welsh", "/funds/1/approvedByNames/cy", "required", func(m map[string]any) { delete(item(m, "funds", 1), "approvedByNames") }},
		{"a role not named in Welsh", "/roles/0/names/cy", "required", func(m map[string]any) { item(m, "roles", 0)["names"] = map[string]any{} }},
		{"a name in a language not declared", "/areas/1/names/fr", "a name in fr, which is not one of the region's languages after its first (cy)", func(m map[string]any) {
			item(m, "areas", 1)["names"] = map[string]any{"cy": "Ceredigion", "fr": "Ceredigion"}
		}},
		{"a name in the first language", "/partnerTypes/0/names/en", "a name in en", func(m map[string]any) {
			item(m, "partnerTypes", 0)["names"] = map[string]any{"cy": "Cyngor sir", "en": "County council"}
		}},
		{"Welsh names in a region that gives names in English only", "/funds/0/names/cy", "a name in cy, which is not one of the region's languages after its first (none)", func(m map[string]any) {
			m["languages"] = []any{"en"}
		}},
		{"names not an object", "/areas/0/names", "expected an object, got string", func(m map[string]any) { item(m, "areas", 0)["names"] = "Sir Gaerfyrddin" }},
		{"report sign-off partner type", "/funds/0/reportSignOffs/0/partnerType", `"council" is not a partner type`, func(m map[string]any) {
			item(m, "funds", 0)["reportSignOffs"].([]any)[0].(map[string]any)["partnerType"] = "council"
		}},
		{"no approving board", "/funds/0/approvedBy", "required", func(m map[string]any) { delete(item(m, "funds", 0), "approvedBy") }},
		{"kpi direction", "/kpis/1/direction", `"down" is not one of lower-is-better, higher-is-better`, func(m map[string]any) { item(m, "kpis", 1)["direction"] = "down" }},
		{"financial year", "/funds/1/financialYears/0", `"2026/27": a financial year is YYYY-YY`, func(m map[string]any) {
			item(m, "funds", 1)["financialYears"] = []any{"2026/27"}
		}},
		{"year twice", "/funds/1/financialYears/1", "given twice", func(m map[string]any) { item(m, "funds", 1)["financialYears"] = []any{"2026-27", "2026-27"} }},
		{"no years", "/funds/1/financialYears", "lists at least 1", func(m map[string]any) { item(m, "funds", 1)["financialYears"] = []any{} }},
		{"risk share", "/funds/0/riskShare", `"pooled" is not one of each-cell-own, pro-rata-contributions, fixed-shares, host-bears`, func(m map[string]any) { item(m, "funds", 0)["riskShare"] = "pooled" }},
		{"kpi code", "/kpis/0/code", "is not an id", func(m map[string]any) { item(m, "kpis", 0)["code"] = "Avg weekly fee" }},
		{"kpi twice", "/kpis/4/code", "given twice", func(m map[string]any) { item(m, "kpis", 4)["code"] = "avg-weekly-fee" }},
		{"kpi unit", "/kpis/1/unit", "required", func(m map[string]any) { delete(item(m, "kpis", 1), "unit") }},
		{"negative due days", "/dueDates/quarterlyReturnDaysAfterQuarterEnd", "-1 is less than 0", func(m map[string]any) {
			m["dueDates"].(map[string]any)["quarterlyReturnDaysAfterQuarterEnd"] = -1
		}},
		{"unknown field", "/funds/0/riskshare", "not a field", func(m map[string]any) { item(m, "funds", 0)["riskshare"] = "each-cell-own" }},
		{"wrong type", "/partners/2/areas", "expected an array, got string", func(m map[string]any) { item(m, "partners", 2)["areas"] = "W06000009" }},
		{"not a whole number", "/dueDates/poolContributionDaysBeforeYearStart", "expected a whole number, got 1.5", func(m map[string]any) {
			m["dueDates"].(map[string]any)["poolContributionDaysBeforeYearStart"] = 1.5
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(edit(t, c.change))
			faults, ok := err.(Faults)
			if !ok {
				t.Fatalf("got %v, want faults", err)
			}
			if !slices.ContainsFunc(faults, func(f Fault) bool { return f.Pointer == c.pointer && strings.Contains(f.Message, c.says) }) {
				t.Errorf("got %v\nwant a fault at %s saying %q", faults, c.pointer, c.says)
			}
		})
	}
}

// A value of the wrong type stops the rules (they would judge what
// encoding/json left, not what the file says) but not the other decoding
// faults; bad JSON is refused as such.
func TestParseRefuses(t *testing.T) {
	for body, want := range map[string]string{
		`{"areas":[{"code":7,"colour":"red"}],"surprise":1}`:       "3 faults:\n\t/areas/0/colour: not a field of a region's configuration\n\t/surprise: not a field of a region's configuration\n\t/areas/0/code: expected a string, got number",
		`{"dueDates":{"quarterlyReturnDaysAfterQuarterEnd":"30"}}`: "/dueDates/quarterlyReturnDaysAfterQuarterEnd: expected a whole number, got string",
		`{"funds":{"id":"f"}}`:                                     "/funds: expected an array, got object",
		`[]`:                                                       "/: expected an object, got array",
		`{"id":"x"`:                                                "ended before",
		`{"id":"a","id":"b"}`:                                      "/id: given twice",
	} {
		_, err := Parse([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", body, err, want)
		}
	}
}
