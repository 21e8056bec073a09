package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/regional-data-exchange/rdx/openapi"
)

var (
	contractOnce sync.Once
	contract     validator.Validator
	contractErr  error
	// the validator's caches are not safe for concurrent use
	contractMu sync.Mutex
)

func loadContract() (validator.Validator, error) {
	contractOnce.Do(func() {
		doc, err := libopenapi.NewDocument(openapi.Spec)
		if err != nil {
			contractErr = err
			return
		}
		v, errs := validator.NewValidator(doc, config.WithBodyDecoder("application/jsonl", content.DecoderFunc(decodeJSONLines)))
		if len(errs) > 0 {
			contractErr = errs[0]
			return
		}
		contract = v
	})
	return contract, contractErr
}

// decodeJSONLines reads a JSON Lines body (an audit export) as the array
// of its lines, which the contract describes item by item.
func decodeJSONLines(in *content.DecodeInput) (any, error) {
	var lines []any
	dec := json.NewDecoder(in.Body)
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return lines, nil
		} else if err != nil {
			return nil, err
		}
		lines = append(lines, v)
	}
}

// checkContract fails the test when a response does not match the OpenAPI
// document: an undeclared status, a missing header, a body of the wrong shape.
// Paths outside /v1 (the local server's blob URLs, the pages for people
// under /app/: HTML, not the JSON API) are not part of the contract.
func checkContract(t *testing.T, req *http.Request, reqBody []byte, res *Resp) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/v1/") {
		return
	}
	v, err := loadContract()
	if err != nil {
		t.Fatalf("load contract: %v", err)
	}
	hres := &http.Response{StatusCode: res.Status, Header: res.Header, Body: io.NopCloser(bytes.NewReader(res.Body)), Request: req}
	contractMu.Lock()
	ok, errs := v.ValidateHttpResponse(req, hres)
	contractMu.Unlock()
	if !ok && unrouted(errs) {
		// No document can describe a route that does not exist: check the
		// router's own 404 and 405 are problems all the same.
		ok, errs = checkUnrouted(t, res), nil
	}
	if !ok {
		for _, e := range errs {
			t.Errorf("contract: %s %s → %d: %s (%s) %v", req.Method, req.URL.Path, res.Status, e.Message, e.Reason, schemaErrors(e))
		}
		t.Logf("body: %.2000s", res.Body)
	}
}

// CheckContract fails the test when res, the answer to req, does not match
// the contract: for bodies no route makes yet, such as a position under a
// model the configuration does not choose.
func CheckContract(t *testing.T, req *http.Request, res *Resp) {
	t.Helper()
	checkContract(t, req, nil, res)
}

func schemaErrors(e *verrors.ValidationError) []string {
	var out []string
	for _, f := range e.SchemaValidationErrors {
		out = append(out, f.FieldPath+": "+f.Reason)
	}
	return out
}

func unrouted(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if !e.IsPathMissingError() && !e.IsOperationMissingError() {
			return false
		}
	}
	return len(errs) > 0
}

func checkUnrouted(t *testing.T, res *Resp) bool {
	t.Helper()
	if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
		t.Errorf("a route the contract does not know answered %d", res.Status)
		return true
	}
	p := res.JSON(t)
	if res.Header.Get("Content-Type") != "application/problem+json" || p["status"] != float64(res.Status) || p["requestId"] == "" {
		t.Errorf("the router's %d is not a problem: %s", res.Status, res.Body)
	}
	if res.Status == http.StatusMethodNotAllowed && res.Header.Get("Allow") == "" {
		t.Errorf("405 without Allow")
	}
	return true
}
