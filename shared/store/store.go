// Package store is the table port: the few operations the product needs from a
// key-value table with sorted partitions, shaped so that DynamoDB and bbolt can
// both implement it exactly. Domain code never sees an adapter's own types.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits every adapter enforces, so that code proven on the embedded store
// cannot produce an item or transaction that DynamoDB would refuse.
const (
	MaxItemData   = 350 * 1024 // bytes of Item.Data; DynamoDB's item limit is 400 KB with keys and attributes
	MaxTxnOps     = 100        // DynamoDB TransactWriteItems limit
	MaxKeyLength  = 1024       // DynamoDB sort-key limit (partition keys allow 2048)
	MaxQueryLimit = 1000
	MaxTxnBytes   = 4 << 20 // DynamoDB's cap on one transaction's total size
)

// Item is one record. PK names its partition; SK orders it inside the partition
// (byte order of the UTF-8 string).
type Item struct {
	PK, SK string
	// Version is the item's optimistic-concurrency counter; conditions compare it.
	Version int64
	// Data is the opaque payload (JSON in this product).
	Data []byte
	// ExpiresAt, in Unix seconds, lets the adapter delete the item after that
	// time (DynamoDB TTL). Zero means never. Expiry is lazy: readers that care
	// must check it themselves.
	ExpiresAt int64
}

// CondKind says what must hold of an item's current state for an operation.
type CondKind int

const (
	// Always: no condition.
	Always CondKind = iota
	// NotExists: the item must be absent.
	NotExists
	// Exists: the item must be present.
	Exists
	// VersionIs: the item must be present with Version equal to Condition.Version.
	VersionIs
)

// Condition guards one operation of a transaction.
type Condition struct {
	Kind    CondKind
	Version int64
}

// IfNotExists, IfExists and IfVersion build the common conditions.
func IfNotExists() Condition       { return Condition{Kind: NotExists} }
func IfExists() Condition          { return Condition{Kind: Exists} }
func IfVersion(v int64) Condition  { return Condition{Kind: VersionIs, Version: v} }
func (c Condition) String() string { return condNames[c.Kind] + versionSuffix(c) }
func versionSuffix(c Condition) string {
	if c.Kind == VersionIs {
		return fmt.Sprintf("(%d)", c.Version)
	}
	return ""
}

var condNames = map[CondKind]string{Always: "always", NotExists: "not-exists", Exists: "exists", VersionIs: "version-is"}

// OpKind is what an operation does.
type OpKind int

const (
	// Put writes Item whole (replacing any existing item with its key).
	Put OpKind = iota
	// Delete removes the item with Item's key (absent is not an error unless the condition says so).
	Delete
	// Check only tests the condition.
	Check
)

// Op is one operation of an atomic transaction. Delete and Check use only
// Item.PK and Item.SK.
type Op struct {
	Kind OpKind
	Item Item
	Cond Condition
}

// PutOp, DeleteOp and CheckOp build operations.
func PutOp(it Item, c Condition) Op { return Op{Kind: Put, Item: it, Cond: c} }
func DeleteOp(pk, sk string, c Condition) Op {
	return Op{Kind: Delete, Item: Item{PK: pk, SK: sk}, Cond: c}
}
func CheckOp(pk, sk string, c Condition) Op {
	return Op{Kind: Check, Item: Item{PK: pk, SK: sk}, Cond: c}
}

// Query reads one partition in sort-key order between two inclusive bounds.
type Query struct {
	PK string
	// Prefix limits the query to sort keys that begin with it. Start and End,
	// when set, narrow it further (inclusive); they must themselves begin with Prefix.
	Prefix     string
	Start, End string
	// After continues a previous page: only sort keys strictly after it in the
	// direction of the query. It is a sort key the adapter returned as Next.
	After string
	// Reverse reads from the highest sort key down.
	Reverse bool
	// Limit caps the items returned (1..MaxQueryLimit; 0 means MaxQueryLimit).
	Limit int
}

// Page is one page of a query. Next is empty when the partition range is
// exhausted; otherwise it is the sort key to pass as After. A page may be
// shorter than Limit and still have a Next.
type Page struct {
	Items []Item
	Next  string
}

// Table is the port. Reads are strongly consistent: a Get or Query after a
// successful Transact sees it (the DynamoDB adapter reads with
// ConsistentRead). A cancelled context fails with an error wrapping
// ctx.Err().
type Table interface {
	// Get returns the item, or an error wrapping ErrNotFound.
	Get(ctx context.Context, pk, sk string) (Item, error)
	// Query returns one page of a partition range.
	Query(ctx context.Context, q Query) (Page, error)
	// Transact applies every operation or none. When a condition fails it
	// returns a *ConditionFailedError naming the first failing operation
	// (it wraps ErrConditionFailed).
	Transact(ctx context.Context, ops ...Op) error
}

// Errors every adapter maps its own failures to.
var (
	ErrNotFound        = errors.New("store: item not found")
	ErrConditionFailed = errors.New("store: condition failed")
	// ErrUnavailable is throttling or a backend that cannot answer now; the
	// caller may retry later.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrInvalid is a request the port's contract forbids (item too large,
	// too many operations, two operations on one item, bad bounds).
	ErrInvalid = errors.New("store: invalid request")
)

// ConditionFailedError says which operation's condition did not hold.
type ConditionFailedError struct {
	Index int // position in the ops slice, or -1 when the backend does not say
}

func (e *ConditionFailedError) Error() string {
	return fmt.Sprintf("store: condition failed on operation %d", e.Index)
}

// Unwrap lets errors.Is(err, ErrConditionFailed) match.
func (e *ConditionFailedError) Unwrap() error { return ErrConditionFailed }

// FailedOp returns the index of the failing operation if err is a condition failure.
func FailedOp(err error) (int, bool) {
	var cf *ConditionFailedError
	if errors.As(err, &cf) {
		return cf.Index, true
	}
	return 0, false
}

// ValidateTxn checks the port's transaction contract; adapters call it first.
func ValidateTxn(ops []Op) error {
	if len(ops) == 0 || len(ops) > MaxTxnOps {
		return fmt.Errorf("%w: %d operations (1..%d)", ErrInvalid, len(ops), MaxTxnOps)
	}
	seen := make(map[[2]string]bool, len(ops))
	total := 0
	for i, op := range ops {
		total += len(op.Item.Data) + len(op.Item.PK) + len(op.Item.SK)
		if op.Kind < Put || op.Kind > Check || op.Cond.Kind < Always || op.Cond.Kind > VersionIs {
			return fmt.Errorf("%w: operation %d has an unknown kind or condition", ErrInvalid, i)
		}
		k := [2]string{op.Item.PK, op.Item.SK}
		if err := ValidateKey(op.Item.PK, op.Item.SK); err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
		if seen[k] {
			return fmt.Errorf("%w: two operations on %s/%s", ErrInvalid, op.Item.PK, op.Item.SK)
		}
		seen[k] = true
		if op.Kind == Put && len(op.Item.Data) > MaxItemData {
			return fmt.Errorf("%w: item %s/%s has %d bytes of data (max %d)", ErrInvalid, op.Item.PK, op.Item.SK, len(op.Item.Data), MaxItemData)
		}
	}
	if total > MaxTxnBytes {
		return fmt.Errorf("%w: transaction of %d bytes (max %d)", ErrInvalid, total, MaxTxnBytes)
	}
	return nil
}

// ValidateKey checks a key's parts are present, within limits and valid
// UTF-8 without U+10FFFF (which Bounds reserves as the top of a range).
func ValidateKey(pk, sk string) error {
	if pk == "" || sk == "" || len(pk) > MaxKeyLength || len(sk) > MaxKeyLength || !keyText(pk) || !keyText(sk) {
		return fmt.Errorf("%w: key %q/%q", ErrInvalid, pk, sk)
	}
	return nil
}

func keyText(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, MaxRune) }

// ValidateQuery checks the port's rules for a query; adapters call it first.
func ValidateQuery(q Query) error {
	var problem string
	switch {
	case q.PK == "" || len(q.PK) > MaxKeyLength:
		problem = "partition key empty or too long"
	case !utf8.ValidString(q.PK + q.Prefix + q.Start + q.End + q.After):
		problem = "keys must be valid UTF-8"
	case q.Limit < 0 || q.Limit > MaxQueryLimit:
		problem = fmt.Sprintf("limit %d outside 0..%d", q.Limit, MaxQueryLimit)
	case len(q.Prefix) > MaxKeyLength || len(q.Start) > MaxKeyLength ||
		len(q.End) > MaxKeyLength || len(q.After) > MaxKeyLength:
		problem = "sort-key bound too long"
	case !strings.HasPrefix(q.Start, q.Prefix) && q.Start != "",
		!strings.HasPrefix(q.End, q.Prefix) && q.End != "":
		problem = "start or end does not begin with the prefix"
	case q.Start != "" && q.End != "" && q.Start > q.End:
		problem = "start after end"
	default:
		return nil
	}
	return fmt.Errorf("%w: query %q: %s", ErrInvalid, q.PK, problem)
}

// Bounds returns the inclusive sort-key range a query covers. The upper bound
// of a bare prefix is the prefix followed by the highest Unicode code point,
// which sorts after every valid UTF-8 continuation.
func (q Query) Bounds() (lo, hi string) {
	lo, hi = q.Prefix, q.Prefix+MaxRune
	if q.Start != "" {
		lo = q.Start
	}
	if q.End != "" {
		hi = q.End
	}
	return lo, hi
}

// MaxRune sorts after every other character in UTF-8 byte order.
const MaxRune = "\U0010FFFF"
