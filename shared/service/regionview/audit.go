package regionview

import (
	"context"
	"strconv"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// AuditFilter selects audit records: a partner's own, and a time range.
type AuditFilter struct {
	Partner  string
	From, To string // RFC 3339 times or YYYY-MM-DD dates (region time)
}

// AuditPage is one page of the trail, newest first.
type AuditPage struct {
	Items      []service.AuditRecord
	NextCursor string
}

// Audit reads the region's trail (region:read) or a partner's own
// (submissions:read, its own partner only), newest first.
func (s *Service) Audit(ctx context.Context, p *auth.Principal, regionID string, f AuditFilter, pg service.PageRequest) (*AuditPage, error) {
	reg, pk, err := s.auditScope(p, regionID, f.Partner)
	if err != nil {
		return nil, err
	}
	from, err := auditBound(reg, "from", f.From, false)
	if err != nil {
		return nil, err
	}
	to, err := auditBound(reg, "to", f.To, true)
	if err != nil {
		return nil, err
	}
	if from != "" && to != "" && from > to {
		return nil, submission.RuleTimeInvalid.ParamError("to", "finding.to-before-from", nil)
	}
	binding := service.CursorBinding(p, "audit", pk, from, to)
	after, err := s.DecodeCursor(binding, pg.Cursor)
	if err != nil {
		return nil, err
	}
	// One item past the page says whether another page exists. The store
	// may answer in pages shorter than asked for that are not the last, so
	// it is read until that item or the end.
	q := store.Query{PK: pk, Start: from, End: to, Reverse: true, After: after, Limit: pg.Limit + 1}
	var items []store.Item
	for len(items) <= pg.Limit {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return nil, service.StoreErr(err, "read audit")
		}
		items = append(items, page.Items...)
		if page.Next == "" {
			break
		}
		q.After, q.Limit = page.Next, pg.Limit+1-len(items)
	}
	out := &AuditPage{}
	if len(items) > pg.Limit {
		items = items[:pg.Limit]
		out.NextCursor = s.EncodeCursor(binding, items[pg.Limit-1].SK)
	}
	for _, it := range items {
		rec, err := service.Decode[service.AuditRecord](it)
		if err != nil {
			return nil, service.StoreErr(err, "decode audit")
		}
		out.Items = append(out.Items, rec)
	}
	return out, nil
}

// auditScope picks the partition the caller may read.
func (s *Service) auditScope(p *auth.Principal, regionID, partner string) (*region.Region, string, error) {
	reg, partner, err := s.auditChain(p, regionID, partner)
	if err != nil {
		return nil, "", err
	}
	if partner == "" {
		return reg, service.AuditPK(regionID), nil
	}
	return reg, service.PartnerAuditPK(regionID, partner), nil
}

// auditChain picks the chain the caller may read: a partner's own, or,
// for the region's roles, the region's or the partner named.
func (s *Service) auditChain(p *auth.Principal, regionID, partner string) (*region.Region, string, error) {
	if p.IsPartner() {
		if partner == "" {
			partner = p.Partner
		}
		slice, err := s.AuthorizeSlice(p, regionID, partner, service.ReadSlice)
		if err != nil {
			return nil, "", err
		}
		return slice.Region, partner, nil
	}
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	if err != nil {
		return nil, "", err
	}
	if partner == "" {
		return reg, "", nil
	}
	if _, ok := reg.Partner(partner); !ok {
		return nil, "", submission.RuleParameterInvalid.ParamError("partner", "not-found.partner", map[string]any{"Region": reg.ID, "Value": strconv.Quote(partner)})
	}
	return reg, partner, nil
}

// auditBound turns a from/to parameter into a sort-key bound: a date means
// the start (from) or the end (to) of that day in the region's time zone.
func auditBound(reg *region.Region, param, v string, end bool) (string, error) {
	if v == "" {
		return "", nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		d, derr := period.ParseDate(v)
		if derr != nil {
			return "", submission.RuleTimeInvalid.ParamError(param, "finding.time-invalid", map[string]any{"Value": strconv.Quote(v)})
		}
		t = d.Time(reg.Location())
		if end {
			t = d.EndOfDay(reg.Location())
		}
	}
	sk := service.AuditSK(t, "")
	if end {
		sk += store.MaxRune // every record of that millisecond
	}
	return sk, nil
}
