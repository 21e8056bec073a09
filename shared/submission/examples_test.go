package submission_test

import (
	"context"
	"testing"

	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func westWales(tb testing.TB) *region.Region {
	tb.Helper()
	r, err := regions.Load("west-wales")
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// The shared examples are accepted as they are, each by its own partner.
func TestSharedExamplesAccepted(t *testing.T) {
	r := westWales(t)
	cases := []struct {
		file, partner string
		kind          submission.Kind
		key           [2]string
	}{
		{"population-assessment.json", "ceredigion", submission.PopulationAssessments, [2]string{"W06000008", "2022"}},
		{"market-position-statement.json", "pembrokeshire", submission.MarketPositionStatements, [2]string{"W06000009", "2024-25"}},
		{"pool-contribution.json", "carmarthenshire", submission.PoolContributions, [2]string{"care-homes-older-people", "2018-19"}},
		{"quarterly-return.json", "carmarthenshire", submission.QuarterlyReturns, [2]string{"care-homes-older-people", "2018-19-Q2"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			body := example(t, tc.file)
			p, _ := r.Partner(tc.partner)
			key, fs := submission.ParseKey(tc.kind, tc.key, r, p)
			if len(fs) > 0 {
				t.Fatalf("key: %+v", fs)
			}
			res, err := submission.Validate(context.Background(), &submission.Context{Region: r, Partner: p, Key: key}, body)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Errors {
				t.Errorf("error %s at %s: %s", f.Rule.Code, f.Pointer, f.Message)
			}
			t.Logf("canonical: %s", res.Canonical)
			for _, w := range res.Warnings {
				t.Logf("warning %s at %s: %s", w.Rule.Code, w.Pointer, w.Message)
			}
		})
	}
}
