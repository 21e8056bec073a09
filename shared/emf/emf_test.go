package emf

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A document is one line CloudWatch can read: its metrics' values at the
// top level beside the dimensions, the directive under _aws naming them.
func TestDocument(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf).WithClock(func() time.Time { return time.UnixMilli(1795381200000) })
	err := w.Write(map[string]any{"Function": "rdx-api", "Route": "GET /v1/me", "request_id": "01ABC"}, Directive{
		Namespace: "NS", Dimensions: [][]string{{"Function"}, {"Function", "Route"}},
		Metrics: []Metric{{Name: "Requests", Unit: Count, Value: 1}, {Name: "Latency", Unit: Milliseconds, Value: 12.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != 1 || !strings.HasSuffix(buf.String(), "\n") {
		t.Fatalf("not one line: %q", buf.String())
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Function, Route, RequestID string
		Requests, Latency          float64
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	d := doc.AWS.CloudWatchMetrics
	if doc.AWS.Timestamp != 1795381200000 || len(d) != 1 || d[0].Namespace != "NS" || len(d[0].Dimensions) != 2 ||
		d[0].Dimensions[1][1] != "Route" || d[0].Metrics[1].Name != "Latency" || d[0].Metrics[1].Unit != "Milliseconds" {
		t.Errorf("directive %+v", doc.AWS)
	}
	if doc.Function != "rdx-api" || doc.Route != "GET /v1/me" || doc.Requests != 1 || doc.Latency != 12.5 {
		t.Errorf("values %+v", doc)
	}
	if !strings.Contains(buf.String(), `"request_id":"01ABC"`) {
		t.Errorf("the property was dropped: %s", buf.String())
	}
}

// What CloudWatch would silently drop is refused, naming each mistake, and
// nothing is written.
func TestRefusesWhatCloudWatchWouldDrop(t *testing.T) {
	var buf bytes.Buffer
	err := New(&buf).Write(map[string]any{"Function": "rdx-api", "Requests": 3, "Status": 200},
		Directive{Dimensions: [][]string{{"Function", "Route"}, {"Status"}}, Metrics: []Metric{{Name: "Requests", Value: 1}}})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"without a namespace", `dimension "Route"`, `dimension "Status"`, `metric "Requests"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %s", err, want)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %s", buf.String())
	}
}
