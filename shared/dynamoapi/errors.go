package dynamoapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is DynamoDB's answer to a request it did not carry out.
type Error struct {
	Op      string
	Status  int    // the HTTP status
	Code    string // e.g. "ConditionalCheckFailedException", without the namespace
	Message string
	// CancellationReasons, for a TransactionCanceledException, follow the
	// request's items: Code "None" for those that were not the cause.
	CancellationReasons []CancellationReason
}

// CancellationReason is why one item of a cancelled transaction failed.
type CancellationReason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("dynamodb: %s: %s (HTTP %d)", e.Op, e.Code, e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if len(e.CancellationReasons) > 0 {
		codes := make([]string, len(e.CancellationReasons))
		for i, r := range e.CancellationReasons {
			codes[i] = r.Code
		}
		msg += " [" + strings.Join(codes, ", ") + "]"
	}
	return msg
}

// ServerFault reports an answer that blames DynamoDB rather than the request.
func (e *Error) ServerFault() bool { return e.Status >= 500 }

// SendError is a call that got no usable answer: the request could not be
// sent, or its answer was cut short or corrupted. DynamoDB may or may not
// have carried it out.
type SendError struct {
	Op  string
	Err error
}

func (e *SendError) Error() string { return fmt.Sprintf("dynamodb: %s: no answer: %v", e.Op, e.Err) }
func (e *SendError) Unwrap() error { return e.Err }

// apiError reads DynamoDB's error body, {"__type": "namespace#Code",
// "message": "..."}; some errors spell it "Message".
func apiError(op string, res *http.Response, body []byte) *Error {
	var b struct {
		Type                string               `json:"__type"`
		Message             string               `json:"message"`
		MessageUpper        string               `json:"Message"`
		CancellationReasons []CancellationReason `json:"CancellationReasons"`
	}
	e := &Error{Op: op, Status: res.StatusCode}
	if json.Unmarshal(body, &b) != nil || b.Type == "" {
		e.Code = http.StatusText(res.StatusCode)
		if t := res.Header.Get("X-Amzn-ErrorType"); t != "" {
			e.Code = strings.SplitN(t, ":", 2)[0]
		}
		e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		return e
	}
	e.Code = b.Type[strings.LastIndexByte(b.Type, '#')+1:]
	e.Message = b.Message
	if e.Message == "" {
		e.Message = b.MessageUpper
	}
	e.CancellationReasons = b.CancellationReasons
	return e
}

// throttled lists the codes the SDK's standard retryer treats as throttling
// and a few transient ones: the request was not carried out and may be sent
// again after a pause.
var throttled = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestThrottledException": true, "TooManyRequestsException": true,
	"ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true,
	"RequestThrottled": true, "SlowDown": true, "PriorRequestNotComplete": true,
	"RequestTimeout": true, "RequestTimeoutException": true,
}

// retryable reports whether another try may succeed: a throttled request, a
// server fault, or no answer at all. (A send whose fate is unknown is safe
// to repeat: reads change nothing, and a transaction carries its
// idempotency token.)
func retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return throttled[e.Code] || e.ServerFault()
	}
	var send *SendError
	return errors.As(err, &send)
}

// IsThrottled reports whether code is one of throttling or transient
// overload (see throttled).
func IsThrottled(code string) bool { return throttled[code] }
