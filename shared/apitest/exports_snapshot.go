package apitest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/faults"
)

// testExportSnapshot: exports built while 50 writers change and sign off
// returns. Each export is one snapshot: versions.csv lists exactly the
// versions whose rows every other table holds, each the version the API
// still serves under that number, the fund position is computed from them,
// and the manifest's as-at point is the newest moment among them.
func testExportSnapshot(t *testing.T, e *Env) {
	const writers, rounds = 50, 3
	seedFundYear(t, e)
	gov := e.GovToken()
	start := make(chan struct{})
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			partner, quarter := scenarioPartners[i%len(scenarioPartners)], fmt.Sprintf("2019-20-Q%d", (i/len(scenarioPartners))%4+1)
			tok := e.PartnerToken(WW, partner)
			for n := range rounds {
				path, body := QuarterlyReturn(t, partner, quarter, 100*i+n)
				r := e.Put(path, tok, body)
				if r.Status != 201 {
					t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
					return
				}
				if i%5 == 0 { // some sign off what they sent; another writer may have got in first (412)
					s := e.Do(Req{Method: "POST", Path: path + "/signoff", Token: tok, Body: []byte(`{"signatory":"Jane Jones","role":"S151 officer"}`),
						Header: map[string]string{"If-Match": r.Header.Get("ETag")}})
					if s.Status != 200 && s.Status != 412 {
						t.Errorf("writer %d sign-off: %d %s", i, s.Status, s.Body)
					}
				}
			}
		}()
	}
	go func() { wg.Wait(); done.Store(true) }()
	close(start)
	var built []exportDoc
	for len(built) < 3 || !done.Load() {
		built = append(built, requestExport(t, e, gov, WW, "csv"))
	}
	wg.Wait()
	for i, d := range built {
		t.Run(fmt.Sprintf("export %d", i+1), func(t *testing.T) { checkSnapshot(t, e, d) })
	}
	// Once the writers have stopped an export holds their last versions.
	last := requestExport(t, e, gov, WW, "csv")
	checkSnapshot(t, e, last)
	if got := len(csvRows(t, download(t, e, last, "quarterly_returns.csv"))); got != 16 {
		t.Errorf("the last export has %d returns, want the four partners' four quarters", got)
	}
}

// csvRows reads a CSV file of an export as maps by column, header first.
func csvRows(t *testing.T, file []byte) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv: %v: %s", err, file)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		out = append(out, row)
	}
	return out
}

// checkSnapshot checks one export's files against its manifest, each other
// and the versions the API serves.
func checkSnapshot(t *testing.T, e *Env, d exportDoc) {
	t.Helper()
	if d.State != "ready" {
		t.Fatalf("export %s: %s", d.ExportID, d.State)
	}
	fileHashes(t, e, d) // every file is the one the manifest names
	var manifest struct {
		AsAt         string
		VersionCount int
	}
	if err := json.Unmarshal(download(t, e, d, "manifest.json"), &manifest); err != nil {
		t.Fatal(err)
	}
	versions := csvRows(t, download(t, e, d, "versions.csv"))
	if manifest.VersionCount != len(versions) {
		t.Errorf("the manifest counts %d versions, versions.csv lists %d", manifest.VersionCount, len(versions))
	}
	// The as-at point is the newest moment of the versions listed.
	newest, _ := time.Parse(time.RFC3339, "2019-04-01T00:00:00+01:00")
	for _, v := range versions {
		for _, col := range []string{"received_at", "signed_off_at"} {
			if at, err := time.Parse(time.RFC3339Nano, v[col]); err == nil && at.After(newest) {
				newest = at
			}
		}
	}
	if asAt, err := time.Parse(time.RFC3339Nano, manifest.AsAt); err != nil || !asAt.Equal(newest) {
		t.Errorf("the manifest is as at %s; the newest version listed is of %s", manifest.AsAt, newest.Format(time.RFC3339Nano))
	}
	type key struct{ partner, quarter string }
	listed := map[key]map[string]string{}
	for _, v := range versions {
		if v["kind"] == "quarterly-returns" {
			listed[key{v["partner"], strings.TrimPrefix(v["key"], Fund+"/")}] = v
		}
	}
	// Every return table holds exactly the versions listed.
	returns := csvRows(t, download(t, e, d, "quarterly_returns.csv"))
	if len(returns) != len(listed) {
		t.Errorf("quarterly_returns.csv has %d rows, versions.csv lists %d returns", len(returns), len(listed))
	}
	for _, r := range returns {
		v := listed[key{r["partner"], r["quarter"]}]
		if v == nil || v["version"] != r["version"] {
			t.Errorf("quarterly_returns.csv holds %s %s version %s; versions.csv lists %v", r["partner"], r["quarter"], r["version"], v)
			continue
		}
		if (r["signed_off_by"] != "") != (v["signed_off_at"] != "") {
			t.Errorf("%s %s: signed off by %q in quarterly_returns.csv, at %q in versions.csv", r["partner"], r["quarter"], r["signed_off_by"], v["signed_off_at"])
		}
	}
	lines, income := map[key][]map[string]string{}, map[key]bool{} // spend lines; whether there is income
	for _, l := range csvRows(t, download(t, e, d, "quarterly_return_lines.csv")) {
		k := key{l["partner"], l["quarter"]}
		if v := listed[k]; v == nil || v["version"] != l["version"] {
			t.Errorf("quarterly_return_lines.csv holds %s %s version %s; versions.csv lists %v", k.partner, k.quarter, l["version"], v)
		}
		if l["record"] == "income" {
			income[k] = true
		} else {
			lines[k] = append(lines[k], l)
		}
	}
	// Each version listed is the one the API serves under its number, and
	// its lines are that version's.
	for k, v := range listed {
		tok := e.PartnerToken(WW, k.partner)
		r := e.Get(fmt.Sprintf("%s/versions/%s", fundPath(k.partner, "quarterly-returns", k.quarter), v["version"]), tok)
		expectStatus(t, r, 200)
		var env struct {
			SHA256   string
			SignOff  *struct{ At time.Time }
			Document struct {
				Spend []struct{ ActualToDate, ForecastOutturn string }
			}
		}
		if err := json.Unmarshal(r.Body, &env); err != nil {
			t.Fatal(err)
		}
		if env.SHA256 != v["sha256"] {
			t.Errorf("%v version %s: sha256 %s in versions.csv, %s served", k, v["version"], v["sha256"], env.SHA256)
		}
		if at := v["signed_off_at"]; at != "" && (env.SignOff == nil || env.SignOff.At.Format(time.RFC3339Nano) != at) {
			t.Errorf("%v version %s: signed off at %s in versions.csv, served %+v", k, v["version"], at, env.SignOff)
		}
		if len(lines[k]) != len(env.Document.Spend) {
			t.Errorf("%v version %s: %d lines exported, %d in the version", k, v["version"], len(lines[k]), len(env.Document.Spend))
			continue
		}
		for i, l := range env.Document.Spend {
			if got := lines[k][i]; got["actual_to_date"] != l.ActualToDate || got["forecast_outturn"] != l.ForecastOutturn {
				t.Errorf("%v version %s line %d: exported %s/%s, the version holds %s/%s", k, v["version"], i, got["actual_to_date"], got["forecast_outturn"], l.ActualToDate, l.ForecastOutturn)
			}
		}
	}
	// Each member's position is as at its latest return listed, with that return's figures.
	for _, p := range csvRows(t, download(t, e, d, "fund_position_partners.csv")) {
		if p["fund_id"] != Fund {
			continue
		}
		latest := ""
		for k := range listed {
			if k.partner == p["partner"] && k.quarter > latest {
				latest = k.quarter
			}
		}
		if p["as_at_quarter"] != latest {
			t.Errorf("%s's position is as at %q; its latest return listed is %q", p["partner"], p["as_at_quarter"], latest)
			continue
		}
		k := key{p["partner"], latest}
		if latest != "" && len(lines[k]) == 1 && !income[k] && p["actual_to_date"] != lines[k][0]["actual_to_date"] {
			t.Errorf("%s's position has actual %s; its %s return listed has %s", p["partner"], p["actual_to_date"], latest, lines[k][0]["actual_to_date"])
		}
	}
}

// testExportReadsOnce: an export reads each document it includes once, and
// no fund-year copy: the tables, positions and aggregates are all made from
// the one snapshot.
func testExportReadsOnce(t *testing.T, e *Env) {
	seedFundYear(t, e)
	plan := faults.NewPlan()
	fe := WithFaults(t, e.Backend, plan)
	d := requestExport(t, fe, fe.GovToken(), WW, "csv")
	if d.State != "ready" {
		t.Fatalf("export: %+v", d)
	}
	reads := map[string]int{}
	for _, c := range plan.Calls() {
		switch {
		case c.Op == faults.BlobGet && strings.HasPrefix(c.Key, "documents/"):
			reads[c.Key]++
		case c.Op.Table() && c.Touches("F#", ""):
			t.Errorf("the export read a fund-year copy: %s", c)
		}
	}
	if len(reads) < 8 {
		t.Errorf("%d documents read, want every version of the seeded year's: %v", len(reads), reads)
	}
	for k, n := range reads {
		if n != 1 {
			t.Errorf("%s read %d times", k, n)
		}
	}
}
