package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/store"
)

func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// target is one kind of request measured against its floor.
type target struct {
	name   string
	method string
	path   func(worker int) string
	body   func(n int64) []byte
	// computed: served by the instance that keeps no computed positions.
	computed bool
	// member, when set, is who worker w acts as: its token and its body
	// (the path is the target's own, path(w)).
	member func(worker int) (token string, body func(n int64) []byte)
}

// stats are one load run's figures.
type stats struct {
	p50, p99 time.Duration
	rps      float64
	errors   int64
}

// load sends count requests from conc workers and measures them.
func load(client *http.Client, base, token string, tg target, conc, count int) stats {
	var next, errs atomic.Int64
	lat := make([]time.Duration, count)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token, makeBody := token, tg.body
			if tg.member != nil {
				token, makeBody = tg.member(w)
			}
			for {
				i := next.Add(1) - 1
				if i >= int64(count) {
					return
				}
				var body io.Reader
				if makeBody != nil {
					body = bytes.NewReader(makeBody(i))
				}
				req, _ := http.NewRequest(tg.method, base+tg.path(w), body)
				req.Header.Set("Authorization", "Bearer "+token)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode >= 300 {
						errs.Add(1)
					}
				} else {
					errs.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	return summarize(lat, float64(count)/elapsed.Seconds(), errs.Load())
}

// summarize is a run's figures from its latencies.
func summarize(lat []time.Duration, rps float64, errors int64) stats {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return stats{p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], rps: rps, errors: errors}
}

// Rounds of load: the service and its floor alternate, so that whatever else
// the machine does weighs on both alike; the figures are the medians over
// the rounds.
const (
	conc       = 4
	warmup     = 300
	rounds     = 7
	roundCount = 500
	// warmupJVM is the warm-up against the Java stand-in (DynamoDB Local),
	// whose just-in-time compiler otherwise still speeds it up during the
	// first request kinds' rounds, adding noise to their ratios.
	warmupJVM = 1500
)

func alternate(client *http.Client, ours, floor, token string, tg target, warm int) (stats, stats) {
	load(client, ours, token, tg, conc, warm)
	load(client, floor, token, tg, conc, warm)
	var a, b []stats
	for range rounds {
		a = append(a, load(client, ours, token, tg, conc, roundCount))
		b = append(b, load(client, floor, token, tg, conc, roundCount))
	}
	return medianStats(a), medianStats(b)
}

func medianStats(ss []stats) stats {
	pick := func(get func(stats) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = get(s)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	out := stats{
		p50: time.Duration(pick(func(s stats) float64 { return float64(s.p50) })),
		p99: time.Duration(pick(func(s stats) float64 { return float64(s.p99) })),
		rps: pick(func(s stats) float64 { return s.rps }),
	}
	for _, s := range ss {
		out.errors += s.errors
	}
	return out
}

// floor is the minimal handler for one request kind: verify the token, make
// the same store and blob operations the service made, write the same bytes.
func floor(v *auth.Verifier, rec *recorder, ops []op, status int, contentType string, body []byte) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, err := v.Verify(r.Context(), tok); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		io.Copy(io.Discard, r.Body)
		if err := replay(r.Context(), rec.Table, rec.blobs, ops, n.Add(1)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write(body)
	})
}

// compare measures each target on the service and on its floor, and returns
// the table rows.
func compare(ctx context.Context, a *app.App, rec *recorder, v *auth.Verifier, token string, targets []target, warm int) ([]string, error) {
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var rows []string
	for _, tg := range targets {
		var status int
		var contentType string
		var body []byte
		// One request first, so that the floor replays what every request
		// does, not a first one's one-off work (a fund-year's first read).
		if res, err := client.Do(requestOf(srv.URL, tg, token, -2)); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		ops := rec.capture(func() {
			res, err := client.Do(requestOf(srv.URL, tg, token, -1))
			if err != nil {
				return
			}
			defer res.Body.Close()
			body, _ = io.ReadAll(res.Body)
			status, contentType = res.StatusCode, res.Header.Get("Content-Type")
		})
		if status == 0 || status >= 300 {
			return nil, fmt.Errorf("%s: status %d: %s", tg.name, status, body)
		}
		fl := httptest.NewServer(floor(v, rec, ops, status, contentType, body))
		ours, base := alternate(client, srv.URL, fl.URL, token, tg, warm)
		fl.Close()
		if ours.errors+base.errors > 0 {
			return nil, fmt.Errorf("%s: %d errors (ours), %d (floor)", tg.name, ours.errors, base.errors)
		}
		rows = append(rows, fmt.Sprintf("| %s | %d ops | %s | %s | **%.2f×** | %s | %s | **%.2f×** | %.0f | %.0f | **%.2f×** |",
			tg.name, len(ops), us(ours.p50), us(base.p50), ratio(ours.p50, base.p50), us(ours.p99), us(base.p99), ratio(ours.p99, base.p99),
			ours.rps, base.rps, base.rps/ours.rps))
	}
	return rows, nil
}

// requestOf is the target's request from worker 0, with body n (each
// number a body of its own).
func requestOf(base string, tg target, token string, n int64) *http.Request {
	makeBody := tg.body
	if tg.member != nil {
		token, makeBody = tg.member(0)
	}
	var body io.Reader
	if makeBody != nil {
		body = bytes.NewReader(makeBody(n))
	}
	req, _ := http.NewRequest(tg.method, base+tg.path(0), body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func us(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

const latencyHeader = `| request | store/blob ops | p50 ours | p50 floor | ratio | p99 ours | p99 floor | ratio | req/s ours | req/s floor | ratio (floor/ours) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`
