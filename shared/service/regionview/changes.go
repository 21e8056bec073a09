package regionview

import (
	"context"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Page sizes of the changes feed.
const (
	DefaultChanges = 100
	MaxChanges     = 1000
)

// ChangesPage is one page of a region's changes feed.
type ChangesPage struct {
	Region string
	// Partner is the partner whose slice the page is of ("" for the
	// region's whole feed): its events' numbers have gaps, where the
	// region's other events are.
	Partner string
	Events  []service.Event
	// Next is the cursor to ask for the events after these: the last
	// one's number, or the cursor asked with when there were none.
	Next int64
	// More says more events follow Next now.
	More bool
}

// Changes answers the region's events after the event numbered after (0:
// from the oldest kept), in order, at most limit: every event to the
// region's roles (region:read), a partner's own slice's to the partner
// (submissions:read). A cursor whose event is older than the feed keeps
// is 410, saying how to start again.
func (s *Service) Changes(ctx context.Context, p *auth.Principal, regionID string, after int64, limit int) (*ChangesPage, error) {
	reg, partner, err := s.changesScope(p, regionID)
	if err != nil {
		return nil, err
	}
	if after > 0 {
		if err := s.checkCursor(ctx, reg.ID, after); err != nil {
			return nil, err
		}
	}
	pk := service.EventPK(reg.ID)
	if partner != "" {
		pk = service.PartnerEventPK(reg.ID, partner)
	}
	out := &ChangesPage{Region: reg.ID, Partner: partner, Next: after, Events: []service.Event{}}
	// One event past the page says whether more follow.
	q := store.Query{PK: pk, Limit: min(limit+1, store.MaxQueryLimit)}
	if after > 0 {
		q.After = service.EventSK(after)
	}
	now := s.Clock().Unix()
	for {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return nil, service.StoreErr(err, "read changes")
		}
		for _, it := range page.Items {
			if it.ExpiresAt != 0 && it.ExpiresAt <= now {
				continue // expired, and not yet deleted
			}
			if len(out.Events) == limit {
				out.More = true
				return out, nil
			}
			ev, err := service.Decode[service.Event](it)
			if err != nil {
				return nil, service.StoreErr(err, "decode event")
			}
			out.Events = append(out.Events, ev)
			out.Next = ev.Seq
		}
		if page.Next == "" {
			return out, nil
		}
		q.After, q.Limit = page.Next, min(limit+1-len(out.Events), store.MaxQueryLimit)
	}
}

// changesScope is the region the caller may follow and, for a partner,
// its slice.
func (s *Service) changesScope(p *auth.Principal, regionID string) (*region.Region, string, error) {
	if p.IsPartner() {
		slice, err := s.AuthorizeSlice(p, regionID, p.Partner, service.ReadSlice)
		if err != nil {
			return nil, "", err
		}
		return slice.Region, slice.Partner.ID, nil
	}
	reg, err := s.AuthorizeRegional(p, regionID, auth.RegionRead)
	return reg, "", err
}

// checkCursor answers whether the feed still reaches event after: 410
// when the event is older than the feed keeps (or already deleted), 400
// when the region has no event with that number yet.
func (s *Service) checkCursor(ctx context.Context, regionID string, after int64) error {
	ev, found, err := s.ReadEvent(ctx, regionID, after)
	switch {
	case err != nil:
		return err
	case found && !s.EventKept(ev):
		return changesGone(after)
	case found:
		return nil
	}
	last, err := s.ReadSequence(ctx, regionID)
	if err != nil {
		return err
	}
	if after <= last {
		return changesGone(after)
	}
	return submission.RuleCursorInvalid.ParamError("after", "finding.changes-after-ahead", map[string]any{"Value": strconv.FormatInt(after, 10), "Last": strconv.FormatInt(last, 10)})
}

func changesGone(after int64) error {
	return apperr.Localized(apperr.Gone, "gone.changes", map[string]any{"Cursor": strconv.FormatInt(after, 10), "Days": int(service.EventRetention.Hours() / 24)})
}
