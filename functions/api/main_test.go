package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/auth"
)

func TestMain(m *testing.M) { standins.Main(m) }

// standInEnv points the function's real start-up path (environment, the
// SDK's configuration with its own endpoint settings, clients) at DynamoDB
// Local, MinIO and local-kms.
func standInEnv(t *testing.T) *auth.DevKey {
	t.Helper()
	ddb, minio, table := standins.TableAndBucket(t, "rdx-lambda-")
	kms, receiptKey := standins.ReceiptKey(t)
	bucket := table
	key := auth.NewDevKey()
	standins.LambdaEnv(t, ddb.Endpoint, minio.Endpoint, kms.Endpoint, map[string]string{
		"TABLE_NAME": table, "SUBMISSIONS_BUCKET": bucket, "UPLOADS_BUCKET": bucket, "EXPORTS_BUCKET": bucket, "RECEIPT_KEY_ID": receiptKey,
		"JWT_ISSUER": auth.DevIssuer, "JWT_AUDIENCE": auth.DevAudience, "JWKS_JSON": string(key.JWKS()),
		"CURSOR_KEY": strings.Repeat("c", 32), "AWS_STANDINS": "true", "LOG_LEVEL": "WARN",
	})
	return key
}

// fixture reads an API Gateway v2 event, putting real tokens where it says
// {{partner}}.
func fixture(t *testing.T, key *auth.DevKey, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	if a := e.Headers["authorization"]; strings.Contains(a, "{{") {
		partner := strings.TrimSuffix(strings.TrimPrefix(a, "Bearer {{"), "}}")
		tok, err := key.Mint(auth.TokenSpec{Subject: "lambda-" + partner, Region: "west-wales", Partner: partner,
			Scopes: auth.DefaultScopes("west-wales", partner), TTL: time.Hour}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.Headers["authorization"] = "Bearer " + tok
	}
	return e
}

// The function, started as Lambda starts it, serves API Gateway HTTP API
// events end to end against the stand-ins.
func TestAPIGatewayEvents(t *testing.T) {
	key := standInEnv(t)
	handle, _, err := build(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fixture string
		status  int
		check   func(t *testing.T, r events.APIGatewayV2HTTPResponse)
	}{
		{"health.json", 200, nil},
		{"put-quarterly-return.json", 201, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if header(r, "ETag") != `"1"` || !strings.HasSuffix(header(r, "Location"), "/versions/1") {
				t.Errorf("headers %v", r.Headers)
			}
		}},
		{"put-quarterly-return.json", 201, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if header(r, "Idempotent-Replayed") != "true" {
				t.Errorf("the retried event was not replayed: %v", r.Headers)
			}
		}},
		{"get-quarterly-return.json", 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			var env map[string]any
			json.Unmarshal([]byte(r.Body), &env)
			if env["document"].(map[string]any)["riskRating"] != "amber" {
				t.Errorf("body %s", r.Body)
			}
		}},
		{"list-quarterly-returns.json", 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(r.Body, `"2018-19-Q2"`) || !strings.Contains(r.Body, `"nextCursor":null`) {
				t.Errorf("body %s", r.Body)
			}
		}},
		{"put-population-assessment-base64.json", 201, nil},
		{"get-other-partner.json", 403, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if header(r, "Content-Type") != "application/problem+json" || strings.Contains(r.Body, "Daffodil") {
				t.Errorf("refusal %v %s", r.Headers, r.Body)
			}
		}},
		{"unknown-route.json", 404, nil},
	}
	for _, c := range cases {
		r, err := handle(t.Context(), fixture(t, key, c.fixture))
		if err != nil {
			t.Fatalf("%s: %v", c.fixture, err)
		}
		if r.StatusCode != c.status {
			t.Fatalf("%s: %d, want %d: %s", c.fixture, r.StatusCode, c.status, r.Body)
		}
		if header(r, "X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", c.fixture)
		}
		if c.check != nil {
			c.check(t, r)
		}
	}
}

// A deployed function refuses the development issuer.
func TestDevelopmentIssuerRefusedOnLambda(t *testing.T) {
	standInEnv(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "rdx-api")
	if _, _, err := build(t.Context()); err == nil || !strings.Contains(err.Error(), "development issuer") {
		t.Fatalf("build on Lambda with the development issuer: %v", err)
	}
}

// header reads a response header whatever its case (HTTP headers are
// case-insensitive; Go writes ETag as Etag).
func header(r events.APIGatewayV2HTTPResponse, name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
