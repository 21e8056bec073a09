package main

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
)

type fakeDays struct {
	runs int
	fail error
}

func (f *fakeDays) ObligationEventsToday(context.Context) ([]regionview.ObligationRun, error) {
	f.runs++
	return nil, f.fail
}

// Each invocation of the schedule runs the day once, with the input
// template.yaml gives it; a failure is returned, so the schedule retries.
func TestScheduledRuns(t *testing.T) {
	in, err := os.ReadFile("testdata/scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeDays{}
	if err := handle(t.Context(), f, in); err != nil || f.runs != 1 {
		t.Fatalf("runs %d, err %v", f.runs, err)
	}
	if err := handle(t.Context(), &fakeDays{fail: errors.New("store busy")}, in); err == nil {
		t.Fatal("the failure was swallowed")
	}
}

// The function starts with only the settings template.yaml gives it.
func TestStartsWithoutTokenSettings(t *testing.T) {
	standins.LambdaEnv(t, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9", map[string]string{
		"TABLE_NAME": "rdx", "SUBMISSIONS_BUCKET": "rdx-submissions", "RECEIPT_KEY_ID": "alias/rdx-receipts"})
	if _, _, err := build(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
}
