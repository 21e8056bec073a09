package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/app/local"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

// The local run's webhooks survive the process: a version committed while
// no follower ran (the process stopped between the commit and its
// dispatch) is delivered by the next process over the same data folder,
// whose queue file sits beside the store's.
func TestLocalRunDeliversAfterARestart(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var got [][]byte
	var headers []http.Header
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, headers = append(got, b), append(headers, r.Header.Clone())
		mu.Unlock()
	}))
	defer rcv.Close()
	var cfg app.Config
	cfg.Webhooks.Client.AllowLoopback = true
	open := func() *local.Local {
		l, err := local.Open(t.Context(), dir, "http://127.0.0.1:0", cfg)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	do := func(l *local.Local, method, path, token string, body []byte) (int, []byte) {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		l.Handler.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	first := open()
	mint := func(l *local.Local, partner string) string {
		tok, _ := l.DevKey.Mint(auth.TokenSpec{Subject: "s" + partner, Region: "west-wales", Partner: partner,
			Scopes: auth.DefaultScopes("west-wales", partner), TTL: time.Minute}, time.Now())
		return tok
	}
	code, body := do(first, "POST", "/v1/regions/west-wales/webhooks", mint(first, ""),
		[]byte(`{"url":"`+rcv.URL+`/hook","events":["submission.version-created"]}`))
	if code != 201 {
		t.Fatalf("register: %d %s", code, body)
	}
	var wh struct{ Secret string }
	json.Unmarshal(body, &wh)
	qr, err := examples.Read("quarterly-return.json")
	if err != nil {
		t.Fatal(err)
	}
	if code, body := do(first, "PUT", "/v1/regions/west-wales/partners/carmarthenshire/quarterly-returns/care-homes-older-people/2018-19-Q2", mint(first, "carmarthenshire"), qr); code != 201 {
		t.Fatalf("put: %d %s", code, body)
	}
	first.Close() // stopped before any dispatch
	if _, err := os.Stat(filepath.Join(dir, local.QueueFile)); err != nil {
		t.Fatalf("the queue's file is not beside the store's: %v", err)
	}

	second := open()
	defer second.Close()
	stop := second.RunWebhooks(context.Background(), time.Hour) // no timer: the start catches up
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the version committed before the restart was never delivered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	v, _ := standardwebhooks.NewWebhook(wh.Secret)
	mu.Lock()
	defer mu.Unlock()
	if err := v.Verify(got[0], headers[0]); err != nil {
		t.Errorf("the delivery does not verify: %v", err)
	}
	var ev struct {
		Sequence int64
		Type     string
	}
	json.Unmarshal(got[0], &ev)
	if ev.Sequence != 1 || ev.Type != "submission.version-created" {
		t.Errorf("delivered %s", got[0])
	}
}
