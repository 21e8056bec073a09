package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// synthYear is the financial year every synthetic submission is for.
const synthYear = "2024-25"

// synthRegion is a made-up region: partners councils of their own areas,
// funds with every partner a member, one year. Each partner sends one pool
// contribution and four quarterly returns per fund: 5 × partners × funds
// current submissions.
func synthRegion(partners, funds int) *region.Region {
	r := &region.Region{ID: fmt.Sprintf("synth-%dx%d", partners, funds), Name: "Synthetic region", Languages: []i18n.Lang{i18n.English},
		Country: "wales", Timezone: "Europe/London",
		Categories: []region.Term{{ID: "residential", Name: "Residential care"}, {ID: "nursing", Name: "Nursing care"},
			{ID: "client-contributions", Name: "Client contributions"}, {ID: "other", Name: "Other"}},
		Roles:        []region.Term{{ID: "chief-finance-officer", Name: "Chief finance officer"}},
		PartnerTypes: []region.PartnerType{{ID: "local-authority", Name: "Council", Disciplines: []region.Discipline{region.SocialCare}}},
		KPIs:         []region.KPI{{Code: "occupancy-rate", Name: "Occupancy", Unit: "percent"}},
		DueDates:     region.DueDates{QuarterlyReturnDaysAfterQuarterEnd: 30, PoolContributionDaysBeforeYearStart: 1}}
	var members []string
	var membership []region.Member // written to the region's file: Members alone is not
	for p := range partners {
		area, id := fmt.Sprintf("S%08d", p), fmt.Sprintf("council-%d", p)
		r.Areas = append(r.Areas, region.Area{Code: area, Name: "Area " + area})
		r.Partners = append(r.Partners, region.Partner{ID: id, Name: "Council " + id, Type: "local-authority", Code: area, Areas: []string{area}})
		members = append(members, id)
		membership = append(membership, region.Member{Partner: id})
	}
	for f := range funds {
		r.Funds = append(r.Funds, region.Fund{ID: fmt.Sprintf("fund-%d", f), Name: "Fund", Host: members[0], Members: members, Membership: membership,
			FinancialYears: []string{synthYear}, RiskShare: "each-cell-own", SpendCategories: []string{"residential", "nursing"},
			IncomeSources: []string{"client-contributions", "other"}, ApprovedBy: "Synthetic board",
			ReportSignOffs: []region.SignOffRule{{PartnerType: "local-authority", Roles: []string{"chief-finance-officer"}}}})
	}
	return r
}

// writeRegion saves a region's configuration for the app to load.
func writeRegion(dir string, r *region.Region) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.ID+".json")
	return path, os.WriteFile(path, b, 0o600)
}

// seed sends every synthetic submission through the service, as partners'
// systems would (validation, versioning, audit), two writers at a time.
func seed(ctx context.Context, svc *submissions.Service, r *region.Region) (int64, error) {
	type job struct {
		partner region.Partner
		kind    submission.Kind
		key     [2]string
		body    []byte
	}
	jobs := make(chan job)
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p := &auth.Principal{Subject: "bench-" + j.partner.ID, Region: r.ID, Partner: j.partner.ID, Scopes: []auth.Scope{auth.SubmissionsWrite}}
				_, err := svc.PutSubmission(ctx, submissions.PutRequest{Principal: p, Region: r.ID, Partner: j.partner.ID, Kind: j.kind, KeyValues: j.key, Body: j.body})
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("seed %s %v: %w", j.kind, j.key, err) })
					continue
				}
				done.Add(1)
			}
		}()
	}
	for i, p := range r.Partners {
		for _, f := range r.Funds {
			area := p.Areas[0]
			jobs <- job{p, submission.PoolContributions, [2]string{f.ID, synthYear}, contribution(area, 100000+i)}
			for q := 1; q <= 4; q++ {
				jobs <- job{p, submission.QuarterlyReturns, [2]string{f.ID, fmt.Sprintf("%s-Q%d", synthYear, q)}, quarterlyReturn(area, q, i)}
			}
		}
	}
	close(jobs)
	wg.Wait()
	return done.Load(), firstErr
}

func contribution(area string, pounds int) []byte {
	return []byte(fmt.Sprintf(`{"lines":[{"discipline":"social-care","areaCode":%q,"type":"cash","amount":"%d.00","description":"Care-home placements"}],"approvedBy":"Head of Finance","approvedOn":"2024-03-28"}`, area, pounds))
}

func quarterlyReturn(area string, q, i int) []byte {
	return []byte(fmt.Sprintf(`{"spend":[{"discipline":"social-care","areaCode":%q,"category":"residential","actualToDate":"%d.%02d","forecastOutturn":"%d.00"}],`+
		`"income":[{"discipline":"social-care","areaCode":%q,"source":"client-contributions","actualToDate":"%d.00","forecastOutturn":"%d.00"}],`+
		`"activity":{"placementsAtQuarterEnd":%d,"newPlacements":3,"endedPlacements":2,"bedWeeks":%d},"kpis":[{"code":"occupancy-rate","value":"91.5","unit":"percent"}],`+
		`"riskRating":"amber","commentary":"Quarter %d position."}`, area, 20000*q+i, q, 100000+i, area, 2000*q, 8000, 40+i%7, 500+q, q))
}
