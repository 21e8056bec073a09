package submission_test

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Cheshire West's Better Care Fund, year by year, as the issue gives it: the
// council every year; both CCGs to 2019-20; NHS Cheshire CCG 2020-21 and
// 2021-22; the ICB from 2022-23. A contribution and a return key are
// accepted exactly in a partner's own years; in the others the period is
// refused with fund.not-member-in-year, naming the years it is a member.
func TestMembershipByFinancialYear(t *testing.T) {
	regs := loadTestRegions(t)
	cw := regs[cwRegion]
	years := []string{"2018-19", "2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"}
	member := map[string]struct {
		from, until int // indexes into years
		text        string
	}{
		"cheshire-west-and-chester":   {0, 8, "2018-19 to 2026-27"},
		"west-cheshire-ccg":           {0, 1, "2018-19 to 2019-20"},
		"vale-royal-ccg":              {0, 1, "2018-19 to 2019-20"},
		"cheshire-ccg":                {2, 3, "2020-21 to 2021-22"},
		"cheshire-and-merseyside-icb": {4, 8, "2022-23 to 2026-27"},
	}
	for partner, m := range member {
		p, ok := cw.Partner(partner)
		if !ok {
			t.Fatalf("no partner %s", partner)
		}
		for i, y := range years {
			in := m.from <= i && i <= m.until
			for _, k := range []struct {
				kind   submission.Kind
				period string
			}{{submission.PoolContributions, y}, {submission.QuarterlyReturns, y + "-Q3"}} {
				_, fs := submission.ParseKey(k.kind, [2]string{"better-care-fund", k.period}, cw, p)
				switch {
				case in && len(fs) > 0:
					t.Errorf("%s %s %s: refused %v, but it is a member that year", partner, k.kind, k.period, codes(fs))
				case !in && (len(fs) != 1 || fs[0].Rule.Code != "fund.not-member-in-year" || fs[0].Parameter != k.kind.KeyParams()[1]):
					t.Errorf("%s %s %s: %v, want fund.not-member-in-year@param:%s", partner, k.kind, k.period, codes(fs), k.kind.KeyParams()[1])
				case !in && !strings.Contains(fs[0].Message, m.text) || !in && !strings.Contains(fs[0].Message, y):
					t.Errorf("%s %s %s: message %q names neither its years (%s) nor the year asked", partner, k.kind, k.period, fs[0].Message, m.text)
				}
			}
		}
	}

	t.Run("never a member is fund.not-member, on the fund", func(t *testing.T) {
		wi := regs[wiRegion]
		p, _ := wi.Partner("wiltshire-ccg") // ended before the MH/LD pool began
		_, fs := submission.ParseKey(submission.QuarterlyReturns, [2]string{"mental-health-learning-disabilities", "2024-25-Q1"}, wi, p)
		if got := codes(fs); len(got) != 1 || got[0] != "fund.not-member@param:fundId" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a year the fund does not run is that rule only", func(t *testing.T) {
		p, _ := cw.Partner("west-cheshire-ccg")
		_, fs := submission.ParseKey(submission.PoolContributions, [2]string{"better-care-fund", "2017-18"}, cw, p)
		if got := codes(fs); len(got) != 1 || got[0] != "financial-year.outside-fund-years@param:financialYear" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("an ended CCG's past year validates: readable and correctable", func(t *testing.T) {
		fx := fixtures["cw-pc-west-ccg"]
		d := fixtureDoc(t, "cw-pc-west-ccg")
		d.set("/lines/0/amount", "17750000.00") // a correction: a new version of 2019-20
		r := runRequest(t, regs, fx, fx.key, d.encode(), nil, nil)
		if len(r.keyFindings)+len(r.res.Errors) > 0 {
			t.Fatalf("key %v, errors %v", codes(r.keyFindings), codes(r.res.Errors))
		}
	})
}
