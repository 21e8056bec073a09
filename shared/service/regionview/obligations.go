package regionview

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Obligation statuses.
const (
	StatusOpen      = "open"       // not received, not yet due
	StatusLate      = "late"       // not received, due date passed
	StatusReceived  = "received"   // received (a return not yet signed off)
	StatusSignedOff = "signed-off" // a return whose current version is signed off
)

// ObligationStatuses lists them.
var ObligationStatuses = []string{StatusOpen, StatusLate, StatusReceived, StatusSignedOff}

// Obligation is one return a partner owes.
type Obligation struct {
	FundID string `json:"fundId"`
	Kind   string `json:"kind"` // a submission kind, or ReportSignOffKind
	// Role is the role a report sign-off is owed in.
	Role         string     `json:"role,omitempty"`
	Period       string     `json:"period"`
	DueDate      string     `json:"dueDate"`
	DueAt        time.Time  `json:"dueAt"`
	Status       string     `json:"status"`
	ReceivedLate bool       `json:"receivedLate"`
	Locked       bool       `json:"locked"`
	Version      *int       `json:"version"`
	ReceivedAt   *time.Time `json:"receivedAt"`
}

// ObligationFilter selects obligations by status and due date (inclusive).
type ObligationFilter struct {
	Status   string
	From, To *period.Date
}

// Obligations lists every return the partner owes across its funds' years,
// in due-date order: what it owes, by when, and the state of each.
func (s *Service) Obligations(ctx context.Context, p *auth.Principal, regionID, partnerID string, f ObligationFilter) ([]Obligation, error) {
	slice, err := s.AuthorizeSlice(p, regionID, partnerID, service.ReadSlice)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(ObligationStatuses, f.Status) {
		return nil, submission.RuleStatusInvalid.ParamError("status", "finding.not-one-of", map[string]any{"Value": strconv.Quote(f.Status), "Allowed": strings.Join(ObligationStatuses, ", ")})
	}
	all, err := s.obligationsOf(ctx, slice, s.Now())
	if err != nil {
		return nil, err
	}
	var out []Obligation
	for _, o := range all {
		if f.keeps(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// obligationsOf is every return and report sign-off the slice's partner
// owes, judged at now, in due-date order.
func (s *Service) obligationsOf(ctx context.Context, slice service.Slice, now time.Time) ([]Obligation, error) {
	held, err := s.currentByKey(ctx, slice, submission.PoolContributions, submission.QuarterlyReturns)
	if err != nil {
		return nil, err
	}
	locks, err := service.DecodeAll[service.LockRecord](ctx, s.Service, store.Query{PK: service.RegionPK(slice.Region.ID), Prefix: "LOCK#"})
	if err != nil {
		return nil, err
	}
	locked := map[string]bool{}
	for _, l := range locks {
		locked[l.Fund+"#"+l.Period] = true
	}
	var out []Obligation
	for _, due := range dueReturns(slice.Region, slice.Partner) {
		o := due.status(held[string(due.kind)+"#"+due.fund+"#"+due.period], now)
		o.Locked = locked[due.fund+"#"+due.year] || locked[due.fund+"#"+due.period]
		out = append(out, o)
	}
	reports, err := s.reportObligations(ctx, slice, now, locked)
	if err != nil {
		return nil, err
	}
	out = append(out, reports...)
	slices.SortStableFunc(out, func(a, b Obligation) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}

// ReportSignOffKind is the kind of an obligation to sign a fund's
// quarterly report.
const ReportSignOffKind = "fund-report-sign-off"

// reportObligations are the partner's outstanding sign-offs of its funds'
// quarterly reports: of every quarter of a year it is a member for which
// some member has sent a return, each role the fund asks of it that no
// sign-off on the report's current content stands for. A sign-off falls due
// with the quarter's returns. Per fund-year: one read of its records, one of
// its reports' sign-offs.
func (s *Service) reportObligations(ctx context.Context, slice service.Slice, now time.Time, locked map[string]bool) ([]Obligation, error) {
	var out []Obligation
	reg := slice.Region
	for i := range reg.Funds {
		f := &reg.Funds[i]
		for _, y := range f.YearsOf(slice.Partner.ID) {
			items, err := s.readPositionItems(ctx, reg, f, y)
			if err != nil {
				return nil, err
			}
			quarters := map[string]bool{}
			for _, it := range items.returns {
				quarters[it.SK[strings.LastIndex(it.SK, "#")+1:]] = true // Q#{partner}#{quarter}
			}
			if len(quarters) == 0 {
				continue
			}
			var records []store.Item
			err = s.QueryAll(ctx, store.Query{PK: service.RegionPK(reg.ID), Prefix: "REPORT#" + f.ID + "#" + y.String() + "-Q"}, func(it store.Item) error {
				records = append(records, it)
				return nil
			})
			if err != nil {
				return nil, err
			}
			for _, q := range y.Quarters() {
				if !quarters[q.String()] {
					continue
				}
				sc := reportScope{reg: reg, fund: f, quarter: q, partner: slice.Partner}
				var own []store.Item
				for _, it := range records {
					if strings.HasPrefix(it.SK, reportPrefix(f.ID, q)) {
						own = append(own, it)
					}
				}
				b, err := assembleReport(sc, items, own, nil, nil)
				if err != nil {
					return nil, err
				}
				due := q.LastDay().AddDays(reg.DueDates.QuarterlyReturnDaysAfterQuarterEnd)
				dueAt := due.EndOfDay(reg.Location()).UTC().Truncate(time.Millisecond)
				for _, r := range b.report.Required {
					if r.Partner != slice.Partner.ID || r.Signed {
						continue
					}
					o := Obligation{FundID: f.ID, Kind: ReportSignOffKind, Role: r.Role, Period: q.String(), DueDate: due.String(), DueAt: dueAt,
						Status: StatusOpen, Locked: locked[f.ID+"#"+y.String()] || locked[f.ID+"#"+q.String()]}
					if now.After(dueAt) {
						o.Status = StatusLate
					}
					out = append(out, o)
				}
			}
		}
	}
	return out, nil
}

func (f ObligationFilter) keeps(o Obligation) bool {
	d, _ := period.ParseDate(o.DueDate)
	return (f.Status == "" || o.Status == f.Status) && (f.From == nil || !d.Before(*f.From)) && (f.To == nil || !f.To.Before(d))
}

// dueReturn is a return a member owes for one period of one fund.
type dueReturn struct {
	fund, period, year string
	kind               submission.Kind
	dueDate            period.Date
	dueAt              time.Time
}

// dueReturns lists every contribution and quarterly return the partner owes
// in the years it is a fund's member, with due dates from the region's
// configuration (end of day, region time).
func dueReturns(reg *region.Region, partner *region.Partner) []dueReturn {
	var out []dueReturn
	add := func(f, per, year string, k submission.Kind, d period.Date) {
		// The last millisecond of the due day in the region's time zone, written in UTC.
		out = append(out, dueReturn{fund: f, period: per, year: year, kind: k, dueDate: d, dueAt: d.EndOfDay(reg.Location()).UTC().Truncate(time.Millisecond)})
	}
	for _, f := range reg.Funds {
		for _, y := range f.YearsOf(partner.ID) { // the years it is a member: an ended partner owes nothing after
			add(f.ID, y.String(), y.String(), submission.PoolContributions, y.FirstDay().AddDays(-reg.DueDates.PoolContributionDaysBeforeYearStart))
			for _, q := range y.Quarters() {
				add(f.ID, q.String(), y.String(), submission.QuarterlyReturns, q.LastDay().AddDays(reg.DueDates.QuarterlyReturnDaysAfterQuarterEnd))
			}
		}
	}
	return out
}

// status judges a due return against what is held and the time now.
func (d dueReturn) status(rec *service.VersionRecord, now time.Time) Obligation {
	o := Obligation{FundID: d.fund, Kind: string(d.kind), Period: d.period, DueDate: d.dueDate.String(), DueAt: d.dueAt}
	switch {
	case rec == nil && now.After(d.dueAt):
		o.Status = StatusLate
	case rec == nil:
		o.Status = StatusOpen
	default:
		o.Status = StatusReceived
		if rec.SignOff != nil {
			o.Status = StatusSignedOff
		}
		o.Version, o.ReceivedAt = &rec.Version, &rec.FirstReceivedAt
		o.ReceivedLate = rec.FirstReceivedAt.After(d.dueAt)
	}
	return o
}

// currentByKey reads a partner's current records of some kinds, keyed
// "kind#a#b": one partition range read per kind.
func (s *Service) currentByKey(ctx context.Context, slice service.Slice, kinds ...submission.Kind) (map[string]*service.VersionRecord, error) {
	out := map[string]*service.VersionRecord{}
	for _, k := range kinds {
		recs, err := service.DecodeAll[service.VersionRecord](ctx, s.Service, store.Query{PK: service.PartnerPK(slice.Region.ID, slice.Partner.ID), Prefix: service.CurrentPrefix(k)})
		if err != nil {
			return nil, err
		}
		for i := range recs {
			out[string(k)+"#"+recs[i].KeyValues[0]+"#"+recs[i].KeyValues[1]] = &recs[i]
		}
	}
	return out, nil
}
