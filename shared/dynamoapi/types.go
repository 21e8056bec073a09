package dynamoapi

import (
	"context"
	"crypto/rand"
	"fmt"
)

// Value is an attribute value of the kinds the service stores: a string,
// a number (its decimal text, never a float) or binary data. A value of
// another kind decodes with all three unset.
type Value struct {
	S *string `json:"S,omitempty"`
	N *string `json:"N,omitempty"`
	B []byte  `json:"B,omitempty"` // base64 on the wire, as encoding/json writes []byte
}

// Item is an item or a key: attribute name to value.
type Item map[string]Value

// S is a string value.
func S(s string) Value { return Value{S: &s} }

// N is a number value from its decimal text.
func N(n string) Value { return Value{N: &n} }

// B is a binary value.
func B(b []byte) Value { return Value{B: b} }

// GetItemInput is GetItem's request.
type GetItemInput struct {
	TableName      string
	Key            Item
	ConsistentRead bool `json:",omitempty"`
}

// GetItemOutput is GetItem's answer; Item is nil when there is none.
type GetItemOutput struct{ Item Item }

// GetItem reads one item by key.
func (c *Client) GetItem(ctx context.Context, in *GetItemInput) (*GetItemOutput, error) {
	var out GetItemOutput
	return &out, c.Call(ctx, "GetItem", in, &out)
}

// QueryInput is Query's request.
type QueryInput struct {
	TableName                 string
	KeyConditionExpression    string
	ExpressionAttributeNames  map[string]string `json:",omitempty"`
	ExpressionAttributeValues Item              `json:",omitempty"`
	ScanIndexForward          bool              // sent either way: false reads backwards
	Limit                     int32             `json:",omitempty"`
	ExclusiveStartKey         Item              `json:",omitempty"`
	ConsistentRead            bool              `json:",omitempty"`
}

// QueryOutput is Query's answer; LastEvaluatedKey is set when DynamoDB
// stopped before the end of the range.
type QueryOutput struct {
	Items            []Item
	LastEvaluatedKey Item
}

// Query reads a range of one partition.
func (c *Client) Query(ctx context.Context, in *QueryInput) (*QueryOutput, error) {
	var out QueryOutput
	return &out, c.Call(ctx, "Query", in, &out)
}

// Condition is the condition part of a transaction's item.
type Condition struct {
	ConditionExpression       string            `json:",omitempty"`
	ExpressionAttributeNames  map[string]string `json:",omitempty"`
	ExpressionAttributeValues Item              `json:",omitempty"`
}

// Put writes Item whole.
type Put struct {
	TableName string
	Item      Item
	Condition
}

// Delete removes the item at Key.
type Delete struct {
	TableName string
	Key       Item
	Condition
}

// ConditionCheck only checks the item at Key.
type ConditionCheck struct {
	TableName string
	Key       Item
	Condition
}

// TransactWriteItem is one item of a transaction: exactly one field is set.
type TransactWriteItem struct {
	Put            *Put            `json:",omitempty"`
	Delete         *Delete         `json:",omitempty"`
	ConditionCheck *ConditionCheck `json:",omitempty"`
}

type transactWriteItemsInput struct {
	TransactItems      []TransactWriteItem
	ClientRequestToken string
}

// TransactWriteItems applies items all or none. Each call carries a fresh
// idempotency token, the same on every retry of that call, so a retry after
// a lost answer is not applied twice (DynamoDB remembers tokens for ten
// minutes).
func (c *Client) TransactWriteItems(ctx context.Context, items []TransactWriteItem) error {
	return c.Call(ctx, "TransactWriteItems", transactWriteItemsInput{TransactItems: items, ClientRequestToken: token()}, nil)
}

// token is a random UUID (version 4), as the SDK makes idempotency tokens.
func token() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
