package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/service/sweeper"
)

type fakeSweeper struct {
	runs int
	fail error
}

func (f *fakeSweeper) Sweep(context.Context) (sweeper.Report, error) {
	f.runs++
	return sweeper.Report{}, f.fail
}

func scheduled(t *testing.T) events.EventBridgeEvent {
	t.Helper()
	data, err := os.ReadFile("testdata/scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// Each scheduled event sweeps once; a failure is returned, so it shows in
// the function's errors.
func TestScheduledEvents(t *testing.T) {
	f := &fakeSweeper{}
	if err := handle(t.Context(), f, scheduled(t)); err != nil || f.runs != 1 {
		t.Fatalf("runs %d, err %v", f.runs, err)
	}
	if err := handle(t.Context(), &fakeSweeper{fail: errors.New("store busy")}, scheduled(t)); err == nil {
		t.Fatal("the failure was swallowed")
	}
}

// The function starts with only the settings template.yaml gives it.
func TestStartsWithoutTokenSettings(t *testing.T) {
	standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", map[string]string{
		"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions", "UPLOADS_BUCKET": "rdx-uploads", "RECEIPT_KEY_ID": "alias/rdx-receipts"})
	if _, _, err := build(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
}
