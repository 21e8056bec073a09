package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
)

// growthScenario measures how the fund position and an export grow with the
// data: a West Wales fund-year (4 members, each a contribution and four
// returns) at 10×, 100× and 1000× as many members.
func growthScenario(rep *report) error {
	ctx := context.Background()
	year, _ := period.ParseFinancialYear(synthYear)
	var rows []string
	var base struct{ pos, exp float64 }
	for _, scale := range []int{10, 100, 1000} {
		dir, err := scratch()
		if err != nil {
			return err
		}
		r := synthRegion(4*scale, 1)
		file, err := writeRegion(dir, r)
		if err != nil {
			return err
		}
		a, closeStore, err := embedded(dir, file)
		if err != nil {
			return err
		}
		n, err := seed(ctx, a.Service, r)
		if err != nil {
			return err
		}
		rcu := &auth.Principal{Subject: "bench-rcu", Region: r.ID, Scopes: []auth.Scope{auth.RegionRead}}
		const runs = 20
		start := time.Now()
		for range runs {
			if _, err := a.Service.FundPosition(ctx, rcu, r.ID, "fund-0", year, nil); err != nil {
				return err
			}
		}
		pos := time.Since(start) / runs
		gov := &auth.Principal{Subject: "bench-government", Region: auth.AllRegions, Scopes: []auth.Scope{auth.ExportsWrite, auth.ExportsRead}}
		var exp time.Duration
		heap, err := peakHeap(func() error {
			t0 := time.Now()
			_, err := a.Service.CreateExport(ctx, gov, []byte(fmt.Sprintf(`{"region":%q,"financialYear":%q,"format":"csv"}`, r.ID, synthYear)))
			exp = time.Since(t0)
			return err
		})
		closeStore()
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
		perPos, perExp := float64(pos.Microseconds())/float64(n), float64(exp.Microseconds())/float64(n)
		if scale == 10 {
			base.pos, base.exp = perPos, perExp
		}
		rows = append(rows, fmt.Sprintf("| %d× | %d | %d | %s | %.1f µs | %.2f× | %s | %.1f µs | %.2f× | %s |",
			scale, 4*scale, n, ms(pos), perPos, perPos/base.pos, ms(exp), perExp, perExp/base.exp, mib(heap)))
	}
	rep.add("How cost grows with the data", `The West Wales fund-year (4 members, each with a contribution and four quarterly returns:
20 submissions) at 10×, 100× and 1000× as many members, in one fund. The position is the mean of
20 reads; the export is CSV. Cost per submission staying level means cost grows linearly; the
export's peak heap (above the heap before it) staying level means its memory is flat.

| scale | members | submissions | position | per submission | vs 10× | export | per submission | vs 10× | export peak heap |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
`+joinLines(rows))
	return nil
}
