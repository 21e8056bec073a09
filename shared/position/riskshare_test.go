package position_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
)

// Worked examples of the shared models, figures by hand. Pence are written
// "p"; an exact share is V × basis ÷ total basis.

const (
	cwCouncil = "cheshire-west-and-chester"
	cwWest    = "west-cheshire-ccg"
	cwVale    = "vale-royal-ccg"
	cwArea    = "E06000050"

	wilCouncil = "wiltshire-council"
	wilCCG     = "wiltshire-ccg"
	wilICB     = "bsw-icb"
	wilArea    = "E06000054"
)

func contribution(partner, discipline, area string, amounts ...string) position.Contribution {
	c := position.Contribution{Partner: partner, Version: 1}
	for _, a := range amounts {
		c.Lines = append(c.Lines, position.Line{Discipline: discipline, AreaCode: area, Amount: gbp(a)})
	}
	return c
}

func returned(partner string, quarter period.Quarter, signed bool, discipline, area, actual, forecast string) position.Return {
	return position.Return{Partner: partner, Quarter: quarter, Version: 1, SignedOff: signed,
		Lines: []position.ReturnLine{{Discipline: discipline, AreaCode: area, Actual: gbp(actual), Forecast: gbp(forecast)}}}
}

// share is a member's expected share; its overspend and underspend are the
// two sides of the share of V.
func share(partner string, basis position.Basis, exact, shareOfV string, penny bool) position.MemberShare {
	v := gbp(shareOfV)
	over, under := max(v, 0), max(-v, 0)
	return position.MemberShare{Partner: partner, Basis: basis, ExactShare: &exact, ShareOfVariance: &v,
		Overspend: &over, Underspend: &under, RemainderPenny: penny}
}

// shared is the expected riskShare of a model: V, its two sides, and the
// members' shares, apportioned.
func shared(model position.Model, v string, shares ...position.MemberShare) *position.SharedVariance {
	variance := gbp(v)
	return &position.SharedVariance{Model: model, Variance: variance, Overspend: max(variance, 0), Underspend: max(-variance, 0),
		Apportioned: true, Shares: shares}
}

func byContribution(s string) position.Basis { return position.Basis{Contribution: ref(s)} }

func byPercent(s string) position.Basis {
	d, err := money.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return position.Basis{Percent: &d}
}

func asHost(host bool) position.Basis { return position.Basis{Host: &host} }

func computeOK(t *testing.T, in position.Input) *position.Position {
	t.Helper()
	p, err := position.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sameRiskShare(t *testing.T, got, want *position.SharedVariance) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("riskShare:\n got %s\nwant %s", asJSON(got), asJSON(want))
	}
}

// cheshireWest is the Better Care Fund 2019-20, shared pro rata to
// contributions among the council and both CCGs (configuration order).
//
//   - council: contribution £7,500,000.00 + £1,500,000.00 = £9,000,000.00 (social care);
//     returns Q1 and Q2 forecasting £9,150,000.00: variance +£150,000.00.
//   - West Cheshire CCG: £6,000,000.00 (health); Q1 and Q2 (unsigned) forecast
//     £5,920,000.00: variance −£80,000.00.
//   - Vale Royal CCG: £3,000,000.00 (health); only a Q2 return, forecast
//     £2,931,000.01: variance −£68,999.99.
//
// Contributions total £18,000,000.00, so the bases are 9 : 6 : 3 = 1/2, 1/3, 1/6.
func cheshireWest(asAt int) position.Input {
	return position.Input{
		Fund: "better-care-fund", Year: fy, Members: []string{cwCouncil, cwWest, cwVale}, AsAt: qp(asAt),
		Contributions: []position.Contribution{
			contribution(cwCouncil, sc, cwArea, "7500000", "1500000"),
			contribution(cwWest, health, cwArea, "6000000"),
			contribution(cwVale, health, cwArea, "3000000"),
		},
		Returns: []position.Return{
			returned(cwCouncil, q(1), true, sc, cwArea, "2300000", "9150000"),
			returned(cwCouncil, q(2), true, sc, cwArea, "4600000", "9150000"),
			returned(cwWest, q(1), true, health, cwArea, "1480000", "5920000"),
			returned(cwWest, q(2), false, health, cwArea, "2950000", "5920000"),
			returned(cwVale, q(2), true, health, cwArea, "1460000", "2931000.01"),
		},
		RiskShare: position.RiskShare{Model: position.ProRataContributions, Host: cwCouncil},
	}
}

func TestCheshireWestProRata(t *testing.T) {
	q2 := computeOK(t, cheshireWest(2))
	// V = +150,000.00 − 80,000.00 − 68,999.99 = +1,000.01 = 100,001p: an overspend.
	//   council 100,001 × 1/2 = 50,000.5p     floor 50,000  remainder 1/2
	//   West    100,001 × 1/3 = 33,333.666…p  floor 33,333  remainder 2/3
	//   Vale    100,001 × 1/6 = 16,666.833…p  floor 16,666  remainder 5/6
	// Floors 50,000 + 33,333 + 16,666 = 99,999p: 2 pennies left, to the
	// largest remainders 5/6 (Vale) and 2/3 (West); the council's 1/2 gets none.
	// Shares £500.00 + £333.34 + £166.67 = £1,000.01 = V.
	sameRiskShare(t, q2.RiskShare, shared(position.ProRataContributions, "1000.01",
		share(cwCouncil, byContribution("9000000"), "100001/2", "500.00", false),
		share(cwWest, byContribution("6000000"), "100001/3", "333.34", true),
		share(cwVale, byContribution("3000000"), "100001/6", "166.67", true),
	))
	// The cells still say where the variance arose; the underspends are
	// netted into V, neither reimbursed nor pooled.
	wantCells := []position.Cell{
		{Partner: cwCouncil, Discipline: sc, AreaCode: cwArea, Contribution: gbp("9000000"),
			ActualToDate: ref("4600000"), ForecastOutturn: ref("9150000"), Variance: ref("150000"), Overspend: gbp("150000")},
		{Partner: cwWest, Discipline: health, AreaCode: cwArea, Contribution: gbp("6000000"),
			ActualToDate: ref("2950000"), ForecastOutturn: ref("5920000"), Variance: ref("-80000"),
			Underspend: gbp("80000"), UnderspendTo: dest(position.ToShared)},
		{Partner: cwVale, Discipline: health, AreaCode: cwArea, Contribution: gbp("3000000"),
			ActualToDate: ref("1460000"), ForecastOutturn: ref("2931000.01"), Variance: ref("-68999.99"),
			Underspend: gbp("68999.99"), UnderspendTo: dest(position.ToShared)},
	}
	if !reflect.DeepEqual(q2.Cells, wantCells) {
		t.Errorf("cells:\n got %s\nwant %s", asJSON(q2.Cells), asJSON(wantCells))
	}
	// Fund: contribution 18,000,000.00; actual 4,600,000 + 2,950,000 + 1,460,000 = 9,010,000.00;
	// forecast 9,150,000 + 5,920,000 + 2,931,000.01 = 18,001,000.01; overspend 150,000.00,
	// underspend 80,000.00 + 68,999.99 = 148,999.99; 150,000.00 − 148,999.99 = 1,000.01 = V.
	if want := totals("18000000", "9010000", "18001000.01", "1000.01", "150000", "148999.99", "0", "0"); q2.Totals.Fund != want || q2.PooledUnderspend != 0 {
		t.Errorf("fund totals %+v, pooled %s; want %+v, none pooled", q2.Totals.Fund, q2.PooledUnderspend, want)
	}

	// As at Q1 Vale Royal has no return yet: it adds nothing to V, is
	// flagged missing, and still bears its share.
	q1 := computeOK(t, cheshireWest(1))
	// V = +150,000.00 − 80,000.00 = +70,000.00 = 7,000,000p.
	//   council 7,000,000 × 1/2 = 3,500,000p exactly
	//   West    7,000,000 × 1/3 = 2,333,333.33…p  floor 2,333,333  remainder 1/3
	//   Vale    7,000,000 × 1/6 = 1,166,666.66…p  floor 1,166,666  remainder 2/3
	// Floors 6,999,999p: 1 penny, to Vale (2/3 > 1/3 > 0).
	sameRiskShare(t, q1.RiskShare, shared(position.ProRataContributions, "70000",
		share(cwCouncil, byContribution("9000000"), "3500000", "35000.00", false),
		share(cwWest, byContribution("6000000"), "7000000/3", "23333.33", false),
		share(cwVale, byContribution("3000000"), "3500000/3", "11666.67", true),
	))
	if vale := q1.Partners[2]; !vale.Missing || !reflect.DeepEqual(vale.Completeness.Missing, []string{"2019-20-Q1"}) {
		t.Errorf("Vale Royal is not flagged missing: %s", asJSON(vale))
	}
}

// wiltshireBCF is the Better Care Fund 2019-20 at fixed shares, council 45%,
// Wiltshire CCG 55%, as at Q3.
//
//   - council: £12,000,000.00 (social care), forecast £11,950,000.00: −£50,000.00.
//   - CCG: £20,000,000.00 (health), forecast £20,020,000.03: +£20,000.03.
func wiltshireBCF() position.Input {
	return position.Input{
		Fund: "better-care-fund", Year: fy, Members: []string{wilCouncil, wilCCG},
		Contributions: []position.Contribution{
			contribution(wilCouncil, sc, wilArea, "12000000"),
			contribution(wilCCG, health, wilArea, "20000000"),
		},
		Returns: []position.Return{
			returned(wilCouncil, q(3), true, sc, wilArea, "8900000", "11950000"),
			returned(wilCCG, q(3), true, health, wilArea, "15010000", "20020000.03"),
		},
		RiskShare: position.RiskShare{Model: position.FixedShares, Host: wilCouncil,
			Shares: map[string]int{wilCouncil: 4500, wilCCG: 5500}},
	}
}

func TestWiltshireFixedShares(t *testing.T) {
	p := computeOK(t, wiltshireBCF())
	// V = −50,000.00 + 20,000.03 = −29,999.97 = −2,999,997p: an underspend of
	// 2,999,997p to share, then each share negated.
	//   council 2,999,997 × 45% = 1,349,998.65p  floor 1,349,998  remainder .65
	//   CCG     2,999,997 × 55% = 1,649,998.35p  floor 1,649,998  remainder .35
	// Floors 2,999,996p: 1 penny, to the council (.65 > .35).
	// Exact, reduced: −2,999,997 × 45/100 = −134,999,865/100 = −26,999,973/20;
	// −2,999,997 × 55/100 = −164,999,835/100 = −32,999,967/20.
	// Shares −£13,499.99 − £16,499.98 = −£29,999.97 = V.
	sameRiskShare(t, p.RiskShare, shared(position.FixedShares, "-29999.97",
		share(wilCouncil, byPercent("45"), "-26999973/20", "-13499.99", true),
		share(wilCCG, byPercent("55"), "-32999967/20", "-16499.98", false),
	))
}

// The joint mental health and learning disabilities pool, 2024-25, borne by
// the host (the council), as at Q2.
func TestWiltshireHostBears(t *testing.T) {
	y := period.FinancialYear{Start: 2024}
	q2 := period.Quarter{Year: y, N: 2}
	p := computeOK(t, position.Input{
		Fund: "mental-health-learning-disabilities", Year: y, Members: []string{wilCouncil, wilICB},
		Contributions: []position.Contribution{
			contribution(wilCouncil, sc, wilArea, "8000000"),
			contribution(wilICB, health, wilArea, "14000000"),
		},
		Returns: []position.Return{
			returned(wilCouncil, q2, true, sc, wilArea, "4100000", "8250000.50"),
			returned(wilICB, q2, false, health, wilArea, "6950000", "13900000.25"),
		},
		RiskShare: position.RiskShare{Model: position.HostBears, Host: wilCouncil},
	})
	// V = (8,250,000.50 − 8,000,000.00) + (13,900,000.25 − 14,000,000.00)
	//   = 250,000.50 − 99,999.75 = +150,000.75: all the council's; the ICB's
	// underspend offsets the council's overspend and the ICB bears nothing.
	sameRiskShare(t, p.RiskShare, shared(position.HostBears, "150000.75",
		share(wilCouncil, asHost(true), "15000075", "150000.75", false),
		share(wilICB, asHost(false), "0", "0", false),
	))
}

// tieInput: three members contribute £1.00 each and return; the first's
// forecast is £1.00 + delta, so V = delta.
func tieInput(members []string, delta string) position.Input {
	in := position.Input{Fund: "f", Year: fy, Members: members,
		RiskShare: position.RiskShare{Model: position.ProRataContributions}}
	for i, m := range []string{"x", "y", "z"} {
		forecast := "1"
		if i == 0 {
			forecast = money.Pence(100 + gbp(delta)).String()
		}
		in.Contributions = append(in.Contributions, contribution(m, sc, "A1", "1"))
		in.Returns = append(in.Returns, returned(m, q(1), true, sc, "A1", "0", forecast))
	}
	return in
}

// Equal remainders: the pennies go to members in configuration order, for an
// underspend as for an overspend.
func TestTiesGoByConfigurationOrder(t *testing.T) {
	cases := []struct {
		name    string
		members []string
		delta   string
		want    map[string]string
	}{
		// V = 2p, each exact 2/3p: floors 0, two pennies to the first two members.
		{"overspend, order x y z", []string{"x", "y", "z"}, "0.02", map[string]string{"x": "0.01", "y": "0.01", "z": "0"}},
		{"overspend, order z y x", []string{"z", "y", "x"}, "0.02", map[string]string{"z": "0.01", "y": "0.01", "x": "0"}},
		// V = −2p: 2p of underspend to share, the same two members receive a penny each.
		{"underspend, order x y z", []string{"x", "y", "z"}, "-0.02", map[string]string{"x": "-0.01", "y": "-0.01", "z": "0"}},
		{"underspend, order y z x", []string{"y", "z", "x"}, "-0.02", map[string]string{"y": "-0.01", "z": "-0.01", "x": "0"}},
		// V = 1p, each exact 1/3p: the first member alone.
		{"one penny, order z x y", []string{"z", "x", "y"}, "0.01", map[string]string{"z": "0.01", "x": "0", "y": "0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := computeOK(t, tieInput(tc.members, tc.delta))
			for _, s := range p.RiskShare.Shares {
				if want := gbp(tc.want[s.Partner]); *s.ShareOfVariance != want || s.RemainderPenny != (want != 0) {
					t.Errorf("%s: share %s (penny %v), want %s", s.Partner, s.ShareOfVariance, s.RemainderPenny, want)
				}
			}
		})
	}
}

// Pro rata with nothing contributed has no basis: no share is invented; the
// position (V, cells, completeness) is still given.
func TestProRataWithoutContributions(t *testing.T) {
	in := position.Input{Fund: "f", Year: fy, Members: []string{"a", "b"},
		Returns:   []position.Return{returned("a", q(1), true, sc, "A1", "4", "10")},
		RiskShare: position.RiskShare{Model: position.ProRataContributions}}
	p := computeOK(t, in)
	want := shared(position.ProRataContributions, "10", position.MemberShare{Partner: "a", Basis: byContribution("0")},
		position.MemberShare{Partner: "b", Basis: byContribution("0")})
	want.Apportioned = false
	sameRiskShare(t, p.RiskShare, want)
	b, _ := json.Marshal(p.RiskShare.Shares[1])
	if want := `{"partner":"b","basis":{"contribution":"0.00"},"exactShare":null,"shareOfVariance":null,"overspend":null,"underspend":null,"remainderPenny":false}`; string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}

	t.Run("with no variance either, every share is zero", func(t *testing.T) {
		in.Returns = []position.Return{returned("a", q(1), true, sc, "A1", "4", "0")}
		p := computeOK(t, in)
		sameRiskShare(t, p.RiskShare, shared(position.ProRataContributions, "0",
			share("a", byContribution("0"), "0", "0", false), share("b", byContribution("0"), "0", "0", false)))
	})
}

func TestRiskShareErrors(t *testing.T) {
	members := []string{"a", "b", "c"}
	fixed := func(shares map[string]int) position.RiskShare {
		return position.RiskShare{Model: position.FixedShares, Shares: shares}
	}
	cases := []struct {
		name  string
		rs    position.RiskShare
		wants []string // each named in the error
	}{
		{"shares short of 100%", fixed(map[string]int{"a": 4500, "b": 4500, "c": 900}), []string{"sum to 9900 basis points"}},
		{"shares over 100%", fixed(map[string]int{"a": 4500, "b": 5500, "c": 1}), []string{"sum to 10001 basis points"}},
		{"a member without a share, a share of a non-member", fixed(map[string]int{"a": 4500, "b": 5500, "powys": 0}),
			[]string{`member "c" has no share`, `names "powys"`}},
		{"a negative share", fixed(map[string]int{"a": 11000, "b": -1000, "c": 0}),
			[]string{`share of "a" is 11000`, `share of "b" is -1000`}},
		{"no shares at all", fixed(nil), []string{`"a" has no share`, `"b" has no share`, `"c" has no share`}},
		{"a host who is not a member", position.RiskShare{Model: position.HostBears, Host: "powys"}, []string{`host "powys"`}},
		{"no host", position.RiskShare{Model: position.HostBears}, []string{`host ""`}},
		{"shares for another model", position.RiskShare{Model: position.ProRataContributions, Shares: map[string]int{"a": 10000}},
			[]string{"does not use them"}},
		{"an unknown model", position.RiskShare{Model: "pro-rata-population"}, []string{`unknown model "pro-rata-population"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rs.Check(members)
			for _, w := range tc.wants {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Check = %v, want it to name %q", err, w)
				}
			}
			in := position.Input{Fund: "f", Year: fy, Members: members, RiskShare: tc.rs}
			if p, err := position.Compute(in); !errors.Is(err, position.ErrRiskShare) || p != nil {
				t.Errorf("Compute = %v, %v; want nil, ErrRiskShare", p != nil, err)
			}
		})
	}
	t.Run("a negative pro-rata basis", func(t *testing.T) {
		in := position.Input{Fund: "f", Year: fy, Members: members,
			Contributions: []position.Contribution{contribution("b", sc, "A1", "-1")},
			RiskShare:     position.RiskShare{Model: position.ProRataContributions}}
		if p, err := position.Compute(in); !errors.Is(err, position.ErrRiskShare) || p != nil || !strings.Contains(err.Error(), `"b"`) {
			t.Errorf("Compute = %v, %v; want nil, ErrRiskShare naming b", p != nil, err)
		}
	})
	t.Run("valid arrangements pass", func(t *testing.T) {
		for _, rs := range []position.RiskShare{{}, {Model: position.EachCellOwn, Host: "powys"}, {Model: position.ProRataContributions},
			fixed(map[string]int{"a": 3333, "b": 3333, "c": 3334}), fixed(map[string]int{"a": 10000, "b": 0, "c": 0}),
			{Model: position.HostBears, Host: "c"}} {
			if err := rs.Check(members); err != nil {
				t.Errorf("%+v: %v", rs, err)
			}
		}
	})
}

// The zero arrangement and a named each-cell-own give today's position byte
// for byte, with no riskShare; a shared model adds riskShare and marks
// underspends shared, changing nothing else a cell says.
func TestRiskShareJSON(t *testing.T) {
	today, _ := json.Marshal(computeOK(t, westWales(map[string]bool{carm: true})))
	named := westWales(map[string]bool{carm: true})
	named.RiskShare = position.RiskShare{Model: position.EachCellOwn, Host: carm}
	if b, _ := json.Marshal(computeOK(t, named)); string(b) != string(today) || strings.Contains(string(b), "riskShare") {
		t.Errorf("a named each-cell-own differs:\n%s\n%s", b, today)
	}

	in := wiltshireBCF()
	in.Members, in.RiskShare.Shares = in.Members[:1], map[string]int{wilCouncil: 10000}
	in.Contributions, in.Returns = in.Contributions[:1], in.Returns[:1]
	b, _ := json.Marshal(computeOK(t, in))
	for _, want := range []string{
		`"underspendTo":"shared"`,
		`"reimbursed":"0.00","pooled":"0.00"}`,
		`"pooledUnderspend":"0.00","riskShare":{"model":"fixed-shares","variance":"-50000.00","overspend":"0.00","underspend":"50000.00",` +
			`"apportioned":true,"shares":[{"partner":"wiltshire-council","basis":{"percent":"100"},"exactShare":"-5000000",` +
			`"shareOfVariance":"-50000.00","overspend":"0.00","underspend":"50000.00","remainderPenny":false}]}}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s\nlacks %s", b, want)
		}
	}
}
