// Package dynamostore implements the table port (package store) on one
// DynamoDB table.
//
// # Key design
//
// The product keeps everything in a single table whose items are keyed
// exactly as the port names them: the string hash key PK is the partition
// and the string range key SK orders items inside it. The service chooses
// the keys: partner partitions P#{region}#{partner} (current records and
// immutable versions), region partitions R#{region} (locks, pooling
// agreements, uploads, exports), audit partitions by day A#{region}#{day},
// and idempotency records I#... that carry a TTL so DynamoDB deletes them.
// Besides the keys an item holds only its version (v, a number), its opaque
// payload (d, binary) and, when it expires, its expiry (ttl, a number of Unix
// seconds, the table's TTL attribute).
//
// Every read is a strongly consistent GetItem by key or a Query of one
// partition's sort-key range; nothing scans, so cost grows with what a
// request reads, never with the table. Writes are always TransactWriteItems,
// which gives the port's all-or-nothing conditions and, through the
// idempotency token the SDK fills in once per call, safe retries.
//
// The adapter never loads AWS configuration: a main builds one
// *dynamodb.Client (the SDK's, with its standard retryer) and passes it to New.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regional-data-exchange/rdx/shared/store"
)

// Attribute names, shared with the SAM template and the tests.
const (
	AttrPK      = "PK"  // string, hash key: the partition
	AttrSK      = "SK"  // string, range key: the order inside the partition
	AttrVersion = "v"   // number: Item.Version
	AttrData    = "d"   // Item.Data, absent when empty: a string when it is UTF-8 text (the product's JSON), else binary
	AttrTTL     = "ttl" // number: Item.ExpiresAt, absent when zero; the table's TTL attribute
)

// Table is a store.Table on one DynamoDB table.
type Table struct {
	client   *dynamodb.Client
	name     string
	capacity func(context.Context, Capacity) // nil: capacity is not asked for
}

var _ store.Table = (*Table)(nil)

// An Option adjusts the adapter.
type Option func(*Table)

// New returns the adapter for table, reached through client.
func New(client *dynamodb.Client, table string, opts ...Option) *Table {
	t := &Table{client: client, name: table}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Get implements store.Table with a consistent GetItem.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	if err := store.ValidateKey(pk, sk); err != nil {
		return store.Item{}, err
	}
	out, err := t.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              &t.name,
		Key:                    key(pk, sk),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: t.returnCapacity(),
	})
	if err != nil {
		return store.Item{}, opError(ctx, "get", err)
	}
	t.record(ctx, "GetItem", one(out.ConsumedCapacity))
	if out.Item == nil {
		return store.Item{}, fmt.Errorf("%w: %q/%q", store.ErrNotFound, pk, sk)
	}
	return decodeItem(out.Item)
}

// Query implements store.Table. It asks for one item more than the limit, so
// that Next is set only when another item lies in the range (as in
// boltstore) and a reader never pays a round trip for an empty last page. A
// page is shorter than the limit, with a Next, only when DynamoDB stops at
// its 1 MB page size.
func (t *Table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if err := ctx.Err(); err != nil {
		return store.Page{}, err
	}
	if err := validateQuery(q); err != nil {
		return store.Page{}, err
	}
	in, ok := t.queryInput(q)
	if !ok {
		return store.Page{}, nil // the range holds no key
	}
	out, err := t.client.Query(ctx, in)
	if err != nil {
		return store.Page{}, opError(ctx, "query", err)
	}
	t.record(ctx, "Query", one(out.ConsumedCapacity))
	return page(out, limit(q))
}

// validateQuery adds to the port's checks the one DynamoDB needs: every
// string must be valid UTF-8, which the JSON wire format would otherwise
// silently repair into a different key.
func validateQuery(q store.Query) error {
	if err := store.ValidateQuery(q); err != nil {
		return err
	}
	for _, s := range []string{q.PK, q.Prefix, q.Start, q.End, q.After} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: query %q: invalid UTF-8 in a key or bound", store.ErrInvalid, q.PK)
		}
	}
	return nil
}

func limit(q store.Query) int {
	if q.Limit == 0 {
		return store.MaxQueryLimit
	}
	return q.Limit
}

// queryInput builds the Query request, or reports false when the range,
// narrowed by After, is empty.
func (t *Table) queryInput(q store.Query) (*dynamodb.QueryInput, bool) {
	lo, hi := q.Bounds()
	hi = clampHigh(hi)
	start, ok := startKey(q, lo, hi)
	if !ok || lo > hi {
		return nil, false
	}
	in := &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk <= :hi"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(q.PK), ":hi": str(hi)},
		ScanIndexForward:          aws.Bool(!q.Reverse),
		Limit:                     aws.Int32(int32(limit(q) + 1)),
		ExclusiveStartKey:         start,
		ConsistentRead:            aws.Bool(true),
		ReturnConsumedCapacity:    t.returnCapacity(),
	}
	// DynamoDB refuses an empty string as a key value, so an open lower
	// bound is written as <= alone rather than BETWEEN "" AND hi.
	if lo != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
		in.ExpressionAttributeValues[":lo"] = str(lo)
	}
	return in, true
}

// clampHigh keeps an upper bound within DynamoDB's 1024-byte sort-key limit.
// Bounds tops a bare prefix with U+10FFFF; when that overflows the limit,
// the greatest key that fits (the prefix followed by the highest character
// of the room left) selects the same keys, because no stored key is longer.
func clampHigh(hi string) string {
	if len(hi) <= store.MaxKeyLength {
		return hi
	}
	// Only a bare prefix makes hi this long, and ValidateQuery caps the
	// prefix at the limit, so 0..3 bytes of room remain.
	p := hi[:len(hi)-len(store.MaxRune)]
	top := [...]string{"", "\x7f", "\u07ff", "\uffff"}
	return p + top[store.MaxKeyLength-len(p)]
}

// startKey turns After into DynamoDB's ExclusiveStartKey, which DynamoDB
// refuses outside the key condition's range, and even at its far end. An
// After before the range (in the query's direction) does not narrow it; one
// at or past its far end leaves nothing, reported as false.
func startKey(q store.Query, lo, hi string) (map[string]types.AttributeValue, bool) {
	a := q.After
	switch {
	case a == "":
		return nil, true
	case !q.Reverse && a < lo, q.Reverse && a > hi:
		return nil, true
	case !q.Reverse && a >= hi, q.Reverse && a <= lo:
		return nil, false
	}
	return key(q.PK, a), true
}

// page decodes up to n items; the extra item asked for only says more exist.
func page(out *dynamodb.QueryOutput, n int) (store.Page, error) {
	var p store.Page
	for _, av := range out.Items[:min(n, len(out.Items))] {
		it, err := decodeItem(av)
		if err != nil {
			return store.Page{}, err
		}
		p.Items = append(p.Items, it)
	}
	switch {
	case len(out.Items) > n:
		p.Next = p.Items[n-1].SK
	case out.LastEvaluatedKey != nil:
		// Stopped by the 1 MB page size: more may follow.
		if s, ok := out.LastEvaluatedKey[AttrSK].(*types.AttributeValueMemberS); ok {
			p.Next = s.Value
		}
	}
	return p, nil
}

// Transact implements store.Table with one TransactWriteItems, tried again
// only when another transaction on the same items got in the way.
func (t *Table) Transact(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.ValidateTxn(ops); err != nil {
		return err
	}
	items, index := t.txnItems(ops)
	if len(items) == 0 {
		return nil // only checks that always hold
	}
	for attempt := 1; ; attempt++ {
		// A fresh input each time: the SDK writes the idempotency token it
		// makes into the input (and sends that one token on each of its own
		// retries), and a new attempt is a new request.
		out, err := t.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: items, ReturnConsumedCapacity: t.returnCapacity()})
		if err == nil {
			t.record(ctx, "TransactWriteItems", out.ConsumedCapacity)
			return nil
		}
		err = txnError(ctx, err, index)
		if !conflicted(err) || attempt == conflictAttempts {
			return err
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// conflictAttempts bounds the tries of a transaction that DynamoDB cancels
// because another transaction is writing one of its items. The cancelled
// transaction changed nothing, and once the other one ends a new attempt
// gets a definite answer (success, or the failing condition's index), which
// is what the port promises. DynamoDB Local serialises transactions and never
// reports a conflict; DynamoDB does under contention.
const conflictAttempts = 3

// conflicted reports the error txnError makes of a TransactionConflict.
func conflicted(err error) bool {
	i, ok := store.FailedOp(err)
	return ok && i == -1
}

// pause waits a little longer after each conflict, with jitter so that
// transactions that collided do not collide again in step.
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(attempt)*20*time.Millisecond + rand.N(20*time.Millisecond)
	select {
	case <-ctx.Done():
		return fmt.Errorf("dynamostore: transact: %w", ctx.Err())
	case <-time.After(d):
		return nil
	}
}

// txnItems translates ops, leaving out checks that always hold: DynamoDB
// requires a condition on a ConditionCheck, and one that cannot fail adds
// nothing but a read. index[i] is the position in ops of request item i, so
// cancellation reasons, which follow the request, name the caller's op.
func (t *Table) txnItems(ops []store.Op) ([]types.TransactWriteItem, []int) {
	items := make([]types.TransactWriteItem, 0, len(ops))
	index := make([]int, 0, len(ops))
	for i, op := range ops {
		if op.Kind == store.Check && op.Cond.Kind == store.Always {
			continue
		}
		items = append(items, t.txnItem(op))
		index = append(index, i)
	}
	return items, index
}

func (t *Table) txnItem(op store.Op) types.TransactWriteItem {
	expr, names, values := condition(op.Cond)
	k := key(op.Item.PK, op.Item.SK)
	switch op.Kind {
	case store.Put:
		return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: encodeItem(op.Item),
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	case store.Delete:
		return types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: k,
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	default: // store.Check, which ValidateTxn leaves as the only other kind
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &t.name, Key: k,
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	}
}

// condition returns the condition expression for c, nil for Always. A
// version condition fails on an absent item because the absent v compares
// unequal to everything, as the port requires (absent is not version 0).
func condition(c store.Condition) (*string, map[string]string, map[string]types.AttributeValue) {
	switch c.Kind {
	case store.NotExists:
		return aws.String("attribute_not_exists(#pk)"), map[string]string{"#pk": AttrPK}, nil
	case store.Exists:
		return aws.String("attribute_exists(#pk)"), map[string]string{"#pk": AttrPK}, nil
	case store.VersionIs:
		return aws.String("#v = :v"), map[string]string{"#v": AttrVersion},
			map[string]types.AttributeValue{":v": num(c.Version)}
	}
	return nil, nil, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// encodeItem leaves out empty data, which some DynamoDB versions refuse as a
// binary value, and a zero expiry, which TTL must not see. Data that is
// readable text, as every record of the product is (JSON), is stored as a
// string, so that a person reads it as it is in the DynamoDB console and in
// a point-in-time-recovery export rather than as base64; it is billed by the
// same bytes. Other data stays binary.
func encodeItem(it store.Item) map[string]types.AttributeValue {
	av := key(it.PK, it.SK)
	av[AttrVersion] = num(it.Version)
	switch {
	case len(it.Data) == 0:
	case readable(it.Data):
		av[AttrData] = &types.AttributeValueMemberS{Value: string(it.Data)}
	default:
		av[AttrData] = &types.AttributeValueMemberB{Value: it.Data}
	}
	if it.ExpiresAt != 0 {
		av[AttrTTL] = num(it.ExpiresAt)
	}
	return av
}

// readable reports UTF-8 text without control characters (JSON has none
// outside its escapes): stored as a string it reads as itself, and its
// request carries it at about its own size (control characters would each
// be written as six bytes of escape).
func readable(data []byte) bool {
	for _, b := range data {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			return false
		}
	}
	return utf8.Valid(data)
}

var errCorrupt = errors.New("dynamostore: item does not have the adapter's shape")

// decodeItem reads an item written by encodeItem; numbers are parsed as
// integers, never through float64, so every int64 version survives.
func decodeItem(av map[string]types.AttributeValue) (store.Item, error) {
	pk, ok1 := av[AttrPK].(*types.AttributeValueMemberS)
	sk, ok2 := av[AttrSK].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return store.Item{}, errCorrupt
	}
	it := store.Item{PK: pk.Value, SK: sk.Value}
	var err error
	if it.Version, err = intAttr(av, AttrVersion); err != nil {
		return store.Item{}, fmt.Errorf("%w: %q/%q: %v", errCorrupt, it.PK, it.SK, err)
	}
	if it.ExpiresAt, err = intAttr(av, AttrTTL); err != nil {
		return store.Item{}, fmt.Errorf("%w: %q/%q: %v", errCorrupt, it.PK, it.SK, err)
	}
	switch d := av[AttrData].(type) {
	case *types.AttributeValueMemberS:
		it.Data = []byte(d.Value)
	case *types.AttributeValueMemberB: // binary data, and items written before text was stored as a string
		it.Data = d.Value
	}
	return it, nil
}

// DecodeItem reads an item as the adapter wrote it, from its attributes as
// DynamoDB gives them (a stream record's image, converted).
func DecodeItem(av map[string]types.AttributeValue) (store.Item, error) { return decodeItem(av) }

// intAttr reads a number attribute; absent reads as zero.
func intAttr(av map[string]types.AttributeValue, name string) (int64, error) {
	switch v := av[name].(type) {
	case nil:
		return 0, nil
	case *types.AttributeValueMemberN:
		return strconv.ParseInt(v.Value, 10, 64)
	}
	return 0, fmt.Errorf("attribute %s is not a number", name)
}
