package apitest

import (
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
)

// The access matrix's rows of a fund's quarterly report. A fund's report is
// read by the region and by the fund's members of the quarter's year, signed
// by those members, approved by the region's board; it shows each member
// the others' versions and signatures, and nothing of theirs else.

// mxReportPath is the report of the target's fund and quarter.
func mxReportPath(tg mxTarget) string {
	return "/v1/regions/" + tg.region + "/funds/" + tg.sl.fund + "/reports/" + tg.sl.quarter
}

// member reports whether partner is a member of the target's fund in the
// target's quarter's year.
func (s *mxSeed) member(tg mxTarget, partner string) bool {
	reg, ok := s.e.App.Regions.Get(tg.region)
	if !ok {
		return false
	}
	f, ok := reg.Fund(tg.sl.fund)
	q, err := period.ParseQuarter(tg.sl.quarter)
	return ok && err == nil && f.IsMember(partner, q.Year)
}

// mxFundReport: the region's own token with the regional scope, or a
// partner of the region that is a member of the fund in the quarter's year
// with the partner scope ("" where no token of that shape may).
func mxFundReport(regional, partnerScope auth.Scope) mxRule {
	return func(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
		switch {
		case c.region != tg.region:
			return mxRefuse
		case c.partner == "":
			if regional == "" || !c.has(regional) {
				return mxRefuse
			}
		case partnerScope == "" || !c.has(partnerScope) || !s.member(tg, c.partner):
			return mxRefuse
		}
		return mxAllow
	}
}

// mxFellowMembers: a report shows a member the versions its fellow members'
// figures come from (their SHA-256) and their signatures.
func mxFellowMembers(s *mxSeed, c mxCaller, tg mxTarget, o mxOwner, what string) bool {
	return c.partner != "" && c.region == tg.region && o.region == tg.region && s.member(tg, c.partner) && s.member(tg, o.partner) &&
		(what == "sha256" || what == "report signatory")
}

// reportETag is the target's report's current ETag, as its region reads it;
// a tag of no content where there is no such report.
func (s *mxSeed) reportETag(tg mxTarget) string {
	r := s.e.Get(mxReportPath(tg), s.e.RCUToken(tg.region))
	if r.Status != 200 {
		return `"` + strings.Repeat("0", 64) + `"`
	}
	return r.Header.Get("ETag")
}

func mxReportRows() []mxRow {
	return []mxRow{
		{op: "GET /v1/regions/{region}/funds/{fundId}/reports/{quarter}", targets: mxRegionTargets,
			rule: mxFundReport(auth.RegionRead, auth.SubmissionsRead), scopes: mxReadScopes, ok: []int{200}, shows: mxFellowMembers,
			req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(mxReportPath(tg)) }},
		{op: "POST /v1/regions/{region}/funds/{fundId}/reports/{quarter}/signoffs", targets: mxRegionTargets,
			rule: mxFundReport("", auth.SubmissionsSignoff), scopes: []auth.Scope{auth.SubmissionsSignoff}, ok: []int{201, 409}, shows: mxFellowMembers,
			req: func(s *mxSeed, tg mxTarget) Req {
				return Req{Method: "POST", Path: mxReportPath(tg) + "/signoffs", Body: []byte(`{"signatory":"Matrix Tester","role":"` + tg.sl.reportRole + `"}`),
					Header: map[string]string{"If-Match": s.reportETag(tg)}}
			}},
		{op: "POST /v1/regions/{region}/funds/{fundId}/reports/{quarter}/approval", targets: mxRegionTargets,
			rule: mxFundReport(auth.ReportsApprove, ""), scopes: []auth.Scope{auth.ReportsApprove}, ok: []int{201, 409},
			req: func(s *mxSeed, tg mxTarget) Req {
				return Req{Method: "POST", Path: mxReportPath(tg) + "/approval", Body: []byte(`{"approvedBy":"Matrix Board","reference":"MX/1","approvedOn":"2019-11-20"}`),
					Header: map[string]string{"If-Match": s.reportETag(tg)}}
			}},
	}
}

// seedReports signs each region's report of its slices' fund and quarter as
// carmarthenshire and Cheshire West's council, under signatories only they hold.
func (s *mxSeed) seedReports(t *testing.T) {
	t.Helper()
	for _, p := range []string{Carm, mxCWC} {
		sl := s.slices[p]
		tg := mxTarget{region: sl.region, partner: sl.partner, sl: sl}
		signatory := s.marker(mxOwner{region: sl.region, partner: sl.partner}, "report signatory")
		res := s.e.Do(Req{Method: "POST", Path: mxReportPath(tg) + "/signoffs", Token: sl.token,
			Body: []byte(`{"signatory":"` + signatory + `","role":"` + sl.reportRole + `"}`), Header: map[string]string{"If-Match": s.reportETag(tg)}})
		if res.Status != 201 || !strings.Contains(string(res.Body), signatory) {
			t.Fatalf("seed %s's report sign-off: %d %s", p, res.Status, res.Body)
		}
	}
}
