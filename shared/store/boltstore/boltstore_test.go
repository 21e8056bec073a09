package boltstore_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/storetest"
)

func open(t *testing.T, path string) *boltstore.Table {
	t.Helper()
	tab, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tab.Close() })
	return tab
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Table {
		return open(t, filepath.Join(t.TempDir(), "table.db"))
	})
}

// TestSharedTable runs the suite with every subtest on one file, as a local
// server would use it.
func TestSharedTable(t *testing.T) {
	t.Parallel()
	tab := open(t, filepath.Join(t.TempDir(), "table.db"))
	storetest.Run(t, func(*testing.T) store.Table { return tab })
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "table.db")
	tab, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Item{PK: "p", SK: "s", Version: 4, Data: []byte{0, 1, 2}, ExpiresAt: 99}
	if err := tab.Transact(ctx, store.PutOp(want, store.IfNotExists())); err != nil {
		t.Fatal(err)
	}
	if err := tab.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Get(ctx, "p", "s"); err == nil {
		t.Error("Get on a closed table succeeded")
	}

	got, err := open(t, path).Get(ctx, "p", "s")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != want.Version || string(got.Data) != string(want.Data) || got.ExpiresAt != want.ExpiresAt {
		t.Errorf("after reopening: got %+v, want %+v", got, want)
	}
}

func TestSecondOpenFails(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "table.db")
	open(t, path)
	if tab, err := boltstore.Open(path); err == nil {
		tab.Close()
		t.Fatal("a second Open of a file already open succeeded")
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tab := open(t, filepath.Join(t.TempDir(), "table.db"))
	now := time.Unix(1_000_000, 0)
	items := map[string]int64{
		"never":    0,
		"past":     now.Unix() - 1,
		"now":      now.Unix(), // expires after its second, not at it
		"future":   now.Unix() + 1,
		"long-ago": 1,
	}
	var ops []store.Op
	for sk, exp := range items {
		ops = append(ops, store.PutOp(store.Item{PK: "p", SK: sk, ExpiresAt: exp}, store.Condition{}))
	}
	if err := tab.Transact(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	// Expiry is lazy: an expired item is still read until swept.
	if _, err := tab.Get(ctx, "p", "past"); err != nil {
		t.Fatalf("expired item before the sweep: %v", err)
	}

	n, err := tab.Sweep(now)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 deleted", n, err)
	}
	page, err := tab.Query(ctx, store.Query{PK: "p"})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, it := range page.Items {
		left = append(left, it.SK)
	}
	if want := []string{"future", "never", "now"}; !slices.Equal(left, want) {
		t.Errorf("after the sweep %q remain, want %q", left, want)
	}
	if n, err := tab.Sweep(now); err != nil || n != 0 {
		t.Errorf("second Sweep = %d, %v; want 0", n, err)
	}
}

// TestKeysRefuseTheRangeSentinel: U+10FFFF tops every range (store.Query.Bounds),
// so no key may contain it, nor invalid UTF-8 (which DynamoDB refuses too).
func TestKeysRefuseTheRangeSentinel(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tab := open(t, filepath.Join(t.TempDir(), "table.db"))
	for _, sk := range []string{"a" + store.MaxRune, "a" + store.MaxRune + "z", "a\xff"} {
		err := tab.Transact(ctx, store.PutOp(store.Item{PK: "p", SK: sk}, store.Condition{}))
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("sort key %q: %v, want ErrInvalid", sk, err)
		}
	}
}
