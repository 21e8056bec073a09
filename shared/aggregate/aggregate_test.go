package aggregate

import (
	"encoding/json"
	"errors"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/shared/money"
)

// --- document builders: canonical form, money as "x.yy" strings, counts as integers ---

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type pop struct {
	year         int
	band, sex    string
	count        int64
	group        string // set for a needs row
	isNeedsGroup bool
}

func popRow(year int, band, sex string, count int64) pop {
	return pop{year: year, band: band, sex: sex, count: count}
}

func needRow(group string, year int, count int64) pop {
	return pop{year: year, group: group, count: count, isNeedsGroup: true}
}

func popDoc(t testing.TB, area string, assessmentYear int, rows ...pop) []byte {
	population, needs := []map[string]any{}, []map[string]any{}
	for _, r := range rows {
		if r.isNeedsGroup {
			needs = append(needs, map[string]any{"group": r.group, "year": r.year, "count": r.count, "source": "test"})
			continue
		}
		population = append(population, map[string]any{"year": r.year, "ageBand": r.band, "sex": r.sex, "count": r.count})
	}
	return mustJSON(t, map[string]any{"areaCode": area, "assessmentYear": assessmentYear, "population": population, "needs": needs})
}

type home struct {
	category                      string
	homes, beds, occupied, vacant int64
	la, health, self              int64
	avg, min, max                 string
}

func mktDoc(t testing.TB, area, year string, homes ...home) []byte {
	rows := []map[string]any{}
	for _, h := range homes {
		rows = append(rows, map[string]any{
			"category": h.category, "homes": h.homes, "beds": h.beds, "occupiedBeds": h.occupied, "vacantBeds": h.vacant,
			"localAuthorityFunded": h.la, "healthFunded": h.health, "selfFunded": h.self,
			"averageWeeklyFee": h.avg, "minWeeklyFee": h.min, "maxWeeklyFee": h.max,
		})
	}
	return mustJSON(t, map[string]any{
		"areaCode": area, "financialYear": year, "careHomes": rows,
		"providers": 10, "closures": 1, "newEntrants": 2, "commissioningIntentions": []string{"x"},
	})
}

// occupiedHome is a category with only the figures the fee tests care about.
func occupiedHome(category string, beds, occupied int64, avg, min, max string) home {
	return home{category: category, homes: 1, beds: beds, occupied: occupied, la: occupied, avg: avg, min: min, max: max}
}

func council(id string, version int, doc []byte) Source {
	return Source{Partner: id, PartnerAreas: 1, Version: version, SHA256: "sha-" + id, Document: doc}
}

func healthBoard(id string, version int, doc []byte) Source {
	return Source{Partner: id, PartnerAreas: 3, Version: version, SHA256: "sha-" + id, Document: doc}
}

func pence(t testing.TB, s string) money.Pence {
	t.Helper()
	p, err := money.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func intp(v int) *int { return &v }

// --- Choose ---

func TestChoosePrefersCouncilFallsBackToHealthBoard(t *testing.T) {
	cer := council("ceredigion", 2, popDoc(t, "A", 2022, popRow(2021, "85+", "all", 100)))
	hbA := healthBoard("hywel-dda", 1, popDoc(t, "A", 2022, popRow(2021, "85+", "all", 7000)))
	hbB := healthBoard("hywel-dda", 1, popDoc(t, "B", 2022, popRow(2021, "85+", "all", 40)))
	for _, order := range [][]Source{{cer, hbA}, {hbA, cer}} {
		chosen := Choose(map[string][]Source{"A": order, "B": {hbB}, "C": {}})
		if got := chosen["A"].Partner; got != "ceredigion" {
			t.Errorf("area A with %v: chose %q, want the council", order, got)
		}
		if got := chosen["B"].Partner; got != "hywel-dda" {
			t.Errorf("area B: chose %q, want the health board (no council submitted)", got)
		}
		if _, ok := chosen["C"]; ok {
			t.Errorf("area C has no candidate but was chosen: %+v", chosen["C"])
		}
		agg, err := Population(intp(2022), []string{"A", "B", "C"}, chosen)
		if err != nil {
			t.Fatal(err)
		}
		// Never both added: 100 (council, A) + 40 (health board, B), not + 7000.
		want := []PopulationTotal{{PopulationRow{2021, "85+", "all", 140}, []string{"ceredigion", "hywel-dda"}}}
		if !reflect.DeepEqual(agg.Totals.Population, want) {
			t.Errorf("totals = %+v, want %+v", agg.Totals.Population, want)
		}
	}
}

func TestChooseTieBreaksDeterministically(t *testing.T) {
	a := council("aaa", 1, nil)
	b := council("bbb", 9, nil)
	oldA, newA := council("aaa", 1, nil), council("aaa", 2, nil)
	unset := Source{Partner: "000", PartnerAreas: 0} // an unset count must not beat a council
	for _, c := range []struct {
		list []Source
		want Source
	}{
		{[]Source{b, a}, a},
		{[]Source{a, b}, a},
		{[]Source{oldA, newA}, newA},
		{[]Source{unset, b}, b},
		{[]Source{healthBoard("aaa", 1, nil), b}, b},
	} {
		got := Choose(map[string][]Source{"X": c.list})["X"]
		if got.Partner != c.want.Partner || got.Version != c.want.Version {
			t.Errorf("Choose(%v) = %s v%d, want %s v%d", c.list, got.Partner, got.Version, c.want.Partner, c.want.Version)
		}
	}
}

// --- Market arithmetic ---

func TestWeightedAverageFeeHandComputed(t *testing.T) {
	cases := []struct {
		name       string
		a, b       home
		want       string
		minW, maxW string
	}{
		{
			// Σ fee × occupied = 74200 × 548 + 68071 × 213 = 40,661,600 + 14,499,123 = 55,160,723 pence·beds
			// Σ occupied = 548 + 213 = 761
			// 55,160,723 / 761 = 72,484 remainder 399; 399/761 ≈ 0.524 ≥ ½, so half-up gives 72,485 = £724.85
			// (truncation would give £724.84; the unweighted mean (742.00 + 680.71)/2 would be £711.36 rounded).
			name: "non-exact",
			a:    occupiedHome("residential", 610, 548, "742.00", "690.00", "1150.00"),
			b:    occupiedHome("residential", 250, 213, "680.71", "600.00", "990.00"),
			want: "724.85", minW: "600.00", maxW: "1150.00",
		},
		{
			// 74200 × 548 + 68025 × 212 = 40,661,600 + 14,421,300 = 55,082,900; Σ occupied = 760
			// 55,082,900 / 760 = 72,477 remainder 380 = exactly ½: half-up gives 72,478 = £724.78
			// (half-even and truncation would both give £724.77).
			name: "exact half",
			a:    occupiedHome("residential", 610, 548, "742.00", "690.00", "1150.00"),
			b:    occupiedHome("residential", 250, 212, "680.25", "680.00", "2000.00"),
			want: "724.78", minW: "680.00", maxW: "2000.00",
		},
		{
			// An area with no occupied beds has no weight: (92550 × 301 + 50000 × 0) / 301 = 925.50.
			name: "zero weight",
			a:    occupiedHome("nursing", 330, 301, "925.50", "860.00", "1400.00"),
			b:    occupiedHome("nursing", 10, 0, "500.00", "400.00", "600.00"),
			want: "925.50", minW: "400.00", maxW: "1400.00",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chosen := map[string]Source{
				"A": council("ca", 1, mktDoc(t, "A", "2024-25", c.a)),
				"B": council("cb", 1, mktDoc(t, "B", "2024-25", c.b)),
			}
			agg, err := Market("2024-25", []string{"A", "B"}, chosen)
			if err != nil {
				t.Fatal(err)
			}
			tot := agg.Totals[0]
			if tot.AverageWeeklyFee == nil || tot.AverageWeeklyFee.String() != c.want {
				t.Errorf("weighted average = %v, want %s", tot.AverageWeeklyFee, c.want)
			}
			if tot.MinWeeklyFee.String() != c.minW || tot.MaxWeeklyFee.String() != c.maxW {
				t.Errorf("min/max = %s/%s, want %s/%s", tot.MinWeeklyFee, tot.MaxWeeklyFee, c.minW, c.maxW)
			}
		})
	}
}

func TestWeightedAverageNullWithoutOccupiedBeds(t *testing.T) {
	chosen := map[string]Source{"A": council("ca", 1, mktDoc(t, "A", "2024-25", occupiedHome("respite", 0, 0, "500.00", "500.00", "500.00")))}
	agg, err := Market("2024-25", []string{"A"}, chosen)
	if err != nil {
		t.Fatal(err)
	}
	got := string(mustJSON(t, agg.Totals[0]))
	if !strings.Contains(got, `"occupancy":null,"averageWeeklyFee":null,"minWeeklyFee":"500.00"`) {
		t.Errorf("total = %s, want null occupancy and average", got)
	}
}

func TestOccupancyRounding(t *testing.T) {
	for _, c := range []struct {
		occupied, beds int64
		want           string // "" = null
	}{
		{548, 610, "0.8984"}, // 0.898360…
		{301, 330, "0.9121"}, // 0.912121…
		{1, 3, "0.3333"},
		{2, 3, "0.6667"},
		{1, 32, "0.0313"},    // 0.03125 exactly: half-up (half-even would give 0.0312)
		{1, 20000, "0.0001"}, // 0.00005 exactly
		{1, 20001, "0.0000"}, // just under half
		{9, 10, "0.9000"},    // always four places
		{7, 7, "1.0000"},
		{0, 5, "0.0000"},
		{0, 0, ""},
	} {
		got := occupancy(c.occupied, c.beds)
		if (got == nil) != (c.want == "") || (got != nil && *got != c.want) {
			show := "null"
			if got != nil {
				show = *got
			}
			t.Errorf("occupancy(%d, %d) = %s, want %q", c.occupied, c.beds, show, c.want)
		}
	}
}

func TestRoundHalfUpNegative(t *testing.T) {
	// Fees are never negative, but the helper must stay symmetric: −2.5 → −3, −2.4 → −2.
	for _, c := range []struct{ num, den, want int64 }{{-5, 2, -3}, {-12, 5, -2}, {5, 2, 3}, {12, 5, 2}, {0, 7, 0}} {
		if got := roundHalfUp(big.NewInt(c.num), big.NewInt(c.den)).Int64(); got != c.want {
			t.Errorf("roundHalfUp(%d/%d) = %d, want %d", c.num, c.den, got, c.want)
		}
	}
}

// --- Shapes and sources ---

func TestMarketTotalsNameSourcesAndMissingArea(t *testing.T) {
	chosen := Choose(map[string][]Source{
		"A": {council("ca", 3, mktDoc(t, "A", "2024-25", occupiedHome("nursing", 10, 9, "900.00", "800.00", "1000.00")))},
		"B": {healthBoard("hb", 1, mktDoc(t, "B", "2024-25",
			occupiedHome("residential", 20, 10, "700.00", "650.00", "750.00"),
			occupiedHome("nursing", 10, 5, "950.00", "900.00", "1100.00")))},
	})
	agg, err := Market("2024-25", []string{"A", "B", "C"}, chosen)
	if err != nil {
		t.Fatal(err)
	}
	var sources [][]string
	for _, tot := range agg.Totals {
		sources = append(sources, tot.Sources)
	}
	// Totals come in the dictionary's order (residential before nursing), each naming its partners.
	if want := [][]string{{"hb"}, {"ca", "hb"}}; !reflect.DeepEqual(sources, want) {
		t.Errorf("sources = %v, want %v", sources, want)
	}
	got := string(mustJSON(t, agg))
	want := `{"financialYear":"2024-25","areas":[` +
		`{"areaCode":"A","source":{"partner":"ca","version":3,"sha256":"sha-ca"},"careHomes":[` +
		`{"category":"nursing","homes":1,"beds":10,"occupiedBeds":9,"vacantBeds":0,"localAuthorityFunded":9,"healthFunded":0,"selfFunded":0,` +
		`"occupancy":"0.9000","averageWeeklyFee":"900.00","minWeeklyFee":"800.00","maxWeeklyFee":"1000.00"}],` +
		`"providers":10,"closures":1,"newEntrants":2},` +
		`{"areaCode":"B","source":{"partner":"hb","version":1,"sha256":"sha-hb"},"careHomes":[` +
		`{"category":"residential","homes":1,"beds":20,"occupiedBeds":10,"vacantBeds":0,"localAuthorityFunded":10,"healthFunded":0,"selfFunded":0,` +
		`"occupancy":"0.5000","averageWeeklyFee":"700.00","minWeeklyFee":"650.00","maxWeeklyFee":"750.00"},` +
		`{"category":"nursing","homes":1,"beds":10,"occupiedBeds":5,"vacantBeds":0,"localAuthorityFunded":5,"healthFunded":0,"selfFunded":0,` +
		`"occupancy":"0.5000","averageWeeklyFee":"950.00","minWeeklyFee":"900.00","maxWeeklyFee":"1100.00"}],` +
		`"providers":10,"closures":1,"newEntrants":2},` +
		`{"areaCode":"C","source":null,"careHomes":[],"providers":null,"closures":null,"newEntrants":null}],` +
		`"totals":[` +
		`{"category":"residential","homes":1,"beds":20,"occupiedBeds":10,"vacantBeds":0,"localAuthorityFunded":10,"healthFunded":0,"selfFunded":0,` +
		`"occupancy":"0.5000","averageWeeklyFee":"700.00","minWeeklyFee":"650.00","maxWeeklyFee":"750.00","sources":["hb"]},` +
		// (90000 × 9 + 95000 × 5) / 14 = (810,000 + 475,000) / 14 = 91,785.71… → 91,786 = £917.86; 14/20 = 0.7
		`{"category":"nursing","homes":2,"beds":20,"occupiedBeds":14,"vacantBeds":0,"localAuthorityFunded":14,"healthFunded":0,"selfFunded":0,` +
		`"occupancy":"0.7000","averageWeeklyFee":"917.86","minWeeklyFee":"800.00","maxWeeklyFee":"1100.00","sources":["ca","hb"]}]}`
	if got != want {
		t.Errorf("market JSON\n got %s\nwant %s", got, want)
	}
}

func TestPopulationAreaWithNoSource(t *testing.T) {
	agg, err := Population(nil, []string{"A", "B"}, map[string]Source{
		"A": council("ca", 1, popDoc(t, "A", 2021, popRow(2021, "0-17", "all", 5), needRow("carers", 2021, 2))),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := string(mustJSON(t, agg))
	want := `{"assessmentYear":null,"areas":[` +
		`{"areaCode":"A","source":{"partner":"ca","version":1,"sha256":"sha-ca","assessmentYear":2021},` +
		`"population":[{"year":2021,"ageBand":"0-17","sex":"all","count":5}],"needs":[{"group":"carers","year":2021,"count":2}]},` +
		`{"areaCode":"B","source":null,"population":[],"needs":[]}],` +
		`"totals":{"population":[{"year":2021,"ageBand":"0-17","sex":"all","count":5,"sources":["ca"]}],` +
		`"needs":[{"group":"carers","year":2021,"count":2,"sources":["ca"]}]}}`
	if got != want {
		t.Errorf("population JSON\n got %s\nwant %s", got, want)
	}
	empty, err := Population(intp(2022), []string{"A"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(mustJSON(t, empty)); got != `{"assessmentYear":2022,"areas":[{"areaCode":"A","source":null,"population":[],"needs":[]}],"totals":{"population":[],"needs":[]}}` {
		t.Errorf("empty aggregate = %s", got)
	}
}

func TestPopulationTotalsAcrossCouncilAndHealthBoard(t *testing.T) {
	chosen := Choose(map[string][]Source{
		"A": {council("ceredigion", 1, popDoc(t, "A", 2022,
			popRow(2030, "85+", "all", 3100), popRow(2021, "85+", "female", 1400), popRow(2021, "65-74", "all", 10900),
			popRow(2021, "85+", "all", 2300), needRow("carers", 2021, 8700), needRow("dementia", 2021, 1450)))},
		"B": {healthBoard("hywel-dda", 4, popDoc(t, "B", 2022,
			popRow(2021, "85+", "all", 3000), popRow(2021, "18-64", "male", 50000), needRow("dementia", 2021, 2000),
			needRow("dementia", 2030, 2600)))},
	})
	agg, err := Population(intp(2022), []string{"A", "B"}, chosen)
	if err != nil {
		t.Fatal(err)
	}
	both, cer, hdd := []string{"ceredigion", "hywel-dda"}, []string{"ceredigion"}, []string{"hywel-dda"}
	wantPop := []PopulationTotal{
		{PopulationRow{2021, "18-64", "male", 50000}, hdd},
		{PopulationRow{2021, "65-74", "all", 10900}, cer},
		{PopulationRow{2021, "85+", "all", 5300}, both}, // 2300 + 3000
		{PopulationRow{2021, "85+", "female", 1400}, cer},
		{PopulationRow{2030, "85+", "all", 3100}, cer},
	}
	wantNeeds := []NeedTotal{ // dictionary order: dementia before carers
		{NeedRow{"dementia", 2021, 3450}, both}, // 1450 + 2000
		{NeedRow{"dementia", 2030, 2600}, hdd},
		{NeedRow{"carers", 2021, 8700}, cer},
	}
	if !reflect.DeepEqual(agg.Totals.Population, wantPop) {
		t.Errorf("population totals = %+v\nwant %+v", agg.Totals.Population, wantPop)
	}
	if !reflect.DeepEqual(agg.Totals.Needs, wantNeeds) {
		t.Errorf("needs totals = %+v\nwant %+v", agg.Totals.Needs, wantNeeds)
	}
	if src := agg.Areas[1].Source; src == nil || src.Partner != "hywel-dda" || src.Version != 4 || src.AssessmentYear != 2022 {
		t.Errorf("area B source = %+v", src)
	}
}

// --- Errors ---

func TestErrors(t *testing.T) {
	maxProviders := `{"areaCode":"A","financialYear":"2024-25","careHomes":[],"providers":9223372036854775807,"closures":0,"newEntrants":0}`
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"not JSON", func() error {
			_, err := Population(nil, []string{"A"}, map[string]Source{"A": council("ca", 1, []byte(`{"areaCode":`))})
			return err
		}, "does not parse"},
		{"money with 3 decimals", func() error {
			_, err := Market("2024-25", []string{"A"}, map[string]Source{"A": council("ca", 1,
				mktDoc(t, "A", "2024-25", occupiedHome("nursing", 1, 1, "1.234", "1.00", "2.00")))})
			return err
		}, "more than 2 decimal places"},
		{"money missing", func() error {
			_, err := Market("2024-25", []string{"A"}, map[string]Source{"A": council("ca", 1,
				[]byte(`{"areaCode":"A","financialYear":"2024-25","careHomes":[{"category":"nursing","homes":1,"beds":1,"occupiedBeds":1,"vacantBeds":0,"localAuthorityFunded":0,"healthFunded":0,"selfFunded":0,"averageWeeklyFee":"1.00","minWeeklyFee":"1.00"}],"providers":1,"closures":0,"newEntrants":0}`))})
			return err
		}, "maxWeeklyFee: missing"},
		{"fractional count", func() error {
			_, err := Population(nil, []string{"A"}, map[string]Source{"A": council("ca", 1,
				[]byte(`{"areaCode":"A","assessmentYear":2022,"population":[{"year":2021,"ageBand":"0-17","sex":"all","count":1.5}]}`))})
			return err
		}, "population/0/count"},
		{"wrong area", func() error {
			_, err := Population(nil, []string{"A"}, map[string]Source{"A": council("ca", 1, popDoc(t, "B", 2022))})
			return err
		}, "areaCode"},
		{"wrong assessment year", func() error {
			_, err := Population(intp(2023), []string{"A"}, map[string]Source{"A": council("ca", 1, popDoc(t, "A", 2022))})
			return err
		}, "assessmentYear"},
		{"wrong financial year", func() error {
			_, err := Market("2023-24", []string{"A"}, map[string]Source{"A": council("ca", 1, mktDoc(t, "A", "2024-25"))})
			return err
		}, "financialYear"},
		{"duplicate row", func() error {
			_, err := Population(nil, []string{"A"}, map[string]Source{"A": council("ca", 1,
				popDoc(t, "A", 2022, popRow(2021, "85+", "all", 1), popRow(2021, "85+", "all", 1)))})
			return err
		}, "duplicate"},
		{"count overflow", func() error {
			_, err := Market("2024-25", []string{"A"}, map[string]Source{"A": council("ca", 1, []byte(strings.Replace(maxProviders, "9223372036854775807", "9223372036854775808", 1)))})
			return err
		}, "providers"},
	} {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestTotalOverflowIsErrOverflow(t *testing.T) {
	huge := home{category: "nursing", beds: 1 << 62, avg: "1.00", min: "1.00", max: "1.00"}
	_, err := Market("2024-25", []string{"A", "B"}, map[string]Source{
		"A": council("ca", 1, mktDoc(t, "A", "2024-25", huge)),
		"B": council("cb", 1, mktDoc(t, "B", "2024-25", huge)),
	})
	if !errors.Is(err, ErrOverflow) {
		t.Fatalf("err = %v, want ErrOverflow", err)
	}
}

// --- The example documents ---

// canonical rewrites an example as the service stores it: money as two-decimal strings.
func canonical(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	homes, _ := doc["careHomes"].([]any)
	for _, h := range homes {
		row := h.(map[string]any)
		for _, f := range []string{"averageWeeklyFee", "minWeeklyFee", "maxWeeklyFee"} {
			switch v := row[f].(type) {
			case json.Number:
				row[f] = pence(t, v.String()).String()
			case string:
				row[f] = pence(t, v).String()
			}
		}
	}
	return mustJSON(t, doc)
}

func TestExampleDocuments(t *testing.T) {
	areas := []string{"W06000008", "W06000009", "W06000010"}
	popAgg, err := Population(intp(2022), areas, map[string]Source{"W06000008": council("ceredigion", 1, canonical(t, "population-assessment.json"))})
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []PopulationRow{
		{2021, "65-74", "all", 10900}, {2021, "75-84", "all", 6900}, {2021, "85+", "all", 2300}, {2030, "85+", "all", 3100},
	}
	if got := popAgg.Areas[0].Population; !reflect.DeepEqual(got, wantRows) {
		t.Errorf("Ceredigion rows = %+v", got)
	}
	wantNeeds := []NeedTotal{{NeedRow{"dementia", 2021, 1450}, []string{"ceredigion"}}, {NeedRow{"carers", 2021, 8700}, []string{"ceredigion"}}}
	if !reflect.DeepEqual(popAgg.Totals.Needs, wantNeeds) {
		t.Errorf("needs totals = %+v", popAgg.Totals.Needs)
	}
	if len(popAgg.Totals.Population) != 4 || popAgg.Areas[1].Source != nil || popAgg.Areas[2].Source != nil {
		t.Errorf("aggregate = %+v", popAgg)
	}

	mkt, err := Market("2024-25", areas, map[string]Source{"W06000009": council("pembrokeshire", 2, canonical(t, "market-position-statement.json"))})
	if err != nil {
		t.Fatal(err)
	}
	got := string(mustJSON(t, mkt.Totals))
	want := `[{"category":"residential","homes":21,"beds":610,"occupiedBeds":548,"vacantBeds":62,"localAuthorityFunded":300,"healthFunded":20,"selfFunded":228,` +
		`"occupancy":"0.8984","averageWeeklyFee":"742.00","minWeeklyFee":"690.00","maxWeeklyFee":"1150.00","sources":["pembrokeshire"]},` +
		`{"category":"nursing","homes":9,"beds":330,"occupiedBeds":301,"vacantBeds":29,"localAuthorityFunded":120,"healthFunded":95,"selfFunded":86,` +
		`"occupancy":"0.9121","averageWeeklyFee":"925.50","minWeeklyFee":"860.00","maxWeeklyFee":"1400.00","sources":["pembrokeshire"]}]`
	if got != want {
		t.Errorf("market totals\n got %s\nwant %s", got, want)
	}
	if a := mkt.Areas[1]; a.Providers == nil || *a.Providers != 26 || *a.Closures != 2 || *a.NewEntrants != 1 {
		t.Errorf("Pembrokeshire counts = %+v", a)
	}
}

// --- Properties ---

func randomHome(r *rand.Rand, category string) home {
	beds := r.Int64N(2000)
	occupied := r.Int64N(beds + 1)
	la := r.Int64N(occupied + 1)
	health := r.Int64N(occupied - la + 1)
	minFee := r.Int64N(300_000)
	avg := minFee + r.Int64N(100_000)
	maxFee := avg + r.Int64N(100_000)
	return home{
		category: category, homes: r.Int64N(80), beds: beds, occupied: occupied, vacant: r.Int64N(beds - occupied + 1),
		la: la, health: health, self: r.Int64N(occupied - la - health + 1),
		avg: money.Pence(avg).String(), min: money.Pence(minFee).String(), max: money.Pence(maxFee).String(),
	}
}

func TestPropertyMarketTotalsAreSumsOverAreas(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		areas, candidates := randomMarket(t, r)
		chosen := Choose(candidates)
		agg, err := Market("2024-25", areas, chosen)
		if err != nil {
			t.Fatal(err)
		}
		for _, tot := range agg.Totals {
			checkCategoryTotal(t, agg.Areas, tot)
		}
	}
}

// randomMarket gives some areas a council, some the shared health board, some both, some nobody.
func randomMarket(t *testing.T, r *rand.Rand) ([]string, map[string][]Source) {
	areas := []string{}
	candidates := map[string][]Source{}
	for a := range 1 + r.IntN(6) {
		code := "A" + string(rune('0'+a))
		areas = append(areas, code)
		randomDoc := func() []byte {
			var homes []home
			for _, c := range careCategories {
				if r.IntN(3) > 0 {
					homes = append(homes, randomHome(r, c))
				}
			}
			return mktDoc(t, code, "2024-25", homes...)
		}
		if r.IntN(3) > 0 {
			candidates[code] = append(candidates[code], council("c-"+code, 1, randomDoc()))
		}
		if r.IntN(2) == 0 {
			candidates[code] = append(candidates[code], healthBoard("hb", 1, randomDoc()))
		}
	}
	return areas, candidates
}

func checkCategoryTotal(t *testing.T, areas []MarketArea, tot CareHomeTotal) {
	t.Helper()
	var sum Capacity
	var partners []string
	feeBeds, minAvg, maxAvg := new(big.Int), money.Pence(-1), money.Pence(-1)
	for _, a := range areas {
		for _, row := range a.CareHomes {
			if row.Category != tot.Category {
				continue
			}
			if err := sum.add(row.Capacity); err != nil {
				t.Fatal(err)
			}
			partners = append(partners, a.Source.Partner)
			feeBeds.Add(feeBeds, new(big.Int).Mul(big.NewInt(int64(row.AverageWeeklyFee)), big.NewInt(row.OccupiedBeds)))
			if row.OccupiedBeds > 0 {
				if minAvg < 0 || row.AverageWeeklyFee < minAvg {
					minAvg = row.AverageWeeklyFee
				}
				maxAvg = max(maxAvg, row.AverageWeeklyFee)
			}
		}
	}
	slices.Sort(partners)
	if sum != tot.Capacity || !slices.Equal(slices.Compact(partners), tot.Sources) {
		t.Fatalf("%s: total %+v from %v, areas sum to %+v from %v", tot.Category, tot.Capacity, tot.Sources, sum, partners)
	}
	if sum.OccupiedBeds == 0 {
		if tot.AverageWeeklyFee != nil {
			t.Fatalf("%s: average %v with no occupied beds", tot.Category, tot.AverageWeeklyFee)
		}
		return
	}
	avg := *tot.AverageWeeklyFee
	if avg < minAvg || avg > maxAvg {
		t.Fatalf("%s: weighted average %s outside the areas' averages %s..%s", tot.Category, avg, minAvg, maxAvg)
	}
	// Within half a penny of the exact quotient: 2·|avg·Σocc − Σfee·occ| ≤ Σocc.
	diff := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(int64(avg)), big.NewInt(sum.OccupiedBeds)), feeBeds)
	if new(big.Int).Lsh(diff.Abs(diff), 1).Cmp(big.NewInt(sum.OccupiedBeds)) > 0 {
		t.Fatalf("%s: average %s is not Σ(fee×beds)/Σbeds rounded", tot.Category, avg)
	}
}

func TestPropertyPopulationTotalsAreSumsOverAreas(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 300; iter++ {
		var areas []string
		chosen := map[string]Source{}
		for a := range 1 + r.IntN(6) {
			code := "A" + string(rune('0'+a))
			areas = append(areas, code)
			if r.IntN(4) == 0 {
				continue // no source
			}
			var rows []pop
			for _, y := range []int{2021, 2025} {
				for _, b := range ageBands {
					for _, s := range sexes {
						if r.IntN(2) == 0 {
							rows = append(rows, popRow(y, b, s, r.Int64N(1_000_000)))
						}
					}
				}
				for _, g := range needGroups[:3] {
					if r.IntN(2) == 0 {
						rows = append(rows, needRow(g, y, r.Int64N(10_000)))
					}
				}
			}
			r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
			chosen[code] = council("p-"+code, 1, popDoc(t, code, 2022, rows...))
		}
		agg, err := Population(intp(2022), areas, chosen)
		if err != nil {
			t.Fatal(err)
		}
		checkPopulationTotals(t, agg)
	}
}

func checkPopulationTotals(t *testing.T, agg *PopulationAggregate) {
	t.Helper()
	popSum, popFrom := map[popKey]int64{}, map[popKey][]string{}
	needSum, needFrom := map[needKey]int64{}, map[needKey][]string{}
	for _, a := range agg.Areas {
		if !slices.IsSortedFunc(a.Population, comparePopulation) || !slices.IsSortedFunc(a.Needs, compareNeed) {
			t.Fatalf("area %s rows not sorted", a.AreaCode)
		}
		for _, p := range a.Population {
			k := popKey{p.Year, p.AgeBand, p.Sex}
			popSum[k] += p.Count
			popFrom[k] = append(popFrom[k], a.Source.Partner)
		}
		for _, n := range a.Needs {
			k := needKey{n.Group, n.Year}
			needSum[k] += n.Count
			needFrom[k] = append(needFrom[k], a.Source.Partner)
		}
	}
	if len(agg.Totals.Population) != len(popSum) || len(agg.Totals.Needs) != len(needSum) {
		t.Fatalf("totals have %d/%d rows, areas %d/%d", len(agg.Totals.Population), len(agg.Totals.Needs), len(popSum), len(needSum))
	}
	for _, tot := range agg.Totals.Population {
		k := popKey{tot.Year, tot.AgeBand, tot.Sex}
		if tot.Count != popSum[k] || !slices.Equal(tot.Sources, sorted(popFrom[k])) {
			t.Fatalf("total %+v, areas sum to %d from %v", tot, popSum[k], popFrom[k])
		}
	}
	for _, tot := range agg.Totals.Needs {
		k := needKey{tot.Group, tot.Year}
		if tot.Count != needSum[k] || !slices.Equal(tot.Sources, sorted(needFrom[k])) {
			t.Fatalf("total %+v, areas sum to %d from %v", tot, needSum[k], needFrom[k])
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
