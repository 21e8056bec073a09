package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Capacity is what one successful call consumed, as DynamoDB reports it
// when asked for ReturnConsumedCapacity TOTAL: the figures it bills an
// on-demand table by (read and write request units are the same units).
type Capacity struct {
	// Op is the DynamoDB operation: GetItem, Query or TransactWriteItems.
	Op string
	// Units is the call's total capacity units. Read and Write split it
	// when DynamoDB says how (a transaction's condition checks are reads);
	// both are zero when it gives only the total.
	Units, Read, Write float64
}

// WithCapacity asks DynamoDB what each call consumed and passes it to fn,
// with the call's context, once per successful call (a transaction
// cancelled by DynamoDB reports nothing). fn is called from the goroutine
// that made the call and must be safe for concurrent use. Without this
// option nothing is asked for.
func WithCapacity(fn func(ctx context.Context, c Capacity)) Option {
	return func(t *Table) { t.capacity = fn }
}

// returnCapacity is the ReturnConsumedCapacity a request carries.
func (t *Table) returnCapacity() types.ReturnConsumedCapacity {
	if t.capacity == nil {
		return "" // left out of the request
	}
	return types.ReturnConsumedCapacityTotal
}

// record reports what op consumed: one entry per table it touched, summed.
func (t *Table) record(ctx context.Context, op string, consumed []types.ConsumedCapacity) {
	if t.capacity == nil {
		return
	}
	c := Capacity{Op: op}
	for _, cc := range consumed {
		c.Units += aws.ToFloat64(cc.CapacityUnits)
		c.Read += aws.ToFloat64(cc.ReadCapacityUnits)
		c.Write += aws.ToFloat64(cc.WriteCapacityUnits)
	}
	t.capacity(ctx, c)
}

// one is a read's single entry as record takes it.
func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}
