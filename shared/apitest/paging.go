package apitest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/auth"
)

type listPage struct {
	Items []struct {
		Version float64
		Key     map[string]any
	}
	NextCursor *string
}

func getPage(t *testing.T, e *Env, path, token string) listPage {
	t.Helper()
	r := e.Get(path, token)
	expectStatus(t, r, 200)
	var pg listPage
	if err := json.Unmarshal(r.Body, &pg); err != nil {
		t.Fatal(err)
	}
	return pg
}

// walk follows every page of a list, returning each item's label.
func walk(t *testing.T, e *Env, path, token string, label func(v float64, key map[string]any) string) (items []string, pages int) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := path
	for next != "" {
		pg := getPage(t, e, next, token)
		pages++
		for _, it := range pg.Items {
			items = append(items, label(it.Version, it.Key))
		}
		next = ""
		if pg.NextCursor != nil {
			next = path + sep + "cursor=" + url.QueryEscape(*pg.NextCursor)
		}
	}
	return items, pages
}

func testPagination(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	for i := 1; i <= 5; i++ {
		expectStatus(t, e.Put(QRPath, tok, withCommentary(t, fmt.Sprint("v", i))), 201)
	}
	versions, pages := walk(t, e, QRPath+"/versions?limit=2", tok, func(v float64, _ map[string]any) string { return fmt.Sprint(v) })
	if strings.Join(versions, ",") != "5,4,3,2,1" || pages != 3 {
		t.Errorf("versions %v over %d pages", versions, pages)
	}
	// Current versions of eight keys, in key order, three to a page.
	base := SlicePath(WW, Carm) + "/quarterly-returns/care-homes-older-people/"
	for _, fy := range []string{"2019-20", "2018-19"} {
		for q := 4; q >= 1; q-- {
			key := fmt.Sprintf("%s-Q%d", fy, q)
			body := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { m["quarter"] = key })
			if r := e.Put(base+key, tok, body); r.Status != 201 && r.Status != 200 {
				t.Fatalf("%s: %d %s", key, r.Status, r.Body)
			}
		}
	}
	list := SlicePath(WW, Carm) + "/quarterly-returns"
	quarter := func(_ float64, k map[string]any) string { return k["quarter"].(string) }
	keys, pages := walk(t, e, list+"?limit=3", tok, quarter)
	want := "2018-19-Q1,2018-19-Q2,2018-19-Q3,2018-19-Q4,2019-20-Q1,2019-20-Q2,2019-20-Q3,2019-20-Q4"
	if strings.Join(keys, ",") != want || pages != 3 {
		t.Errorf("keys %v over %d pages", keys, pages)
	}
	if keys, _ := walk(t, e, list+"?financialYear=2019-20&limit=3", tok, quarter); strings.Join(keys, ",") != "2019-20-Q1,2019-20-Q2,2019-20-Q3,2019-20-Q4" {
		t.Errorf("financialYear filter: %v", keys)
	}
	if keys, _ := walk(t, e, list+"?quarter=2018-19-Q3", tok, quarter); strings.Join(keys, ",") != "2018-19-Q3" {
		t.Errorf("quarter filter: %v", keys)
	}
	if keys, _ := walk(t, e, list+"?fundId=care-homes-learning-disabilities", tok, quarter); len(keys) != 0 {
		t.Errorf("other fund: %v", keys)
	}
	t.Run("a page's cursor skips nothing when keys are written between pages", func(t *testing.T) {
		first := getPage(t, e, list+"?limit=3", tok)
		// A new key that sorts after the first page, and an unchanged key rewritten.
		ld := SlicePath(WW, Carm) + "/quarterly-returns/care-homes-learning-disabilities/2026-27-Q1"
		expectStatus(t, e.Put(ld, tok, Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
			m["fundId"], m["quarter"] = "care-homes-learning-disabilities", "2026-27-Q1"
		})), 201)
		var rest []string
		for cur := first.NextCursor; cur != nil; {
			pg := getPage(t, e, list+"?limit=3&cursor="+url.QueryEscape(*cur), tok)
			for _, it := range pg.Items {
				rest = append(rest, quarter(0, it.Key))
			}
			cur = pg.NextCursor
		}
		if strings.Join(rest, ",") != "2018-19-Q4,2019-20-Q1,2019-20-Q2,2019-20-Q3,2019-20-Q4" {
			t.Errorf("after the first page: %v", rest)
		}
	})
	t.Run("cursors are bound to the caller and the filters", func(t *testing.T) {
		cur := *getPage(t, e, list+"?limit=3", tok).NextCursor
		expectError(t, e.Get(list+"?limit=3&financialYear=2019-20&cursor="+url.QueryEscape(cur), tok), "cursor.invalid", "cursor")
		rcu := e.RCUToken(WW)
		expectError(t, e.Get(list+"?limit=3&cursor="+url.QueryEscape(cur), rcu), "cursor.invalid", "cursor")
		other := e.Token(auth.TokenSpec{Region: WW, Partner: Carm, Subject: "another-client", Scopes: []auth.Scope{auth.SubmissionsRead}})
		expectError(t, e.Get(list+"?limit=3&cursor="+url.QueryEscape(cur), other), "cursor.invalid", "cursor")
		tampered := "Q1VSI3F1YXJ0ZXJseS1yZXR1cm5z" + cur[strings.Index(cur, "."):]
		expectError(t, e.Get(list+"?limit=3&cursor="+tampered, tok), "cursor.invalid", "cursor")
	})
}

func testRestart(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	first := e.Put(QRPath, tok, Example(t, "quarterly-return.json"), "Idempotency-Key", "before-restart")
	expectStatus(t, first, 201)
	e.Restart()
	got := e.Get(QRPath, tok)
	expectStatus(t, got, 200)
	if got.JSON(t)["sha256"] != first.JSON(t)["sha256"] {
		t.Errorf("after restart: %s", got.Body)
	}
	replay := e.Put(QRPath, tok, Example(t, "quarterly-return.json"), "Idempotency-Key", "before-restart")
	if replay.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("idempotency record lost in the restart")
	}
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "after")), 201)
	if v := versionsOf(t, e, QRPath, tok); fmt.Sprint(v) != "[2 1]" {
		t.Errorf("versions %v", v)
	}
}

// testConcurrentWriters: 100 PUTs of different bodies to one key, at once,
// without If-Match, all land as versions 1..100, contiguous, none lost.
func testConcurrentWriters(t *testing.T, e *Env) {
	const n = 100
	tok := e.PartnerToken(WW, Carm)
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.Put(QRPath, tok, withCommentary(t, fmt.Sprint("writer ", i))).Status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 201 {
			t.Errorf("writer %d: %d", i, s)
		}
	}
	v := versionsOf(t, e, QRPath, tok)
	if len(v) != n {
		t.Fatalf("%d versions, want %d", len(v), n)
	}
	seen := map[string]bool{}
	for i, ver := range v {
		if int(ver) != n-i {
			t.Errorf("version list %v is not %d..1", v, n)
			break
		}
		doc := e.Get(fmt.Sprintf("%s/versions/%d", QRPath, int(ver)), tok).JSON(t)["document"].(map[string]any)
		seen[doc["commentary"].(string)] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct bodies stored, want %d", len(seen), n)
	}
}
