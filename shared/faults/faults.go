// Package faults wraps the table port (store.Table) and the blob port
// (blob.Store) so that a test can make chosen calls fail the ways a real
// backend fails: throttling, a timeout, an unexpected error, or the
// ambiguous outcome DynamoDB and S3 can give, where the write happened but
// the answer was lost.
//
// A Plan holds the script and the log of every call it saw. Its rules pick
// calls by a predicate (the 2nd Transact, a Put of a key under documents/,
// a Get of one sort key) and say what happens to them. Decisions are taken
// under one lock in the order calls arrive, so a sequential request sees
// the same faults every run, and concurrent callers are safe.
//
//	p := faults.NewPlan()
//	p.Inject(faults.Nth(faults.Transact, 2), faults.Fault{Kind: faults.Throttle})
//	p.Inject(faults.BlobKey(faults.BlobPut, "documents/"), faults.Fault{Kind: faults.LostAnswer})
//	table, blobs := p.Table(table), p.Blobs(blobs)
package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// Op names a port operation.
type Op string

// The operations of the two ports.
const (
	Get        Op = "Get"
	Query      Op = "Query"
	Transact   Op = "Transact"
	BlobPut    Op = "blob.Put"
	BlobGet    Op = "blob.Get"
	BlobStat   Op = "blob.Stat"
	PresignPut Op = "blob.PresignPut"
	PresignGet Op = "blob.PresignGet"
)

// Table reports whether op is a table operation.
func (op Op) Table() bool { return op == Get || op == Query || op == Transact }

// Kind is what an injected fault does.
type Kind int

// The faults.
const (
	// None lets the call through (a rule of this kind may still delay it or
	// run Before).
	None Kind = iota
	// Throttle refuses the call with store.ErrUnavailable or
	// blob.ErrUnavailable without making it.
	Throttle
	// Timeout gives up on the call without making it, with an error wrapping
	// context.DeadlineExceeded (after Delay, when set).
	Timeout
	// Fail refuses the call with an unexpected error (Fault.Err, or ErrInjected).
	Fail
	// LostAnswer makes the call, then answers store.ErrUnavailable or
	// blob.ErrUnavailable whatever happened: the caller cannot know whether
	// its write landed. A transaction refused on its condition (another
	// writer got in first) had nothing to lose: it is answered as it was and
	// the rule stays armed for the caller's next try, so the fault falls on
	// a write that lands.
	LostAnswer
	// ShortPage makes a Query and answers only the first item of its page,
	// with Next at that item when more were there: a page shorter than its
	// limit that is not the last, as DynamoDB answers when a page reaches
	// 1 MB. It is not a failure (the port allows it), so a caller that takes
	// a short page for the end is caught.
	ShortPage
)

var kindNames = [...]string{None: "none", Throttle: "throttle", Timeout: "timeout", Fail: "fail", LostAnswer: "lost-answer", ShortPage: "short-page"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ErrInjected is the plain failure Fail returns when its Fault has no Err.
var ErrInjected = errors.New("faults: injected failure")

// Fault is what happens to a chosen call.
type Fault struct {
	Kind Kind
	// Delay is waited before the call answers (before it is made, for None).
	// A context that ends first ends the wait with its error.
	Delay time.Duration
	// Err is the error Fail returns; nil means ErrInjected.
	Err error
	// Before, when set, runs before anything else, outside the plan's lock:
	// a test can slip a concurrent write in between a read and a write.
	Before func(ctx context.Context)
}

// Call is one call the plan saw.
type Call struct {
	Seq int // 1-based position among every call of the plan
	Op  Op
	N   int // 1-based position among the plan's calls of Op
	// Table calls: the key of a Get, the query of a Query, the operations of a Transact.
	PK, SK string
	Query  store.Query
	Ops    []store.Op
	// Blob calls: the object's key.
	Key string
	// Fault is what the plan injected (None when the call went through),
	// Rule the index of the rule that chose it (-1 for none).
	Fault Kind
	Rule  int
	// Reached says the wrapped port was called; Inner is what it answered.
	Reached bool
	Inner   error
	// Err is what the caller got.
	Err error
	// Done says the call has returned (Err and Inner are final).
	Done bool
}

// Touches reports whether a table call concerns an item whose partition
// key begins with pkPrefix and sort key with skPrefix: the key of a Get,
// the partition and prefix of a Query, any operation of a Transact.
func (c Call) Touches(pkPrefix, skPrefix string) bool {
	switch c.Op {
	case Get:
		return strings.HasPrefix(c.PK, pkPrefix) && strings.HasPrefix(c.SK, skPrefix)
	case Query:
		return strings.HasPrefix(c.Query.PK, pkPrefix) && (strings.HasPrefix(c.Query.Prefix, skPrefix) || strings.HasPrefix(skPrefix, c.Query.Prefix))
	case Transact:
		for _, op := range c.Ops {
			if strings.HasPrefix(op.Item.PK, pkPrefix) && strings.HasPrefix(op.Item.SK, skPrefix) {
				return true
			}
		}
	}
	return false
}

// Only reports whether every operation of a Transact is on a partition
// beginning with pkPrefix.
func (c Call) Only(pkPrefix string) bool {
	if c.Op != Transact || len(c.Ops) == 0 {
		return false
	}
	for _, op := range c.Ops {
		if !strings.HasPrefix(op.Item.PK, pkPrefix) {
			return false
		}
	}
	return true
}

func (c Call) String() string {
	var what string
	switch c.Op {
	case Get:
		what = c.PK + " " + c.SK
	case Query:
		what = c.Query.PK + " " + c.Query.Prefix + "*"
	case Transact:
		keys := make([]string, len(c.Ops))
		for i, op := range c.Ops {
			keys[i] = op.Item.PK + " " + op.Item.SK
		}
		what = "[" + strings.Join(keys, ", ") + "]"
	default:
		what = c.Key
	}
	s := fmt.Sprintf("#%d %s(%d) %s", c.Seq, c.Op, c.N, what)
	if c.Fault != None {
		s += " <" + c.Fault.String() + ">"
	}
	if c.Done && c.Err != nil {
		s += " → " + c.Err.Error()
	}
	return s
}

// Match chooses calls.
type Match func(Call) bool

// On matches every call of op.
func On(op Op) Match { return func(c Call) bool { return c.Op == op } }

// Nth matches the nth call of op the plan sees (1-based).
func Nth(op Op, n int) Match { return func(c Call) bool { return c.Op == op && c.N == n } }

// Item matches table calls of op (any table op when op is "") that touch an
// item whose keys begin with the prefixes (see Call.Touches).
func Item(op Op, pkPrefix, skPrefix string) Match {
	return func(c Call) bool {
		return (op == "" && c.Op.Table() || c.Op == op) && c.Touches(pkPrefix, skPrefix)
	}
}

// Key matches a Get of exactly one item.
func Key(pk, sk string) Match {
	return func(c Call) bool { return c.Op == Get && c.PK == pk && c.SK == sk }
}

// TransactOnly matches a Transact whose every operation is on a partition
// beginning with pkPrefix.
func TransactOnly(pkPrefix string) Match { return func(c Call) bool { return c.Only(pkPrefix) } }

// BlobKey matches blob calls of op (any blob op when op is "") on a key
// beginning with prefix.
func BlobKey(op Op, prefix string) Match {
	return func(c Call) bool {
		return (op == "" && !c.Op.Table() || c.Op == op) && strings.HasPrefix(c.Key, prefix)
	}
}

// And matches calls every one of ms matches.
func And(ms ...Match) Match {
	return func(c Call) bool {
		for _, m := range ms {
			if !m(c) {
				return false
			}
		}
		return true
	}
}

// Rule is one line of a plan: the calls it picks and what happens to them.
type Rule struct {
	When  Match
	Fault Fault
	// Skip lets the first Skip matching calls through untouched.
	Skip int
	// Times is how many matching calls (after those skipped) get the fault:
	// 0 means one, a negative number every one.
	Times int
}

type ruleState struct {
	Rule
	seen, fired int
}

func (r *ruleState) exhausted() bool {
	return r.Times >= 0 && r.fired >= max(r.Times, 1)
}

// Plan is a script of faults and the log of the calls it saw. The zero
// value is not usable; make one with NewPlan.
type Plan struct {
	mu    sync.Mutex
	rules []*ruleState
	log   []Call
	count map[Op]int
}

// NewPlan makes a plan of the rules.
func NewPlan(rules ...Rule) *Plan {
	p := &Plan{count: map[Op]int{}}
	for _, r := range rules {
		p.Add(r)
	}
	return p
}

// Add appends a rule. Rules are consulted in order for each call: the first
// that matches the call, past its Skip and within its Times, decides it; a
// matching rule still skipping counts the call and lets later rules decide.
func (p *Plan) Add(r Rule) *Plan {
	if r.When == nil {
		panic("faults: a rule needs a Match")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &ruleState{Rule: r})
	return p
}

// Inject adds a rule that gives the first call when matches the fault.
func (p *Plan) Inject(when Match, f Fault) *Plan { return p.Add(Rule{When: when, Fault: f}) }

// Clear drops every rule; the log and the call counts stay.
func (p *Plan) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Reset drops every rule, the log and the call counts.
func (p *Plan) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules, p.log, p.count = nil, nil, map[Op]int{}
}

// Calls is the log: every call so far, in the order they arrived.
func (p *Plan) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Faulted are the calls that got a fault (a rule of kind None is not one).
func (p *Plan) Faulted() []Call {
	var out []Call
	for _, c := range p.Calls() {
		if c.Fault != None {
			out = append(out, c)
		}
	}
	return out
}

// Unfired lists the rules (by index) that have not injected everything they
// were given: a test asserts it is empty so that a fault that never
// happened cannot pass for one that was survived.
func (p *Plan) Unfired() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for i, r := range p.rules {
		if r.Times >= 0 && !r.exhausted() {
			out = append(out, i)
		}
	}
	return out
}

// Log is the calls as text, one a line, for a test's failure message.
func (p *Plan) Log() string {
	var b strings.Builder
	for _, c := range p.Calls() {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// decide logs the call and picks its fault.
func (p *Plan) decide(c Call) (int, Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count[c.Op]++
	c.Seq, c.N, c.Rule = len(p.log)+1, p.count[c.Op], -1
	var f Fault
	for i, r := range p.rules {
		if r.exhausted() || !r.When(c) {
			continue
		}
		if r.seen < r.Skip {
			r.seen++
			continue
		}
		r.fired++
		c.Rule, f = i, r.Fault
		break
	}
	c.Fault = f.Kind
	p.log = append(p.log, c)
	return len(p.log) - 1, f
}

// rearm gives back the firing of call i's rule.
func (p *Plan) rearm(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < len(p.log) && p.log[i].Rule >= 0 {
		p.rules[p.log[i].Rule].fired--
		p.log[i].Fault = None
	}
}

func (p *Plan) finish(i int, reached bool, inner, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i >= len(p.log) { // Reset meanwhile
		return
	}
	c := &p.log[i]
	c.Reached, c.Inner, c.Err, c.Done = reached, inner, err, true
}

// run decides the call's fault and carries it out; do makes the real call.
func (p *Plan) run(ctx context.Context, c Call, unavailable error, do func() error) error {
	_, err := p.runKind(ctx, c, unavailable, do)
	return err
}

// runKind is run, saying which fault it decided.
func (p *Plan) runKind(ctx context.Context, c Call, unavailable error, do func() error) (Kind, error) {
	i, f := p.decide(c)
	if f.Before != nil && f.Kind != LostAnswer { // a lost answer's fault comes at the answer
		f.Before(ctx)
	}
	reached, inner, err := false, error(nil), error(nil)
	switch f.Kind {
	case None, ShortPage:
		if err = wait(ctx, f.Delay); err == nil {
			reached, inner = true, do()
			err = inner
		}
	case LostAnswer:
		reached, inner = true, do()
		err = wait(ctx, f.Delay)
		if errors.Is(inner, store.ErrConditionFailed) {
			p.rearm(i)
			err = inner
			break
		}
		if f.Before != nil {
			f.Before(ctx)
		}
		if err == nil {
			err = fmt.Errorf("%w: faults: %s made, its answer lost (%v)", unavailable, c.Op, orOK(inner))
		}
	case Throttle:
		if err = wait(ctx, f.Delay); err == nil {
			err = fmt.Errorf("%w: faults: %s throttled", unavailable, c.Op)
		}
	case Timeout:
		if err = wait(ctx, f.Delay); err == nil {
			err = fmt.Errorf("faults: %s timed out: %w", c.Op, context.DeadlineExceeded)
		}
	default: // Fail
		if err = wait(ctx, f.Delay); err == nil {
			cause := f.Err
			if cause == nil {
				cause = ErrInjected
			}
			err = fmt.Errorf("faults: %s: %w", c.Op, cause)
		}
	}
	p.finish(i, reached, inner, err)
	return f.Kind, err
}

func orOK(err error) any {
	if err == nil {
		return "ok"
	}
	return err
}

// wait sleeps d unless ctx ends first, whose error it then returns.
func wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("faults: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

// Table wraps t: every call goes through the plan.
func (p *Plan) Table(t store.Table) store.Table { return &table{inner: t, plan: p} }

// Blobs wraps s: every call goes through the plan.
func (p *Plan) Blobs(s blob.Store) blob.Store { return &blobs{inner: s, plan: p} }

type table struct {
	inner store.Table
	plan  *Plan
}

func (t *table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	var it store.Item
	err := t.plan.run(ctx, Call{Op: Get, PK: pk, SK: sk}, store.ErrUnavailable, func() (err error) {
		it, err = t.inner.Get(ctx, pk, sk)
		return err
	})
	if err != nil {
		return store.Item{}, err
	}
	return it, nil
}

func (t *table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	var pg store.Page
	kind, err := t.plan.runKind(ctx, Call{Op: Query, Query: q}, store.ErrUnavailable, func() (err error) {
		pg, err = t.inner.Query(ctx, q)
		return err
	})
	if err != nil {
		return store.Page{}, err
	}
	if kind == ShortPage && len(pg.Items) > 1 {
		pg = store.Page{Items: pg.Items[:1], Next: pg.Items[0].SK}
	}
	return pg, nil
}

func (t *table) Transact(ctx context.Context, ops ...store.Op) error {
	return t.plan.run(ctx, Call{Op: Transact, Ops: slices.Clone(ops)}, store.ErrUnavailable, func() error {
		return t.inner.Transact(ctx, ops...)
	})
}

type blobs struct {
	inner blob.Store
	plan  *Plan
}

func (b *blobs) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts blob.PutOptions) error {
	return b.plan.run(ctx, Call{Op: BlobPut, Key: key}, blob.ErrUnavailable, func() error {
		return b.inner.Put(ctx, key, body, size, opts)
	})
}

func (b *blobs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	var rc io.ReadCloser
	err := b.plan.run(ctx, Call{Op: BlobGet, Key: key}, blob.ErrUnavailable, func() (err error) {
		rc, err = b.inner.Get(ctx, key)
		return err
	})
	if err != nil {
		if rc != nil { // opened, then the answer was lost
			rc.Close()
		}
		return nil, err
	}
	return rc, nil
}

func (b *blobs) Stat(ctx context.Context, key string) (blob.Info, error) {
	var info blob.Info
	err := b.plan.run(ctx, Call{Op: BlobStat, Key: key}, blob.ErrUnavailable, func() (err error) {
		info, err = b.inner.Stat(ctx, key)
		return err
	})
	if err != nil {
		return blob.Info{}, err
	}
	return info, nil
}

func (b *blobs) PresignPut(ctx context.Context, key string, opts blob.PresignPutOptions) (blob.Presigned, error) {
	var ps blob.Presigned
	err := b.plan.run(ctx, Call{Op: PresignPut, Key: key}, blob.ErrUnavailable, func() (err error) {
		ps, err = b.inner.PresignPut(ctx, key, opts)
		return err
	})
	if err != nil {
		return blob.Presigned{}, err
	}
	return ps, nil
}

func (b *blobs) PresignGet(ctx context.Context, key string, expires time.Duration) (blob.Presigned, error) {
	var ps blob.Presigned
	err := b.plan.run(ctx, Call{Op: PresignGet, Key: key}, blob.ErrUnavailable, func() (err error) {
		ps, err = b.inner.PresignGet(ctx, key, expires)
		return err
	})
	if err != nil {
		return blob.Presigned{}, err
	}
	return ps, nil
}
