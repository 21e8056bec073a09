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
//
// A write that is an event also moves its region's event sequence, which
// every partner's events move: its writers take turns at the sequence too,
// after signing at their own chain's turn, so that only the commit waits
// on other partners' writers, and each links to the number the last moved.
// Turns are always taken chain first, then sequence, so no two writers
// wait on each other.

// turns holds a turn per chain (and per region's sequence) this process
// has written.
type turns struct {
	mu   sync.Mutex
	m    map[[2]string]*turn
	keys map[string]*keyTurn // records' turns (KeyTurn)
}

// turn is one chain's, or one region's sequence: held by one writer at a
// time.
type turn struct {
	held chan struct{}
	// last is the head this process's last writer moved the chain to;
	// version 0 when that writer failed, and nothing is known.
	last head
	// lastSeq is, for a sequence's turn, the number the last writer that
	// moved it moved it to; 0 when nothing is known. A number never goes
	// back, so a writer that failed leaves it as it was.
	lastSeq int64
}

// seqTurn names a region's sequence among the chains' turns: no partner
// is called that.
const seqTurn = "\x00sequence"

// take waits for c's turn, or until ctx ends.
func (ts *turns) take(ctx context.Context, c Chain) (*turn, error) {
	return ts.takeKey(ctx, [2]string{c.region, c.partner})
}

// takeKey waits for the turn named k, or until ctx ends.
func (ts *turns) takeKey(ctx context.Context, k [2]string) (*turn, error) {
	ts.mu.Lock()
	if ts.m == nil {
		ts.m = map[[2]string]*turn{}
	}
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

// releaseSeq ends a sequence's turn; moved is the number the holder's
// transaction moved it to, 0 when it moved nothing.
func (t *turn) releaseSeq(moved int64) {
	t.lastSeq = max(t.lastSeq, moved)
	<-t.held
}

// Append links rec into chain c, signs its receipt when receipted is not
// nil (see Seal), and runs commit with what was sealed: the transaction
// that must carry sealed.Ops. It waits its turn at the chain behind this
// process's other writers of it, and links to the head the last of them
// moved when that is newer than c's; a write that is an event then waits
// its turn at the region's sequence, and takes the number after the one
// the last of them moved it to when that is newer than c's. commit's
// error is returned as it is: a failed condition means another process
// moved the head or the sequence (or the write's own conditions failed),
// and the caller reads again and retries.
//
// ready, when not nil, waits for what the write must have before it
// commits (its blobs, written meanwhile): it runs after signing, before the
// sequence's turn, so that no writer holds the region's sequence while it
// waits for its own blobs.
func (s *Service) Append(ctx context.Context, c Chain, rec AuditRecord, receipted *Receipted, ready func() error, commit func(Sealed) error) (Sealed, error) {
	t, err := s.turns.take(ctx, c)
	if err != nil {
		return Sealed{}, StoreErr(err, "wait for the chain")
	}
	sealed, err := s.sealChain(ctx, t.newest(c), rec, receipted)
	if err == nil && ready != nil {
		err = ready()
	}
	if err != nil {
		t.release(nil)
		return sealed, err
	}
	var st *turn
	if _, isEvent := EventOf(sealed.rec); isEvent {
		if st, err = s.turns.takeKey(ctx, [2]string{c.region, seqTurn}); err != nil {
			t.release(nil)
			return sealed, StoreErr(err, "wait for the event sequence")
		}
		sealed.number(max(c.seq.Last, st.lastSeq), c.seq)
	}
	err = commit(sealed)
	var moved int64
	if err == nil && sealed.Event != nil {
		moved = sealed.Event.Seq
	}
	if st != nil {
		st.releaseSeq(moved)
	}
	if err != nil {
		t.release(nil)
		return sealed, err
	}
	t.release(&sealed.next)
	return sealed, nil
}

// Writers of one record (one submission's key) take turns at it too, before
// they read it: with every event of a region committed in turn, a writer
// that read a record and then waited behind the region's other writers
// would find, more often than not, that another writer of the same record
// had replaced what it read, and run again at the back of the queue (50
// writers of 16 returns: some ran out of attempts). In turn, each reads
// what the one before it committed.

// keyTurn is one record's turn, kept while anyone holds or waits for it.
type keyTurn struct {
	held  chan struct{}
	users int
}

// KeyTurn waits for this process's turn at the record named key, or until
// ctx ends. waited says another writer held it first (so what was read
// before the turn may be stale); end ends the turn.
func (s *Service) KeyTurn(ctx context.Context, key string) (end func(), waited bool, err error) {
	ts := &s.turns
	ts.mu.Lock()
	if ts.keys == nil {
		ts.keys = map[string]*keyTurn{}
	}
	kt := ts.keys[key]
	if kt == nil {
		kt = &keyTurn{held: make(chan struct{}, 1)}
		ts.keys[key] = kt
	}
	kt.users++
	ts.mu.Unlock()
	leave := func() {
		ts.mu.Lock()
		if kt.users--; kt.users == 0 {
			delete(ts.keys, key)
		}
		ts.mu.Unlock()
	}
	select {
	case kt.held <- struct{}{}:
	default:
		waited = true
		select {
		case kt.held <- struct{}{}:
		case <-ctx.Done():
			leave()
			return nil, true, ctx.Err()
		}
	}
	return func() { <-kt.held; leave() }, waited, nil
}
