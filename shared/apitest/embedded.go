package apitest

import (
	"bytes"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/app/local"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

// Embedded is the embedded backend (bbolt and files, as make run serves)
// in dir, closed when the test ends; Reopen opens the same data again, as a
// restarted process would.
func Embedded(tb testing.TB, dir string) Backend {
	tb.Helper()
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		tb.Fatal(err)
	}
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), "http://rdx.local", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		table.Close()
		tb.Fatal(err)
	}
	closed := false
	tb.Cleanup(func() {
		if !closed {
			table.Close()
		}
	})
	return Backend{
		Table: table, Blobs: blobs,
		Extra: map[string]http.Handler{local.BlobPrefix: blobs.Handler()},
		Reopen: func(t *testing.T) Backend {
			closed = true
			if err := table.Close(); err != nil {
				t.Fatal(err)
			}
			return Embedded(t, dir)
		},
	}
}
