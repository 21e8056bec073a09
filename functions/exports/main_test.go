package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

type fakeBuilder struct {
	jobs []string
	fail error
}

func (f *fakeBuilder) RunExport(_ context.Context, key string) error {
	f.jobs = append(f.jobs, key)
	return f.fail
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
