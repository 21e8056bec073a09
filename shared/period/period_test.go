package period_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/period"
)

func TestParseFinancialYear(t *testing.T) {
	valid := []struct {
		in    string
		start int
	}{
		{"2018-19", 2018},
		{"1999-00", 1999},
		{"2099-00", 2099},
		{"2000-01", 2000},
		{"2026-27", 2026},
	}
	for _, tc := range valid {
		t.Run("accepts "+tc.in, func(t *testing.T) {
			y, err := period.ParseFinancialYear(tc.in)
			if err != nil || y.Start != tc.start {
				t.Fatalf("ParseFinancialYear(%q) = %+v, %v; want start %d", tc.in, y, err, tc.start)
			}
			if y.String() != tc.in {
				t.Errorf("String() = %q, want %q", y.String(), tc.in)
			}
		})
	}
	for _, in := range []string{
		"2018-20", // second year not the next
		"2018-18",
		"1999-99",
		"2018/19", // wrong separator
		"18-19",   // short first year
		"2018-1",  // short second year
		"2018-019",
		"2018-19 ",
		" 2018-19",
		"2018-2019",
		"+018-19",
		"-018-19",
		"201a-19",
		"2018-1a",
		"2018-+9",
		"",
	} {
		t.Run("refuses "+in, func(t *testing.T) {
			if y, err := period.ParseFinancialYear(in); !errors.Is(err, period.ErrFinancialYear) {
				t.Errorf("ParseFinancialYear(%q) = %+v, %v; want ErrFinancialYear", in, y, err)
			}
		})
	}
}

func TestFinancialYearDays(t *testing.T) {
	y := period.FinancialYear{Start: 2018}
	if got := y.FirstDay(); got != (period.Date{Year: 2018, Month: time.April, Day: 1}) {
		t.Errorf("FirstDay = %v", got)
	}
	if got := y.LastDay(); got != (period.Date{Year: 2019, Month: time.March, Day: 31}) {
		t.Errorf("LastDay = %v", got)
	}
	if y.Next() != (period.FinancialYear{Start: 2019}) {
		t.Errorf("Next = %v", y.Next())
	}
	for _, tc := range []struct {
		d    period.Date
		want bool
	}{
		{period.Date{Year: 2018, Month: time.March, Day: 31}, false},
		{period.Date{Year: 2018, Month: time.April, Day: 1}, true},
		{period.Date{Year: 2018, Month: time.December, Day: 31}, true},
		{period.Date{Year: 2019, Month: time.March, Day: 31}, true},
		{period.Date{Year: 2019, Month: time.April, Day: 1}, false},
	} {
		if got := y.Contains(tc.d); got != tc.want {
			t.Errorf("2018-19 contains %v = %v, want %v", tc.d, got, tc.want)
		}
	}
	if !(period.FinancialYear{}).IsZero() || y.IsZero() {
		t.Error("IsZero")
	}
}

func TestParseQuarter(t *testing.T) {
	for _, tc := range []struct {
		in    string
		start int
		n     int
	}{
		{"2018-19-Q1", 2018, 1},
		{"2018-19-Q2", 2018, 2},
		{"2018-19-Q3", 2018, 3},
		{"2018-19-Q4", 2018, 4},
		{"1999-00-Q4", 1999, 4},
	} {
		t.Run("accepts "+tc.in, func(t *testing.T) {
			q, err := period.ParseQuarter(tc.in)
			if err != nil || q.Year.Start != tc.start || q.N != tc.n {
				t.Fatalf("ParseQuarter(%q) = %+v, %v", tc.in, q, err)
			}
			if q.String() != tc.in {
				t.Errorf("String() = %q", q.String())
			}
		})
	}
	for _, in := range []string{
		"2018-19-Q0", "2018-19-Q5", "2018-19-q2", "2018-19Q2", "2018-19-2", "2018-20-Q1",
		"2018/19-Q1", "2018-19-Q12", "2018-19-Q", "18-19-Q1", "2018-19", "2018-19-Q1 ", "",
	} {
		t.Run("refuses "+in, func(t *testing.T) {
			if q, err := period.ParseQuarter(in); !errors.Is(err, period.ErrQuarter) {
				t.Errorf("ParseQuarter(%q) = %+v, %v; want ErrQuarter", in, q, err)
			}
		})
	}
}

func TestQuarterDays(t *testing.T) {
	d := func(y int, m time.Month, day int) period.Date { return period.Date{Year: y, Month: m, Day: day} }
	cases := []struct {
		q           string
		first, last period.Date
	}{
		{"2018-19-Q1", d(2018, time.April, 1), d(2018, time.June, 30)},
		{"2018-19-Q2", d(2018, time.July, 1), d(2018, time.September, 30)},
		{"2018-19-Q3", d(2018, time.October, 1), d(2018, time.December, 31)},
		{"2018-19-Q4", d(2019, time.January, 1), d(2019, time.March, 31)}, // Jan–Mar of the next calendar year
		{"1999-00-Q4", d(2000, time.January, 1), d(2000, time.March, 31)},
	}
	for _, tc := range cases {
		t.Run(tc.q+" runs from "+tc.first.String()+" to "+tc.last.String(), func(t *testing.T) {
			q, err := period.ParseQuarter(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.FirstDay(); got != tc.first {
				t.Errorf("FirstDay = %v, want %v", got, tc.first)
			}
			if got := q.LastDay(); got != tc.last {
				t.Errorf("LastDay = %v, want %v", got, tc.last)
			}
			if !q.Year.Contains(q.FirstDay()) || !q.Year.Contains(q.LastDay()) {
				t.Error("the quarter's days are not in its financial year")
			}
		})
	}
	t.Run("the four quarters tile the year without gaps", func(t *testing.T) {
		y := period.FinancialYear{Start: 2023} // 2024 is a leap year: Q4 ends on 31 March all the same
		qs := y.Quarters()
		if len(qs) != 4 || qs[0].FirstDay() != y.FirstDay() || qs[3].LastDay() != y.LastDay() {
			t.Fatalf("quarters %v", qs)
		}
		for i := 1; i < 4; i++ {
			if qs[i-1].LastDay().AddDays(1) != qs[i].FirstDay() {
				t.Errorf("gap between %v and %v", qs[i-1], qs[i])
			}
		}
	})
}

func TestPreviousAndBefore(t *testing.T) {
	q := func(s string) period.Quarter {
		t.Helper()
		v, err := period.ParseQuarter(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Run("previous quarter within the year", func(t *testing.T) {
		for _, tc := range []struct{ q, prev string }{
			{"2018-19-Q2", "2018-19-Q1"}, {"2018-19-Q3", "2018-19-Q2"}, {"2018-19-Q4", "2018-19-Q3"},
		} {
			p, ok := q(tc.q).Previous()
			if !ok || p != q(tc.prev) {
				t.Errorf("%s.Previous() = %v, %v; want %s", tc.q, p, ok, tc.prev)
			}
		}
	})
	t.Run("Q1 has no previous quarter: cumulative figures restart on 1 April", func(t *testing.T) {
		if p, ok := q("2019-20-Q1").Previous(); ok {
			t.Errorf("Previous() = %v, true", p)
		}
	})
	t.Run("Before orders by year then quarter", func(t *testing.T) {
		order := []string{"2017-18-Q4", "2018-19-Q1", "2018-19-Q2", "2018-19-Q4", "2019-20-Q1"}
		for i := range order {
			for j := range order {
				if got, want := q(order[i]).Before(q(order[j])), i < j; got != want {
					t.Errorf("%s.Before(%s) = %v, want %v", order[i], order[j], got, want)
				}
			}
		}
	})
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want period.Date
	}{
		{"2020-02-29", period.Date{Year: 2020, Month: time.February, Day: 29}},
		{"2000-02-29", period.Date{Year: 2000, Month: time.February, Day: 29}},
		{"2018-03-28", period.Date{Year: 2018, Month: time.March, Day: 28}},
		{"2019-12-31", period.Date{Year: 2019, Month: time.December, Day: 31}},
	} {
		t.Run("accepts "+tc.in, func(t *testing.T) {
			got, err := period.ParseDate(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseDate(%q) = %v, %v", tc.in, got, err)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
	for _, in := range []string{
		"2019-02-29", // not a leap year
		"1900-02-29", // not a leap year either
		"2019-2-1",
		"2019-02-1",
		"2019-04-31",
		"2019-13-01",
		"2019-00-10",
		"2019-01-00",
		"2019/01/01",
		"20190101",
		"2019-01-01T00:00:00Z",
		" 2019-01-01",
		"2019-+1-01",
		"+019-01-01",
		"",
	} {
		t.Run("refuses "+in, func(t *testing.T) {
			if d, err := period.ParseDate(in); !errors.Is(err, period.ErrDate) {
				t.Errorf("ParseDate(%q) = %v, %v; want ErrDate", in, d, err)
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	d := period.Date{Year: 2020, Month: time.February, Day: 28}
	if got := d.AddDays(1); got != (period.Date{Year: 2020, Month: time.February, Day: 29}) {
		t.Errorf("AddDays(1) = %v", got)
	}
	if got := d.AddDays(2); got != (period.Date{Year: 2020, Month: time.March, Day: 1}) {
		t.Errorf("AddDays(2) = %v", got)
	}
	if got := (period.Date{Year: 2019, Month: time.January, Day: 1}).AddDays(-1); got != (period.Date{Year: 2018, Month: time.December, Day: 31}) {
		t.Errorf("AddDays(-1) = %v", got)
	}
	if !d.Before(d.AddDays(1)) || d.Before(d) || d.AddDays(1).Before(d) {
		t.Error("Before")
	}
	if got := period.DateOf(time.Date(2019, 3, 31, 23, 30, 0, 0, time.UTC).In(time.FixedZone("+1", 3600))); got != (period.Date{Year: 2019, Month: time.April, Day: 1}) {
		t.Errorf("DateOf takes the date in t's location, got %v", got)
	}
}

func TestEndOfDayInLondonAcrossDST(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	cases := []struct {
		name    string
		d       period.Date
		wantUTC time.Time
		length  time.Duration
	}{
		{"the Saturday before clocks go forward ends at midnight GMT",
			period.Date{Year: 2024, Month: time.March, Day: 30}, time.Date(2024, 3, 30, 23, 59, 59, 999999999, time.UTC), 24 * time.Hour},
		{"the day clocks go forward is 23 hours and ends at midnight BST",
			period.Date{Year: 2024, Month: time.March, Day: 31}, time.Date(2024, 3, 31, 22, 59, 59, 999999999, time.UTC), 23 * time.Hour},
		{"the day clocks go back is 25 hours and ends at midnight GMT",
			period.Date{Year: 2024, Month: time.October, Day: 27}, time.Date(2024, 10, 27, 23, 59, 59, 999999999, time.UTC), 25 * time.Hour},
		{"a summer day ends at 23:00 UTC",
			period.Date{Year: 2019, Month: time.July, Day: 30}, time.Date(2019, 7, 30, 22, 59, 59, 999999999, time.UTC), 24 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			end := tc.d.EndOfDay(london)
			if !end.Equal(tc.wantUTC) {
				t.Errorf("EndOfDay = %v (%v UTC), want %v", end, end.UTC(), tc.wantUTC)
			}
			if local := end.In(london); period.DateOf(local) != tc.d || local.Hour() != 23 || local.Minute() != 59 {
				t.Errorf("EndOfDay in London is %v, not the last instant of %v", local, tc.d)
			}
			if got := end.Sub(tc.d.Time(london)) + time.Nanosecond; got != tc.length {
				t.Errorf("the day lasts %v, want %v", got, tc.length)
			}
			if !end.Add(time.Nanosecond).Equal(tc.d.AddDays(1).Time(london)) {
				t.Error("one nanosecond after EndOfDay is not the next day's midnight")
			}
		})
	}
}

func FuzzParseQuarter(f *testing.F) {
	for _, s := range []string{"2018-19-Q2", "1999-00-Q4", "2018-20-Q1", "2018-19-Q5", "2018-19-q1", "", "0000-01-Q1", "9999-00-Q4", "+018-19-Q1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := period.ParseQuarter(s)
		if err != nil {
			if !errors.Is(err, period.ErrQuarter) {
				t.Errorf("ParseQuarter(%q): unexpected error %v", s, err)
			}
			return
		}
		if q.String() != s {
			t.Fatalf("ParseQuarter(%q).String() = %q", s, q.String())
		}
		if q.N < 1 || q.N > 4 {
			t.Fatalf("ParseQuarter(%q) has N = %d", s, q.N)
		}
		if !q.Year.Contains(q.FirstDay()) || !q.Year.Contains(q.LastDay()) || q.LastDay().Before(q.FirstDay()) {
			t.Fatalf("%s runs %v–%v, outside %v", q, q.FirstDay(), q.LastDay(), q.Year)
		}
		if y, err := period.ParseFinancialYear(s[:7]); err != nil || y != q.Year {
			t.Fatalf("the year part %q does not parse to %v: %v", s[:7], q.Year, err)
		}
	})
}
