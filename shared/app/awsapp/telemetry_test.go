package awsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
)

// What Lambda hands an invocation: its request id, and the X-Ray trace it
// began (Root is the trace, Parent Lambda's own segment).
const (
	lambdaRequestID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
	xrayRoot        = "5759e988bd862e3fe1be46a994272793"
	xrayParent      = "53995c3f42cd8ad8"
	xrayHeader      = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)

// invoke serves one API Gateway event for path through the function's
// wrapped handler, as Lambda would, and returns the request's log line.
func invoke(t *testing.T, tel *Telemetry, path string) map[string]any {
	t.Helper()
	var logs bytes.Buffer
	table, err := boltstore.Open(filepath.Join(t.TempDir(), "rdx.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { table.Close() })
	blobs, err := fileblob.New(t.TempDir(), "http://127.0.0.1", bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := auth.StaticKeys(auth.NewDevKey().JWKS())
	a, err := app.Build(app.Config{Issuer: auth.DevIssuer, Audience: auth.DevAudience, Keys: keys, CursorKey: bytes.Repeat([]byte("c"), 32),
		Log: logx.New(&logs, slog.LevelInfo), Telemetry: tel.Telemetry}, app.Stores{Table: table, Blobs: blobs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	event, _ := json.Marshal(events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: path, RouteKey: "GET " + path,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "JYGfQiEcLPEEMVA=", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path}}})
	ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: lambdaRequestID,
		InvokedFunctionArn: "arn:aws:lambda:eu-west-2:123456789012:function:rdx-api"})
	ctx = context.WithValue(ctx, traceHeader, xrayHeader)
	answer, err := tel.Wrap(lambda.NewHandler(Gateway(a.Handler))).Invoke(ctx, event)
	if err != nil || !strings.Contains(string(answer), `"statusCode":200`) {
		t.Fatalf("answer %s, %v", answer, err)
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
			return m
		}
	}
	t.Fatalf("no request line in %s", logs.String())
	return nil
}

// On Lambda a request's log line names it by every id there is: the
// service's, API Gateway's (its access log's requestId), Lambda's (its
// START/REPORT lines') and X-Ray's trace, even with no spans exported.
func TestLogLinesCarryEveryID(t *testing.T) {
	line := invoke(t, &Telemetry{}, "/v1/health")
	want := map[string]string{logx.KeyGatewayRequestID: "JYGfQiEcLPEEMVA=", logx.KeyLambdaRequestID: lambdaRequestID, logx.KeyTraceID: xrayRoot}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %s (line %v)", k, line[k], v, line)
		}
	}
	if id, _ := line[logx.KeyRequestID].(string); len(id) != 26 {
		t.Errorf("request id %v", line[logx.KeyRequestID])
	}
}

// With spans exported, the invocation's span (otellambda's) is the child of
// Lambda's X-Ray segment, the request's span its child, and the log line
// names the request's span.
func TestInvocationSpanJoinsLambdasTrace(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "rdx-api")
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tel := &Telemetry{Telemetry: telemetry.Telemetry{Traces: tp}, provider: tp}
	line := invoke(t, tel, "/v1/health")
	var invocation, request tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		switch s.Name {
		case "rdx-api":
			invocation = s
		case "GET /v1/health":
			request = s
		}
	}
	if invocation.Name == "" || request.Name == "" {
		t.Fatalf("spans %v", exp.GetSpans())
	}
	if invocation.SpanContext.TraceID().String() != xrayRoot || invocation.Parent.SpanID().String() != xrayParent {
		t.Errorf("the invocation is not under Lambda's segment: %v under %v", invocation.SpanContext, invocation.Parent)
	}
	if request.Parent.SpanID() != invocation.SpanContext.SpanID() {
		t.Error("the request is not under the invocation")
	}
	if line[logx.KeyTraceID] != xrayRoot || line[logx.KeySpanID] != request.SpanContext.SpanID().String() {
		t.Errorf("line %v", line)
	}
}
