package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// unavailable lists the error codes, of whole requests and of transaction
// cancellation reasons, that mean DynamoDB is shedding load: the request was
// not applied and may be tried again later.
var unavailable = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ProvisionedThroughputExceeded":          true, // cancellation reason
	"RequestLimitExceeded":                   true,
	"ThrottlingException":                    true,
	"Throttling":                             true,
	"ThrottlingError":                        true, // cancellation reason
	"TransactionInProgressException":         true, // a retry overlapping its own first attempt
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
}

// opError maps a failed request to the port's errors. A cancelled context
// wins over whatever the SDK made of it, so the caller always sees ctx.Err().
func opError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("dynamostore: %s: %w (%v)", op, ctx.Err(), err)
	}
	var api smithy.APIError
	if errors.As(err, &api) && (unavailable[api.ErrorCode()] || api.ErrorFault() == smithy.FaultServer) {
		return fmt.Errorf("%w: dynamostore: %s: %v", store.ErrUnavailable, op, err)
	}
	// The SDK has already retried a request it could not send (refused
	// connection, reset, timeout); the backend cannot answer now.
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return fmt.Errorf("%w: dynamostore: %s: %v", store.ErrUnavailable, op, err)
	}
	return fmt.Errorf("dynamostore: %s: %w", op, err)
}

// txnError maps a failed TransactWriteItems. index[i] is the caller's
// position of request item i.
func txnError(ctx context.Context, err error, index []int) error {
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) {
		if mapped := cancellation(tc.CancellationReasons, index); mapped != nil {
			return mapped
		}
	}
	return opError(ctx, "transact", err)
}

// cancellation reads DynamoDB's reasons, which follow the request's items.
// A failed condition is the port's answer and comes first. A
// TransactionConflict means another transaction was writing one of the items
// at that moment, so our conditions could not be evaluated. Transact tries
// again a few times; if the conflict persists it reports a condition failure
// with Index -1 (no condition of ours was seen to fail): a concurrent writer
// is exactly what a failed version or existence condition reveals, and the
// caller's answer to that, to read again and retry, is the right one here.
// ErrUnavailable would send the caller away to retry later, for contention
// that a fresh read usually resolves at once. Throttling of any item means
// the whole transaction may be tried again later.
func cancellation(reasons []types.CancellationReason, index []int) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		if r.Code != nil {
			codes[i] = *r.Code
		}
	}
	for i, c := range codes {
		if c == "ConditionalCheckFailed" {
			return &store.ConditionFailedError{Index: opIndex(index, i)}
		}
	}
	for _, c := range codes {
		if c == "TransactionConflict" {
			return &store.ConditionFailedError{Index: -1}
		}
	}
	for _, c := range codes {
		if unavailable[c] {
			return fmt.Errorf("%w: dynamostore: transaction cancelled: %v", store.ErrUnavailable, codes)
		}
	}
	return nil
}

func opIndex(index []int, i int) int {
	if i < len(index) {
		return index[i]
	}
	return -1
}
