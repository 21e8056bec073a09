package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// growthScenario measures how the fund position and an export grow with the
// data, at 10×, 100× and 1000× the West Wales fund-year (4 members, each a
// contribution and four returns: 20 submissions). The position grows with
// its fund's members, so it is measured on one fund of 4× members; an export
// grows with everything, so it is measured on × copies of the fund.
func growthScenario(rep *report) error {
	var posRows, expRows []string
	var posBase, expBase float64
	for _, scale := range []int{10, 100, 1000} {
		row, per, err := positionAt(scale)
		if err != nil {
			return err
		}
		if scale == 10 {
			posBase = per
		}
		posRows = append(posRows, fmt.Sprintf(row, per/posBase))
		row, per, err = exportAt(scale)
		if err != nil {
			return err
		}
		if scale == 10 {
			expBase = per
		}
		expRows = append(expRows, fmt.Sprintf(row, per/expBase))
	}
	rep.add("How cost grows with the data", `At 10×, 100× and 1000× the West Wales fund-year (4 members, each with a contribution and four
quarterly returns: 20 submissions). Cost per submission staying level means cost grows linearly.

The fund position grows with its fund's members: one fund of 4× members, mean of 20 reads, each
read and computed.

| scale | members | submissions | position | per submission | vs 10× |
| --- | ---: | ---: | ---: | ---: | ---: |
`+joinLines(posRows)+`
An export grows with all the data: × copies of the fund (each of 4 members), CSV. Its peak heap
(above the heap before it) staying level means its memory is flat: rows stream to the files.

| scale | funds | submissions | export | per submission | vs 10× | peak heap |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
`+joinLines(expRows))
	return nil
}

// seeded builds a synthetic region on a fresh embedded store and seeds it.
func seeded(partners, funds int) (*app.App, *region.Region, int64, func(), error) {
	dir, err := scratch()
	if err != nil {
		return nil, nil, 0, nil, err
	}
	r := synthRegion(partners, funds)
	file, err := writeRegion(dir, r)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	a, closeStore, err := embedded(dir, file)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	n, err := seed(context.Background(), a.Submissions, r)
	return a, r, n, func() { closeStore(); os.RemoveAll(dir) }, err
}

func positionAt(scale int) (string, float64, error) {
	a, r, n, done, err := seeded(4*scale, 1)
	if err != nil {
		return "", 0, err
	}
	defer done()
	year, _ := period.ParseFinancialYear(synthYear)
	rcu := &auth.Principal{Subject: "bench-rcu", Region: r.ID, Scopes: []auth.Scope{auth.RegionRead}}
	const runs = 20
	start := time.Now()
	for range runs {
		if _, err := a.RegionView.FundPosition(context.Background(), rcu, r.ID, "fund-0", year, nil); err != nil {
			return "", 0, err
		}
	}
	took := time.Since(start) / runs
	per := float64(took.Nanoseconds()) / 1000 / float64(n)
	return fmt.Sprintf("| %d× | %d | %d | %s | %.1f µs | %%.2f× |", scale, 4*scale, n, ms(took), per), per, nil
}

func exportAt(scale int) (string, float64, error) {
	a, r, n, done, err := seeded(4, scale)
	if err != nil {
		return "", 0, err
	}
	defer done()
	gov := &auth.Principal{Subject: "bench-government", Region: auth.AllRegions, Scopes: []auth.Scope{auth.ExportsWrite, auth.ExportsRead}}
	var took time.Duration
	heap, err := peakHeap(func() error {
		t0 := time.Now()
		_, err := a.Exports.CreateExport(context.Background(), gov, []byte(fmt.Sprintf(`{"region":%q,"financialYear":%q,"format":"csv"}`, r.ID, synthYear)))
		took = time.Since(t0)
		return err
	})
	if err != nil {
		return "", 0, err
	}
	per := float64(took.Nanoseconds()) / 1000 / float64(n)
	return fmt.Sprintf("| %d× | %d | %d | %s | %.1f µs | %%.2f× | %s |", scale, scale, n, ms(took), per, mib(heap)), per, nil
}
