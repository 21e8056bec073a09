package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

// BenchmarkHandlers measures the CPU of each request kind in process (no
// network), on the service and on its floor: the part of the latency ratio
// that is the service's own work.
func BenchmarkHandlers(b *testing.B) {
	dir, _ := scratch()
	defer os.RemoveAll(dir)
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer table.Close()
	blobs, _ := fileblob.New(filepath.Join(dir, "blobs"), "http://x", bytes.Repeat([]byte("b"), 32))
	s, err := serve(table, blobs)
	if err != nil {
		b.Fatal(err)
	}
	if err := seedWestWales(context.Background(), s); err != nil {
		b.Fatal(err)
	}
	tokens := []string{s.token("west-wales", "carmarthenshire"), s.token("west-wales", "carmarthenshire"), s.token("west-wales", ""), s.token("west-wales", "")}
	for i, tg := range latencyTargets() {
		send := func(n int64) *httptest.ResponseRecorder {
			var body []byte
			if tg.body != nil {
				body = tg.body(n)
			}
			r := httptest.NewRequest(tg.method, tg.path(1), bytes.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+tokens[i])
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			s.instance(tg).Handler.ServeHTTP(w, r)
			return w
		}
		send(-2) // as the latency bench does: the floor replays a steady request
		var first *httptest.ResponseRecorder
		ops := s.rec.capture(func() { first = send(-1) })
		fl := floor(s.v, s.rec, ops, first.Code, first.Header().Get("Content-Type"), first.Body.Bytes())
		b.Run(tg.name+"/service", func(b *testing.B) {
			b.ReportAllocs()
			n := int64(0)
			for b.Loop() {
				n++
				send(n)
			}
		})
		b.Run(tg.name+"/floor", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(tg.method, tg.path(1), nil)
				r.Header.Set("Authorization", "Bearer "+tokens[i])
				fl.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
