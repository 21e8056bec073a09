// Package storetest checks that an adapter keeps the promises of the table
// port (package store), in the manner of testing/fstest: an adapter's own
// test calls Run with a constructor.
//
// The suite tests only what the port says, so the same tests hold for the
// embedded store and for DynamoDB. Every subtest works in partitions of its
// own, named with a random suffix, so all of them may share one backend and
// run in parallel. Reads are expected to be strongly consistent: a write is
// visible to the next Get or Query.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/store"
)

// Run runs the suite against tables made by newTable, which is called once
// per subtest and may return the same table each time. Run returns only
// after every subtest has finished, so the caller may then release a shared
// backend.
func Run(t *testing.T, newTable func(t *testing.T) store.Table) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, store.Table)
	}{
		{"GetMissing", testGetMissing},
		{"RoundTrip", testRoundTrip},
		{"PutReplacesWholeItem", testPutReplaces},
		{"ItemDataLimit", testItemDataLimit},
		{"KeyLimits", testKeyLimits},
		{"Conditions", testConditions},
		{"AllOrNothing", testAllOrNothing},
		{"FirstFailingIndex", testFirstFailingIndex},
		{"MultiOpSuccess", testMultiOpSuccess},
		{"InvalidTransactions", testInvalidTransactions},
		{"TransactionOpLimit", testTxnOpLimit},
		{"QuerySortOrder", testQuerySortOrder},
		{"QueryRanges", testQueryRanges},
		{"QueryInvalid", testQueryInvalid},
		{"QueryEmptyPartition", testQueryEmptyPartition},
		{"PartitionIsolation", testPartitionIsolation},
		{"PagingWhileWriting", testPagingWhileWriting},
		{"ShortPages", testShortPages},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentCreate", testConcurrentCreate},
		{"CancelledContext", testCancelledContext},
	}
	// The group makes Run wait for the parallel subtests.
	t.Run("storetest", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.fn(t, newTable(t))
			})
		}
	})
}

func testGetMissing(t *testing.T, tab store.Table) {
	_, err := tab.Get(t.Context(), uniquePK(t), "missing")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of a missing item: got %v, want ErrNotFound", err)
	}
}

func testRoundTrip(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	everyByte := make([]byte, 512)
	for i := range everyByte {
		everyByte[i] = byte(i)
	}
	items := []store.Item{
		{PK: pk, SK: "binary", Version: 7, Data: everyByte, ExpiresAt: time.Now().Add(48 * time.Hour).Unix()},
		{PK: pk, SK: "empty", Version: 1, Data: []byte{}},
		{PK: pk, SK: "nil", Version: 0},
		// Versions beyond 2^53 catch an adapter that passes numbers through float64.
		{PK: pk, SK: "max-version", Version: math.MaxInt64, Data: []byte(`{"a":1}`)},
		{PK: pk, SK: "precise-version", Version: 1<<62 + 1, Data: []byte("x")},
		{PK: pk, SK: "negative-version", Version: -3, Data: []byte("y")},
	}
	mustPut(t, tab, items...)
	for _, want := range items {
		wantItem(t, mustGet(t, tab, pk, want.SK), want)
	}
}

func testPutReplaces(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	mustPut(t, tab, store.Item{PK: pk, SK: "k", Version: 2, Data: []byte("first"), ExpiresAt: time.Now().Add(time.Hour).Unix()})
	second := store.Item{PK: pk, SK: "k", Version: 3}
	mustPut(t, tab, second)
	wantItem(t, mustGet(t, tab, pk, "k"), second)
}

func testItemDataLimit(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	largest := store.Item{PK: pk, SK: "largest", Version: 1, Data: bytes.Repeat([]byte{0xA5}, store.MaxItemData)}
	mustPut(t, tab, largest)
	wantItem(t, mustGet(t, tab, pk, "largest"), largest)

	tooLarge := store.Item{PK: pk, SK: "too-large", Data: make([]byte, store.MaxItemData+1)}
	small := store.Item{PK: pk, SK: "small", Data: []byte("s")}
	err := tab.Transact(t.Context(), store.PutOp(small, store.Condition{}), store.PutOp(tooLarge, store.Condition{}))
	wantInvalid(t, err)
	wantAbsent(t, tab, pk, "too-large")
	wantAbsent(t, tab, pk, "small")
}

func testKeyLimits(t *testing.T, tab store.Table) {
	ctx := t.Context()
	pk := uniquePK(t)
	longest := strings.Repeat("s", store.MaxKeyLength)
	tooLong := longest + "s"
	longestPK := pk + strings.Repeat("p", store.MaxKeyLength-len(pk))

	t.Run("AtLimit", func(t *testing.T) {
		mustPut(t, tab, store.Item{PK: pk, SK: longest, Data: []byte("a")}, store.Item{PK: longestPK, SK: "k", Data: []byte("b")})
		mustGet(t, tab, pk, longest)
		mustGet(t, tab, longestPK, "k")
	})
	bad := []struct{ name, pk, sk string }{
		{"EmptyPK", "", "k"},
		{"EmptySK", pk, ""},
		{"SKTooLong", pk, tooLong},
		{"PKTooLong", longestPK + "p", "k"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := tab.Get(ctx, b.pk, b.sk)
			wantInvalid(t, err)
			for _, op := range []store.Op{
				store.PutOp(store.Item{PK: b.pk, SK: b.sk, Data: []byte("x")}, store.Condition{}),
				store.DeleteOp(b.pk, b.sk, store.Condition{}),
				store.CheckOp(b.pk, b.sk, store.Condition{}),
			} {
				wantInvalid(t, tab.Transact(ctx, op))
			}
		})
	}
}

// testConditions tries every condition on every operation kind against an
// absent and a present item, and checks both the outcome and the state left.
func testConditions(t *testing.T, tab store.Table) {
	const stored = 3 // the Version of the present item
	conds := []struct {
		name               string
		cond               store.Condition
		onAbsent, onStored bool // whether the condition holds
	}{
		{"Always", store.Condition{}, true, true},
		{"NotExists", store.IfNotExists(), true, false},
		{"Exists", store.IfExists(), false, true},
		{"VersionMatches", store.IfVersion(stored), false, true},
		{"VersionDiffers", store.IfVersion(stored + 1), false, false},
		{"VersionZero", store.IfVersion(0), false, false}, // an absent item has no version, not version 0
	}
	kinds := []struct {
		name string
		kind store.OpKind
	}{{"Put", store.Put}, {"Delete", store.Delete}, {"Check", store.Check}}
	for _, k := range kinds {
		for _, c := range conds {
			for _, present := range []bool{false, true} {
				name := k.name + "/" + c.name + "/" + map[bool]string{false: "Absent", true: "Present"}[present]
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					holds := c.onAbsent
					if present {
						holds = c.onStored
					}
					checkCondition(t, tab, k.kind, c.cond, present, holds)
				})
			}
		}
	}
}

func checkCondition(t *testing.T, tab store.Table, kind store.OpKind, cond store.Condition, present, holds bool) {
	pk := uniquePK(t)
	old := store.Item{PK: pk, SK: "item", Version: 3, Data: []byte("old")}
	if present {
		mustPut(t, tab, old)
	}
	// Delete and Check carry a full item too, to show they use only its key.
	op := store.Op{Kind: kind, Item: store.Item{PK: pk, SK: "item", Version: 9, Data: []byte("new")}, Cond: cond}
	err := tab.Transact(t.Context(), op)

	after := old
	switch {
	case !holds:
		wantCondFailed(t, err, 0)
	case err != nil:
		t.Fatalf("Transact(%v %v): %v", kind, cond, err)
	case kind == store.Put:
		after, present = op.Item, true
	case kind == store.Delete:
		present = false
	}
	if present {
		wantItem(t, mustGet(t, tab, pk, "item"), after)
	} else {
		wantAbsent(t, tab, pk, "item")
	}
}

// testAllOrNothing fails the fourth of five operations whose conditions
// would otherwise hold, and checks none of them took effect.
func testAllOrNothing(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	other := uniquePK(t)
	a := store.Item{PK: pk, SK: "a", Version: 1, Data: []byte("a")}
	mustPut(t, tab, a)
	err := tab.Transact(t.Context(),
		store.PutOp(store.Item{PK: pk, SK: "b", Version: 1}, store.IfNotExists()),
		store.DeleteOp(pk, "a", store.IfVersion(1)),
		store.PutOp(store.Item{PK: other, SK: "c", Version: 1}, store.Condition{}),
		store.CheckOp(pk, "d", store.IfExists()),
		store.PutOp(store.Item{PK: pk, SK: "e", Version: 1}, store.IfNotExists()),
	)
	wantCondFailed(t, err, 3)
	wantItem(t, mustGet(t, tab, pk, "a"), a)
	wantAbsent(t, tab, pk, "b")
	wantAbsent(t, tab, other, "c")
	wantAbsent(t, tab, pk, "e")
}

func testFirstFailingIndex(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	mustPut(t, tab, store.Item{PK: pk, SK: "a", Version: 5})
	err := tab.Transact(t.Context(),
		store.CheckOp(pk, "a", store.IfVersion(5)),
		store.PutOp(store.Item{PK: pk, SK: "b"}, store.IfExists()),
		store.DeleteOp(pk, "a2", store.IfExists()),
	)
	wantCondFailed(t, err, 1)
}

func testMultiOpSuccess(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	other := uniquePK(t)
	mustPut(t, tab, store.Item{PK: pk, SK: "old", Version: 4}, store.Item{PK: pk, SK: "kept", Version: 2})
	b := store.Item{PK: pk, SK: "b", Version: 1, Data: []byte("b")}
	// The same sort key in two partitions is two items, not two operations on one.
	c := store.Item{PK: other, SK: "b", Version: 1, Data: []byte("c")}
	err := tab.Transact(t.Context(),
		store.PutOp(b, store.IfNotExists()),
		store.PutOp(c, store.IfNotExists()),
		store.DeleteOp(pk, "old", store.IfVersion(4)),
		store.CheckOp(pk, "kept", store.IfExists()),
	)
	if err != nil {
		t.Fatalf("Transact: %v", err)
	}
	wantItem(t, mustGet(t, tab, pk, "b"), b)
	wantItem(t, mustGet(t, tab, other, "b"), c)
	wantAbsent(t, tab, pk, "old")
	mustGet(t, tab, pk, "kept")
}

func testInvalidTransactions(t *testing.T, tab store.Table) {
	ctx := t.Context()
	pk := uniquePK(t)
	wantInvalid(t, tab.Transact(ctx))
	err := tab.Transact(ctx,
		store.PutOp(store.Item{PK: pk, SK: "other"}, store.Condition{}),
		store.PutOp(store.Item{PK: pk, SK: "k"}, store.Condition{}),
		store.CheckOp(pk, "k", store.Condition{}),
	)
	wantInvalid(t, err)
	wantAbsent(t, tab, pk, "other")
	wantAbsent(t, tab, pk, "k")
}

func testTxnOpLimit(t *testing.T, tab store.Table) {
	ctx := t.Context()
	for _, n := range []int{store.MaxTxnOps + 1, store.MaxTxnOps} {
		pk := uniquePK(t)
		ops := make([]store.Op, n)
		for i := range ops {
			ops[i] = store.PutOp(store.Item{PK: pk, SK: fmt.Sprintf("k%03d", i)}, store.IfNotExists())
		}
		err := tab.Transact(ctx, ops...)
		got := len(readAll(t, tab, store.Query{PK: pk}))
		if n > store.MaxTxnOps {
			wantInvalid(t, err)
			if got != 0 {
				t.Errorf("refused transaction of %d operations stored %d items", n, got)
			}
			continue
		}
		if err != nil || got != n {
			t.Errorf("transaction of %d operations: err %v, %d items stored", n, err, got)
		}
	}
}

// sortKeys sort differently in UTF-8 byte order than in UTF-16 order (the
// emoji's surrogates sort below U+E000 and U+FFFD there) or code-point order
// of bytes read as Latin-1.
var sortKeys = []string{
	"b", "a", "B", "ab", "a\u00e9", "aa", "z", "~", "\u00ff", "\u65e5\u672c",
	"\U0001F600", "\uFFFD", "\uE000", "0", " ", "a b", "a/b", "a-b", "\u00e9", "e\u0301",
}

func testQuerySortOrder(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	putKeys(t, tab, pk, sortKeys)
	want := slices.Clone(sortKeys)
	slices.Sort(want) // Go compares strings byte by byte
	if got := readAll(t, tab, store.Query{PK: pk}); !slices.Equal(got, want) {
		t.Errorf("forward order:\n got %q\nwant %q", got, want)
	}
	slices.Reverse(want)
	if got := readAll(t, tab, store.Query{PK: pk, Reverse: true}); !slices.Equal(got, want) {
		t.Errorf("reverse order:\n got %q\nwant %q", got, want)
	}
}

// testQueryRanges compares prefix and bound queries, paged at several
// limits in both directions, with a model of the port's definition.
func testQueryRanges(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	keys := []string{
		"a", "aa", "ab", "ab/1", "ab/2", "ab/3", "ab/30", "abc", "ab\u00e9", "ab\U0001F600",
		"ac", "b", "b/1", "\u00e9t\u00e9", "\u00e9t\u00e9/1", "\u65e5/1", "\u65e5/2",
	}
	putKeys(t, tab, pk, keys)
	slices.Sort(keys)
	queries := []store.Query{
		{},
		{Prefix: "ab"},
		{Prefix: "ab/"},
		{Prefix: "ab/3"},
		{Prefix: "x"},
		{Prefix: "\u00e9t\u00e9"},
		{Prefix: "\u65e5/"},
		{Prefix: "ab", Start: "ab/", End: "abc"},
		{Prefix: "ab", Start: "ab/2"},
		{Prefix: "ab", End: "ab/1"},
		{Prefix: "ab", Start: "abc", End: "abc"},
		{Start: "ab", End: "ac"},
		{Start: "ab/25", End: "ab/4"},
		{Start: "b"},
		{End: "aa"},
		{Start: "zz"},
	}
	for _, q := range queries {
		want := model(keys, q)
		for _, limit := range []int{1, 3, 0} {
			for _, reverse := range []bool{false, true} {
				paged := q
				paged.PK, paged.Limit, paged.Reverse = pk, limit, reverse
				got := readAll(t, tab, paged)
				if reverse {
					slices.Reverse(got)
				}
				if !slices.Equal(got, want) {
					t.Errorf("prefix %q start %q end %q limit %d reverse %v:\n got %q\nwant %q",
						q.Prefix, q.Start, q.End, limit, reverse, got, want)
				}
			}
		}
	}
}

// model returns, in ascending order, the sorted keys a query selects.
func model(sorted []string, q store.Query) []string {
	var out []string
	for _, k := range sorted {
		if strings.HasPrefix(k, q.Prefix) && (q.Start == "" || k >= q.Start) && (q.End == "" || k <= q.End) {
			out = append(out, k)
		}
	}
	return out
}

func testQueryInvalid(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	bad := map[string]store.Query{
		"EmptyPK":              {},
		"NegativeLimit":        {PK: pk, Limit: -1},
		"LimitTooLarge":        {PK: pk, Limit: store.MaxQueryLimit + 1},
		"StartOutsidePrefix":   {PK: pk, Prefix: "b", Start: "a"},
		"EndOutsidePrefix":     {PK: pk, Prefix: "b", End: "c"},
		"StartAfterEnd":        {PK: pk, Start: "b", End: "a"},
		"ReverseStartAfterEnd": {PK: pk, Start: "b", End: "a", Reverse: true},
	}
	for name, q := range bad {
		_, err := tab.Query(t.Context(), q)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

func testQueryEmptyPartition(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	for _, q := range []store.Query{{PK: pk}, {PK: pk, Reverse: true}, {PK: pk, Prefix: "a", Limit: 1}, {PK: pk, After: "m"}} {
		page, err := tab.Query(t.Context(), q)
		if err != nil || len(page.Items) != 0 || page.Next != "" {
			t.Errorf("query of an empty partition %+v: %d items, Next %q, err %v", q, len(page.Items), page.Next, err)
		}
	}
}

// testPartitionIsolation surrounds a partition with neighbours whose names
// extend it, shorten it or differ in the last character, including a pair
// whose partition and sort keys concatenate to the same string.
func testPartitionIsolation(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	last := len(pk) - 1
	neighbours := []string{pk + "a", pk[:last], pk[:last] + "0", pk[:last] + "~", pk + "/", pk + "\u00e9"}
	mine := store.Item{PK: pk, SK: "ab", Data: []byte("mine")}
	mustPut(t, tab, mine, store.Item{PK: pk, SK: "b", Data: []byte("mine")})
	for _, n := range neighbours {
		mustPut(t, tab,
			store.Item{PK: n, SK: "b", Data: []byte("theirs")},
			store.Item{PK: n, SK: "a", Data: []byte("theirs")},
			store.Item{PK: n, SK: "c", Data: []byte("theirs")},
		)
	}
	wantItem(t, mustGet(t, tab, pk, "ab"), mine)
	wantAbsent(t, tab, pk, "a")
	wantAbsent(t, tab, pk, "c")
	if got := mustGet(t, tab, pk+"a", "b"); string(got.Data) != "theirs" {
		t.Errorf("Get(%q, b) = %q, want theirs", pk+"a", got.Data)
	}
	for _, q := range []store.Query{{}, {Reverse: true}, {Limit: 1}, {Limit: 1, Reverse: true}, {Prefix: "a"}, {Start: "a", End: "c", Reverse: true}} {
		q.PK = pk
		got := readAll(t, tab, q)
		if q.Reverse {
			slices.Reverse(got)
		}
		if want := model([]string{"ab", "b"}, q); !slices.Equal(got, want) {
			t.Errorf("query %+v saw %q, want %q", q, got, want)
		}
	}
}

// testPagingWhileWriting changes the partition between page reads: it adds
// an item just ahead of the cursor and one just behind it, rewrites an item
// already read and deletes the item the cursor names. Keyset paging must
// return every unchanged item exactly once, every item added ahead, and
// nothing added behind.
func testPagingWhileWriting(t *testing.T, tab store.Table) {
	for _, reverse := range []bool{false, true} {
		t.Run(map[bool]string{false: "Forward", true: "Reverse"}[reverse], func(t *testing.T) {
			pk := uniquePK(t)
			sk := func(n int) string { return fmt.Sprintf("k%03d", n) }
			var want []string
			for n := 0; n < 200; n += 10 {
				putKeys(t, tab, pk, []string{sk(n)})
				want = append(want, sk(n))
			}
			step := 5 // toward unread items
			if reverse {
				step = -5
			}
			q := store.Query{PK: pk, Limit: 3, Reverse: reverse}
			var got []string
			for pages := 0; ; pages++ {
				if pages > 2*len(want) {
					t.Fatalf("no end after %d pages", pages)
				}
				page := mustQuery(t, tab, q)
				got = append(got, sks(page.Items)...)
				if page.Next == "" {
					break
				}
				if len(page.Items) > 0 {
					n, _ := strconv.Atoi(page.Items[len(page.Items)-1].SK[1:])
					putKeys(t, tab, pk, []string{sk(n + step), sk(n - step)})
					want = append(want, sk(n+step))
					mustPut(t, tab, store.Item{PK: pk, SK: page.Items[0].SK, Version: 2})
					if err := tab.Transact(t.Context(), store.DeleteOp(pk, page.Next, store.Condition{})); err != nil {
						t.Fatal(err)
					}
				}
				q.After = page.Next
			}
			slices.Sort(want)
			want = slices.Compact(want) // an item added ahead may coincide with one already there
			if reverse {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages returned\n %q\nwant\n %q", got, want)
			}
		})
	}
}

// testShortPages fills a partition past DynamoDB's 1 MB page, which an
// adapter over it answers in pages shorter than their limit: a short page
// may still have a Next, and following Next reads every item once, whole,
// in order. A caller pages on Next, never on a page's length.
func testShortPages(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	const n, size = 6, 300 << 10 // 1.8 MB in all
	var want []string
	for i := range n {
		sk := fmt.Sprintf("k%02d", i)
		mustPut(t, tab, store.Item{PK: pk, SK: sk, Version: 1, Data: bytes.Repeat([]byte{byte('a' + i)}, size)})
		want = append(want, sk)
	}
	for _, reverse := range []bool{false, true} {
		q := store.Query{PK: pk, Limit: n + 1, Reverse: reverse}
		var got []string
		short := 0
		for pages := 0; ; pages++ {
			if pages > 2*n {
				t.Fatalf("no end after %d pages", pages)
			}
			page := mustQuery(t, tab, q)
			for _, it := range page.Items {
				if len(it.Data) != size || it.Data[0] != it.SK[2]-'0'+'a' {
					t.Errorf("item %s came back with %d bytes", it.SK, len(it.Data))
				}
			}
			got = append(got, sks(page.Items)...)
			if page.Next == "" {
				break
			}
			if len(page.Items) < q.Limit {
				short++
			}
			q.After = page.Next
		}
		w := slices.Clone(want)
		if reverse {
			slices.Reverse(w)
		}
		if !slices.Equal(got, w) {
			t.Errorf("reverse %v: read %q, want %q", reverse, got, w)
		}
		t.Logf("reverse %v: %d short pages before the last", reverse, short)
	}
}

// testConcurrentIncrements has goroutines race to increment one counter by
// reading it and writing it back on condition of the version they read.
// Any lost update shows in the final version or count.
func testConcurrentIncrements(t *testing.T, tab store.Table) {
	const workers, each = 20, 10
	ctx := t.Context()
	pk := uniquePK(t)
	mustPut(t, tab, store.Item{PK: pk, SK: "counter", Version: 0, Data: []byte("0")})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := increment(ctx, tab, pk); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := mustGet(t, tab, pk, "counter")
	if got.Version != workers*each || string(got.Data) != strconv.Itoa(workers*each) {
		t.Errorf("after %d increments: version %d, data %q", workers*each, got.Version, got.Data)
	}
}

func increment(ctx context.Context, tab store.Table, pk string) error {
	for range 1000 {
		it, err := tab.Get(ctx, pk, "counter")
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(string(it.Data))
		if err != nil {
			return err
		}
		next := store.Item{PK: pk, SK: "counter", Version: it.Version + 1, Data: []byte(strconv.Itoa(n + 1))}
		err = tab.Transact(ctx, store.PutOp(next, store.IfVersion(it.Version)))
		switch {
		case err == nil:
			return nil
		case errors.Is(err, store.ErrUnavailable):
			time.Sleep(time.Millisecond) // the port allows throttling; back off and retry
		case !errors.Is(err, store.ErrConditionFailed):
			return err
		}
	}
	return errors.New("increment: no success in 1000 attempts")
}

// testConcurrentCreate races goroutines to create one item; exactly one wins.
func testConcurrentCreate(t *testing.T, tab store.Table) {
	const workers = 20
	pk := uniquePK(t)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []int
	)
	for i := range workers {
		wg.Go(func() {
			it := store.Item{PK: pk, SK: "once", Data: []byte(strconv.Itoa(i))}
			err := tab.Transact(t.Context(), store.PutOp(it, store.IfNotExists()))
			if idx, ok := store.FailedOp(err); ok && idx == 0 {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			wins = append(wins, i)
		})
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d creations succeeded, want 1", len(wins))
	}
	if got := mustGet(t, tab, pk, "once"); string(got.Data) != strconv.Itoa(wins[0]) {
		t.Errorf("stored %q, but %d won", got.Data, wins[0])
	}
}

func testCancelledContext(t *testing.T, tab store.Table) {
	pk := uniquePK(t)
	mustPut(t, tab, store.Item{PK: pk, SK: "k"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := tab.Get(ctx, pk, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get: got %v, want context.Canceled", err)
	}
	if _, err := tab.Query(ctx, store.Query{PK: pk}); !errors.Is(err, context.Canceled) {
		t.Errorf("Query: got %v, want context.Canceled", err)
	}
	err := tab.Transact(ctx, store.PutOp(store.Item{PK: pk, SK: "new"}, store.Condition{}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Transact: got %v, want context.Canceled", err)
	}
	wantAbsent(t, tab, pk, "new")
}

// uniquePK names a partition no other subtest or run uses.
func uniquePK(t *testing.T) string {
	return "storetest/" + t.Name() + "/" + rand.Text()
}

// mustPut writes items unconditionally, as few transactions as the port allows.
func mustPut(t *testing.T, tab store.Table, items ...store.Item) {
	t.Helper()
	for chunk := range slices.Chunk(items, store.MaxTxnOps) {
		ops := make([]store.Op, len(chunk))
		for i, it := range chunk {
			ops[i] = store.PutOp(it, store.Condition{})
		}
		if err := tab.Transact(t.Context(), ops...); err != nil {
			t.Fatalf("put: %v", err)
		}
	}
}

func putKeys(t *testing.T, tab store.Table, pk string, keys []string) {
	t.Helper()
	items := make([]store.Item, len(keys))
	for i, k := range keys {
		items[i] = store.Item{PK: pk, SK: k, Version: 1, Data: []byte(k)}
	}
	mustPut(t, tab, items...)
}

func mustGet(t *testing.T, tab store.Table, pk, sk string) store.Item {
	t.Helper()
	it, err := tab.Get(t.Context(), pk, sk)
	if err != nil {
		t.Fatalf("Get(%q, %q): %v", pk, sk, err)
	}
	return it
}

func mustQuery(t *testing.T, tab store.Table, q store.Query) store.Page {
	t.Helper()
	page, err := tab.Query(t.Context(), q)
	if err != nil {
		t.Fatalf("Query(%+v): %v", q, err)
	}
	limit := q.Limit
	if limit == 0 {
		limit = store.MaxQueryLimit
	}
	if len(page.Items) > limit {
		t.Fatalf("Query(%+v) returned %d items, over the limit", q, len(page.Items))
	}
	for _, it := range page.Items {
		if it.PK != q.PK {
			t.Fatalf("Query(%+v) returned an item of partition %q", q, it.PK)
		}
	}
	return page
}

// readAll pages through a query and returns the sort keys in the order read.
func readAll(t *testing.T, tab store.Table, q store.Query) []string {
	t.Helper()
	var out []string
	for pages := 0; ; pages++ {
		// A page may be short, even empty, and still have a Next, but a
		// correct adapter cannot need many more pages than there are items.
		if pages > 10*(len(out)+1) {
			t.Fatalf("Query(%+v): no end after %d pages", q, pages)
		}
		page := mustQuery(t, tab, q)
		out = append(out, sks(page.Items)...)
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

func sks(items []store.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.SK
	}
	return out
}

func wantItem(t *testing.T, got, want store.Item) {
	t.Helper()
	if got.PK != want.PK || got.SK != want.SK || got.Version != want.Version ||
		!bytes.Equal(got.Data, want.Data) || got.ExpiresAt != want.ExpiresAt {
		t.Errorf("item %q/%q:\n got version %d, expires %d, data %q\nwant version %d, expires %d, data %q",
			want.PK, want.SK, got.Version, got.ExpiresAt, abbrev(got.Data), want.Version, want.ExpiresAt, abbrev(want.Data))
	}
}

func abbrev(b []byte) []byte {
	if len(b) > 40 {
		return append(b[:40:40], "..."...)
	}
	return b
}

func wantAbsent(t *testing.T, tab store.Table, pk, sk string) {
	t.Helper()
	if _, err := tab.Get(t.Context(), pk, sk); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(%q, %q): got %v, want ErrNotFound", pk, sk, err)
	}
}

func wantCondFailed(t *testing.T, err error, index int) {
	t.Helper()
	if !errors.Is(err, store.ErrConditionFailed) {
		t.Fatalf("got %v, want ErrConditionFailed", err)
	}
	if got, ok := store.FailedOp(err); !ok || got != index {
		t.Errorf("failed operation index %d (%v), want %d", got, ok, index)
	}
}

func wantInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid", err)
	}
}
