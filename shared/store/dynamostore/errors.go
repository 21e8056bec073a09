package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/dynamoapi"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// unavailable reports the error codes, of whole requests and of transaction
// cancellation reasons, that mean DynamoDB is shedding load or failing: the
// request was not applied and may be tried again later.
func unavailable(code string) bool {
	switch code {
	case "ProvisionedThroughputExceeded", "ThrottlingError", // cancellation reasons
		"InternalServerError", "ServiceUnavailable":
		return true
	}
	return dynamoapi.IsThrottled(code) // TransactionInProgressException among them: a retry overlapping its own first attempt
}

// opError maps a failed request to the port's errors. A cancelled context
// wins over whatever the client made of it, so the caller always sees ctx.Err().
func opError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("dynamostore: %s: %w (%v)", op, ctx.Err(), err)
	}
	var api *dynamoapi.Error
	if errors.As(err, &api) && (unavailable(api.Code) || api.ServerFault()) {
		return fmt.Errorf("%w: dynamostore: %s: %v", store.ErrUnavailable, op, err)
	}
	// The client has already retried a request that got no answer (refused
	// connection, reset, timeout); the backend cannot answer now.
	var send *dynamoapi.SendError
	if errors.As(err, &send) {
		return fmt.Errorf("%w: dynamostore: %s: %v", store.ErrUnavailable, op, err)
	}
	return fmt.Errorf("dynamostore: %s: %w", op, err)
}

// txnError maps a failed TransactWriteItems. index[i] is the caller's
// position of request item i.
func txnError(ctx context.Context, err error, index []int) error {
	var tc *dynamoapi.Error
	if errors.As(err, &tc) && tc.Code == "TransactionCanceledException" {
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
func cancellation(reasons []dynamoapi.CancellationReason, index []int) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
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
		if unavailable(c) {
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
