package apitest

import (
	"fmt"
	"sync"
	"testing"
)

// testConcurrentIfMatch: 100 writers sending If-Match for the same version
// at once: exactly one wins, every other gets 412, nothing else lands.
func testConcurrentIfMatch(t *testing.T, e *Env) {
	const n = 100
	tok := e.PartnerToken(WW, Carm)
	expectStatus(t, e.Put(QRPath, tok, withCommentary(t, "base")), 201)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.Put(QRPath, tok, withCommentary(t, fmt.Sprint("if-match writer ", i)), "If-Match", `"1"`).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[412] != n-1 {
		t.Errorf("statuses %v: want exactly one 201 and %d 412s", count, n-1)
	}
	if v := versionsOf(t, e, QRPath, tok); len(v) != 2 {
		t.Errorf("versions %v, want 2", v)
	}
}

// testConcurrentLockAndWrite: writers race a lock of their quarter; once the
// lock is answered no further version lands, and every write either landed
// before it (201) or was refused (409).
func testConcurrentLockAndWrite(t *testing.T, e *Env) {
	const n = 40
	tok := e.PartnerToken(WW, Carm)
	q2 := fundPath(Carm, "quarterly-returns", "2019-20-Q2")
	start := make(chan struct{})
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := returnBody(t, Fund, "2019-20-Q2", []line{{"social-care", "W06000010", "residential", fmt.Sprintf("%d.00", 1000+i), "5000.00"}}, nil)
			statuses[i] = e.Put(q2, tok, body).Status
		}()
	}
	close(start)
	lock := e.Do(Req{Method: "PUT", Path: "/v1/regions/west-wales/funds/care-homes-older-people/periods/2019-20-Q2/lock", Token: e.RCUToken(WW)})
	expectStatus(t, lock, 201)
	atLock := len(versionsOf(t, e, q2, tok))
	wg.Wait()
	created := 0
	for i, s := range statuses {
		switch s {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("writer %d: %d, want 201 (before the lock) or 409", i, s)
		}
	}
	after := len(versionsOf(t, e, q2, tok))
	if after != atLock || after != created {
		t.Errorf("%d versions when the lock was answered, %d after the writers finished, %d writers got 201: a write landed in the locked period", atLock, after, created)
	}
}
