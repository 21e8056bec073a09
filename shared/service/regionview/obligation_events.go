package regionview

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// The daily run's events: what a partner owes, told before it is late and
// when it is.
//
// The specification's obligation statuses are `open` (not received, not
// yet due) and `late` (not received, its due date — the end of that day in
// the region's time — passed); it sets no reminder period. So:
//
//   - obligation.overdue is an obligation turned `late`: nothing received
//     (a report: not signed in the role owed) and its due date before the
//     day of the run. It is the status the obligations list shows, told once.
//   - obligation.due is an `open` obligation falling due within the next
//     ObligationNotice days, its due date included: the notice a finance
//     team needs to send a return before it is late. A week is one working
//     week, the shortest notice that still leaves time to prepare, gather
//     sign-offs and send; an obligation that first appears with less notice
//     (a new member, a quarter's first return making a report to sign) is
//     told the same day.
//
// Each is given at most once per obligation and state: an item beside the
// event, put in its transaction on the condition that it is not there,
// says it was given. So a run repeated the same day, or two runs at once
// (two Lambda instances of the schedule, two local processes), append
// nothing the first did not.
//
//	OBLEV#{region}  {partner}#{kind}#{fund}#{period}#{role}#{state}  the event was given
//
// Overdue obligations are told only while their due date is within the
// feed's EventRetention: an event older than that would be gone from the
// feed, and a first run over a region's whole history would otherwise fill
// the feed with years-old news. The item expires after that window, when
// no run would give the event again.

// ObligationNotice is how many days before its due date an open
// obligation is told as due.
const ObligationNotice = 7

// The states an obligation's event is given for.
const (
	stateDue     = "due"
	stateOverdue = "overdue"
)

// SystemActor is who the daily run's events are by.
var SystemActor = service.Actor{Sub: "system", Name: "Regional Data Exchange"}

// ObligationRun says what one run gave.
type ObligationRun struct {
	Region string
	Day    period.Date
	// Due and Overdue are the events appended; Already those given before
	// (by an earlier run, or a run at the same time).
	Due, Overdue, Already int
}

// obligationEventPK is the partition of the items that say an event was given.
func obligationEventPK(region string) string { return "OBLEV#" + region }

// ObligationEvents gives the region's obligation.due and obligation.overdue
// events of day (a date in the region's time), each at most once, in the
// owing partner's slice.
func (s *Service) ObligationEvents(ctx context.Context, regionID string, day period.Date) (ObligationRun, error) {
	run := ObligationRun{Region: regionID, Day: day}
	reg, ok := s.Regions.Get(regionID)
	if !ok {
		return run, fmt.Errorf("obligation events: no region %q", regionID)
	}
	// Judged at the day's start: late is a due date before the day.
	now := day.Time(reg.Location())
	last, first := day.AddDays(ObligationNotice), day.AddDays(-int(service.EventRetention/(24*time.Hour)))
	for i := range reg.Partners {
		slice := service.Slice{Region: reg, Partner: &reg.Partners[i]}
		obs, err := s.obligationsOf(ctx, slice, now)
		if err != nil {
			return run, err
		}
		for _, o := range obs {
			due, err := period.ParseDate(o.DueDate)
			if err != nil {
				return run, err
			}
			var typ, state string
			switch {
			case o.Status == StatusOpen && !last.Before(due):
				typ, state = service.EventObligationDue, stateDue
			case o.Status == StatusLate && !due.Before(first):
				typ, state = service.EventObligationOverdue, stateOverdue
			default:
				continue
			}
			given, err := s.giveObligationEvent(ctx, slice, o, typ, state)
			switch {
			case err != nil:
				return run, err
			case !given:
				run.Already++
			case state == stateDue:
				run.Due++
			default:
				run.Overdue++
			}
		}
	}
	return run, nil
}

// giveObligationEvent appends o's event of typ unless it was given; false
// when it was.
func (s *Service) giveObligationEvent(ctx context.Context, slice service.Slice, o Obligation, typ, state string) (bool, error) {
	pk := obligationEventPK(slice.Region.ID)
	sk := slice.Partner.ID + "#" + o.Kind + "#" + o.FundID + "#" + o.Period + "#" + o.Role + "#" + state
	// Read first, so that a day's run over what was given writes nothing.
	if _, err := s.Table.Get(ctx, pk, sk); err == nil {
		return false, nil
	} else if !service.IsNotFound(err) {
		return false, service.StoreErr(err, "read obligation event")
	}
	at := s.Clock()
	key := map[string]string{"fundId": o.FundID, "kind": o.Kind, "period": o.Period, "dueDate": o.DueDate}
	if o.Role != "" {
		key["role"] = o.Role
	}
	ev := service.Event{Type: typ, At: at, ID: service.NewID(at), Actor: SystemActor, Partner: slice.Partner.ID,
		Subject: service.Subject{Kind: service.SubjectObligation, Key: key}}
	// Kept past the window in which a run would give it again (see above).
	exp := o.DueAt.Add(service.EventRetention + 2*24*time.Hour).Unix()
	once := store.PutOp(store.Item{PK: pk, SK: sk, Version: 1, Data: service.Encode(map[string]string{"type": typ, "id": ev.ID}), ExpiresAt: exp}, store.IfNotExists())
	_, err := s.AppendEvent(ctx, slice.Region.ID, ev, once)
	if errors.Is(err, service.ErrAppendRefused) {
		return false, nil // another run gave it first
	}
	return err == nil, err
}

// ObligationEventsToday gives every region's events of today, in the
// region's time by the service's clock: the daily run (the obligations
// function on AWS, Mornings locally). A region that fails does not stop
// the others; the errors are joined.
func (s *Service) ObligationEventsToday(ctx context.Context) ([]ObligationRun, error) {
	var runs []ObligationRun
	var errs []error
	for _, id := range s.Regions.IDs() {
		reg, _ := s.Regions.Get(id)
		run, err := s.ObligationEvents(ctx, id, period.DateOf(s.Now().In(reg.Location())))
		if err != nil {
			errs = append(errs, fmt.Errorf("region %s: %w", id, err))
			continue
		}
		s.Log.InfoContext(ctx, "obligation events", "region", id, "day", run.Day.String(), "due", run.Due, "overdue", run.Overdue, "already", run.Already)
		runs = append(runs, run)
	}
	return runs, errors.Join(errs...)
}

// MorningHour is the hour of the daily run, in the regions' time (the
// schedule's in template.yaml: 07:00 Europe/London).
const MorningHour = 7

// Mornings runs ObligationEventsToday now and then each morning at
// MorningHour, until stop is called: the local run's daily timer. A run
// that fails is logged; the next morning's tries again (a day missed is
// caught up then: overdue obligations stay overdue).
func (s *Service) Mornings(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := s.ObligationEventsToday(ctx); err != nil && ctx.Err() == nil {
				s.Log.ErrorContext(ctx, "obligation events", "error", err)
			}
			t := time.NewTimer(s.nextMorning(s.Now()).Sub(s.Now()))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// nextMorning is the first MorningHour after now in any region's time.
func (s *Service) nextMorning(now time.Time) time.Time {
	var next time.Time
	for _, id := range s.Regions.IDs() {
		reg, _ := s.Regions.Get(id)
		if m := NextMorning(now, reg.Location()); next.IsZero() || m.Before(next) {
			next = m
		}
	}
	if next.IsZero() {
		next = now.Add(24 * time.Hour)
	}
	return next
}

// NextMorning is the first MorningHour:00 in loc after now, whatever the
// clocks' change that day.
func NextMorning(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	m := time.Date(l.Year(), l.Month(), l.Day(), MorningHour, 0, 0, 0, loc)
	if !m.After(now) {
		m = time.Date(l.Year(), l.Month(), l.Day()+1, MorningHour, 0, 0, 0, loc)
	}
	return m
}
