// Package period holds the UK public-sector financial calendar: financial
// years (1 April – 31 March) and their quarters.
package period

import (
	"errors"
	"strconv"
	"time"
)

// FinancialYear is the year that starts on 1 April of Start: "2018-19".
type FinancialYear struct{ Start int }

// Quarter is quarter N (1..4) of a financial year: "2018-19-Q2".
type Quarter struct {
	Year FinancialYear
	N    int
}

// Errors of parsing.
var (
	ErrFinancialYear = errors.New("a financial year is YYYY-YY with the second year following the first, e.g. 2018-19")
	ErrQuarter       = errors.New("a quarter is YYYY-YY-Qn with n from 1 to 4, e.g. 2018-19-Q2")
)

// ParseFinancialYear reads "YYYY-YY" where YY = (YYYY+1) mod 100.
func ParseFinancialYear(s string) (FinancialYear, error) {
	if len(s) != 7 || s[4] != '-' {
		return FinancialYear{}, ErrFinancialYear
	}
	start, err1 := strconv.Atoi(s[:4])
	end, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || !allDigits(s[:4]) || !allDigits(s[5:]) || (start+1)%100 != end {
		return FinancialYear{}, ErrFinancialYear
	}
	return FinancialYear{Start: start}, nil
}

// ParseQuarter reads "YYYY-YY-Qn".
func ParseQuarter(s string) (Quarter, error) {
	if len(s) != 10 || s[7:9] != "-Q" || s[9] < '1' || s[9] > '4' {
		return Quarter{}, ErrQuarter
	}
	fy, err := ParseFinancialYear(s[:7])
	if err != nil {
		return Quarter{}, ErrQuarter
	}
	return Quarter{Year: fy, N: int(s[9] - '0')}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (y FinancialYear) String() string {
	return string(y.append(make([]byte, 0, 10)))
}

// IsZero reports whether the year was never set.
func (y FinancialYear) IsZero() bool { return y.Start == 0 }

// FirstDay is 1 April of the start year.
func (y FinancialYear) FirstDay() Date { return Date{y.Start, time.April, 1} }

// LastDay is 31 March of the following year.
func (y FinancialYear) LastDay() Date { return Date{y.Start + 1, time.March, 31} }

// Quarters lists Q1..Q4.
func (y FinancialYear) Quarters() []Quarter {
	return []Quarter{{y, 1}, {y, 2}, {y, 3}, {y, 4}}
}

// Next is the following financial year.
func (y FinancialYear) Next() FinancialYear { return FinancialYear{y.Start + 1} }

func (q Quarter) String() string {
	return string(append(q.Year.append(make([]byte, 0, 10)), '-', 'Q', byte('0'+q.N%10)))
}

// append writes "YYYY-YY" without fmt: periods are formatted on hot paths
// (keys, positions, exports).
func (y FinancialYear) append(b []byte) []byte {
	b = pad(b, y.Start, 4)
	return pad(append(b, '-'), (y.Start+1)%100, 2)
}

// pad appends n in decimal, zero-padded to width.
func pad(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// Previous is the quarter before q in the same financial year, if any
// (cumulative figures start again on 1 April).
func (q Quarter) Previous() (Quarter, bool) {
	if q.N <= 1 || q.N > 4 {
		return Quarter{}, false
	}
	return Quarter{q.Year, q.N - 1}, true
}

// FirstDay is the first day of the quarter.
func (q Quarter) FirstDay() Date {
	return q.Year.FirstDay().AddMonths(3 * (q.N - 1))
}

// LastDay is the last day of the quarter.
func (q Quarter) LastDay() Date {
	return q.Year.FirstDay().AddMonths(3 * q.N).AddDays(-1)
}

// Before reports whether q comes before o.
func (q Quarter) Before(o Quarter) bool {
	if q.Year.Start != o.Year.Start {
		return q.Year.Start < o.Year.Start
	}
	return q.N < o.N
}

// Date is a calendar date with no time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ErrDate is a text that is not a real YYYY-MM-DD date.
var ErrDate = errors.New("a date is YYYY-MM-DD and must exist in the calendar")

// ParseDate reads a real calendar date "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return Date{}, ErrDate
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, ErrDate
	}
	return DateOf(t), nil
}

// DateOf is the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string {
	b := pad(make([]byte, 0, 10), d.Year, 4)
	b = pad(append(b, '-'), int(d.Month), 2)
	return string(pad(append(b, '-'), d.Day, 2))
}

// Time is midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// EndOfDay is the last instant of d in loc: due dates fall due at the end of the day.
func (d Date) EndOfDay(loc *time.Location) time.Time {
	return d.AddDays(1).Time(loc).Add(-time.Nanosecond)
}

// AddDays moves by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n)) }

// AddMonths moves by n months (callers use it from the first of a month).
func (d Date) AddMonths(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, n, 0)) }

// Contains reports whether the year includes the date.
func (y FinancialYear) Contains(d Date) bool {
	return !d.Before(y.FirstDay()) && !y.LastDay().Before(d)
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Time(time.UTC).Before(o.Time(time.UTC)) }
