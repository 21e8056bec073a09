package openapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
)

// The position's schema accepts the position under every risk-share model,
// each-cell-own (no riskShare) as the service serves it today and each shared
// model the configuration may choose, an unapportioned one (null shares)
// included; the service's own responses are checked by the API suite.
func TestPositionUnderEveryModelMatchesTheContract(t *testing.T) {
	fy := period.FinancialYear{Start: 2019}
	q2 := period.Quarter{Year: fy, N: 2}
	line := func(partner, discipline string, amount money.Pence) position.Contribution {
		return position.Contribution{Partner: partner, Version: 1, Lines: []position.Line{{Discipline: discipline, AreaCode: "E06000050", Amount: amount}}}
	}
	ret := func(partner, discipline string, forecast money.Pence) position.Return {
		return position.Return{Partner: partner, Quarter: q2, Version: 1,
			Lines: []position.ReturnLine{{Discipline: discipline, AreaCode: "E06000050", Actual: forecast / 2, Forecast: forecast}}}
	}
	members := []string{"council", "ccg-a", "ccg-b"}
	base := position.Input{Fund: "better-care-fund", Year: fy, Members: members,
		Contributions: []position.Contribution{line("council", "social-care", 900_000_000), line("ccg-a", "health", 600_000_000), line("ccg-b", "health", 300_000_000)},
		// ccg-b has no return: missing, yet it shares.
		Returns: []position.Return{ret("council", "social-care", 915_000_000), ret("ccg-a", "health", 592_000_001)},
	}
	noContributions := base
	noContributions.Contributions = nil
	cases := []struct {
		name string
		in   position.Input
		rs   position.RiskShare
	}{
		{"each-cell-own", base, position.RiskShare{}},
		{"pro rata", base, position.RiskShare{Model: position.ProRataContributions}},
		{"pro rata, nothing contributed", noContributions, position.RiskShare{Model: position.ProRataContributions}},
		{"fixed shares", base, position.RiskShare{Model: position.FixedShares, Shares: map[string]int{"council": 4500, "ccg-a": 3333, "ccg-b": 2167}}},
		{"host bears", base, position.RiskShare{Model: position.HostBears, Host: "council"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.RiskShare = tc.rs
			p, err := position.Compute(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/v1/regions/cheshire-west/funds/better-care-fund/position?financialYear=2019-20", nil)
			header := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"01J9ZQ3V6M8R2Q4T7W9X1Y3Z5A"}}
			apitest.CheckContract(t, req, &apitest.Resp{Status: http.StatusOK, Header: header, Body: body})
		})
	}
}
