package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/regional-data-exchange/rdx/shared/store"
)

// transient is the SDK's standard retryer's own test of an error worth
// another try: throttling codes (TransactionInProgressException among
// them: a retry overlapping its own first attempt), HTTP 500, 502, 503 and
// 504, a request that got no answer (refused, reset, timed out) and an
// answer that failed its CRC32 check. By the time the adapter sees such an
// error the client has spent its retries on it, or its retry quota ran out.
var transient = retry.IsErrorRetryables(retry.DefaultRetryables)

// unavailable reports an error that means DynamoDB is shedding load or
// failing: the request was not applied, or its fate is unknown and a retry
// is safe, and it may be tried again later.
func unavailable(err error) bool {
	if transient.IsErrorRetryable(err) == aws.TrueTernary {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorFault() == smithy.FaultServer
}

// unavailableReason reports the transaction cancellation reasons that mean
// the same for one item of a transaction, and so for all of it.
func unavailableReason(code string) bool {
	switch code {
	case "ProvisionedThroughputExceeded", "ThrottlingError", "InternalServerError", "ServiceUnavailable":
		return true
	}
	_, throttled := retry.DefaultThrottleErrorCodes[code]
	return throttled
}

// opError maps a failed request to the port's errors. A cancelled context
// wins over whatever the SDK made of it, so the caller always sees ctx.Err().
func opError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("dynamostore: %s: %w (%v)", op, ctx.Err(), err)
	}
	if unavailable(err) {
		return fmt.Errorf("%w: dynamostore: %s: %v", store.ErrUnavailable, op, err)
	}
	return fmt.Errorf("dynamostore: %s: %w", op, err)
}

// txnError maps a failed TransactWriteItems. index[i] is the caller's
// position of request item i.
func txnError(ctx context.Context, err error, index []int) error {
	if tc, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
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
		codes[i] = aws.ToString(r.Code)
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
		if unavailableReason(c) {
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
