package web_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

// fetches are the store and blob calls made while answering requests: each
// call's span (store.Get, store.Query, blob.Get, ...) with the partition or
// object it touched, of the requests' traces only.
type fetches struct {
	exp *tracetest.InMemoryExporter
}

// of runs fn, which sends n requests one after another, and returns the
// calls those requests made, sorted.
func (f fetches) of(t *testing.T, n int, fn func()) []string {
	t.Helper()
	f.exp.Reset()
	start := time.Now()
	fn()
	// A request's span ends once its answer is written: the client may
	// have it a moment before.
	var spans tracetest.SpanStubs
	requests := map[trace.TraceID]bool{}
	for deadline := time.Now().Add(5 * time.Second); len(requests) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests traced, want %d", len(requests), n)
		}
		spans = f.exp.GetSpans()
		for _, s := range spans {
			if s.SpanKind == trace.SpanKindServer && !s.StartTime.Before(start) { // not the end of an earlier one
				requests[s.SpanContext.TraceID()] = true
			}
		}
	}
	var out []string
	for _, s := range spans {
		if !requests[s.SpanContext.TraceID()] || !(strings.HasPrefix(s.Name, "store.") || strings.HasPrefix(s.Name, "blob.")) {
			continue
		}
		var on string
		for _, a := range s.Attributes {
			if a.Key == telemetry.AttrPartition || a.Key == telemetry.AttrKey {
				on = a.Value.Emit()
			}
		}
		out = append(out, s.Name+" "+on)
	}
	slices.Sort(out)
	return out
}

// A page makes exactly the store and blob calls its JSON routes make for
// the same view: what it shows is read once and nothing else is. A page
// that read every version of a return, every partner's records or a
// document it does not show would make more calls and fail here.
func TestNoPageFetchesMoreThanItShows(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	s := newSiteWith(t, app.Config{Telemetry: telemetry.Telemetry{Traces: sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))}})
	s.seed()
	// Version 2 of the return (sending the same document again stores no
	// third): its page lists both and what changed since version 1.
	s.put(carm, "/quarterly-returns/"+fund+"/2018-19-Q2", example(t, "quarterly-return.json"))
	_, tmpl := s.api("GET", "/v1/templates/quarterly-return-csv.csv", s.token(region+"/"+carm), nil)
	upload, _ := s.upload(carm, map[string]any{"purpose": "quarterly-return-csv", "fundId": fund, "quarter": "2018-19-Q3"},
		[]byte(strings.Replace(string(tmpl), "residential-dementia", "palace", 1)))

	members := []string{carm, cere, "pembrokeshire", "hywel-dda"} // the fund's members, the region's partners
	each := func(format string, args ...any) []string {
		var out []string
		for _, m := range members {
			out = append(out, fmt.Sprintf(format, append([]any{slicePath(m)}, args...)...))
		}
		return out
	}
	ret := slicePath(carm) + "/quarterly-returns/" + fund + "/2018-19-Q2"
	fundAt := "/regions/" + region + "/funds/" + fund
	cases := []struct {
		name, role, page string
		json             []string
	}{
		{"the fund position", region + "/unit", "/app" + fundAt + "/position?financialYear=2018-19",
			[]string{"/v1" + fundAt + "/position?financialYear=2018-19"}},
		{"the completeness grid", region + "/unit", "/app" + fundAt + "/completeness?financialYear=2018-19", each("%s/obligations")},
		{"the region's obligations", region + "/unit", "/app/regions/" + region + "/obligations", each("%s/obligations?status=late")},
		{"a partner's home", region + "/" + carm, "/app" + strings.TrimPrefix(slicePath(carm), "/v1") + "/", []string{
			slicePath(carm) + "/quarterly-returns?limit=10", slicePath(carm) + "/pool-contributions?limit=10",
			slicePath(carm) + "/population-assessments?limit=10", slicePath(carm) + "/market-position-statements?limit=10"}},
		{"a partner's returns", region + "/" + carm, "/app" + strings.TrimPrefix(slicePath(carm), "/v1") + "/quarterly-returns",
			[]string{slicePath(carm) + "/quarterly-returns?limit=50"}},
		{"a partner's obligations", region + "/" + carm, "/app" + strings.TrimPrefix(slicePath(carm), "/v1") + "/obligations",
			[]string{slicePath(carm) + "/obligations"}},
		{"a quarterly return", region + "/" + carm, "/app" + strings.TrimPrefix(ret, "/v1"), []string{ret, ret + "/versions?limit=50", ret + "/versions/1"}}, // and what changed since version 1
		{"a version", region + "/" + carm, "/app" + strings.TrimPrefix(ret, "/v1") + "/versions/2", []string{ret + "/versions/2", ret + "/versions/1"}},      // and what changed since version 1
		{"an upload", region + "/" + carm, "/app" + strings.TrimPrefix(slicePath(carm), "/v1") + "/uploads/" + upload,
			[]string{slicePath(carm) + "/uploads/" + upload}},
	}
	browsers := map[string]*browser{}
	f := fetches{exp}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := browsers[c.role]
			if b == nil {
				b = s.browser()
				b.signIn(c.role)
				browsers[c.role] = b
			}
			tok := s.token(c.role)
			showPage := func() {
				if a := b.get(c.page); a.Status != 200 {
					t.Fatalf("GET %s: %d %.500s", c.page, a.Status, mainOf(a.Body))
				}
			}
			callAPI := func() {
				for _, p := range c.json {
					if status, out := s.api("GET", p, tok, nil); status != 200 {
						t.Fatalf("GET %s: %d %s", p, status, out)
					}
				}
			}
			// Each once first: a fund-year's first read computes and keeps
			// its position; every read after that is what is measured.
			showPage()
			callAPI()
			page, api := f.of(t, 1, showPage), f.of(t, len(c.json), callAPI)
			if len(api) == 0 {
				t.Fatal("the JSON routes made no store call: nothing is counted")
			}
			if !slices.Equal(page, api) {
				t.Errorf("the page made %d store and blob calls, its JSON routes %d:\npage: %s\nJSON: %s",
					len(page), len(api), strings.Join(page, "\n      "), strings.Join(api, "\n      "))
			}
		})
	}
}
