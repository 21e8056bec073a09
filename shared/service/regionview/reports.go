package regionview

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/report"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// A fund's quarterly report is computed, not stored: its sign-offs and its
// approvals are, in the region's partition, each keyed by the content it was
// given on, so that the same person cannot sign the same content twice and
// a new content starts a new round of signatures.
//
//	R#{region}  REPORT#{fund}#{quarter}#SIGNOFF#{content}#{partner}#{role}
//	            REPORT#{fund}#{quarter}#APPROVAL#{content}
func reportPrefix(fund string, q period.Quarter) string {
	return "REPORT#" + fund + "#" + q.String() + "#"
}

func reportSignOffSK(fund string, q period.Quarter, content, partner, role string) string {
	return reportPrefix(fund, q) + "SIGNOFF#" + content + "#" + partner + "#" + role
}

func reportApprovalSK(fund string, q period.Quarter, content string) string {
	return reportPrefix(fund, q) + "APPROVAL#" + content
}

// maxReportWriteOps is the most a report write adds to its guard: the
// record and its two audit records.
const maxReportWriteOps = 3

// reportScope is an authorised fund report.
type reportScope struct {
	reg     *region.Region
	fund    *region.Fund
	quarter period.Quarter
	partner *region.Partner // the signing or reading partner; nil for a regional token
}

// authorizeReport checks the caller may read (or, with a partner's
// submissions:signoff, sign) the report: the region's token with scope, or
// a partner of the region that is a member of the fund in the quarter's
// year. Anyone else gets the same 403 whether or not the fund exists.
func (s *Service) authorizeReport(p *auth.Principal, regionID, fundID, quarterText string, regional auth.Scope, partnerScope auth.Scope) (reportScope, error) {
	var sc reportScope
	if p.Region != regionID {
		return sc, service.Forbidden()
	}
	if p.IsPartner() && (partnerScope == "" || !p.Has(partnerScope)) || !p.IsPartner() && (regional == "" || !p.Has(regional)) {
		return sc, service.Forbidden()
	}
	reg, ok := s.Regions.Get(regionID)
	if !ok {
		return sc, service.Forbidden()
	}
	sc.reg = reg
	if p.IsPartner() {
		if sc.partner, ok = reg.Partner(p.Partner); !ok {
			return sc, service.Forbidden()
		}
	}
	f, err := fund(reg, fundID)
	if err != nil {
		return sc, err
	}
	sc.fund = f
	q, err := period.ParseQuarter(quarterText)
	if err != nil {
		return sc, paramError(submission.RuleQuarter, "quarter", fmt.Sprintf("%q: %v.", quarterText, err))
	}
	if !f.HasYear(q.Year) {
		return sc, paramError(submission.RuleParameterInvalid, "quarter", fmt.Sprintf("%s does not run in %s.", f.ID, q.Year))
	}
	sc.quarter = q
	if sc.partner != nil && !f.IsMember(sc.partner.ID, q.Year) {
		return sc, service.Forbidden()
	}
	return sc, nil
}

// FundReport reads a fund's report for a quarter.
func (s *Service) FundReport(ctx context.Context, p *auth.Principal, regionID, fundID, quarter string) (*report.Report, error) {
	sc, err := s.authorizeReport(p, regionID, fundID, quarter, auth.RegionRead, auth.SubmissionsRead)
	if err != nil {
		return nil, err
	}
	r, _, err := s.buildReport(ctx, sc)
	return r, err
}

// SignFundReport records a member's signature of the report's current
// content (If-Match names it) in one of the roles the fund asks of it.
func (s *Service) SignFundReport(ctx context.Context, p *auth.Principal, regionID, fundID, quarter, ifMatch string, body []byte) (*report.Report, error) {
	sc, err := s.authorizeReport(p, regionID, fundID, quarter, "", auth.SubmissionsSignoff)
	if err != nil {
		return nil, err
	}
	var form submission.SignOff
	if err := submission.DecodeCommand(body, &form); err != nil {
		return nil, err
	}
	role := form.Role.String()
	if !s.requires(sc, role) {
		return nil, apperr.Validation([]apperr.FieldError{{Code: submission.RuleReportRole.Code, Pointer: "/role",
			Message: fmt.Sprintf("%q is not a role %s's report asks of %s; it asks %s.", role, sc.fund.ID, sc.partner.ID, strings.Join(s.rolesOf(sc), ", "))}})
	}
	return s.reportWrite(ctx, sc, ifMatch, func(r *report.Report, now report.SignOff) ([]store.Op, error) {
		for _, o := range r.SignOffs {
			if o.Counts && o.Partner == sc.partner.ID && o.Role == role {
				return nil, apperr.Newf(apperr.Conflict, "%s has already signed this content as %s.", sc.partner.ID, role)
			}
		}
		rec := now
		rec.Partner, rec.Role, rec.Signatory = sc.partner.ID, role, form.Signatory.String()
		op := store.PutOp(store.Item{PK: service.RegionPK(sc.reg.ID), SK: reportSignOffSK(sc.fund.ID, sc.quarter, r.ContentSHA256, rec.Partner, role),
			Version: 1, Data: service.Encode(rec)}, store.IfNotExists())
		return append([]store.Op{op}, s.reportAudit(ctx, sc, p, "report.signed", r.ContentSHA256,
			map[string]string{"signatory": rec.Signatory, "role": role})...), nil
	}, p)
}

// ApproveFundReport records the board's approval of the report's current
// content, which every required sign-off must already stand on.
func (s *Service) ApproveFundReport(ctx context.Context, p *auth.Principal, regionID, fundID, quarter, ifMatch string, body []byte) (*report.Report, error) {
	sc, err := s.authorizeReport(p, regionID, fundID, quarter, auth.ReportsApprove, "")
	if err != nil {
		return nil, err
	}
	var form submission.ReportApproval
	if err := submission.DecodeCommand(body, &form); err != nil {
		return nil, err
	}
	return s.reportWrite(ctx, sc, ifMatch, func(r *report.Report, now report.SignOff) ([]store.Op, error) {
		switch {
		case r.Status == report.Approved:
			return nil, apperr.New(apperr.Conflict, "This content of the report is already approved.")
		case r.Status != report.Signed:
			return nil, apperr.Newf(apperr.Conflict, "The report awaits %d required sign-off(s) on its current content.", unsigned(r))
		}
		a := report.Approval{ApprovedBy: form.ApprovedBy.String(), Reference: form.Reference.String(), ApprovedOn: *form.ApprovedOn,
			At: now.At, By: now.By, ContentSHA256: r.ContentSHA256}
		op := store.PutOp(store.Item{PK: service.RegionPK(sc.reg.ID), SK: reportApprovalSK(sc.fund.ID, sc.quarter, r.ContentSHA256),
			Version: 1, Data: service.Encode(a)}, store.IfNotExists())
		return append([]store.Op{op}, s.reportAudit(ctx, sc, p, "report.approved", r.ContentSHA256,
			map[string]string{"approvedBy": a.ApprovedBy, "reference": a.Reference, "approvedOn": a.ApprovedOn})...), nil
	}, p)
}

// reportWrite builds the report, checks If-Match names its content and its
// quarter is not locked, and writes ops (with checks that keep the inputs
// and locks as read); a change meanwhile is read again and checked again.
func (s *Service) reportWrite(ctx context.Context, sc reportScope, ifMatch string, ops func(*report.Report, report.SignOff) ([]store.Op, error), p *auth.Principal) (*report.Report, error) {
	if ifMatch == "" {
		return nil, apperr.Validation([]apperr.FieldError{{Code: submission.RuleIfMatchRequired.Code, Header: "If-Match",
			Message: "Name the report's content in If-Match: its ETag, as a GET of the report gives it."}})
	}
	for attempt := 0; ; attempt++ {
		r, guard, err := s.buildReport(ctx, sc)
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(ifMatch, "W/") != reportETag(r) {
			return nil, apperr.New(apperr.PreconditionFail, "If-Match does not name the report's current content; read it again.").
				WithFields(apperr.FieldError{Code: "if-match.stale", Header: "If-Match", Message: "The report's content is " + reportETag(r) + "."})
		}
		if r.Locked {
			return nil, apperr.Newf(apperr.Locked, "%s of %s is locked.", sc.quarter, sc.fund.ID)
		}
		now := s.Clock()
		write, err := ops(r, report.SignOff{At: now, By: cmp.Or(p.Name, p.Subject)})
		if err != nil {
			return nil, err
		}
		err = s.Table.Transact(ctx, append(write, guard...)...)
		switch {
		case err == nil:
			out, _, err := s.buildReport(ctx, sc)
			return out, err
		case !errors.Is(err, store.ErrConditionFailed):
			return nil, service.StoreErr(err, "write report")
		case attempt >= s.Retry.Attempts:
			return nil, apperr.Wrap(apperr.Unavailable, err, "The report's inputs keep changing; retry shortly.")
		}
		if err := s.Retry.Wait(ctx, attempt); err != nil {
			return nil, service.StoreErr(err, "wait to retry")
		}
	}
}

// ReportETag is the report's strong validator: its content's SHA-256.
func reportETag(r *report.Report) string { return `"` + r.ContentSHA256 + `"` }

// ReportETag is the ETag header of a report.
func ReportETag(r *report.Report) string { return reportETag(r) }

func unsigned(r *report.Report) int {
	n := 0
	for _, q := range r.Required {
		if !q.Signed {
			n++
		}
	}
	return n
}

// requires reports whether the fund asks the scope's partner to sign in role.
func (s *Service) requires(sc reportScope, role string) bool {
	for _, r := range s.rolesOf(sc) {
		if r == role {
			return true
		}
	}
	return false
}

func (s *Service) rolesOf(sc reportScope) []string {
	var out []string
	for _, q := range report.Required(sc.fund, []report.Member{{Partner: sc.partner.ID, Type: sc.partner.Type}}) {
		out = append(out, q.Role)
	}
	return out
}

func (s *Service) reportAudit(ctx context.Context, sc reportScope, p *auth.Principal, action, content string, details map[string]string) []store.Op {
	now := s.Clock()
	partner := ""
	if sc.partner != nil {
		partner = sc.partner.ID
	}
	details["contentSha256"] = content
	return service.AuditOps(service.AuditRecord{ID: service.NewID(now), At: now, Region: sc.reg.ID, Partner: partner,
		Actor: service.Actor{Sub: p.Subject, Name: p.Name}, Action: action,
		Target: map[string]any{"fund": sc.fund.ID, "quarter": sc.quarter.String()}, Details: details, RequestID: logx.RequestID(ctx)})
}

// buildReport reads what the report is made of — the fund-year's records
// and consents, its sign-offs and approvals, the period locks — together,
// and builds it. guard are the checks that hold a write to what was read:
// the records the content came from are unchanged and no lock has landed.
func (s *Service) buildReport(ctx context.Context, sc reportScope) (*report.Report, []store.Op, error) {
	year := sc.quarter.Year
	var items positionItems
	var records []store.Item
	var locked bool
	var itemsErr, recordsErr, locksErr error
	var locks []store.Op
	var wg sync.WaitGroup
	wg.Go(func() { items, itemsErr = s.readPositionItems(ctx, sc.reg, sc.fund, year) })
	wg.Go(func() {
		recordsErr = s.QueryAll(ctx, store.Query{PK: service.RegionPK(sc.reg.ID), Prefix: reportPrefix(sc.fund.ID, sc.quarter)}, func(it store.Item) error {
			records = append(records, it)
			return nil
		})
	})
	wg.Go(func() {
		key := submission.Key{Kind: submission.QuarterlyReturns, FundID: sc.fund.ID, Quarter: sc.quarter}
		locks, locksErr = s.LockChecks(ctx, sc.reg.ID, key)
		if apperr.Is(locksErr, apperr.Locked) {
			locked, locksErr = true, nil
		}
	})
	wg.Wait()
	if err := cmp.Or(itemsErr, recordsErr, locksErr); err != nil {
		return nil, nil, err
	}
	in, err := items.input(sc.fund, year)
	if err != nil {
		return nil, nil, err
	}
	q := sc.quarter
	in.AsAt = &q
	pos, err := position.Compute(in)
	if err != nil {
		return nil, nil, service.StoreErr(err, "compute the report's position")
	}
	rin := report.Input{Region: sc.reg.ID, Fund: sc.fund, Quarter: q, Position: pos, KPIs: sc.reg.KPIs, Locked: locked}
	for _, m := range sc.fund.MembersIn(year) {
		partner, _ := sc.reg.Partner(m)
		rin.Members = append(rin.Members, report.Member{Partner: m, Type: partner.Type})
	}
	if err := usedRecords(&rin, items, pos); err != nil {
		return nil, nil, err
	}
	for _, it := range records {
		switch {
		case strings.Contains(it.SK, "#SIGNOFF#"):
			o, err := service.Decode[report.SignOff](it)
			if err != nil {
				return nil, nil, service.StoreErr(err, "decode report sign-off")
			}
			rin.SignOffs = append(rin.SignOffs, o)
		case strings.Contains(it.SK, "#APPROVAL#"):
			a, err := service.Decode[report.Approval](it)
			if err != nil {
				return nil, nil, service.StoreErr(err, "decode report approval")
			}
			if rin.Approval == nil || a.At.After(rin.Approval.At) {
				rin.Approval = &a
			}
		}
	}
	r, err := report.Build(rin)
	if err != nil {
		return nil, nil, service.StoreErr(err, "build report")
	}
	// A write holds only while every record the content came from is as
	// read (its copy's version) and the period stays unlocked.
	// (A fund too large for one transaction's checks keeps the lock checks
	// alone: a sign-off given on content that changed meanwhile names that
	// content, and simply does not count.)
	guard := locks
	var inputs []store.Op
	for _, group := range [][]store.Item{items.contributions, items.returns, items.consents} {
		for _, it := range group {
			inputs = append(inputs, store.CheckOp(it.PK, it.SK, store.IfVersion(it.Version)))
		}
	}
	if len(guard)+len(inputs) <= store.MaxTxnOps-maxReportWriteOps {
		guard = append(guard, inputs...)
	}
	return r, guard, nil
}

// usedRecords names, of each member, the return the position uses and its
// contribution, by version and SHA-256.
func usedRecords(in *report.Input, items positionItems, pos *position.Position) error {
	decoded := func(it store.Item) (service.PositionRecord, error) {
		rec, err := service.DecodePositionRecord(it.Data)
		return rec, service.StoreErr(err, "decode "+it.SK)
	}
	for _, pp := range pos.Partners {
		for _, it := range items.returns {
			rec, err := decoded(it)
			if err != nil {
				return err
			}
			if rec.Partner == pp.Partner && pp.AsAtQuarter != nil && rec.KeyValues[1] == *pp.AsAtQuarter {
				in.Returns = append(in.Returns, report.Used{Partner: rec.Partner, Quarter: rec.KeyValues[1], Version: rec.Version, SHA256: rec.SHA256})
			}
		}
		for _, it := range items.contributions {
			rec, err := decoded(it)
			if err != nil {
				return err
			}
			if rec.Partner == pp.Partner {
				in.Contributions = append(in.Contributions, report.Used{Partner: rec.Partner, Version: rec.Version, SHA256: rec.SHA256})
			}
		}
	}
	return nil
}

// AuthorizeReport checks, before anything of the request is read, that the
// caller may read the report (sign false) or sign or approve it (sign true).
func (s *Service) AuthorizeReport(p *auth.Principal, regionID, fundID, quarter string, sign bool) error {
	regional, partner := auth.RegionRead, auth.SubmissionsRead
	if sign {
		regional, partner = auth.ReportsApprove, auth.SubmissionsSignoff
	}
	_, err := s.authorizeReport(p, regionID, fundID, quarter, regional, partner)
	return err
}
