package template

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/service"
)

// TestBackgroundWorkEnds: every function S3 events start gives up on an
// event into a dead-letter queue of its own (its on-failure destination,
// which it alone may send to), after no more retries than the code's
// attempts and no later than the code's retry window, after which the
// sweeper finishes the item; and the sweeper runs on a schedule.
func TestBackgroundWorkEnds(t *testing.T) {
	tpl := template(t)
	queues := resources(t, tpl, "AWS::SQS::Queue")
	fns := resources(t, tpl, "AWS::Serverless::Function")
	used := map[string]string{} // queue: the function sending to it
	s3Functions, scheduled := 0, []string{}
	for name, fn := range fns {
		p := props(fn)
		events, _ := p["Events"].(map[string]any)
		kinds := map[string]bool{}
		for _, e := range events {
			kinds[e.(map[string]any)["Type"].(string)] = true
		}
		if kinds["Schedule"] {
			scheduled = append(scheduled, name)
		}
		if !kinds["S3"] {
			continue
		}
		s3Functions++
		cfg, _ := p["EventInvokeConfig"].(map[string]any)
		if cfg == nil {
			t.Errorf("%s has no EventInvokeConfig", name)
			continue
		}
		if n, err := strconv.Atoi(fmt.Sprint(cfg["MaximumRetryAttempts"])); err != nil || n+1 > service.MaxAttempts {
			t.Errorf("%s: MaximumRetryAttempts %v, want at most %d (the code counts %d attempts)", name, cfg["MaximumRetryAttempts"], service.MaxAttempts-1, service.MaxAttempts)
		}
		if age, err := strconv.Atoi(fmt.Sprint(cfg["MaximumEventAgeInSeconds"])); err != nil || age > int(service.RetryWindow.Seconds()) {
			t.Errorf("%s: MaximumEventAgeInSeconds %v, want at most the retry window, %v", name, cfg["MaximumEventAgeInSeconds"], service.RetryWindow)
		}
		dest, _ := cfg["DestinationConfig"].(map[string]any)
		onFailure, _ := dest["OnFailure"].(map[string]any)
		queue := getAttArn(onFailure["Destination"])
		if onFailure["Type"] != "SQS" || queues[queue] == nil {
			t.Errorf("%s: on failure %v, want an SQS queue of this template", name, onFailure)
			continue
		}
		if other, ok := used[queue]; ok {
			t.Errorf("%s and %s share the dead-letter queue %s", name, other, queue)
		}
		used[queue] = name
		if qp := props(queues[queue]); qp["SqsManagedSseEnabled"] != "true" && qp["KmsMasterKeyId"] == nil {
			t.Errorf("%s is not encrypted", queue)
		}
		if !maySend(p, queue) {
			t.Errorf("%s's policy does not allow sqs:SendMessage to %s alone", name, queue)
		}
	}
	if s3Functions < 2 {
		t.Errorf("%d functions take S3 events, want the uploads and exports functions", s3Functions)
	}
	if len(scheduled) != 1 || !regexp.MustCompile(`^Sweeper`).MatchString(scheduled[0]) {
		t.Errorf("scheduled functions %v, want the sweeper", scheduled)
	}
}

// getAttArn reads !GetAtt Name.Arn.
func getAttArn(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["GetAtt"].(string)
	name, ok := regexp.MustCompile(`^(\w+)\.Arn$`).FindStringSubmatch(s), s != ""
	if !ok || name == nil {
		return ""
	}
	return name[1]
}

// maySend reports whether a function's own policy lets it send to queue,
// and to no other resource in the same statement.
func maySend(p map[string]any, queue string) bool {
	pols, _ := p["Policies"].([]any)
	for _, pol := range pols {
		pm, _ := pol.(map[string]any)
		stmts, _ := pm["Statement"].([]any)
		for _, st := range stmts {
			sm := st.(map[string]any)
			if slices.Contains(list(sm["Action"]), any("sqs:SendMessage")) {
				res := list(sm["Resource"])
				return len(res) == 1 && getAttArn(res[0]) == queue
			}
		}
	}
	return false
}
