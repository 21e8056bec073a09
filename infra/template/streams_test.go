package template

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/service"
)

// TestStreamsAndMornings: the table streams its items as written; the
// events function takes only the feed's inserts (the mapping's filter),
// reports failures by record, halves a failing batch, retries a bounded
// number of times and then tells a queue it alone sends to; the
// obligations function runs each morning at 07:00 London time, and may
// write only the sequence, the events and its own items.
func TestStreamsAndMornings(t *testing.T) {
	tpl := template(t)
	table := props(resources(t, tpl, "AWS::DynamoDB::Table")["Table"])
	if spec, _ := table["StreamSpecification"].(map[string]any); spec["StreamViewType"] != "NEW_IMAGE" && spec["StreamViewType"] != "NEW_AND_OLD_IMAGES" {
		t.Errorf("the table's stream: %v", table["StreamSpecification"])
	}
	fns := resources(t, tpl, "AWS::Serverless::Function")
	// An explicit mapping, not SAM's DynamoDB event (which would attach
	// AWSLambdaDynamoDBExecutionRole, every stream of the account): the
	// role reads this table's stream alone.
	if src, ok := props(fns["EventsFunction"])["Events"].(map[string]any); ok && src != nil {
		t.Errorf("the events function has SAM events %v: want the explicit mapping alone", src)
	}
	var p map[string]any
	for _, m := range resources(t, tpl, "AWS::Lambda::EventSourceMapping") {
		if mp := props(m); fmt.Sprint(mp["FunctionName"]) == "map[Ref:EventsFunction]" {
			p = mp
		}
	}
	if p == nil {
		t.Fatal("no event source mapping starts the events function")
	}
	getAtt := func(v any) string { m, _ := v.(map[string]any); s, _ := m["GetAtt"].(string); return s }
	if getAtt(p["EventSourceArn"]) != "Table.StreamArn" {
		t.Errorf("the events function reads %v", p["EventSourceArn"])
	}
	streamReads := 0
	for _, pol := range list(props(fns["EventsFunction"])["Policies"]) {
		for _, st := range list(pol.(map[string]any)["Statement"]) {
			sm := st.(map[string]any)
			if slices.Contains(list(sm["Action"]), any("dynamodb:GetRecords")) {
				streamReads++
				if r := list(sm["Resource"]); len(r) != 1 || fmt.Sprint(r[0]) != "map[Sub:${Table.Arn}/stream/*]" {
					t.Errorf("the events function reads the streams %v", sm["Resource"])
				}
			}
		}
	}
	if streamReads != 1 {
		t.Errorf("%d statements let the events function read the stream", streamReads)
	}
	if !slices.Contains(list(p["FunctionResponseTypes"]), any("ReportBatchItemFailures")) || p["BisectBatchOnFunctionError"] != "true" {
		t.Errorf("batch failures %v, bisect %v", p["FunctionResponseTypes"], p["BisectBatchOnFunctionError"])
	}
	if n, err := strconv.Atoi(fmt.Sprint(p["MaximumRetryAttempts"])); err != nil || n < 1 || n > 100 {
		t.Errorf("retries %v: want a bound", p["MaximumRetryAttempts"])
	}
	var pattern struct {
		EventName []string
		Dynamodb  struct {
			Keys struct {
				PK struct{ S []map[string]string }
			}
		}
	}
	filters := p["FilterCriteria"].(map[string]any)["Filters"].([]any)
	if len(filters) != 1 || json.Unmarshal([]byte(filters[0].(map[string]any)["Pattern"].(string)), &pattern) != nil ||
		!slices.Equal(pattern.EventName, []string{"INSERT"}) || len(pattern.Dynamodb.Keys.PK.S) != 1 || pattern.Dynamodb.Keys.PK.S[0]["prefix"] != service.EventPK("") {
		t.Errorf("the filter %v: want INSERTs of %s items alone", filters, service.EventPK(""))
	}
	dest := getAttArn(p["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)["Destination"])
	if resources(t, tpl, "AWS::SQS::Queue")[dest] == nil {
		t.Errorf("the events function's failures go to %q, not a queue of this template", dest)
	}
	sends := 0
	for name, fn := range fns {
		for _, pol := range list(props(fn)["Policies"]) {
			for _, st := range list(pol.(map[string]any)["Statement"]) {
				sm := st.(map[string]any)
				if slices.Contains(list(sm["Action"]), any("sqs:SendMessage")) && slices.ContainsFunc(list(sm["Resource"]), func(r any) bool { return getAttArn(r) == dest }) {
					sends++
					if name != "EventsFunction" || len(list(sm["Resource"])) != 1 {
						t.Errorf("%s may send to %s", name, dest)
					}
				}
				if name == "ObligationsFunction" && slices.Contains(list(sm["Action"]), any("dynamodb:PutItem")) {
					keys := fmt.Sprint(sm["Condition"])
					if keys != "map[ForAllValues:StringLike:map[dynamodb:LeadingKeys:[CH#* EV#* EVP#* OBLEV#*]]]" {
						t.Errorf("the obligations function writes %s", keys)
					}
				}
			}
		}
	}
	if sends != 1 {
		t.Errorf("%d statements send to the events function's failure queue", sends)
	}
	morning := props(fns["ObligationsFunction"])["Events"].(map[string]any)["EachMorning"].(map[string]any)
	mp := morning["Properties"].(map[string]any)
	if morning["Type"] != "ScheduleV2" || mp["ScheduleExpression"] != "cron(0 7 * * ? *)" || mp["ScheduleExpressionTimezone"] != "Europe/London" {
		t.Errorf("the obligations function's schedule: %v", morning)
	}
}
