package submission_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func dec(t *testing.T, s string) money.Decimal {
	t.Helper()
	d, err := money.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The summary a fund report reads: a return's KPI actuals and the host's
// assurances, a contribution's KPI plans and its amounts per funding
// stream, with figures from the worked examples added up by hand.
func TestSummaryCarriesTheFundReportsInputs(t *testing.T) {
	regs := loadTestRegions(t)

	t.Run("Cheshire West's council's 2019-20 Q2 return", func(t *testing.T) {
		s := previousSummary(t, regs, "cw-qr-council")
		wantKPIs := []submission.SummaryKPI{
			{Code: "discharge-to-usual-residence", Value: dec(t, "92.6")},
			{Code: "residential-admissions-65plus-per-100k", Value: dec(t, "281.4")},
		}
		if !reflect.DeepEqual(s.KPIs, wantKPIs) {
			t.Errorf("KPIs %+v, want %+v", s.KPIs, wantKPIs)
		}
		wantAssurances := []submission.SummaryAssurance{
			{Code: "national-condition-1", Met: true}, {Code: "national-condition-2", Met: true}, {Code: "national-condition-3", Met: true},
			{Code: "national-condition-4", Met: false, Commentary: "The discharge plan awaits the Health and Wellbeing Board's sign-off on 14 November."},
		}
		if !reflect.DeepEqual(s.Assurances, wantAssurances) {
			t.Errorf("assurances %+v, want %+v", s.Assurances, wantAssurances)
		}
		// Spend 6,204,310.55 + 2,318,000.00 + 1,035,500.00 + 402,775.20 =
		// 9,960,585.75, less income 611,200.00: 9,349,385.75 net. Forecast
		// 12,650,000 + 4,720,000 + 2,871,000 + 810,000 = 21,051,000, less
		// 1,230,000: 19,821,000.
		if len(s.Cells) != 1 || s.Cells[0].Actual != 934938575 || s.Cells[0].Forecast != 1982100000 {
			t.Errorf("cells %+v", s.Cells)
		}
		if s.KPIPlans != nil || s.Streams != nil {
			t.Errorf("a return has plans or streams: %+v %+v", s.KPIPlans, s.Streams)
		}
	})

	t.Run("Wiltshire's council's 2023-24 contribution", func(t *testing.T) {
		s := previousSummary(t, regs, "wi-pc-council")
		wantStreams := []submission.SummaryStream{ // in stream order
			{FundingStream: "additional-contribution", Amount: 75000000},
			{FundingStream: "disabled-facilities-grant", Amount: 418356200},
			{FundingStream: "discharge-fund", Amount: 231190500},
			{FundingStream: "local-authority-bcf", Amount: 987654000},
		}
		if !reflect.DeepEqual(s.Streams, wantStreams) {
			t.Errorf("streams %+v, want %+v", s.Streams, wantStreams)
		}
		// 4,183,562 + 9,876,540 + 2,311,905 + 750,000 = 17,122,007.
		if len(s.Cells) != 1 || s.Cells[0].Amount != 1712200700 {
			t.Errorf("cells %+v", s.Cells)
		}
		if len(s.KPIPlans) != 5 || s.KPIPlans[1] != (submission.SummaryKPI{Code: "discharge-to-usual-residence", Quarter: "2023-24-Q2", Value: dec(t, "92.8")}) {
			t.Errorf("KPI plans %+v", s.KPIPlans)
		}
		if s.KPIs != nil || s.Assurances != nil {
			t.Errorf("a contribution has KPI actuals or assurances: %+v %+v", s.KPIs, s.Assurances)
		}
	})

	t.Run("one stream on two lines adds up; a fund without streams has none", func(t *testing.T) {
		d := fixtureDoc(t, "wi-pc-council")
		d.set("/lines/3/fundingStream", "local-authority-bcf")
		res := validDoc(t, regs, "wi-pc-council", d.encode())
		s, err := submission.Summarize(submission.PoolContributions, res.Document)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Streams) != 3 || s.Streams[2] != (submission.SummaryStream{FundingStream: "local-authority-bcf", Amount: 987654000 + 75000000}) {
			t.Errorf("streams %+v", s.Streams)
		}
		if ww := previousSummary(t, regs, "pc"); ww.Streams != nil || ww.KPIPlans != nil {
			t.Errorf("West Wales contribution: %+v", ww)
		}
	})

	t.Run("the summary round-trips through its stored JSON", func(t *testing.T) {
		for _, name := range []string{"cw-qr-council", "wi-pc-council"} {
			s := previousSummary(t, regs, name)
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back submission.Summary
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, s) {
				t.Errorf("%s: %s read back as %+v", name, b, back)
			}
		}
	})
}

// Exports read stored documents strictly (an unknown field is an error):
// the typed documents know every field the new documents carry.
func TestTypedDocumentsReadTheNewFields(t *testing.T) {
	regs := loadTestRegions(t)
	qr := validDoc(t, regs, "cw-qr-council", fixtureDoc(t, "cw-qr-council").encode())
	ret, err := submission.ReadDocument[submission.ReturnDoc](qr.Canonical)
	if err != nil {
		t.Fatal(err)
	}
	if len(ret.Assurances) != 4 || ret.Assurances[3].Met || ret.Assurances[3].Commentary == "" {
		t.Errorf("assurances %+v", ret.Assurances)
	}
	pc := validDoc(t, regs, "wi-pc-council", fixtureDoc(t, "wi-pc-council").encode())
	con, err := submission.ReadDocument[submission.ContributionDoc](pc.Canonical)
	if err != nil {
		t.Fatal(err)
	}
	if con.Lines[0].FundingStream != "disabled-facilities-grant" || len(con.KPIPlans) != 5 || con.KPIPlans[4].Value.String() != "172" {
		t.Errorf("contribution %+v", con)
	}
}
