package regionview

import (
	"context"
	"errors"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// ConsentRecord is a member's standing consent to pool the fund's
// underspends for a financial year.
type ConsentRecord struct {
	Fund          string        `json:"fundId"`
	FinancialYear string        `json:"financialYear"`
	Partner       string        `json:"partner"`
	Signatory     string        `json:"signatory"`
	Role          string        `json:"role"`
	Reference     string        `json:"reference"`
	At            time.Time     `json:"at"`
	By            service.Actor `json:"by"`
	// Receipt is the signed receipt of the consent's giving (or, in a
	// withdrawal's answer, of its withdrawal).
	Receipt string `json:"receipt,omitempty"`
}

func consentPrefix(fund, year string) string { return "CONSENT#" + fund + "#" + year + "#" }

// consentKey checks the fund-year like a pool contribution's key: the fund
// exists, the partner is a member, the fund runs that year.
func (s *Service) consentKey(p *auth.Principal, regionID, partnerID string, a service.Access, values [2]string) (service.Slice, submission.Key, error) {
	slice, err := s.AuthorizeSlice(p, regionID, partnerID, a)
	if err != nil {
		return service.Slice{}, submission.Key{}, err
	}
	key, findings := submission.ParseKey(submission.PoolContributions, values, slice.Region, slice.Partner)
	if len(findings) > 0 {
		return service.Slice{}, key, apperr.Validation(submission.FieldErrors(findings))
	}
	return slice, key, nil
}

// GiveConsent records (or replaces) the partner's consent; refused in a locked year.
func (s *Service) GiveConsent(ctx context.Context, p *auth.Principal, regionID, partnerID string, values [2]string, body []byte) (ConsentRecord, bool, error) {
	slice, key, err := s.consentKey(p, regionID, partnerID, service.SignoffSlice, values)
	if err != nil {
		return ConsentRecord{}, false, err
	}
	var form submission.Consent
	if err := submission.DecodeCommand(body, &form); err != nil {
		return ConsentRecord{}, false, err
	}
	var rec ConsentRecord
	created := false
	err = s.Retry.Do(ctx, "unavailable.consent", func() (bool, error) {
		locks, chain, err := s.lockChecksAndChain(ctx, slice, key)
		if err != nil {
			return false, err
		}
		sk := consentPrefix(key.FundID, key.FinancialYear.String()) + slice.Partner.ID
		was, err := s.Table.Get(ctx, service.RegionPK(slice.Region.ID), sk)
		created = service.IsNotFound(err)
		if err != nil && !created {
			return false, service.StoreErr(err, "read consent")
		}
		now := s.Clock()
		rec = ConsentRecord{Fund: key.FundID, FinancialYear: key.FinancialYear.String(), Partner: slice.Partner.ID,
			Signatory: form.Signatory.String(), Role: form.Role.String(), Reference: form.Reference.String(), At: now, By: service.Actor{Sub: p.Subject, Name: p.Name}}
		sealed, err := s.consentAudit(ctx, chain, slice, rec, "pooling-consent.given", body)
		if err != nil {
			return false, err
		}
		rec.Receipt = sealed.Receipt
		data := service.Encode(rec)
		ops := append([]store.Op{store.PutOp(store.Item{PK: service.RegionPK(slice.Region.ID), SK: sk, Version: 1, Data: data}, store.Condition{}),
			service.HistoryOp(service.RegionPK(slice.Region.ID), sk, sealed.Seq(), data, was.Data)}, locks...)
		return raced(s.Table.Transact(ctx, append(ops, sealed.Ops...)...), "give consent")
	})
	return rec, created, err
}

// WithdrawConsent removes the partner's consent; refused in a locked year.
// It answers with the consent withdrawn, by whom and when, and the
// withdrawal's receipt.
func (s *Service) WithdrawConsent(ctx context.Context, p *auth.Principal, regionID, partnerID string, values [2]string) (ConsentRecord, error) {
	slice, key, err := s.consentKey(p, regionID, partnerID, service.SignoffSlice, values)
	if err != nil {
		return ConsentRecord{}, err
	}
	var rec ConsentRecord
	err = s.Retry.Do(ctx, "unavailable.consent", func() (bool, error) {
		locks, chain, err := s.lockChecksAndChain(ctx, slice, key)
		if err != nil {
			return false, err
		}
		if rec, err = s.consent(ctx, slice, key); err != nil {
			return false, err
		}
		sk, was := consentPrefix(key.FundID, key.FinancialYear.String())+slice.Partner.ID, service.Encode(rec)
		rec.By, rec.At = service.Actor{Sub: p.Subject, Name: p.Name}, s.Clock()
		sealed, err := s.consentAudit(ctx, chain, slice, rec, "pooling-consent.withdrawn", nil)
		if err != nil {
			return false, err
		}
		rec.Receipt = sealed.Receipt
		ops := append([]store.Op{store.DeleteOp(service.RegionPK(slice.Region.ID), sk, store.IfExists()),
			service.HistoryOp(service.RegionPK(slice.Region.ID), sk, sealed.Seq(), nil, was)}, locks...)
		return raced(s.Table.Transact(ctx, append(ops, sealed.Ops...)...), "withdraw consent")
	})
	return rec, err
}

// lockChecksAndChain reads a fund-year's locks and the chain head a write
// of the partner moves, together.
func (s *Service) lockChecksAndChain(ctx context.Context, slice service.Slice, key submission.Key) (locks []store.Op, chain service.Chain, err error) {
	chain, err = s.ReadChainWith(ctx, slice.Region.ID, slice.Partner.ID, func() (err error) {
		locks, err = s.LockChecks(ctx, slice.Region.ID, key)
		return err
	})
	return locks, chain, err
}

// Consent reads the partner's consent for a fund-year.
func (s *Service) Consent(ctx context.Context, p *auth.Principal, regionID, partnerID string, values [2]string) (ConsentRecord, error) {
	slice, key, err := s.consentKey(p, regionID, partnerID, service.ReadSlice, values)
	if err != nil {
		return ConsentRecord{}, err
	}
	return s.consent(ctx, slice, key)
}

func (s *Service) consent(ctx context.Context, slice service.Slice, key submission.Key) (ConsentRecord, error) {
	it, err := s.Table.Get(ctx, service.RegionPK(slice.Region.ID), consentPrefix(key.FundID, key.FinancialYear.String())+slice.Partner.ID)
	if service.IsNotFound(err) {
		return ConsentRecord{}, apperr.Localized(apperr.NotFound, "not-found.consent", map[string]any{"Partner": slice.Partner.ID, "Fund": key.FundID, "Year": key.FinancialYear.String()})
	}
	if err != nil {
		return ConsentRecord{}, service.StoreErr(err, "read consent")
	}
	rec, err := service.Decode[ConsentRecord](it)
	return rec, service.StoreErr(err, "decode consent")
}

// consentAudit seals a consent's giving or withdrawal: its audit record
// and its receipt, which states the SHA-256 of the command's body when
// there is one.
func (s *Service) consentAudit(ctx context.Context, chain service.Chain, slice service.Slice, rec ConsentRecord, action string, body []byte) (service.Sealed, error) {
	r := &service.Receipted{}
	if body != nil {
		r.RawSHA256 = submission.SHA256Hex(body)
	}
	return s.Seal(ctx, chain, service.AuditRecord{ID: service.NewID(rec.At), At: rec.At, Region: slice.Region.ID, Partner: slice.Partner.ID, Actor: rec.By,
		Action: action, Target: map[string]any{"fund": rec.Fund, "financialYear": rec.FinancialYear},
		Details: map[string]string{"signatory": rec.Signatory, "role": rec.Role, "reference": rec.Reference}, RequestID: logx.RequestID(ctx)}, r)
}

// raced sorts a transaction's outcome for a retry loop: a failed condition
// (a lock landed, or the consent changed) is tried again, from the reads,
// which then answer for it (409 naming the lock, 404 for consent withdrawn
// meanwhile); any other failure ends the loop.
func raced(err error, what string) (bool, error) {
	if errors.Is(err, store.ErrConditionFailed) {
		return true, err
	}
	return false, service.StoreErr(err, what)
}
