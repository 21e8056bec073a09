package apitest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
)

// obligationKey names an obligation's event in a feed: its partner, type
// and what the obligation is.
func obligationKey(ev change) string {
	k := ev.Subject.Key
	return fmt.Sprintf("%s %s %s %s %s%s", ev.Partner, ev.Type, k["fundId"], k["period"], k["kind"], k["role"])
}

// obligationEvents are the feed's obligation events, by key; a key seen
// twice fails the test.
func obligationEvents(t *testing.T, events []change) map[string]change {
	t.Helper()
	out := map[string]change{}
	for _, ev := range events {
		if !strings.HasPrefix(ev.Type, "obligation.") {
			continue
		}
		if ev.Subject.Kind != "obligation" || ev.Actor.Sub != "system" || ev.Partner == "" || ev.Receipt != nil {
			t.Errorf("an obligation event of the wrong shape: %+v", ev)
		}
		k := obligationKey(ev)
		if _, dup := out[k]; dup {
			t.Errorf("%s given twice", k)
		}
		out[k] = ev
	}
	return out
}

// testObligationEvents: the daily run tells each partner, in its own
// slice of the feed, what falls due within the week and what is overdue,
// each once: a second run of the day and two runs at once give nothing
// more, and the feed stays gap-free with the writes around it.
func testObligationEvents(t *testing.T, e *Env) {
	rcu, carm := e.RCUToken(WW), e.PartnerToken(WW, Carm)
	// Carmarthenshire's 2018-19 Q1 return, late: the quarter's report is
	// then to be signed by every member.
	expectStatus(t, putMemberReturn(t, e, Carm, "2018-19-Q1", 0), 201)
	views := e.App.RegionView
	day := period.Date{Year: 2018, Month: 10, Day: 25} // Q2's returns are due 2018-10-30, within the week
	run, err := views.ObligationEvents(t.Context(), WW, day)
	if err != nil {
		t.Fatal(err)
	}
	if run.Due == 0 || run.Overdue == 0 || run.Already != 0 {
		t.Fatalf("the first run of %s: %+v", day, run)
	}
	all := allChanges(t, e, rcu, 50)
	gapFree(t, all)
	if len(all) != 1+run.Due+run.Overdue {
		t.Errorf("the feed holds %d events after a PUT and a run that gave %+v", len(all), run)
	}
	given := obligationEvents(t, all)
	// West Wales: returns due 30 days after the quarter, contributions 1 day before the year.
	for k, want := range map[string]bool{
		Carm + " obligation.due " + Fund + " 2018-19-Q2 quarterly-returns":                             true,
		Carm + " obligation.overdue " + Fund + " 2018-19 pool-contributions":                           true,
		Carm + " obligation.overdue " + Fund + " 2018-19-Q1 fund-report-sign-offchief-finance-officer": true,
		Cere + " obligation.overdue " + Fund + " 2018-19-Q1 quarterly-returns":                         true,
		Carm + " obligation.overdue " + Fund + " 2018-19-Q1 quarterly-returns":                         false, // received, if late
		Carm + " obligation.due " + Fund + " 2018-19-Q3 quarterly-returns":                             false, // due 2019-01-30: not yet
		Carm + " obligation.overdue " + Fund + " 2018-19-Q2 quarterly-returns":                         false, // not late until after the 30th
	} {
		if _, ok := given[k]; ok != want {
			t.Errorf("%s: given %v, want %v", k, ok, want)
		}
	}
	// The event reads as its obligation, where its url says.
	due := given[Carm+" obligation.due "+Fund+" 2018-19-Q2 quarterly-returns"]
	if due.Subject.Key["dueDate"] != "2018-10-30" || due.Subject.URL != SlicePath(WW, Carm)+"/obligations?from=2018-10-30&to=2018-10-30" {
		t.Errorf("the due event's subject: %+v", due.Subject)
	}
	if r := e.Get(due.Subject.URL, carm); r.Status != 200 || !strings.Contains(string(r.Body), `"period":"2018-19-Q2"`) {
		t.Errorf("the due event's url reads %d: %s", r.Status, r.Body)
	}
	// Each partner reads its own: Carmarthenshire's slice holds exactly its events.
	own := obligationEvents(t, allChanges(t, e, carm, 50))
	for k, ev := range given {
		if _, ok := own[k]; ok != (ev.Partner == Carm) {
			t.Errorf("%s: in carmarthenshire's feed %v", k, ok)
		}
	}

	// The same day again appends nothing.
	again, err := views.ObligationEvents(t.Context(), WW, day)
	if err != nil || again.Due+again.Overdue != 0 || again.Already != run.Due+run.Overdue {
		t.Errorf("the day's second run: %+v, %v (the first gave %+v)", again, err, run)
	}
	// Another write takes the next number.
	expectStatus(t, putMemberReturn(t, e, Cere, "2018-19-Q1", 1), 201)

	// A week on, two processes run the day at once (two Lambda instances):
	// Q2's returns are overdue now, told once between them.
	later := day.AddDays(7)
	twin := e.Twin()
	runs := make([]regionview.ObligationRun, 2)
	var wg sync.WaitGroup
	for i, env := range []*Env{e, twin} {
		wg.Go(func() {
			r, err := env.App.RegionView.ObligationEvents(t.Context(), WW, later)
			if err != nil {
				t.Error(err)
			}
			runs[i] = r
		})
	}
	wg.Wait()
	all = allChanges(t, e, rcu, 50)
	gapFree(t, all)
	appended := runs[0].Due + runs[0].Overdue + runs[1].Due + runs[1].Overdue
	if len(all) != 2+run.Due+run.Overdue+appended || appended == 0 {
		t.Errorf("after two runs at once (%+v, %+v) the feed holds %d events", runs[0], runs[1], len(all))
	}
	after := obligationEvents(t, all)
	for _, k := range []string{
		Carm + " obligation.overdue " + Fund + " 2018-19-Q2 quarterly-returns",
		Carm + " obligation.due " + Fund + " 2018-19-Q2 quarterly-returns", // still there, not given again
	} {
		if _, ok := after[k]; !ok {
			t.Errorf("%s: missing after the week", k)
		}
	}
	if _, ok := after[Cere+" obligation.due "+Fund+" 2018-19-Q2 quarterly-returns"]; !ok {
		t.Error("ceredigion was not told its Q2 return was due")
	}
	// The daily timer's first run (today, by the service's clock) is idempotent too.
	if runs, err := views.ObligationEventsToday(t.Context()); err != nil || len(runs) == 0 {
		t.Fatalf("today's run: %v %v", runs, err)
	}
	n := len(allChanges(t, e, rcu, 1000))
	if runs, err := views.ObligationEventsToday(t.Context()); err != nil || runs[0].Due+runs[0].Overdue != 0 {
		t.Errorf("today's second run: %+v %v", runs, err)
	}
	if m := len(allChanges(t, e, rcu, 1000)); m != n {
		t.Errorf("today's second run added %d events", m-n)
	}
}
