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

type fakeBuilder struct {
	jobs []string
	fail error
}

func (f *fakeBuilder) RunExport(_ context.Context, key string) error {
	f.jobs = append(f.jobs, key)
	return f.fail
}

func (f *fakeBuilder) ExportState(context.Context, string) (string, error) { return "ready", nil }

// handle runs the function on f, reporting nowhere.
func handle(ctx context.Context, f *fakeBuilder, e events.S3Event) error {
	return (&function{svc: f, tel: &awsapp.Telemetry{}, log: slog.New(slog.DiscardHandler)}).handle(ctx, e)
}

func jobEvent(t *testing.T) events.S3Event {
	t.Helper()
	data, err := os.ReadFile("testdata/job-created.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.S3Event
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// A job object starts the build of its export; a failure is retried by Lambda.
func TestJobEvents(t *testing.T) {
	f := &fakeBuilder{}
	if err := handle(t.Context(), f, jobEvent(t)); err != nil || len(f.jobs) != 1 || f.jobs[0] != "jobs/01M82N0000EXPORTEXAMPLE" {
		t.Fatalf("jobs %v, err %v", f.jobs, err)
	}
	if err := handle(t.Context(), &fakeBuilder{fail: errors.New("store busy")}, jobEvent(t)); err == nil {
		t.Fatal("the failure was swallowed")
	}
}

// The function starts with only the settings template.yaml gives it: no
// token issuer, JWK set or cursor key, which only the API function uses.
// (Nothing is called at start, so nothing listens at the endpoints.)
func TestStartsWithoutTokenSettings(t *testing.T) {
	standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", map[string]string{
		"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions", "EXPORTS_BUCKET": "rdx-exports", "RECEIPT_KEY_ID": "alias/rdx-receipts"})
	if _, err := build(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
}
