// Package emf writes CloudWatch embedded metric format (EMF) documents: one
// JSON object a line which, once it reaches a CloudWatch log group (a Lambda
// function's stdout does), CloudWatch Logs turns into metrics. No API call,
// no client and nothing to wait for on the request's path; the line stays a
// log line, searchable with its ids in Logs Insights.
//
// It is a writer of its own, not a library's: AWS publishes no EMF library
// for Go, and the module proxy this project builds from serves none of the
// community ones (prozz/aws-embedded-metrics-golang and its forks,
// udhos/aws-emf). The format is one small JSON object, specified at
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html;
// this writer checks the rules of it that a mistake here would break
// silently (CloudWatch drops a document it cannot read, and says nothing).
package emf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units this product reports in.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
)

// Metric is one value of a named metric.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// Directive is a set of metrics under one namespace, each aggregated by
// every one of its dimension sets (a set lists dimension names; an empty set
// aggregates over everything).
type Directive struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []Metric
}

// The specification's limits.
const (
	maxDimensions = 30  // names in one dimension set
	maxMetrics    = 100 // metrics in one directive
)

// Writer writes documents, one a line; it is safe for concurrent use.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// New writes to w (a Lambda function's os.Stdout).
func New(w io.Writer) *Writer { return &Writer{w: w, now: time.Now} }

// WithClock makes the writer stamp documents with now (tests).
func (w *Writer) WithClock(now func() time.Time) *Writer { w.now = now; return w }

// Write writes one document: the directives' metrics, and fields: every
// dimension's value (a string) and any other property to keep on the line.
func (w *Writer) Write(fields map[string]any, ds ...Directive) error {
	doc := make(map[string]any, len(fields)+4)
	for k, v := range fields {
		doc[k] = v
	}
	type metricDef struct {
		Name string `json:"Name"`
		Unit Unit   `json:"Unit,omitempty"`
	}
	type directive struct {
		Namespace  string      `json:"Namespace"`
		Dimensions [][]string  `json:"Dimensions"`
		Metrics    []metricDef `json:"Metrics"`
	}
	var errs []error
	out := make([]directive, 0, len(ds))
	for _, d := range ds {
		if d.Namespace == "" {
			errs = append(errs, errors.New("emf: a directive without a namespace"))
		}
		if len(d.Metrics) == 0 || len(d.Metrics) > maxMetrics {
			errs = append(errs, fmt.Errorf("emf: %d metrics in a directive (1..%d)", len(d.Metrics), maxMetrics))
		}
		dims := d.Dimensions
		if dims == nil {
			dims = [][]string{}
		}
		for _, set := range dims {
			if len(set) > maxDimensions {
				errs = append(errs, fmt.Errorf("emf: %d dimensions in a set (at most %d)", len(set), maxDimensions))
			}
			for _, name := range set {
				if s, ok := fields[name].(string); !ok || s == "" {
					errs = append(errs, fmt.Errorf("emf: dimension %q has no string value", name))
				}
			}
		}
		defs := make([]metricDef, 0, len(d.Metrics))
		for _, m := range d.Metrics {
			if _, taken := doc[m.Name]; taken || m.Name == "" || m.Name == "_aws" {
				errs = append(errs, fmt.Errorf("emf: metric %q is unnamed or named twice", m.Name))
				continue
			}
			doc[m.Name] = m.Value
			defs = append(defs, metricDef{Name: m.Name, Unit: m.Unit})
		}
		out = append(out, directive{Namespace: d.Namespace, Dimensions: dims, Metrics: defs})
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	doc["_aws"] = map[string]any{"Timestamp": w.now().UnixMilli(), "CloudWatchMetrics": out}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.w.Write(append(line, '\n')) // one write: a line is never interleaved with another
	return err
}
