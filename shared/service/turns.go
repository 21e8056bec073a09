package service

import (
	"context"
	"sync"
)

// One process's writers of one chain take turns at moving its head, and
// each hands the head it moved to the next. Without turns, writers that
// read the same head all sign a receipt linked to it, one transaction
// wins and the rest read the head again, sign again and run again after a
// backoff: under a burst of one partner's writes (a spreadsheet's rows
// sent at once, an upload's records) most of the work is thrown away and
// the burst takes about twice as long as its writes. With turns, a
// writer waits only while the writer before it signs and commits, then
// links to the head that writer moved without reading it.
//
// The turn is a courtesy within a process, not the guard: the head's
// condition in the transaction still decides. Writers in other processes
// (other Lambda instances, which serve one request at a time) race
// through that condition as before, and a head handed on is used only
// when it is newer than the head the writer read.

// turns holds a turn per chain this process has written.
type turns struct {
	mu sync.Mutex
	m  map[[2]string]*turn
}

// turn is one chain's: held by one writer at a time.
type turn struct {
	held chan struct{}
	// last is the head this process's last writer moved the chain to;
	// version 0 when that writer failed, and nothing is known.
	last head
}

// take waits for c's turn, or until ctx ends.
func (ts *turns) take(ctx context.Context, c Chain) (*turn, error) {
	ts.mu.Lock()
	if ts.m == nil {
		ts.m = map[[2]string]*turn{}
	}
	k := [2]string{c.region, c.partner}
	t := ts.m[k]
	if t == nil {
		t = &turn{held: make(chan struct{}, 1)}
		ts.m[k] = t
	}
	ts.mu.Unlock()
	select {
	case t.held <- struct{}{}:
		return t, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// newest is c with the head the last writer moved, when that is newer
// than the one c read.
func (t *turn) newest(c Chain) Chain {
	if t.last.version > c.head.version {
		c.head = t.last
	}
	return c
}

// release ends the turn; moved is the head the holder's transaction moved
// the chain to, nil when it moved nothing.
func (t *turn) release(moved *head) {
	t.last = head{}
	if moved != nil {
		t.last = *moved
	}
	<-t.held
}

// Append links rec into chain c, signs its receipt when receipted is not
// nil (see Seal), and runs commit with what was sealed: the transaction
// that must carry sealed.Ops. It waits its turn at the chain behind this
// process's other writers of it, and links to the head the last of them
// moved when that is newer than c's. commit's error is returned as it
// is: a failed condition means another process moved the head (or the
// write's own conditions failed), and the caller reads again and retries.
func (s *Service) Append(ctx context.Context, c Chain, rec AuditRecord, receipted *Receipted, commit func(Sealed) error) (Sealed, error) {
	t, err := s.turns.take(ctx, c)
	if err != nil {
		return Sealed{}, StoreErr(err, "wait for the chain")
	}
	sealed, err := s.Seal(ctx, t.newest(c), rec, receipted)
	if err == nil {
		err = commit(sealed)
	}
	if err != nil {
		t.release(nil)
		return sealed, err
	}
	t.release(&sealed.next)
	return sealed, nil
}
