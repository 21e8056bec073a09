package s3blob

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regional-data-exchange/rdx/shared/blob"
)

// Error codes S3 and MinIO answer with, grouped by the port error they mean.
var (
	// A missing object: GetObject says NoSuchKey; HeadObject has no body, so
	// the SDK names its 404 NotFound.
	notFoundCodes = codes("NoSuchKey", "NotFound")
	// A body that is not the declared one. S3 answers a wrong
	// x-amz-checksum-sha256 with BadDigest, MinIO (tried) with
	// XAmzContentChecksumMismatch; the others are the same refusal of
	// Content-MD5 or of the signed payload hash.
	checksumCodes = codes("BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest",
		"XAmzContentSHA256Mismatch")
	// The store is overloaded or down, worth trying again later.
	unavailableCodes = codes("SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError",
		"Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled",
		"TooManyRequestsException", "XMinioServerNotInitialized")
)

func codes(c ...string) map[string]bool {
	m := make(map[string]bool, len(c))
	for _, s := range c {
		m[s] = true
	}
	return m
}

// mapError wraps err with the port error it means, keeping the SDK error in
// the chain for errors.As and for the log.
func mapError(op, key string, err error) error {
	if err == nil {
		return nil
	}
	if portErr := classify(err); portErr != nil {
		return fmt.Errorf("s3blob: %s %q: %w: %w", op, key, portErr, err)
	}
	return fmt.Errorf("s3blob: %s %q: %w", op, key, err)
}

// classify returns the port error err means, or nil for none (access
// denied, a missing bucket, a bad request: faults to fix, not to retry).
func classify(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil // the caller's own doing, already recognisable
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch code := apiErr.ErrorCode(); {
		case notFoundCodes[code]:
			return blob.ErrNotFound
		case checksumCodes[code]:
			return blob.ErrChecksum
		case unavailableCodes[code]:
			return blob.ErrUnavailable
		}
	}
	if serverFault(err) || transportFault(err) {
		return blob.ErrUnavailable
	}
	return nil
}

// serverFault is a 5xx or 429 whatever its code, which some proxies in front
// of the store answer without an S3 error body.
func serverFault(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	status := re.HTTPStatusCode()
	return status >= 500 || status == http.StatusTooManyRequests
}

// transportFault is a request that got no answer: the store is unreachable.
// (An exhausted retry budget or quota keeps the last failure in the chain,
// so it is classified by that failure.)
func transportFault(err error) bool {
	var sendErr *smithyhttp.RequestSendError
	return errors.As(err, &sendErr)
}
