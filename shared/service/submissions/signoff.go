package submissions

import (
	"context"
	"errors"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// SignOffRequest signs off the current version of a quarterly return.
type SignOffRequest struct {
	Principal *auth.Principal
	Region    string
	Partner   string
	KeyValues [2]string
	IfMatch   string
	Body      []byte
}

// SignOff records the signatory's sign-off of the version If-Match names,
// which must be current; a later version clears it.
func (s *Service) SignOff(ctx context.Context, r SignOffRequest) (*Version, error) {
	slice, err := s.AuthorizeSlice(r.Principal, r.Region, r.Partner, service.SignoffSlice)
	if err != nil {
		return nil, err
	}
	key, findings := submission.ParseKey(submission.QuarterlyReturns, r.KeyValues, slice.Region, slice.Partner)
	var form submission.SignOff
	err = submission.DecodeCommand(r.Body, &form)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return nil, err // malformed: 400 comes before validation
	}
	fields := submission.FieldErrors(findings)
	if err != nil {
		fields = append(fields, apperr.As(err).Fields...)
	}
	match, ok := parseIfMatch(r.IfMatch)
	if !ok || match == nil {
		fields = append(fields, submission.RuleIfMatchRequired.FieldError().AtHeader("If-Match"))
	}
	if len(fields) > 0 {
		return nil, apperr.Validation(fields)
	}
	var v *Version
	err = s.Retry.Do(ctx, "unavailable.signoff", func() (retry bool, err error) {
		v, retry, err = s.signOffOnce(ctx, r.Principal, slice, key, match, form, r.Body)
		return retry, err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Service) signOffOnce(ctx context.Context, p *auth.Principal, slice service.Slice, key submission.Key, match etagMatch, form submission.SignOff, body []byte) (*Version, bool, error) {
	st := s.readKeyState(ctx, slice, key)
	locks, cur, exists := st.locks, st.cur, st.exists
	switch {
	case st.err != nil:
		return nil, false, st.err
	case !exists:
		return nil, false, notFound(key)
	case !match(cur.Version, exists):
		return nil, false, preconditionFailed(cur.Version, exists)
	case cur.SignOff != nil:
		return nil, false, apperr.Localized(apperr.Conflict, "conflict.signed-off", map[string]any{"Version": cur.Version, "Signatory": cur.SignOff.Signatory, "Date": i18n.Date(cur.SignOff.At)})
	}
	// The answer's document is read before the write, so that failing to
	// read it cannot leave a stored sign-off behind a 5xx.
	v, err := s.withDocument(ctx, cur)
	if err != nil {
		return nil, false, err
	}
	now := s.Clock()
	actor := service.Actor{Sub: p.Subject, Name: p.Name}
	sealed, err := s.Seal(ctx, st.chain, service.AuditRecord{ID: service.NewID(now), At: now, Region: slice.Region.ID, Partner: slice.Partner.ID, Actor: actor,
		Action: "quarterly-return.signed-off", Target: targetOf(key, cur.Version), SHA256: cur.SHA256,
		Details: map[string]string{"signatory": form.Signatory.String(), "role": form.Role.String()}, RequestID: logx.RequestID(ctx)},
		&service.Receipted{RawSHA256: submission.SHA256Hex(body)})
	if err != nil {
		return nil, false, err
	}
	cur.SignOff = &service.SignOff{Signatory: form.Signatory.String(), Role: form.Role.String(), At: now, By: actor, Receipt: sealed.Receipt}
	cur.SignOffSeq = sealed.Seq()
	pk, data := service.PartnerPK(slice.Region.ID, slice.Partner.ID), service.EncodeRecord(cur)
	ops := []store.Op{
		store.PutOp(store.Item{PK: pk, SK: service.CurrentSK(key), Version: int64(cur.Version), Data: data}, store.IfVersion(int64(cur.Version))),
		// The version itself records its sign-off; it had never been signed (item version 1).
		store.PutOp(store.Item{PK: pk, SK: service.VersionSK(key, cur.Version), Version: 2, Data: data}, store.IfVersion(1)),
	}
	ops = append(ops, service.FundCopyOps(key, cur)...)
	ops = append(ops, locks...)
	ops = append(ops, sealed.Ops...)
	err = s.Table.Transact(ctx, ops...)
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, true, err // a new version, a lock or another sign-off got in first: check again
	}
	if err != nil {
		return nil, false, service.StoreErr(err, "sign off")
	}
	v.Record = cur
	return v, false, nil
}
