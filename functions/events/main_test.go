package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostream"
)

func TestMain(m *testing.M) { standins.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder keeps what is dispatched; failOn fails an event's dispatch.
type recorder struct {
	regions []string
	got     []service.Event
	failOn  int64
}

func (r *recorder) Dispatch(_ context.Context, region string, ev service.Event) error {
	if ev.Seq == r.failOn {
		return errors.New("queue unavailable")
	}
	r.regions, r.got = append(r.regions, region), append(r.got, ev)
	return nil
}

// lambdaJSON is records as Lambda sends them: encoded and decoded again
// through the event's JSON.
func lambdaJSON(t *testing.T, recs []events.DynamoDBEventRecord) events.DynamoDBEvent {
	t.Helper()
	b, err := json.Marshal(events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	var e events.DynamoDBEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// streamed is the API over a table of DynamoDB Local with its stream on
// (and a bucket of MinIO), delivering webhooks through q (nil: the suite's
// own queue), and a reader of the table's stream as Lambda's event source
// mapping gives it.
func streamed(t *testing.T, prefix string, q queue.Queue) (*apitest.Env, func() []events.DynamoDBEventRecord) {
	t.Helper()
	ddb, minio, name := standins.TableAndBucket(t, prefix)
	client := standins.DynamoClient(ddb.Endpoint)
	if err := dynamostore.EnableStream(t.Context(), client, name); err != nil {
		t.Fatal(err)
	}
	sc := standins.S3Client(minio.Endpoint)
	e := apitest.NewEnv(t, apitest.Backend{Table: dynamostore.New(client, name), Blobs: s3blob.New(sc, s3.NewPresignClient(sc), name), Queue: q})
	return e, func() []events.DynamoDBEventRecord {
		t.Helper()
		arn, err := dynamostream.StreamARN(t.Context(), client, name)
		if err != nil {
			t.Fatal(err)
		}
		reader := &dynamostream.Reader{Client: dynamostream.NewLocalClient(ddb.Endpoint, standins.AccessKey, standins.SecretKey, standins.Region), StreamARN: arn}
		recs, err := reader.ReadAll(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
}

// TestStreamOfDynamoDBLocal: writes through the API on DynamoDB Local
// with the table's stream on, read back from the stream as Lambda would
// give them, reach Dispatch as the feed's events, every one, each once,
// equal to the feed's, and nothing else; a dispatch that fails is
// reported as the batch's failure at its own record, and the records
// after it are left for the retry.
func TestStreamOfDynamoDBLocal(t *testing.T) {
	e, readStream := streamed(t, "rdx-events-", nil)

	// Writes of several kinds, in two partners' slices and the region's.
	carm, rcu := e.PartnerToken(apitest.WW, apitest.Carm), e.RCUToken(apitest.WW)
	put := e.Put(apitest.QRPath, carm, apitest.Example(t, "quarterly-return.json"))
	if put.Status != 201 {
		t.Fatalf("PUT: %d %s", put.Status, put.Body)
	}
	if r := e.Do(apitest.Req{Method: "POST", Path: apitest.QRPath + "/signoff", Token: carm, Body: []byte(`{"signatory":"Jane Jones","role":"Chief Finance Officer (S151)"}`),
		Header: map[string]string{"If-Match": `"1"`}}); r.Status != 200 {
		t.Fatalf("sign-off: %d %s", r.Status, r.Body)
	}
	if r := e.Do(apitest.Req{Method: "PUT", Path: "/v1/regions/west-wales/funds/care-homes-older-people/periods/2018-19-Q3/lock", Token: rcu}); r.Status != 201 {
		t.Fatalf("lock: %d %s", r.Status, r.Body)
	}
	if _, err := e.App.RegionView.ObligationEvents(t.Context(), apitest.WW, period.Date{Year: 2018, Month: time.October, Day: 25}); err != nil {
		t.Fatal(err)
	}

	// The feed, as the API gives it and as stored.
	var feed struct{ Events []json.RawMessage }
	r := e.Get("/v1/regions/west-wales/changes?limit=1000", rcu)
	if err := json.Unmarshal(r.Body, &feed); err != nil || r.Status != 200 {
		t.Fatalf("feed: %d %v", r.Status, err)
	}
	page, err := e.Backend.Table.Query(t.Context(), store.Query{PK: service.EventPK(apitest.WW), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var stored []service.Event
	for _, it := range page.Items {
		ev, err := service.Decode[service.Event](it)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, ev)
	}
	if len(stored) < 5 || len(stored) != len(feed.Events) {
		t.Fatalf("%d events stored, %d in the feed", len(stored), len(feed.Events))
	}

	// The stream, read as Lambda's event source mapping reads it.
	recs := readStream()
	if len(recs) <= len(stored) {
		t.Fatalf("the stream holds %d records for %d events: it should hold every item written", len(recs), len(stored))
	}
	rec := &recorder{}
	for batch := range slices.Chunk(recs, 7) { // batches, as the mapping's BatchSize makes them
		if res := handle(t.Context(), rec, quiet, lambdaJSON(t, batch)); len(res.BatchItemFailures) != 0 {
			t.Fatalf("failures: %+v", res.BatchItemFailures)
		}
	}
	if !reflect.DeepEqual(rec.got, stored) {
		t.Fatalf("dispatched %d events:\n%+v\nthe feed's %d:\n%+v", len(rec.got), rec.got, len(stored), stored)
	}
	for i, ev := range rec.got {
		if rec.regions[i] != apitest.WW {
			t.Errorf("event %d dispatched for region %q", ev.Seq, rec.regions[i])
		}
		// What a delivery carries is the feed's item, byte for byte in meaning.
		body, err := httpapi.ChangeJSON(rec.regions[i], ev)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		json.Unmarshal(body, &a)
		json.Unmarshal(feed.Events[i], &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("event %d as dispatched:\n%s\nin the feed:\n%s", ev.Seq, body, feed.Events[i])
		}
	}

	// A failure at the third event: the events before it are dispatched,
	// the batch reports the third's record, and nothing after it is tried.
	failing := &recorder{failOn: 3}
	res := handle(t.Context(), failing, quiet, lambdaJSON(t, recs))
	if len(res.BatchItemFailures) != 1 || len(failing.got) != 2 {
		t.Fatalf("with the third event failing: dispatched %d, failures %+v", len(failing.got), res.BatchItemFailures)
	}
	var third events.DynamoDBEventRecord
	for _, r := range recs {
		if _, ev, ok, _ := decode(r); ok && ev.Seq == 3 {
			third = r
		}
	}
	if res.BatchItemFailures[0].ItemIdentifier != third.Change.SequenceNumber || third.Change.SequenceNumber == "" {
		t.Errorf("the failure names record %q, want the third event's, %q", res.BatchItemFailures[0].ItemIdentifier, third.Change.SequenceNumber)
	}
}

// TestRecordsNotEvents: a record that is not an event's insert is passed
// over; an event's record that does not decode is the batch's failure,
// not silently dropped.
func TestRecordsNotEvents(t *testing.T) {
	ev := service.Event{Seq: 1, Type: service.EventPeriodLocked, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ID: "01J0000000000000000000000A",
		Actor: service.Actor{Sub: "rcu"}, Subject: service.Subject{Kind: service.SubjectPeriod, Key: map[string]string{"fundId": "f", "period": "2025-26"}}}
	image := func(pk string, data string) map[string]events.DynamoDBAttributeValue {
		return map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute(pk), "SK": events.NewStringAttribute(service.EventSK(1)),
			"v": events.NewNumberAttribute("1"), "d": events.NewStringAttribute(data), "ttl": events.NewNumberAttribute("1900000000")}
	}
	rec := func(name, pk, data, seq string) events.DynamoDBEventRecord {
		img := image(pk, data)
		return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{SequenceNumber: seq,
			Keys: map[string]events.DynamoDBAttributeValue{"PK": img["PK"], "SK": img["SK"]}, NewImage: img}}
	}
	good := string(service.Encode(ev))
	r := &recorder{}
	res := handle(t.Context(), r, quiet, lambdaJSON(t, []events.DynamoDBEventRecord{
		rec("MODIFY", "EV#r", good, "1"),
		rec("INSERT", "EVP#r#p", good, "2"),
		rec("INSERT", "CH#r", good, "3"),
		rec("INSERT", "EV#r", good, "4"),
		rec("INSERT", "EV#r", "{not json", "5"),
		rec("INSERT", "EV#r", good, "6"),
	}))
	if len(r.got) != 1 || r.regions[0] != "r" || !reflect.DeepEqual(r.got[0], ev) {
		t.Errorf("dispatched %+v in %v, want the one event of record 4", r.got, r.regions)
	}
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "5" {
		t.Errorf("failures %+v, want record 5's", res.BatchItemFailures)
	}
}

// The function starts with only the settings template.yaml gives it.
func TestStartsWithoutTokenSettings(t *testing.T) {
	standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", map[string]string{
		"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions", "RECEIPT_KEY_ID": "alias/rdx-receipts"})
	if _, _, _, err := build(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
}
