package position_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
)

var fy = period.FinancialYear{Start: 2019}

func q(n int) period.Quarter { return period.Quarter{Year: fy, N: n} }

// gbp reads pounds exactly, so the expected figures read as the hand arithmetic.
func gbp(s string) money.Pence {
	v, err := money.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func ref(s string) *money.Pence                         { v := gbp(s); return &v }
func str(s string) *string                              { return &s }
func num(n int) *int                                    { return &n }
func qp(n int) *period.Quarter                          { x := q(n); return &x }
func dest(d position.Destination) *position.Destination { return &d }

func totals(contribution, actual, forecast, variance, over, under, reimbursed, pooled string) position.Totals {
	return position.Totals{
		Contribution: gbp(contribution), ActualToDate: gbp(actual), ForecastOutturn: gbp(forecast),
		Variance: gbp(variance), Overspend: gbp(over), Underspend: gbp(under),
		Reimbursed: gbp(reimbursed), Pooled: gbp(pooled),
	}
}

// asJSON makes a failure message readable.
func asJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

const (
	carm  = "carmarthenshire"
	cered = "ceredigion"
	pemb  = "pembrokeshire"
	hd    = "hywel-dda"

	wCarm  = "W06000010"
	wCered = "W06000008"
	wPemb  = "W06000009"

	sc     = "social-care"
	health = "health"
)

// westWales is the worked example: fund care-homes-older-people, 2019-20, as at Q3.
//
//   - carmarthenshire: contribution v2 = 4,000,000.00 cash + 250,000.50 in-kind; returns Q1, Q2
//     signed, Q3 v1 unsigned (used).
//   - ceredigion: contribution v1 = 1,800,000.00; returns Q1 (unsigned), Q2 v3 (signed), none
//     for Q3: it is reported at Q2 although asAt is Q3.
//   - pembrokeshire: contribution v3 = 2,600,000.25; only a Q4 return, after asAt: missing.
//   - hywel-dda: contribution v1 = health W06000010 2,000,000.00 + 1,000,000.00 in-kind, health
//     W06000008 1,200,000.00, nothing for W06000009; returns Q1 signed, no Q2, Q3 v2 signed
//     (used), which spends in W06000009: an unfunded cell.
func westWales(consents map[string]bool) position.Input {
	return position.Input{
		Fund:    "care-homes-older-people",
		Year:    fy,
		Members: []string{carm, cered, pemb, hd},
		AsAt:    qp(3),
		Contributions: []position.Contribution{
			{Partner: carm, Version: 2, Lines: []position.Line{
				{sc, wCarm, gbp("4000000.00")}, {sc, wCarm, gbp("250000.50")}}},
			{Partner: cered, Version: 1, Lines: []position.Line{{sc, wCered, gbp("1800000")}}},
			{Partner: pemb, Version: 3, Lines: []position.Line{{sc, wPemb, gbp("2600000.25")}}},
			{Partner: hd, Version: 1, Lines: []position.Line{
				{health, wCarm, gbp("2000000")}, {health, wCered, gbp("1200000")}, {health, wCarm, gbp("1000000")}}},
		},
		Returns: []position.Return{
			{Partner: carm, Quarter: q(1), Version: 1, SignedOff: true, Lines: []position.ReturnLine{{sc, wCarm, gbp("1000000"), gbp("4000000")}}},
			{Partner: carm, Quarter: q(2), Version: 1, SignedOff: true, Lines: []position.ReturnLine{{sc, wCarm, gbp("2100000"), gbp("4300000")}}},
			{Partner: carm, Quarter: q(3), Version: 1, Lines: []position.ReturnLine{{sc, wCarm, gbp("3300000.40"), gbp("4400100.75")}}},
			{Partner: cered, Quarter: q(1), Version: 1, Lines: []position.ReturnLine{{sc, wCered, gbp("400000"), gbp("1700000")}}},
			{Partner: cered, Quarter: q(2), Version: 3, SignedOff: true, Lines: []position.ReturnLine{{sc, wCered, gbp("850000"), gbp("1650000.10")}}},
			{Partner: pemb, Quarter: q(4), Version: 1, SignedOff: true, Final: true, Lines: []position.ReturnLine{{sc, wPemb, gbp("2500000"), gbp("2500000")}}},
			{Partner: hd, Quarter: q(1), Version: 1, SignedOff: true, Lines: []position.ReturnLine{{health, wCarm, gbp("700000"), gbp("2900000")}}},
			{Partner: hd, Quarter: q(3), Version: 2, SignedOff: true, Lines: []position.ReturnLine{
				{health, wCarm, gbp("2100000"), gbp("2900000")},
				{health, wCered, gbp("950000"), gbp("1260000.99")},
				{health, wPemb, gbp("300000"), gbp("420000.01")},
			}},
		},
		Consents: consents,
	}
}

// westWalesCells are the cells by hand; to is where underspends go in the scenario.
func westWalesCells(to position.Destination) []position.Cell {
	return []position.Cell{
		// carmarthenshire: 4,000,000.00 + 250,000.50 = 4,250,000.50 in;
		// variance 4,400,100.75 − 4,250,000.50 = +150,100.25: its own overspend.
		{Partner: carm, Discipline: sc, AreaCode: wCarm, Contribution: gbp("4250000.50"),
			ActualToDate: ref("3300000.40"), ForecastOutturn: ref("4400100.75"), Variance: ref("150100.25"),
			Overspend: gbp("150100.25"), Underspend: 0},
		// ceredigion at Q2: 1,650,000.10 − 1,800,000.00 = −149,999.90: underspend.
		{Partner: cered, Discipline: sc, AreaCode: wCered, Contribution: gbp("1800000"),
			ActualToDate: ref("850000"), ForecastOutturn: ref("1650000.10"), Variance: ref("-149999.90"),
			Overspend: 0, Underspend: gbp("149999.90"), UnderspendTo: dest(to)},
		// pembrokeshire is missing: contribution only, no actuals, nothing over or under.
		{Partner: pemb, Discipline: sc, AreaCode: wPemb, Contribution: gbp("2600000.25")},
		// hywel-dda W06000008: 1,260,000.99 − 1,200,000.00 = +60,000.99.
		{Partner: hd, Discipline: health, AreaCode: wCered, Contribution: gbp("1200000"),
			ActualToDate: ref("950000"), ForecastOutturn: ref("1260000.99"), Variance: ref("60000.99"),
			Overspend: gbp("60000.99")},
		// hywel-dda W06000009: no contribution line: unfunded, 420,000.01 − 0 = +420,000.01.
		{Partner: hd, Discipline: health, AreaCode: wPemb, Contribution: 0,
			ActualToDate: ref("300000"), ForecastOutturn: ref("420000.01"), Variance: ref("420000.01"),
			Overspend: gbp("420000.01"), Unfunded: true},
		// hywel-dda W06000010: 2,000,000 + 1,000,000 = 3,000,000.00 in; 2,900,000.00 − 3,000,000.00 = −100,000.00.
		{Partner: hd, Discipline: health, AreaCode: wCarm, Contribution: gbp("3000000"),
			ActualToDate: ref("2100000"), ForecastOutturn: ref("2900000"), Variance: ref("-100000"),
			Underspend: gbp("100000"), UnderspendTo: dest(to)},
	}
}

func westWalesPartners(pooled bool) []position.PartnerPosition {
	// underspend(x) puts a partner's underspend in reimbursed or pooled.
	underspend := func(x string) (string, string) {
		if pooled {
			return "0", x
		}
		return x, "0"
	}
	ceredR, ceredP := underspend("149999.90")
	hdR, hdP := underspend("100000")
	return []position.PartnerPosition{
		{Partner: carm, AsAtQuarter: str("2019-20-Q3"), ReturnVersion: num(1), ContributionVersion: num(2),
			Completeness: position.Completeness{Missing: []string{}, Unsigned: []string{"2019-20-Q3"}},
			Totals:       totals("4250000.50", "3300000.40", "4400100.75", "150100.25", "150100.25", "0", "0", "0")},
		{Partner: cered, AsAtQuarter: str("2019-20-Q2"), ReturnVersion: num(3), ContributionVersion: num(1),
			Completeness: position.Completeness{Missing: []string{"2019-20-Q3"}, Unsigned: []string{"2019-20-Q1"}},
			Totals:       totals("1800000", "850000", "1650000.10", "-149999.90", "0", "149999.90", ceredR, ceredP)},
		// pembrokeshire's Q4 return is final, but Q4 is after asAt: not final, Q1–Q3 missing.
		{Partner: pemb, ContributionVersion: num(3), Missing: true,
			Completeness: position.Completeness{Missing: []string{"2019-20-Q1", "2019-20-Q2", "2019-20-Q3"}, Unsigned: []string{}},
			Totals:       totals("2600000.25", "0", "0", "0", "0", "0", "0", "0")},
		// hywel-dda: contribution 3,000,000 + 1,200,000 = 4,200,000.00;
		// actual 950,000 + 300,000 + 2,100,000 = 3,350,000.00;
		// forecast 1,260,000.99 + 420,000.01 + 2,900,000.00 = 4,580,001.00;
		// variance 60,000.99 + 420,000.01 − 100,000.00 = 380,001.00 (= 4,580,001.00 − 4,200,000.00);
		// overspend 60,000.99 + 420,000.01 = 480,001.00, not netted against the 100,000.00 underspend.
		{Partner: hd, AsAtQuarter: str("2019-20-Q3"), ReturnVersion: num(2), ContributionVersion: num(1),
			Completeness: position.Completeness{Missing: []string{"2019-20-Q2"}, Unsigned: []string{}},
			Totals:       totals("4200000", "3350000", "4580001", "380001", "480001", "100000", hdR, hdP)},
	}
}

func westWalesFundTotals(pooled bool) position.FundTotals {
	split := func(x string) (string, string) {
		if pooled {
			return "0", x
		}
		return x, "0"
	}
	// health: all hywel-dda: overspend 480,001.00, underspend 100,000.00.
	hR, hP := split("100000")
	// social-care: contribution 4,250,000.50 + 1,800,000.00 + 2,600,000.25 = 8,650,000.75;
	// actual 3,300,000.40 + 850,000.00 = 4,150,000.40 (pembrokeshire has none);
	// forecast 4,400,100.75 + 1,650,000.10 = 6,050,100.85;
	// variance 150,100.25 − 149,999.90 = +100.35 — yet carmarthenshire still bears 150,100.25
	// and ceredigion's 149,999.90 is its own: no cross-subsidy between counties.
	scR, scP := split("149999.90")
	// W06000008: social-care underspend 149,999.90 beside a health overspend 60,000.99 —
	// kept apart; variance −149,999.90 + 60,000.99 = −89,998.91.
	w08R, w08P := split("149999.90")
	// W06000010: carmarthenshire overspend 150,100.25, hywel-dda underspend 100,000.00;
	// variance 150,100.25 − 100,000.00 = 50,100.25.
	w10R, w10P := split("100000")
	// Fund: contribution 4,250,000.50 + 1,800,000.00 + 2,600,000.25 + 4,200,000.00 = 12,850,000.75;
	// actual 3,300,000.40 + 850,000.00 + 3,350,000.00 = 7,500,000.40;
	// forecast 4,400,100.75 + 1,650,000.10 + 4,580,001.00 = 10,630,101.85;
	// variance 150,100.25 − 149,999.90 + 380,001.00 = 380,101.35
	//   (= 10,630,101.85 − (12,850,000.75 − 2,600,000.25 of missing pembrokeshire));
	// overspend 150,100.25 + 480,001.00 = 630,101.25; underspend 149,999.90 + 100,000.00 = 249,999.90;
	// 630,101.25 − 249,999.90 = 380,101.35 = variance.
	fR, fP := split("249999.90")
	return position.FundTotals{
		ByDiscipline: []position.DisciplineTotals{
			{Discipline: health, Totals: totals("4200000", "3350000", "4580001", "380001", "480001", "100000", hR, hP)},
			{Discipline: sc, Totals: totals("8650000.75", "4150000.40", "6050100.85", "100.35", "150100.25", "149999.90", scR, scP)},
		},
		ByArea: []position.AreaTotals{
			// 1,800,000 + 1,200,000 = 3,000,000.00; actual 850,000 + 950,000 = 1,800,000.00;
			// forecast 1,650,000.10 + 1,260,000.99 = 2,910,001.09.
			{AreaCode: wCered, Totals: totals("3000000", "1800000", "2910001.09", "-89998.91", "60000.99", "149999.90", w08R, w08P)},
			// 2,600,000.25 (missing pembrokeshire) + 0 (unfunded hywel-dda cell).
			{AreaCode: wPemb, Totals: totals("2600000.25", "300000", "420000.01", "420000.01", "420000.01", "0", "0", "0")},
			// 4,250,000.50 + 3,000,000.00 = 7,250,000.50; actual 3,300,000.40 + 2,100,000 = 5,400,000.40;
			// forecast 4,400,100.75 + 2,900,000.00 = 7,300,100.75.
			{AreaCode: wCarm, Totals: totals("7250000.50", "5400000.40", "7300100.75", "50100.25", "150100.25", "100000", w10R, w10P)},
		},
		Fund: totals("12850000.75", "7500000.40", "10630101.85", "380101.35", "630101.25", "249999.90", fR, fP),
	}
}

func TestWestWalesWorkedExample(t *testing.T) {
	scenarios := []struct {
		name     string
		consents map[string]bool
		pooled   bool
	}{
		// Two consents of four: underspends go back to the partners that made them.
		{"some consent: reimbursed", map[string]bool{carm: true, hd: true, cered: false}, false},
		// Every member, the missing one included, consents: 249,999.90 is pooled.
		{"all consent: pooled", map[string]bool{carm: true, cered: true, pemb: true, hd: true}, true},
		// Ceredigion withdraws: reimbursed again.
		{"one withdrawn: reimbursed", map[string]bool{carm: true, cered: false, pemb: true, hd: true}, false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got, err := position.Compute(westWales(sc.consents))
			if err != nil {
				t.Fatal(err)
			}
			to, pooled := position.ToPartner, gbp("0")
			if sc.pooled {
				to, pooled = position.ToPool, gbp("249999.90")
			}
			want := &position.Position{
				Fund:          "care-homes-older-people",
				FinancialYear: "2019-20",
				AsAt:          str("2019-20-Q3"),
				Pooling: position.Pooling{Unanimous: sc.pooled, Consents: []position.Consent{
					{carm, sc.consents[carm]}, {cered, sc.consents[cered]}, {pemb, sc.consents[pemb]}, {hd, sc.consents[hd]},
				}},
				Partners:         westWalesPartners(sc.pooled),
				Cells:            westWalesCells(to),
				Totals:           westWalesFundTotals(sc.pooled),
				PooledUnderspend: pooled,
			}
			compare(t, got, want)
		})
	}
}

// compare checks part by part so a failure names the part that differs.
func compare(t *testing.T, got, want *position.Position) {
	t.Helper()
	parts := []struct {
		name      string
		got, want any
	}{
		{"header", []any{got.Fund, got.FinancialYear, got.AsAt, got.PooledUnderspend}, []any{want.Fund, want.FinancialYear, want.AsAt, want.PooledUnderspend}},
		{"pooling", got.Pooling, want.Pooling},
		{"partners", got.Partners, want.Partners},
		{"cells", got.Cells, want.Cells},
		{"byDiscipline", got.Totals.ByDiscipline, want.Totals.ByDiscipline},
		{"byArea", got.Totals.ByArea, want.Totals.ByArea},
		{"fund", got.Totals.Fund, want.Totals.Fund},
	}
	for _, p := range parts {
		if !reflect.DeepEqual(p.got, p.want) {
			t.Errorf("%s:\n got %s\nwant %s", p.name, asJSON(p.got), asJSON(p.want))
		}
	}
}

// A cell with a contribution but no line in the return used is a full
// underspend: the partner reported no spend there.
func TestContributedCellWithoutSpend(t *testing.T) {
	got, err := position.Compute(position.Input{
		Fund: "f", Year: fy, Members: []string{"a"},
		Contributions: []position.Contribution{{Partner: "a", Version: 1, Lines: []position.Line{{sc, "X", gbp("10")}, {sc, "Y", gbp("5")}}}},
		Returns:       []position.Return{{Partner: "a", Quarter: q(1), Version: 1, Lines: []position.ReturnLine{{sc, "X", gbp("4"), gbp("12.50")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []position.Cell{
		{Partner: "a", Discipline: sc, AreaCode: "X", Contribution: gbp("10"), ActualToDate: ref("4"), ForecastOutturn: ref("12.50"),
			Variance: ref("2.50"), Overspend: gbp("2.50")},
		{Partner: "a", Discipline: sc, AreaCode: "Y", Contribution: gbp("5"), ActualToDate: ref("0"), ForecastOutturn: ref("0"),
			Variance: ref("-5"), Underspend: gbp("5"), UnderspendTo: dest(position.ToPartner)},
	}
	if !reflect.DeepEqual(got.Cells, want) {
		t.Errorf("cells:\n got %s\nwant %s", asJSON(got.Cells), asJSON(want))
	}
}

// asAtInput: a returns Q1 (signed) and Q2 (unsigned); b returns Q3 (signed);
// c returns nothing; optionally a also returns a final Q4.
func asAtInput(asAt *period.Quarter, withQ4 bool) position.Input {
	in := position.Input{
		Fund: "f", Year: fy, Members: []string{"a", "b", "c"}, AsAt: asAt,
		Returns: []position.Return{
			{Partner: "a", Quarter: q(1), Version: 1, SignedOff: true, Lines: []position.ReturnLine{{sc, "X", 100, 200}}},
			{Partner: "a", Quarter: q(2), Version: 4, Lines: []position.ReturnLine{{sc, "X", 150, 300}}},
			{Partner: "b", Quarter: q(3), Version: 2, SignedOff: true, Lines: []position.ReturnLine{{health, "X", 10, 20}}},
		},
	}
	if withQ4 {
		in.Returns = append(in.Returns, position.Return{Partner: "a", Quarter: q(4), Version: 1, SignedOff: true, Final: true,
			Lines: []position.ReturnLine{{sc, "X", 390, 390}}})
	}
	return in
}

func TestAsAt(t *testing.T) {
	type partner struct {
		asAtQuarter       *string
		missing           bool
		missingQ, unsignd []string
		final             bool
	}
	all := []string{"2019-20-Q1", "2019-20-Q2", "2019-20-Q3", "2019-20-Q4"}
	cases := []struct {
		name    string
		in      position.Input
		asAt    *string
		a, b, c partner
	}{
		{"default is the latest quarter with any return", asAtInput(nil, false), str("2019-20-Q3"),
			partner{str("2019-20-Q2"), false, all[2:3], all[1:2], false},
			partner{str("2019-20-Q3"), false, all[:2], []string{}, false},
			partner{nil, true, all[:3], []string{}, false}},
		{"asAt before b's only return makes b missing", asAtInput(qp(1), false), str("2019-20-Q1"),
			partner{str("2019-20-Q1"), false, []string{}, []string{}, false},
			partner{nil, true, all[:1], []string{}, false},
			partner{nil, true, all[:1], []string{}, false}},
		{"a final Q4 counts once asAt reaches Q4", asAtInput(nil, true), str("2019-20-Q4"),
			partner{str("2019-20-Q4"), false, all[2:3], all[1:2], true},
			partner{str("2019-20-Q3"), false, []string{all[0], all[1], all[3]}, []string{}, false},
			partner{nil, true, all, []string{}, false}},
		{"a final Q4 after asAt is not final yet", asAtInput(qp(3), true), str("2019-20-Q3"),
			partner{str("2019-20-Q2"), false, all[2:3], all[1:2], false},
			partner{str("2019-20-Q3"), false, all[:2], []string{}, false},
			partner{nil, true, all[:3], []string{}, false}},
		{"no returns and no asAt: no as-at quarter, everyone missing, nothing judged",
			position.Input{Fund: "f", Year: fy, Members: []string{"a", "b", "c"}}, nil,
			partner{nil, true, []string{}, []string{}, false},
			partner{nil, true, []string{}, []string{}, false},
			partner{nil, true, []string{}, []string{}, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := position.Compute(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.AsAt, tc.asAt) {
				t.Errorf("asAt = %s, want %s", asJSON(got.AsAt), asJSON(tc.asAt))
			}
			for i, w := range []partner{tc.a, tc.b, tc.c} {
				p := got.Partners[i]
				g := partner{p.AsAtQuarter, p.Missing, p.Completeness.Missing, p.Completeness.Unsigned, p.Completeness.Final}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("partner %s: got %+v, want %+v", p.Partner, asJSON(p), w)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	otherYear := period.Quarter{Year: period.FinancialYear{Start: 2020}, N: 1}
	cases := []struct {
		name string
		edit func(*position.Input)
		want error
	}{
		{"asAt in another year", func(in *position.Input) { in.AsAt = &otherYear }, position.ErrOutsideYear},
		{"asAt quarter 0", func(in *position.Input) { in.AsAt = &period.Quarter{Year: fy} }, position.ErrOutsideYear},
		{"return in another year", func(in *position.Input) { in.Returns[0].Quarter = otherYear }, position.ErrOutsideYear},
		{"return of a non-member", func(in *position.Input) { in.Returns[0].Partner = "powys" }, position.ErrNotMember},
		{"contribution of a non-member", func(in *position.Input) {
			in.Contributions = append(in.Contributions, position.Contribution{Partner: "powys", Version: 1})
		}, position.ErrNotMember},
		{"two contributions of one member", func(in *position.Input) {
			in.Contributions = append(in.Contributions, position.Contribution{Partner: "a", Version: 9})
		}, position.ErrDuplicate},
		{"two returns for one quarter", func(in *position.Input) { in.Returns = append(in.Returns, in.Returns[0]) }, position.ErrDuplicate},
		{"a member listed twice", func(in *position.Input) { in.Members = append(in.Members, "a") }, position.ErrDuplicate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := asAtInput(nil, false)
			in.Contributions = []position.Contribution{{Partner: "a", Version: 1}}
			tc.edit(&in)
			if got, err := position.Compute(in); !errors.Is(err, tc.want) || got != nil {
				t.Errorf("Compute = %v, %v; want nil, %v", got, err, tc.want)
			}
		})
	}
}

func TestOverflow(t *testing.T) {
	half := money.Pence(math.MaxInt64/2 + 1) // two of them exceed int64
	one := func(partner string, lines ...position.ReturnLine) position.Return {
		return position.Return{Partner: partner, Quarter: q(1), Version: 1, Lines: lines}
	}
	contrib := func(partner string, lines ...position.Line) position.Contribution {
		return position.Contribution{Partner: partner, Version: 1, Lines: lines}
	}
	cases := []struct {
		name string
		in   position.Input
	}{
		{"contribution lines of one cell", position.Input{Members: []string{"a"},
			Contributions: []position.Contribution{contrib("a", position.Line{sc, "X", half}, position.Line{sc, "X", half})}}},
		{"return lines of one cell", position.Input{Members: []string{"a"},
			Returns: []position.Return{one("a", position.ReturnLine{sc, "X", half, 0}, position.ReturnLine{sc, "X", half, 0})}}},
		{"variance", position.Input{Members: []string{"a"},
			Contributions: []position.Contribution{contrib("a", position.Line{sc, "X", -2})},
			Returns:       []position.Return{one("a", position.ReturnLine{sc, "X", 0, math.MaxInt64})}}},
		{"underspend of the most negative variance", position.Input{Members: []string{"a"},
			Returns: []position.Return{one("a", position.ReturnLine{sc, "X", 0, math.MinInt64})}}},
		{"a partner's cells", position.Input{Members: []string{"a"},
			Returns: []position.Return{one("a", position.ReturnLine{sc, "X", half, 0}, position.ReturnLine{sc, "Y", half, 0})}}},
		{"the fund's partners", position.Input{Members: []string{"a", "b"},
			Contributions: []position.Contribution{contrib("a", position.Line{sc, "X", half}), contrib("b", position.Line{health, "Y", half})}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Year = fy
			if got, err := position.Compute(tc.in); !errors.Is(err, money.ErrOverflow) || got != nil {
				t.Errorf("Compute = %v, %v; want nil, ErrOverflow", asJSON(got), err)
			}
		})
	}
	t.Run("a sum of exactly MaxInt64 is not an overflow", func(t *testing.T) {
		got, err := position.Compute(position.Input{Year: fy, Members: []string{"a", "b"},
			Contributions: []position.Contribution{contrib("a", position.Line{sc, "X", math.MaxInt64 - 1}), contrib("b", position.Line{sc, "X", 1})}})
		if err != nil || got.Totals.Fund.Contribution != math.MaxInt64 {
			t.Errorf("Compute = %v, %v", got, err)
		}
	})
}

func TestJSON(t *testing.T) {
	p, err := position.Compute(westWales(map[string]bool{carm: true}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Fund, FinancialYear, AsAt string
		PooledUnderspend          json.RawMessage
		Pooling                   map[string]any
		Partners                  []map[string]any
		Cells                     []map[string]any
		Totals                    struct {
			ByDiscipline, ByArea []map[string]any
			Fund                 map[string]any
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"fund", doc.Fund, "care-homes-older-people"},
		{"financialYear", doc.FinancialYear, "2019-20"},
		{"asAt", doc.AsAt, "2019-20-Q3"},
		{"pooledUnderspend", string(doc.PooledUnderspend), `"0.00"`},
		{"pooling", doc.Pooling["unanimous"], false},
		{"consent", doc.Pooling["consents"].([]any)[0], map[string]any{"partner": carm, "consented": true}},
		{"missing partner's quarter", doc.Partners[2]["asAtQuarter"], nil},
		{"missing partner's return version", doc.Partners[2]["returnVersion"], nil},
		{"missing partner's contribution version", doc.Partners[2]["contributionVersion"], 3.0},
		{"missing flag", doc.Partners[2]["missing"], true},
		{"empty lists are lists", doc.Partners[2]["completeness"], map[string]any{
			"missing": []any{"2019-20-Q1", "2019-20-Q2", "2019-20-Q3"}, "unsigned": []any{}, "final": false}},
		{"partner totals", doc.Partners[0]["totals"].(map[string]any)["overspend"], "150100.25"},
		{"a cell", doc.Cells[0], map[string]any{
			"partner": carm, "discipline": sc, "areaCode": wCarm, "contribution": "4250000.50",
			"actualToDate": "3300000.40", "forecastOutturn": "4400100.75", "variance": "150100.25",
			"overspend": "150100.25", "underspend": "0.00", "unfunded": false, "underspendTo": nil}},
		{"an underspent cell", doc.Cells[1]["underspendTo"], "partner"},
		{"a negative variance", doc.Cells[1]["variance"], "-149999.90"},
		{"a missing partner's cell", doc.Cells[2], map[string]any{
			"partner": pemb, "discipline": sc, "areaCode": wPemb, "contribution": "2600000.25",
			"actualToDate": nil, "forecastOutturn": nil, "variance": nil,
			"overspend": "0.00", "underspend": "0.00", "unfunded": false, "underspendTo": nil}},
		{"byDiscipline is flat", doc.Totals.ByDiscipline[1], map[string]any{
			"discipline": sc, "contribution": "8650000.75", "actualToDate": "4150000.40", "forecastOutturn": "6050100.85",
			"variance": "100.35", "overspend": "150100.25", "underspend": "149999.90", "reimbursed": "149999.90", "pooled": "0.00"}},
		{"byArea", doc.Totals.ByArea[0]["areaCode"], wCered},
		{"fund totals", doc.Totals.Fund["contribution"], "12850000.75"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	t.Run("no as-at quarter is null, and empty lists are []", func(t *testing.T) {
		p, err := position.Compute(position.Input{Fund: "f", Year: fy})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p)
		want := `{"fund":"f","financialYear":"2019-20","asAt":null,"pooling":{"unanimous":false,"consents":[]},` +
			`"partners":[],"cells":[],"totals":{"byDiscipline":[],"byArea":[],"fund":{"contribution":"0.00",` +
			`"actualToDate":"0.00","forecastOutturn":"0.00","variance":"0.00","overspend":"0.00","underspend":"0.00",` +
			`"reimbursed":"0.00","pooled":"0.00"}},"pooledUnderspend":"0.00"}`
		if string(b) != want {
			t.Errorf("got  %s\nwant %s", b, want)
		}
	})
}

// ---- Property tests: ~500 seeded random inputs checked against a plain model. ----

var (
	disciplines = []string{health, sc}
	areas       = []string{"A1", "A2", "A3"}
)

// amount mixes zeros, pennies, values near the product's maximum and
// negatives (a return line is net of income, so it may be below zero).
func amount(r *rand.Rand) money.Pence {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return money.Pence(r.Int64N(100))
	case 2:
		return money.Max - money.Pence(r.Int64N(1000))
	case 3:
		return money.Pence(r.Int64N(2*int64(money.Max)+1)) - money.Max
	default:
		return money.Pence(r.Int64N(1_000_000_000))
	}
}

func randomCell(r *rand.Rand) (string, string) {
	return disciplines[r.IntN(len(disciplines))], areas[r.IntN(len(areas))]
}

func randomInput(r *rand.Rand) position.Input {
	names := []string{"m0", "m1", "m2", "m3", "m4"}
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] }) // member order ≠ alphabetical
	in := position.Input{Fund: "f", Year: fy, Members: names[:1+r.IntN(len(names))], Consents: map[string]bool{"outsider": true}}
	allConsent := r.IntN(3) == 0
	for _, m := range in.Members {
		in.Consents[m] = allConsent || r.IntN(2) == 0
		if r.IntN(5) > 0 {
			c := position.Contribution{Partner: m, Version: 1 + r.IntN(5)}
			for range r.IntN(5) {
				d, a := randomCell(r)
				c.Lines = append(c.Lines, position.Line{Discipline: d, AreaCode: a, Amount: amount(r)})
			}
			in.Contributions = append(in.Contributions, c)
		}
		for n := 1; n <= 4; n++ {
			if r.IntN(2) == 0 {
				continue
			}
			ret := position.Return{Partner: m, Quarter: q(n), Version: 1 + r.IntN(5), SignedOff: r.IntN(2) == 0, Final: n == 4 && r.IntN(2) == 0}
			for range r.IntN(5) {
				d, a := randomCell(r)
				ret.Lines = append(ret.Lines, position.ReturnLine{Discipline: d, AreaCode: a, Actual: amount(r), Forecast: amount(r)})
			}
			in.Returns = append(in.Returns, ret)
		}
	}
	if r.IntN(3) > 0 {
		in.AsAt = qp(1 + r.IntN(4))
	}
	return in
}

// modelCell is a cell as the definition states it, computed the plain way.
type modelCell struct {
	contribution, actual, forecast int64
	funded, inReturn, hasReturn    bool
}

// model returns, per member, the quarter of its return used (0: missing) and its cells.
func model(in position.Input) (map[string]int, map[string]map[[2]string]*modelCell) {
	asAt := 0
	if in.AsAt != nil {
		asAt = in.AsAt.N
	} else {
		for _, ret := range in.Returns {
			asAt = max(asAt, ret.Quarter.N)
		}
	}
	used := map[string]int{}
	for _, ret := range in.Returns {
		if ret.Quarter.N <= asAt && ret.Quarter.N > used[ret.Partner] {
			used[ret.Partner] = ret.Quarter.N
		}
	}
	cells := map[string]map[[2]string]*modelCell{}
	get := func(m, d, a string) *modelCell {
		if cells[m] == nil {
			cells[m] = map[[2]string]*modelCell{}
		}
		if cells[m][[2]string{d, a}] == nil {
			cells[m][[2]string{d, a}] = &modelCell{hasReturn: used[m] > 0}
		}
		return cells[m][[2]string{d, a}]
	}
	for _, c := range in.Contributions {
		for _, l := range c.Lines {
			mc := get(c.Partner, l.Discipline, l.AreaCode)
			mc.contribution += int64(l.Amount)
			mc.funded = true
		}
	}
	for _, ret := range in.Returns {
		if ret.Quarter.N != used[ret.Partner] {
			continue
		}
		for _, l := range ret.Lines {
			mc := get(ret.Partner, l.Discipline, l.AreaCode)
			mc.actual += int64(l.Actual)
			mc.forecast += int64(l.Forecast)
			mc.inReturn = true
		}
	}
	return used, cells
}

// plus adds totals field by field (the random amounts cannot overflow int64).
func plus(a, b position.Totals) position.Totals {
	return position.Totals{
		Contribution: a.Contribution + b.Contribution, ActualToDate: a.ActualToDate + b.ActualToDate,
		ForecastOutturn: a.ForecastOutturn + b.ForecastOutturn, Variance: a.Variance + b.Variance,
		Overspend: a.Overspend + b.Overspend, Underspend: a.Underspend + b.Underspend,
		Reimbursed: a.Reimbursed + b.Reimbursed, Pooled: a.Pooled + b.Pooled,
	}
}

func cellTotals(c position.Cell) position.Totals {
	t := position.Totals{Contribution: c.Contribution, Overspend: c.Overspend, Underspend: c.Underspend}
	if c.Variance != nil {
		t.ActualToDate, t.ForecastOutturn, t.Variance = *c.ActualToDate, *c.ForecastOutturn, *c.Variance
	}
	if c.UnderspendTo != nil && *c.UnderspendTo == position.ToPool {
		t.Pooled = c.Underspend
	} else {
		t.Reimbursed = c.Underspend
	}
	return t
}

func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(2019, 2020))
	for i := range 500 {
		in := randomInput(r)
		p, err := position.Compute(in)
		if err != nil {
			t.Fatalf("input %d: %v\n%s", i, err, asJSON(in))
		}
		for _, check := range []func(position.Input, *position.Position) error{
			matchesModel, totalsAddUp, cellsStandAlone, poolingNeedsEveryone, missingAddsNothing, namingEachCellOwnChangesNothing,
		} {
			if err := check(in, p); err != nil {
				t.Fatalf("input %d: %v\ninput %s\nposition %s", i, err, asJSON(in), asJSON(p))
			}
		}
		if err := anotherUnderspendMeetsNoOverspend(r, in, p); err != nil {
			t.Fatalf("input %d: %v\ninput %s", i, err, asJSON(in))
		}
	}
}

// matchesModel: every cell is the definition applied to the plain model, in member order.
func matchesModel(in position.Input, p *position.Position) error {
	used, cells := model(in)
	i := 0
	for _, m := range in.Members {
		for _, d := range disciplines {
			for _, a := range areas {
				mc := cells[m][[2]string{d, a}]
				if mc == nil {
					continue
				}
				if i >= len(p.Cells) {
					return fmt.Errorf("cell %s %s %s absent", m, d, a)
				}
				if err := sameCell(p.Cells[i], m, d, a, mc, in.Consents, in.Members); err != nil {
					return err
				}
				i++
			}
		}
		pp := p.Partners[slices.Index(in.Members, m)]
		if pp.Partner != m || pp.Missing != (used[m] == 0) {
			return fmt.Errorf("partner %s: %+v, model used quarter %d", m, pp, used[m])
		}
	}
	if i != len(p.Cells) {
		return fmt.Errorf("%d cells, model has %d", len(p.Cells), i)
	}
	return nil
}

func sameCell(c position.Cell, m, d, a string, mc *modelCell, consents map[string]bool, members []string) error {
	want := position.Cell{Partner: m, Discipline: d, AreaCode: a, Contribution: money.Pence(mc.contribution), Unfunded: mc.inReturn && !mc.funded}
	if mc.hasReturn {
		actual, forecast, variance := money.Pence(mc.actual), money.Pence(mc.forecast), money.Pence(mc.forecast-mc.contribution)
		want.ActualToDate, want.ForecastOutturn, want.Variance = &actual, &forecast, &variance
		want.Overspend, want.Underspend = max(variance, 0), max(-variance, 0)
		if variance < 0 {
			to := position.ToPool
			for _, member := range members {
				if !consents[member] {
					to = position.ToPartner
				}
			}
			want.UnderspendTo = &to
		}
	}
	if !reflect.DeepEqual(c, want) {
		return fmt.Errorf("cell\n got %s\nwant %s", asJSON(c), asJSON(want))
	}
	return nil
}

// totalsAddUp (a): fund totals = Σ cells = Σ partner totals = Σ byDiscipline = Σ byArea.
func totalsAddUp(in position.Input, p *position.Position) error {
	sums := map[string]position.Totals{}
	for _, c := range p.Cells {
		sums["cells"] = plus(sums["cells"], cellTotals(c))
	}
	for _, pp := range p.Partners {
		sums["partners"] = plus(sums["partners"], pp.Totals)
	}
	for i, d := range p.Totals.ByDiscipline {
		if i > 0 && p.Totals.ByDiscipline[i-1].Discipline >= d.Discipline {
			return fmt.Errorf("byDiscipline not sorted")
		}
		sums["byDiscipline"] = plus(sums["byDiscipline"], d.Totals)
	}
	for i, a := range p.Totals.ByArea {
		if i > 0 && p.Totals.ByArea[i-1].AreaCode >= a.AreaCode {
			return fmt.Errorf("byArea not sorted")
		}
		sums["byArea"] = plus(sums["byArea"], a.Totals)
	}
	for _, by := range []string{"cells", "partners", "byDiscipline", "byArea"} {
		if sums[by] != p.Totals.Fund {
			return fmt.Errorf("Σ %s = %+v, fund = %+v", by, sums[by], p.Totals.Fund)
		}
	}
	return nil
}

// cellsStandAlone (b): per cell overspend − underspend = variance and one of
// them is zero; the fund's overspend is Σ max(variance, 0) whatever the others.
func cellsStandAlone(in position.Input, p *position.Position) error {
	var over money.Pence
	for _, c := range p.Cells {
		if min(c.Overspend, c.Underspend) != 0 || c.Overspend < 0 || c.Underspend < 0 {
			return fmt.Errorf("cell %+v: both over- and underspent", c)
		}
		if c.Variance != nil && c.Overspend-c.Underspend != *c.Variance {
			return fmt.Errorf("cell %+v: overspend − underspend ≠ variance", c)
		}
		if c.Variance != nil {
			over += max(*c.Variance, 0)
		}
	}
	f := p.Totals.Fund
	if f.Overspend != over || f.Overspend-f.Underspend != f.Variance {
		return fmt.Errorf("fund %+v: overspend ≠ Σ max(variance, 0) = %s", f, over)
	}
	return nil
}

// poolingNeedsEveryone (c): pooled only when every member consents;
// pooled + reimbursed = underspend everywhere.
func poolingNeedsEveryone(in position.Input, p *position.Position) error {
	every := true
	for _, m := range in.Members {
		every = every && in.Consents[m]
	}
	if p.Pooling.Unanimous != every || (p.PooledUnderspend > 0 && !every) || p.PooledUnderspend != p.Totals.Fund.Pooled {
		return fmt.Errorf("pooled %s with unanimous %v, every member consenting %v", p.PooledUnderspend, p.Pooling.Unanimous, every)
	}
	all := []position.Totals{p.Totals.Fund}
	for _, pp := range p.Partners {
		all = append(all, pp.Totals)
	}
	for _, t := range all {
		if t.Pooled+t.Reimbursed != t.Underspend || (every && t.Reimbursed != 0) || (!every && t.Pooled != 0) {
			return fmt.Errorf("totals %+v: pooled + reimbursed ≠ underspend", t)
		}
	}
	return nil
}

// missingAddsNothing (d): a missing partner's cells have no actuals and count
// in no overspend, underspend, reimbursed or pooled total.
func missingAddsNothing(in position.Input, p *position.Position) error {
	missing := map[string]bool{}
	for _, pp := range p.Partners {
		missing[pp.Partner] = pp.Missing
		t := pp.Totals
		if pp.Missing && (t != position.Totals{Contribution: t.Contribution} || pp.AsAtQuarter != nil || pp.ReturnVersion != nil) {
			return fmt.Errorf("missing partner %+v counts", pp)
		}
	}
	for _, c := range p.Cells {
		if missing[c.Partner] && (c.ActualToDate != nil || c.ForecastOutturn != nil || c.Variance != nil ||
			c.Overspend != 0 || c.Underspend != 0 || c.UnderspendTo != nil || c.Unfunded) {
			return fmt.Errorf("missing partner's cell %+v counts", c)
		}
	}
	return nil
}

// anotherUnderspendMeetsNoOverspend (b, by experiment): give a reporting
// partner a new, wholly underspent cell; the fund's overspend must not move.
func anotherUnderspendMeetsNoOverspend(r *rand.Rand, in position.Input, before *position.Position) error {
	i := slices.IndexFunc(before.Partners, func(pp position.PartnerPosition) bool { return !pp.Missing })
	if i < 0 {
		return nil
	}
	m := before.Partners[i].Partner
	extra := money.Pence(1 + r.Int64N(int64(money.Max)))
	in.Contributions = slices.Clone(in.Contributions)
	j := slices.IndexFunc(in.Contributions, func(c position.Contribution) bool { return c.Partner == m })
	if j < 0 {
		in.Contributions = append(in.Contributions, position.Contribution{Partner: m})
		j = len(in.Contributions) - 1
	}
	in.Contributions[j].Lines = append(slices.Clone(in.Contributions[j].Lines), position.Line{Discipline: "other", AreaCode: "A9", Amount: extra})
	after, err := position.Compute(in)
	if err != nil {
		return err
	}
	b, a := before.Totals.Fund, after.Totals.Fund
	if a.Overspend != b.Overspend || a.Underspend != b.Underspend+extra {
		return fmt.Errorf("extra underspend %s: fund %+v → %+v", extra, b, a)
	}
	return nil
}

// TestOverflowProperty (e): a random input made to overflow in one of several
// places always fails with ErrOverflow and no position, never a wrapped
// figure; math/big confirms each planted sum really is outside int64.
func TestOverflowProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(75, 9))
	for i := range 500 {
		in := randomInput(r)
		in.AsAt = qp(4)
		terms := plantOverflow(r, &in)
		total := new(big.Int)
		for _, v := range terms {
			total.Add(total, big.NewInt(int64(v)))
		}
		if total.IsInt64() {
			t.Fatalf("input %d: planted sum %s fits int64", i, total)
		}
		if p, err := position.Compute(in); !errors.Is(err, money.ErrOverflow) || p != nil {
			t.Fatalf("input %d: Compute = %v, %v; want nil, ErrOverflow", i, p != nil, err)
		}
	}
}

// plantOverflow gives one member (or two) figures whose exact sum leaves
// int64, in a cell of its own ("other"), and returns the terms of that sum.
func plantOverflow(r *rand.Rand, in *position.Input) []money.Pence {
	m := in.Members[r.IntN(len(in.Members))]
	huge := money.Pence(math.MaxInt64 - r.Int64N(1000))
	contribute := func(partner string, lines ...position.Line) {
		in.Contributions = slices.DeleteFunc(in.Contributions, func(c position.Contribution) bool { return c.Partner == partner })
		in.Contributions = append(in.Contributions, position.Contribution{Partner: partner, Version: 1, Lines: lines})
	}
	report := func(lines ...position.ReturnLine) { // m's Q4 return, the one used as at Q4
		in.Returns = slices.DeleteFunc(in.Returns, func(ret position.Return) bool { return ret.Partner == m && ret.Quarter.N == 4 })
		in.Returns = append(in.Returns, position.Return{Partner: m, Quarter: q(4), Version: 1, Lines: lines})
	}
	shape := r.IntN(5)
	if shape == 4 && len(in.Members) < 2 {
		shape = 0
	}
	switch shape {
	case 0: // two contribution lines of one cell
		contribute(m, position.Line{"other", "A1", huge}, position.Line{"other", "A1", huge})
		return []money.Pence{huge, huge}
	case 1: // two net return lines of one cell
		report(position.ReturnLine{"other", "A1", -huge, 0}, position.ReturnLine{"other", "A1", -huge, 0})
		return []money.Pence{-huge, -huge}
	case 2: // forecast − contribution of one cell
		contribute(m, position.Line{"other", "A1", -huge})
		report(position.ReturnLine{"other", "A1", 0, huge})
		return []money.Pence{huge, huge}
	case 3: // the partner's forecast over two cells
		report(position.ReturnLine{"other", "A1", 0, huge}, position.ReturnLine{"other", "A2", 0, huge})
		return []money.Pence{huge, huge}
	default: // two partners' contributions in the fund (and area) totals
		other := in.Members[(slices.Index(in.Members, m)+1)%len(in.Members)]
		contribute(m, position.Line{"other", "A1", huge})
		contribute(other, position.Line{"other", "A1", huge})
		return []money.Pence{huge, huge}
	}
}
