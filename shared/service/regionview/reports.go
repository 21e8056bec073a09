package regionview

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/i18n"
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
//	            REPORT#{fund}#{quarter}#FROZEN   the content as the quarter was locked
func reportPrefix(fund string, q period.Quarter) string {
	return "REPORT#" + fund + "#" + q.String() + "#"
}

func reportSignOffSK(fund string, q period.Quarter, content, partner, role string) string {
	return reportPrefix(fund, q) + "SIGNOFF#" + content + "#" + partner + "#" + role
}

func reportApprovalSK(fund string, q period.Quarter, content string) string {
	return reportPrefix(fund, q) + "APPROVAL#" + content
}

const frozenSuffix = "FROZEN"

func reportFrozenSK(fund string, q period.Quarter) string {
	return reportPrefix(fund, q) + frozenSuffix
}

// maxReportWriteOps is the most a report write adds to its guard: the
// record, and what Seal adds (its audit records, the head, the event).
const maxReportWriteOps = 1 + service.MaxSealOps

// reportScope is an authorised fund report.
type reportScope struct {
	reg     *region.Region
	fund    *region.Fund
	quarter period.Quarter
	partner *region.Partner // the signing or reading partner; nil for a regional token
}

// ReportAction is what a caller asks of a fund's report.
type ReportAction int

// The actions, each with the scopes it needs.
const (
	ReadReport    ReportAction = iota // region:read, or a member's submissions:read
	SignReport                        // a member's submissions:signoff
	ApproveReport                     // the region's reports:approve (the board's)
)

// scopes are the scope a regional token and the scope a partner token need
// for the action; "" when no token of that shape may.
func (a ReportAction) scopes() (regional, partner auth.Scope) {
	switch a {
	case SignReport:
		return "", auth.SubmissionsSignoff
	case ApproveReport:
		return auth.ReportsApprove, ""
	}
	return auth.RegionRead, auth.SubmissionsRead
}

// authorizeReport checks the caller may do action to the report: the
// region's token with the action's regional scope, or a partner of the
// region, with its partner scope, that is a member of the fund in the
// quarter's year. Anyone else gets the same 403 whether or not the fund
// exists.
func (s *Service) authorizeReport(p *auth.Principal, regionID, fundID, quarterText string, action ReportAction) (reportScope, error) {
	var sc reportScope
	regional, partnerScope := action.scopes()
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
		return sc, submission.RuleQuarter.ParamError("quarter", "finding.quarter-invalid", map[string]any{"Value": strconv.Quote(quarterText)})
	}
	if !f.HasYear(q.Year) {
		return sc, submission.RulePeriodOutside.ParamError("quarter", "finding.fund-not-running", map[string]any{"Fund": f.ID, "Year": q.Year.String()})
	}
	sc.quarter = q
	if sc.partner != nil && !f.IsMember(sc.partner.ID, q.Year) {
		return sc, service.Forbidden()
	}
	return sc, nil
}

// AuthorizeReport checks, before anything of the request is read, that the
// caller may do action to the report.
func (s *Service) AuthorizeReport(p *auth.Principal, regionID, fundID, quarter string, action ReportAction) error {
	_, err := s.authorizeReport(p, regionID, fundID, quarter, action)
	return err
}

// FundReport reads a fund's report for a quarter, now.
func (s *Service) FundReport(ctx context.Context, p *auth.Principal, regionID, fundID, quarter string) (*report.Report, error) {
	r, _, err := s.FundReportAsOf(ctx, p, regionID, fundID, quarter, nil)
	return r, err
}

// FundReportAsOf reads a fund's report for a quarter as the region stood
// after event *asOf (nil: now): its content, the sign-offs and approval
// given by then and the locks that stood then; and answers the event it
// reflects.
func (s *Service) FundReportAsOf(ctx context.Context, p *auth.Principal, regionID, fundID, quarter string, asOf *int64) (*report.Report, int64, error) {
	sc, err := s.authorizeReport(p, regionID, fundID, quarter, ReadReport)
	if err != nil {
		return nil, 0, err
	}
	var b builtReport
	n, err := s.ReadAsOf(ctx, sc.reg.ID, asOf, func(int64) (bool, error) {
		b, err = s.buildReport(ctx, sc)
		return true, err
	}, func(n int64) error {
		b, err = s.buildReportAsOf(ctx, sc, n)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	b.report.AsOfSequence = n
	return sc.readable(ctx, b.report), n, nil
}

// readable is the report in the request's language: the region's names in
// it, the content (and its ETag) the same in every language.
func (sc reportScope) readable(ctx context.Context, r *report.Report) *report.Report {
	return r.In(i18n.From(ctx), sc.reg.KPIs, sc.fund)
}

// SignFundReport records a member's signature of the report's current
// content (If-Match names it) in one of the roles the fund asks of it.
func (s *Service) SignFundReport(ctx context.Context, p *auth.Principal, regionID, fundID, quarter, ifMatch string, body []byte) (*report.Report, error) {
	sc, err := s.authorizeReport(p, regionID, fundID, quarter, SignReport)
	if err != nil {
		return nil, err
	}
	var form submission.SignOff
	tags, err := decodeReportCommand(body, &form, ifMatch, func(fields []apperr.FieldError) []apperr.FieldError {
		if form.Role == nil || slices.ContainsFunc(fields, func(f apperr.FieldError) bool { return f.Pointer == "/role" }) {
			return fields
		}
		roles := s.rolesOf(sc)
		if role := form.Role.String(); !slices.Contains(roles, role) {
			data := map[string]any{"Value": strconv.Quote(role), "Fund": sc.fund.ID, "Partner": sc.partner.ID, "Roles": strings.Join(roles, ", ")}
			id := "finding.report-role"
			if len(roles) == 0 {
				id = "finding.report-role-none"
			}
			fields = append(fields, apperr.Field(submission.RuleReportRole.Code, id, data).AtPointer("/role"))
		}
		return fields
	})
	if err != nil {
		return nil, err
	}
	role := form.Role.String()
	return s.reportWrite(ctx, sc, tags, p, func(r *report.Report, at time.Time, by report.Actor, chain service.Chain) (reportChange, error) {
		for _, o := range r.SignOffs {
			if o.Counts && o.Partner == sc.partner.ID && o.Role == role {
				return reportChange{}, apperr.Localized(apperr.Conflict, "conflict.report-signed", map[string]any{"Partner": sc.partner.ID, "Role": role, "Signatory": o.Signatory, "Date": i18n.Date(o.At)})
			}
		}
		sealed, err := s.reportAudit(ctx, chain, sc, p, at, "report.signed", r.ContentSHA256,
			map[string]string{"signatory": form.Signatory.String(), "role": role}, body)
		if err != nil {
			return reportChange{}, err
		}
		rec := report.SignOff{Partner: sc.partner.ID, Role: role, Signatory: form.Signatory.String(), At: at, By: by, ContentSHA256: r.ContentSHA256, Receipt: sealed.Receipt}
		op := store.PutOp(store.Item{PK: service.RegionPK(sc.reg.ID), SK: reportSignOffSK(sc.fund.ID, sc.quarter, r.ContentSHA256, rec.Partner, role),
			Version: 1, Data: withSeq(rec, sealed.Seq())}, store.IfNotExists())
		return reportChange{
			ops:   append([]store.Op{op}, sealed.Ops...),
			apply: func(in *report.Input) { in.SignOffs = append(in.SignOffs, rec) },
			seq:   sealed.Seq(),
		}, nil
	})
}

// ApproveFundReport records the board's approval of the report's current
// content, which every required sign-off must already stand on.
func (s *Service) ApproveFundReport(ctx context.Context, p *auth.Principal, regionID, fundID, quarter, ifMatch string, body []byte) (*report.Report, error) {
	sc, err := s.authorizeReport(p, regionID, fundID, quarter, ApproveReport)
	if err != nil {
		return nil, err
	}
	var form submission.ReportApproval
	tags, err := decodeReportCommand(body, &form, ifMatch, nil)
	if err != nil {
		return nil, err
	}
	return s.reportWrite(ctx, sc, tags, p, func(r *report.Report, at time.Time, by report.Actor, chain service.Chain) (reportChange, error) {
		switch {
		case r.Status == report.Approved:
			return reportChange{}, apperr.Localized(apperr.Conflict, "conflict.report-approved", nil)
		case r.Status != report.Signed:
			return reportChange{}, apperr.Localized(apperr.Conflict, "conflict.report-awaits", map[string]any{"Count": unsigned(r)})
		}
		a := report.Approval{ApprovedBy: form.ApprovedBy.String(), Reference: form.Reference.String(), ApprovedOn: *form.ApprovedOn,
			At: at, By: by, ContentSHA256: r.ContentSHA256}
		sealed, err := s.reportAudit(ctx, chain, sc, p, at, "report.approved", r.ContentSHA256,
			map[string]string{"approvedBy": a.ApprovedBy, "reference": a.Reference, "approvedOn": a.ApprovedOn}, body)
		if err != nil {
			return reportChange{}, err
		}
		a.Receipt = sealed.Receipt
		op := store.PutOp(store.Item{PK: service.RegionPK(sc.reg.ID), SK: reportApprovalSK(sc.fund.ID, sc.quarter, r.ContentSHA256),
			Version: 1, Data: withSeq(a, sealed.Seq())}, store.IfNotExists())
		return reportChange{
			ops:   append([]store.Op{op}, sealed.Ops...),
			apply: func(in *report.Input) { in.Approval = &a },
			seq:   sealed.Seq(),
		}, nil
	})
}

// decodeReportCommand decodes a sign-off's or an approval's body into form
// and reads If-Match, refusing every failing field and a missing or
// malformed If-Match at once (more, given the decoded form, adds checks of
// its own); a body that is not JSON is 400 before any of them.
func decodeReportCommand(body []byte, form any, ifMatch string, more func([]apperr.FieldError) []apperr.FieldError) ([]string, error) {
	err := submission.DecodeCommand(body, form)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return nil, err
	}
	var fields []apperr.FieldError
	if err != nil {
		fields = apperr.As(err).Fields
	}
	if more != nil {
		fields = more(fields)
	}
	tags, ok := parseReportIfMatch(ifMatch)
	if !ok {
		fields = append(fields, apperr.Field(submission.RuleIfMatchRequired.Code, "finding.report-if-match", nil).AtHeader("If-Match"))
	}
	if len(fields) > 0 {
		return nil, apperr.Validation(fields)
	}
	return tags, nil
}

// parseReportIfMatch reads If-Match as a list of entity tags (RFC 9110
// §13.1.1). A weak tag is kept as one that never matches (If-Match compares
// strongly). "*" is refused as a missing or malformed value is: a
// signature or an approval names the content it is given on.
func parseReportIfMatch(h string) ([]string, bool) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return nil, false
	}
	var tags []string
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		weak := strings.HasPrefix(tag, "W/")
		tag = strings.TrimPrefix(tag, "W/")
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' || strings.Contains(tag[1:len(tag)-1], `"`) {
			return nil, false
		}
		if !weak {
			tags = append(tags, tag)
		}
	}
	return tags, true
}

// reportChange is a sign-off or an approval: the writes that record it, and
// what it adds to the report's input.
type reportChange struct {
	ops   []store.Op
	apply func(*report.Input)
	// seq is the event the change is: the report answered is as at it.
	seq int64
}

// reportWrite builds the report, checks its quarter is not locked and
// If-Match names its content, and writes the change (with checks that keep
// the inputs and locks as read); a change meanwhile is read again and
// checked again. The answer is the report as read with the change applied:
// nothing is read after the write, so a stored change is never answered
// with a 5xx.
func (s *Service) reportWrite(ctx context.Context, sc reportScope, ifMatch []string, p *auth.Principal, change func(r *report.Report, at time.Time, by report.Actor, chain service.Chain) (reportChange, error)) (*report.Report, error) {
	var out *report.Report
	err := s.Retry.Do(ctx, "unavailable.report", func() (bool, error) {
		var b builtReport
		chain, err := s.ReadChainWith(ctx, sc.reg.ID, scopePartner(sc), func() (err error) {
			b, err = s.buildReport(ctx, sc)
			return err
		})
		if err != nil {
			return false, err
		}
		r := b.report
		if b.lock != nil {
			return false, b.lock
		}
		if !slices.Contains(ifMatch, ReportETag(r)) {
			return false, apperr.Localized(apperr.PreconditionFail, "precondition.report-stale", nil).
				WithFields(apperr.Field("if-match.stale", "finding.report-content", map[string]any{"ETag": ReportETag(r)}).AtHeader("If-Match"))
		}
		c, err := change(r, s.Clock(), report.Actor{Sub: p.Subject, Name: p.Name}, chain)
		if err != nil {
			return false, err
		}
		err = s.Table.Transact(ctx, append(c.ops, b.guard...)...)
		switch {
		case err == nil:
			c.apply(&b.input)
			if out, err = report.Build(b.input); err != nil {
				return false, service.StoreErr(err, "build report")
			}
			out.AsOfSequence = c.seq
			return false, nil
		case errors.Is(err, store.ErrConditionFailed):
			return true, err // an input changed meanwhile: build and check again
		}
		return false, service.StoreErr(err, "write report")
	})
	if err != nil {
		return nil, err
	}
	return sc.readable(ctx, out), nil
}

// ReportETag is the report's strong validator, the ETag of its answers: its
// content's SHA-256, quoted.
func ReportETag(r *report.Report) string { return `"` + r.ContentSHA256 + `"` }

func unsigned(r *report.Report) int {
	n := 0
	for _, q := range r.Required {
		if !q.Signed {
			n++
		}
	}
	return n
}

// rolesOf are the roles the fund's report asks of the scope's partner.
func (s *Service) rolesOf(sc reportScope) []string {
	var out []string
	for _, q := range report.Required(sc.fund, []report.Member{{Partner: sc.partner.ID, Type: sc.partner.Type}}) {
		out = append(out, q.Role)
	}
	return out
}

// reportAudit seals a report's sign-off or approval: its audit record and
// its receipt, which states the report content it was given on and the
// SHA-256 of the command's body.
func (s *Service) reportAudit(ctx context.Context, chain service.Chain, sc reportScope, p *auth.Principal, at time.Time, action, content string, details map[string]string, body []byte) (service.Sealed, error) {
	details["contentSha256"] = content
	return s.Seal(ctx, chain, service.AuditRecord{ID: service.NewID(at), At: at, Region: sc.reg.ID, Partner: scopePartner(sc),
		Actor: service.Actor{Sub: p.Subject, Name: p.Name}, Action: action, SHA256: content,
		Target: map[string]any{"fund": sc.fund.ID, "quarter": sc.quarter.String()}, Details: details, RequestID: logx.RequestID(ctx)},
		&service.Receipted{RawSHA256: submission.SHA256Hex(body)})
}

// scopePartner is the partner a report write is by ("" for the region's).
func scopePartner(sc reportScope) string {
	if sc.partner == nil {
		return ""
	}
	return sc.partner.ID
}

// builtReport is a report as read, with what a write of it must hold to.
type builtReport struct {
	input  report.Input // what report was built of
	report *report.Report
	// guard are the checks that hold a write to what was read: the records
	// the content came from are unchanged and no lock has landed.
	guard []store.Op
	// inputs are guard's checks of the records the content came from
	// (none when they are too many for one transaction, or it is frozen).
	inputs []store.Op
	// lock is the 409 naming the lock of the quarter or its year, if any.
	lock error
}

// buildReport reads what the report is made of — the fund-year's records
// and consents, its sign-offs and approvals, the period locks — together,
// and builds it.
func (s *Service) buildReport(ctx context.Context, sc reportScope) (builtReport, error) {
	var b builtReport
	year := sc.quarter.Year
	var items positionItems
	var records []store.Item
	var itemsErr, recordsErr, locksErr error
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
		b.guard, locksErr = s.LockChecks(ctx, sc.reg.ID, key)
		if apperr.Is(locksErr, apperr.Locked) {
			b.lock, locksErr = locksErr, nil
		}
	})
	wg.Wait()
	if err := cmp.Or(itemsErr, recordsErr, locksErr); err != nil {
		return b, err
	}
	return assembleReport(sc, items, records, b.guard, b.lock)
}

// assembleReport builds the report of sc from what was read: the
// fund-year's records, the quarter's sign-off and approval records, and the
// lock checks (or the lock that stands).
func assembleReport(sc reportScope, items positionItems, records []store.Item, locks []store.Op, lock error) (builtReport, error) {
	b := builtReport{guard: locks, lock: lock}
	year := sc.quarter.Year
	in, err := items.input(sc.fund, year)
	if err != nil {
		return b, err
	}
	q := sc.quarter
	in.AsAt = &q
	pos, err := position.Compute(in)
	if err != nil {
		return b, service.StoreErr(err, "compute the report's position")
	}
	rin := report.Input{Region: sc.reg.ID, Fund: sc.fund, Quarter: q, Position: pos, KPIs: sc.reg.KPIs, Locked: b.lock != nil}
	for _, m := range sc.fund.MembersIn(year) {
		partner, _ := sc.reg.Partner(m)
		rin.Members = append(rin.Members, report.Member{Partner: m, Type: partner.Type})
	}
	if err := usedRecords(&rin, items, pos); err != nil {
		return b, err
	}
	for _, it := range records {
		switch {
		case strings.Contains(it.SK, "#SIGNOFF#"):
			o, err := service.Decode[report.SignOff](it)
			if err != nil {
				return b, service.StoreErr(err, "decode report sign-off")
			}
			rin.SignOffs = append(rin.SignOffs, o)
		case strings.HasSuffix(it.SK, "#"+frozenSuffix):
			// Only while the lock stands: a frozen content left behind
			// (by an unlock that raced the lock) is not used.
			if lock == nil {
				continue
			}
			c, err := service.Decode[report.Content](it)
			if err != nil {
				return b, service.StoreErr(err, "decode frozen report")
			}
			rin.Frozen = &c
		case strings.Contains(it.SK, "#APPROVAL#"):
			a, err := service.Decode[report.Approval](it)
			if err != nil {
				return b, service.StoreErr(err, "decode report approval")
			}
			if rin.Approval == nil || a.At.After(rin.Approval.At) {
				rin.Approval = &a
			}
		}
	}
	b.input = rin
	if b.report, err = report.Build(rin); err != nil {
		return b, service.StoreErr(err, "build report")
	}
	// A write holds only while every record the content came from is as
	// read (its copy's version) and the period stays unlocked.
	// (A fund too large for one transaction's checks keeps the lock checks
	// alone: a sign-off given on content that changed meanwhile names that
	// content, and simply does not count.)
	var inputs []store.Op
	for _, group := range [][]store.Item{items.contributions, items.returns, items.consents} {
		for _, it := range group {
			inputs = append(inputs, store.CheckOp(it.PK, it.SK, store.IfVersion(it.Version)))
		}
	}
	if rin.Frozen == nil && len(b.guard)+len(inputs) <= store.MaxTxnOps-maxReportWriteOps {
		b.guard = append(b.guard, inputs...)
		b.inputs = inputs
	}
	return b, nil
}

// usedRecords names, of each member, the return the position uses (its
// latest at or before the quarter) and its contribution, by version and
// SHA-256, in member order (as the fund-year's records are read).
func usedRecords(in *report.Input, items positionItems, pos *position.Position) error {
	asAt := make(map[string]string, len(pos.Partners))
	for _, pp := range pos.Partners {
		if pp.AsAtQuarter != nil {
			asAt[pp.Partner] = *pp.AsAtQuarter
		}
	}
	for _, it := range items.returns {
		rec, err := service.DecodePositionRecord(it.Data)
		if err != nil {
			return service.StoreErr(err, "decode "+it.SK)
		}
		if q, ok := asAt[rec.Partner]; ok && rec.KeyValues[1] == q {
			in.Returns = append(in.Returns, report.Used{Partner: rec.Partner, Quarter: q, Version: rec.Version, SHA256: rec.SHA256})
		}
		// The quarter's own return gives the member's KPI values for it and,
		// the host's, its answers to the fund's assurances.
		if rec.KeyValues[1] != in.Quarter.String() {
			continue
		}
		for _, k := range rec.KPIs {
			in.Actuals = append(in.Actuals, report.KPIValue{Partner: rec.Partner, Code: k.Code, Value: k.Value.String()})
		}
		if rec.Partner == in.Fund.Host {
			for _, a := range rec.Assurances {
				in.Answers = append(in.Answers, report.Answer{Code: a.Code, Met: a.Met, Commentary: a.Commentary})
			}
		}
	}
	for _, it := range items.contributions {
		rec, err := service.DecodePositionRecord(it.Data)
		if err != nil {
			return service.StoreErr(err, "decode "+it.SK)
		}
		in.Contributions = append(in.Contributions, report.Used{Partner: rec.Partner, Version: rec.Version, SHA256: rec.SHA256})
		for _, k := range rec.KPIPlans {
			if k.Quarter == in.Quarter.String() {
				in.Plans = append(in.Plans, report.KPIValue{Partner: rec.Partner, Code: k.Code, Value: k.Value.String()})
			}
		}
	}
	return nil
}
