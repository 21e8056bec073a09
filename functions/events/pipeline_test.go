package main

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/queue/sqsqueue"
)

// TestPipelineOnStandIns: the deployed path of a change, end to end on the
// stand-ins — DynamoDB Local with the table's stream, MinIO, goaws for SQS.
// A webhook is registered through the API and a partner sends a version;
// the stream, read as Lambda's mapping reads it, goes through this
// function's handler with the real webhooks, which put one delivery on the
// SQS queue; the message, received from SQS, is delivered as the
// deliveries function delivers it (hooks' Deliver). The receiver gets the
// feed's item, with the version's receipt, signed: the Standard Webhooks
// library verifies it, and refuses a tampered copy.
func TestPipelineOnStandIns(t *testing.T) {
	sc := standins.SQSClient(standins.GoAWS(t).Endpoint)
	url, err := sqsqueue.CreateQueue(t.Context(), sc, "rdx-deliveries-"+strings.ToLower(rand.Text()[:10]), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	q := sqsqueue.New(sc, url)
	e, readStream := streamed(t, "rdx-pipeline-", q)

	type delivery struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var got []delivery
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{r.Header.Clone(), body})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)

	rcu, carm := e.RCUToken(apitest.WW), e.PartnerToken(apitest.WW, apitest.Carm)
	reg := e.Do(apitest.Req{Method: "POST", Path: "/v1/regions/west-wales/webhooks", Token: rcu,
		Body: []byte(`{"url":"` + receiver.URL + `","events":["submission.version-created"]}`)})
	var hook struct{ Secret string }
	if reg.Status != 201 || json.Unmarshal(reg.Body, &hook) != nil || hook.Secret == "" {
		t.Fatalf("register: %d %s", reg.Status, reg.Body)
	}
	put := e.Put(apitest.QRPath, carm, apitest.Example(t, "quarterly-return.json"))
	var answer struct{ Receipt struct{ JWS string } }
	if put.Status != 201 || json.Unmarshal(put.Body, &answer) != nil || answer.Receipt.JWS == "" {
		t.Fatalf("PUT: %d %s", put.Status, put.Body)
	}

	// The stream, as the events function's mapping gives it.
	recs := readStream()
	if res := handle(t.Context(), e.App.Hooks.Batch(), quiet, lambdaJSON(t, recs)); len(res.BatchItemFailures) != 0 {
		t.Fatalf("the events function failed %+v", res.BatchItemFailures)
	}

	// The queue, as the deliveries function is given it.
	msgs, err := q.Receive(t.Context(), 10, 5*time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("SQS holds %d deliveries (%v), want the version's one", len(msgs), err)
	}
	if retryIn, err := e.App.Hooks.Deliver(t.Context(), msgs[0]); err != nil || retryIn != 0 {
		t.Fatalf("deliver: again in %v, %v", retryIn, err)
	}
	if err := q.Ack(t.Context(), msgs[0].Handle); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("the receiver got %d deliveries, want 1", len(got))
	}
	wh, err := standardwebhooks.NewWebhook(hook.Secret)
	if err != nil {
		t.Fatal(err)
	}
	d := got[0]
	if err := wh.Verify(d.body, d.header); err != nil {
		t.Errorf("the delivery does not verify: %v", err)
	}
	tampered := []byte(strings.Replace(string(d.body), `"submission.version-created"`, `"return.signed"`, 1))
	if string(tampered) == string(d.body) || wh.Verify(tampered, d.header) == nil {
		t.Errorf("a tampered copy verifies (or was not tampered): %s", tampered)
	}
	var feed struct{ Events []json.RawMessage }
	if r := e.Get("/v1/regions/west-wales/changes", rcu); r.Status != 200 || json.Unmarshal(r.Body, &feed) != nil || len(feed.Events) != 1 {
		t.Fatalf("feed: %d %s", r.Status, r.Body)
	}
	var delivered, item struct {
		Sequence int64
		Type     string
		Receipt  struct{ JWS string }
	}
	var a, b any
	json.Unmarshal(d.body, &a)
	json.Unmarshal(feed.Events[0], &b)
	json.Unmarshal(d.body, &delivered)
	json.Unmarshal(feed.Events[0], &item)
	if !reflect.DeepEqual(a, b) || delivered.Sequence != 1 || delivered.Type != "submission.version-created" || delivered.Receipt.JWS != answer.Receipt.JWS {
		t.Errorf("delivered %s\nthe feed's item %s\nthe PUT's receipt %s", d.body, feed.Events[0], answer.Receipt.JWS)
	}
}
