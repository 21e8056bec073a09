package httpapi_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/app/local"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

// The whole API suite on the embedded backend (bbolt and files).
func TestAPIOnEmbeddedStore(t *testing.T) {
	apitest.Run(t, embedded)
}

func embedded(t *testing.T) apitest.Backend {
	dir := t.TempDir()
	return openEmbedded(t, dir)
}

func openEmbedded(t *testing.T, dir string) apitest.Backend {
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), "http://rdx.local", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			table.Close()
		}
	})
	return apitest.Backend{
		Table: table, Blobs: blobs,
		Extra: map[string]http.Handler{local.BlobPrefix: blobs.Handler()},
		Reopen: func(t *testing.T) apitest.Backend {
			closed = true
			if err := table.Close(); err != nil {
				t.Fatal(err)
			}
			return openEmbedded(t, dir)
		},
	}
}
