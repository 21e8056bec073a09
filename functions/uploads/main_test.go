package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
)

type recorded struct{ bucket, key string }

type fakeUploads struct {
	got  []recorded
	fail error
}

func (f *fakeUploads) UploadArrived(_ context.Context, bucket, key string) error {
	f.got = append(f.got, recorded{bucket, key})
	return f.fail
}

func (f *fakeUploads) UploadState(context.Context, string) (string, error) { return "accepted", nil }

// handle runs the function on f, reporting nowhere.
func handle(ctx context.Context, f *fakeUploads, e events.S3Event) error {
	return (&function{svc: f, tel: &awsapp.Telemetry{}, log: slog.New(slog.DiscardHandler)}).handle(ctx, e)
}

func event(t *testing.T) events.S3Event {
	t.Helper()
	data, err := os.ReadFile("testdata/object-created.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.S3Event
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// Each created object reaches the upload processing with its key decoded.
func TestObjectCreatedEvents(t *testing.T) {
	f := &fakeUploads{}
	if err := handle(t.Context(), f, event(t)); err != nil {
		t.Fatal(err)
	}
	want := []recorded{
		{"rdx-uploads", "uploads/west-wales/carmarthenshire/01M82N0000EXAMPLE"},
		{"rdx-uploads", "uploads/west-wales/ceredigion/name with spaces!"},
	}
	if len(f.got) != len(want) || f.got[0] != want[0] || f.got[1] != want[1] {
		t.Errorf("got %v, want %v", f.got, want)
	}
}

// A failure is returned, so Lambda retries the event.
func TestFailureIsRetried(t *testing.T) {
	f := &fakeUploads{fail: errors.New("store unavailable")}
	if err := handle(t.Context(), f, event(t)); err == nil {
		t.Fatal("the failure was swallowed")
	}
}

// The function starts with only the settings template.yaml gives it: no
// token issuer, JWK set or cursor key, which only the API function uses.
// (Nothing is called at start, so nothing listens at the endpoints.)
func TestStartsWithoutTokenSettings(t *testing.T) {
	standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", map[string]string{
		"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions", "UPLOADS_BUCKET": "rdx-uploads", "RECEIPT_KEY_ID": "alias/rdx-receipts"})
	if _, err := build(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
}
