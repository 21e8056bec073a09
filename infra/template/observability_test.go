package template

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/telemetry"
	"github.com/regional-data-exchange/rdx/shared/telemetry/traceexport"
)

// TestTracingAndMetricsConfig: every function is traced by Lambda (X-Ray),
// exports its own spans through the collector layer exactly when the layer
// is given (OTEL_TRACES_EXPORTER otlp, else none: both values the code
// knows), and writes its metrics as EMF.
func TestTracingAndMetricsConfig(t *testing.T) {
	glob := template(t)["Globals"].(map[string]any)["Function"].(map[string]any)
	if glob["Tracing"] != "Active" {
		t.Errorf("Tracing: %v", glob["Tracing"])
	}
	layers, _ := glob["Layers"].(map[string]any)["If"].([]any)
	env := glob["Environment"].(map[string]any)["Variables"].(map[string]any)
	exporter, _ := env["OTEL_TRACES_EXPORTER"].(map[string]any)["If"].([]any)
	if len(layers) != 3 || len(exporter) != 3 || layers[0] != exporter[0] {
		t.Fatalf("the layer (%v) and the exporter (%v) must turn on under one condition", glob["Layers"], env["OTEL_TRACES_EXPORTER"])
	}
	if toString(layers[1]) != toString([]any{map[string]any{"Ref": "OtelCollectorLayerArn"}}) || exporter[1] != traceexport.OTLP || exporter[2] != traceexport.None {
		t.Errorf("with the layer: %v and %v; without: %v", layers[1], exporter[1], exporter[2])
	}
	cond := template(t)["Conditions"].(map[string]any)[layers[0].(string)]
	if !strings.Contains(toString(cond), "OtelCollectorLayerArn") {
		t.Errorf("condition %s does not test the layer parameter: %v", layers[0], cond)
	}
	for _, v := range exporter[1:] {
		if err := traceexport.Check(v.(string)); err != nil {
			t.Error(err)
		}
	}
	if env["METRICS"] != "emf" {
		t.Errorf("METRICS: %v", env["METRICS"])
	}
}

// alarmMetric is one metric an alarm reads.
type alarmMetric struct {
	namespace, name string
	dims            map[string]string // name -> the value, rendered
}

func alarmMetrics(p map[string]any) []alarmMetric {
	dims := func(v any) map[string]string {
		out := map[string]string{}
		for _, d := range list(v) {
			if dm, ok := d.(map[string]any); ok {
				out[dm["Name"].(string)] = strings.TrimSpace(toString(dm["Value"]))
			}
		}
		return out
	}
	var out []alarmMetric
	if ns, ok := p["Namespace"].(string); ok {
		out = append(out, alarmMetric{ns, p["MetricName"].(string), dims(p["Dimensions"])})
	}
	for _, m := range list(p["Metrics"]) {
		mm, _ := m.(map[string]any)
		stat, _ := mm["MetricStat"].(map[string]any)
		if stat == nil {
			continue
		}
		metric := stat["Metric"].(map[string]any)
		out = append(out, alarmMetric{metric["Namespace"].(string), metric["MetricName"].(string), dims(metric["Dimensions"])})
	}
	return out
}

func ref(name string) string { return strings.TrimSpace(toString(map[string]any{"Ref": name})) }

// TestAlarms: each alarm tells the alarm topic; the API's 5xx rate, store
// and function throttles and every function's errors are watched, and
// every queue's depth (the dead-letter queues).
func TestAlarms(t *testing.T) {
	tpl := template(t)
	alarms := resources(t, tpl, "AWS::CloudWatch::Alarm")
	if len(alarms) == 0 {
		t.Fatal("no alarms")
	}
	// watched[namespace/metric] is the set of dimension values alarms read.
	watched := map[string][]string{}
	for name, a := range alarms {
		p := props(a)
		if !slices.ContainsFunc(list(p["AlarmActions"]), func(v any) bool { return strings.TrimSpace(toString(v)) == ref("AlarmTopic") }) {
			t.Errorf("%s tells nobody", name)
		}
		for _, m := range alarmMetrics(p) {
			for _, v := range m.dims {
				watched[m.namespace+"/"+m.name] = append(watched[m.namespace+"/"+m.name], v)
			}
		}
	}
	if !slices.Contains(watched["AWS/ApiGateway/5xx"], ref("HttpApi")) || !slices.Contains(watched["AWS/ApiGateway/Count"], ref("HttpApi")) {
		t.Errorf("no alarm on the API's 5xx rate: %v", watched)
	}
	for fn := range resources(t, tpl, "AWS::Serverless::Function") {
		for _, metric := range []string{"AWS/Lambda/Errors", "AWS/Lambda/Throttles", telemetry.Namespace + "/" + telemetry.MetricStoreThrottles} {
			if !slices.Contains(watched[metric], ref(fn)) {
				t.Errorf("no alarm on %s of %s", metric, fn)
			}
		}
	}
	queues := resources(t, tpl, "AWS::SQS::Queue")
	for q := range queues {
		getAtt := strings.TrimSpace(toString(map[string]any{"GetAtt": q + ".QueueName"}))
		if !slices.Contains(watched["AWS/SQS/ApproximateNumberOfMessagesVisible"], getAtt) {
			t.Errorf("no alarm on the depth of %s (QueueName !GetAtt %s.QueueName)", q, q)
		}
	}
	if len(queues) == 0 {
		t.Error("no dead-letter queues")
	}
}

// TestDashboard: the dashboard is valid JSON once CloudFormation has filled
// it in, and shows the service's own metrics as the code names them and
// every function.
func TestDashboard(t *testing.T) {
	tpl := template(t)
	dashboards := resources(t, tpl, "AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("%d dashboards", len(dashboards))
	}
	for _, d := range dashboards {
		body := props(d)["DashboardBody"].(map[string]any)["Sub"].(string)
		filled := regexp.MustCompile(`\$\{[^}]+\}`).ReplaceAllString(body, "x")
		var v struct{ Widgets []map[string]any }
		if err := json.Unmarshal([]byte(filled), &v); err != nil || len(v.Widgets) == 0 {
			t.Fatalf("the dashboard's body is not JSON: %v", err)
		}
		for _, want := range []string{telemetry.Namespace, telemetry.MetricRequests, telemetry.MetricErrors5xx, telemetry.MetricLatency,
			telemetry.MetricStoreThrottles, telemetry.MetricJobs, telemetry.DimRoute, telemetry.DimOutcome, "ApproximateNumberOfMessagesVisible", "AsyncEventAge"} {
			if !strings.Contains(body, want) {
				t.Errorf("the dashboard does not show %s", want)
			}
		}
		for fn := range resources(t, tpl, "AWS::Serverless::Function") {
			if !strings.Contains(body, "${"+fn+"}") {
				t.Errorf("the dashboard does not show %s", fn)
			}
		}
	}
}
