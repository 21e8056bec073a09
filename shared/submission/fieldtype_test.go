package submission

import "testing"

func TestMoneyAtNamesTheAmountsOfEachKind(t *testing.T) {
	for _, c := range []struct {
		kind    Kind
		pointer string
		want    bool
	}{
		{QuarterlyReturns, "/spend/0/actualToDate", true},
		{QuarterlyReturns, "/spend/12/forecastOutturn", true},
		{QuarterlyReturns, "/income/3/actualToDate", true},
		{QuarterlyReturns, "/spend/0/areaCode", false},
		{QuarterlyReturns, "/spend", false},
		{QuarterlyReturns, "/spend/x/actualToDate", false}, // not an index
		{QuarterlyReturns, "/activity/bedWeeks", false},    // a count
		{QuarterlyReturns, "/kpis/0/value", false},         // a decimal
		{QuarterlyReturns, "/fundId", false},
		{QuarterlyReturns, "/nothing", false},
		{QuarterlyReturns, "", false},
		{PoolContributions, "/lines/1/amount", true},
		{MarketPositionStatements, "/careHomes/0/averageWeeklyFee", true},
		{PopulationAssessments, "/population/0/count", false},
		{Kind("no-such-kind"), "/spend/0/actualToDate", false},
	} {
		if got := c.kind.MoneyAt(c.pointer); got != c.want {
			t.Errorf("%s %q: MoneyAt = %v, want %v", c.kind, c.pointer, got, c.want)
		}
	}
}
