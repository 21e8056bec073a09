package dynamostore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
	"github.com/regional-data-exchange/rdx/shared/storetest"
)

func TestMain(m *testing.M) { standins.Main(m) }

// localTable creates a fresh table on DynamoDB Local.
func localTable(t *testing.T, opts ...dynamostore.Option) (*dynamostore.Table, *dynamodb.Client, string) {
	t.Helper()
	srv := standins.DynamoDB(t)
	client := standins.DynamoClient(srv.Endpoint)
	name := "rdx-test-" + strings.ToLower(rand.Text())
	if err := dynamostore.CreateTable(t.Context(), client, name); err != nil {
		t.Fatal(err)
	}
	return dynamostore.New(client, name, opts...), client, name
}

func TestConformance(t *testing.T) {
	t.Parallel()
	tab, _, _ := localTable(t)
	storetest.Run(t, func(*testing.T) store.Table { return tab })
}

func TestCreateTable(t *testing.T) {
	t.Parallel()
	_, client, name := localTable(t)
	// A second call, as a restarted local stack makes, accepts the table.
	if err := dynamostore.CreateTable(t.Context(), client, name); err != nil {
		t.Fatalf("second CreateTable: %v", err)
	}
	d, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	tb := d.Table
	if len(tb.KeySchema) != 2 || aws.ToString(tb.KeySchema[0].AttributeName) != dynamostore.AttrPK || tb.KeySchema[0].KeyType != types.KeyTypeHash ||
		aws.ToString(tb.KeySchema[1].AttributeName) != dynamostore.AttrSK || tb.KeySchema[1].KeyType != types.KeyTypeRange {
		t.Errorf("key schema %+v", tb.KeySchema)
	}
	if tb.BillingModeSummary == nil || tb.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing %+v, want PAY_PER_REQUEST", tb.BillingModeSummary)
	}
	ttl, err := client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if s := ttl.TimeToLiveDescription; aws.ToString(s.AttributeName) != dynamostore.AttrTTL || s.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("TTL %s %s, want enabled on %s", aws.ToString(s.AttributeName), s.TimeToLiveStatus, dynamostore.AttrTTL)
	}
}

// TestItemShape reads items back raw: DynamoDB's TTL sees ttl only on items
// that expire, empty data is stored as no attribute at all, text (the
// product's JSON records) as a string a person can read in the console, and
// other bytes as binary; items whose text was stored as binary still read.
func TestItemShape(t *testing.T) {
	t.Parallel()
	tab, client, name := localTable(t)
	// The expiring item's time is far ahead: DynamoDB Local's TTL deletes
	// items already past theirs, and could do so before they are read here.
	err := tab.Transact(t.Context(),
		store.PutOp(store.Item{PK: "p", SK: "expires", Version: 2, Data: []byte("x"), ExpiresAt: 4102444800}, store.Condition{}),
		store.PutOp(store.Item{PK: "p", SK: "plain", Version: 1, Data: []byte{}}, store.Condition{}),
		store.PutOp(store.Item{PK: "p", SK: "record", Version: 1, Data: []byte(`{"partner":"é"}`)}, store.Condition{}),
		store.PutOp(store.Item{PK: "p", SK: "bytes", Version: 1, Data: []byte{0xff, 0}}, store.Condition{}),
		store.PutOp(store.Item{PK: "p", SK: "control", Version: 1, Data: []byte("a\x01")}, store.Condition{}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"expires": `{"PK":{"S":"p"},"SK":{"S":"expires"},"d":{"S":"x"},"ttl":{"N":"4102444800"},"v":{"N":"2"}}`,
		"plain":   `{"PK":{"S":"p"},"SK":{"S":"plain"},"v":{"N":"1"}}`,
		"record":  `{"PK":{"S":"p"},"SK":{"S":"record"},"d":{"S":"{\"partner\":\"é\"}"},"v":{"N":"1"}}`,
		"bytes":   `{"PK":{"S":"p"},"SK":{"S":"bytes"},"d":{"B":"/wA="},"v":{"N":"1"}}`,
		"control": `{"PK":{"S":"p"},"SK":{"S":"control"},"d":{"B":"YQE="},"v":{"N":"1"}}`,
	}
	for sk, w := range want {
		// The item as DynamoDB answers it, every attribute of every kind.
		out, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &name, Key: map[string]types.AttributeValue{
			dynamostore.AttrPK: &types.AttributeValueMemberS{Value: "p"}, dynamostore.AttrSK: &types.AttributeValueMemberS{Value: sk}}})
		if err != nil {
			t.Fatal(err)
		}
		if g := canonical(wire(out.Item)); g != canonical(json.RawMessage(w)) {
			t.Errorf("item %s stored as %s, want %s", sk, g, w)
		}
	}
	// A record stored as binary before text was stored as a string reads the same.
	_, err = client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &name, Item: map[string]types.AttributeValue{
		dynamostore.AttrPK: &types.AttributeValueMemberS{Value: "p"}, dynamostore.AttrSK: &types.AttributeValueMemberS{Value: "old"},
		dynamostore.AttrVersion: &types.AttributeValueMemberN{Value: "3"}, dynamostore.AttrData: &types.AttributeValueMemberB{Value: []byte(`{"a":1}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	if it, err := tab.Get(t.Context(), "p", "old"); err != nil || string(it.Data) != `{"a":1}` || it.Version != 3 {
		t.Errorf("a binary record read as %+v, %v", it, err)
	}
}

// wire writes an item as DynamoDB's JSON does, {"name": {"TYPE": value}};
// an attribute of a kind the adapter never writes shows as its Go type.
func wire(item map[string]types.AttributeValue) map[string]any {
	out := map[string]any{}
	for name, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out[name] = map[string]any{"S": v.Value}
		case *types.AttributeValueMemberN:
			out[name] = map[string]any{"N": v.Value}
		case *types.AttributeValueMemberB:
			out[name] = map[string]any{"B": v.Value} // base64, as encoding/json writes []byte
		default:
			out[name] = fmt.Sprintf("%T", v)
		}
	}
	return out
}

// TestRetriesBounded: NewLocalClient's retryer, the SDK's default for
// DynamoDB, gives up after its four tries, and a backend that keeps failing
// is unavailable.
func TestRetriesBounded(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		sent int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sent++
		mu.Unlock()
		failWith(500, "InternalServerError", "")(w, "", nil)
	}))
	defer srv.Close()
	client := dynamostore.NewLocalClient(srv.URL, "key", "secret", "eu-west-2")
	_, err := dynamostore.New(client, "t").Get(t.Context(), "p", "s")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if sent != 4 {
		t.Errorf("%d attempts, want 4", sent)
	}
}

// TestPageSizeLimit fills a partition past DynamoDB's 1 MB page: the pages
// come back short, with a Next, and together hold every item once.
func TestPageSizeLimit(t *testing.T) {
	t.Parallel()
	tab, _, _ := localTable(t)
	const n = 8
	var ops []store.Op
	for i := range n {
		it := store.Item{PK: "p", SK: string(rune('a' + i)), Data: bytes.Repeat([]byte{byte(i)}, store.MaxItemData)}
		ops = append(ops, store.PutOp(it, store.Condition{}))
	}
	if err := tab.Transact(t.Context(), ops...); err != nil {
		t.Fatal(err)
	}
	for _, reverse := range []bool{false, true} {
		q := store.Query{PK: "p", Reverse: reverse}
		var got, pages int
		for {
			page, err := tab.Query(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			got, pages = got+len(page.Items), pages+1
			if page.Next == "" || pages > n {
				break
			}
			q.After = page.Next
		}
		if got != n || pages < 2 {
			t.Errorf("reverse %v: %d items in %d pages, want %d in several", reverse, got, pages, n)
		}
	}
}

// TestLongPrefix queries with prefixes near the sort-key limit, where the
// range's top (prefix + U+10FFFF) is longer than DynamoDB allows a key.
func TestLongPrefix(t *testing.T) {
	t.Parallel()
	tab, _, _ := localTable(t)
	for room := range 5 {
		prefix := strings.Repeat("s", store.MaxKeyLength-room)
		pk := "long/" + string(rune('0'+room))
		keys := []string{prefix, prefix[:len(prefix)-1] + "t"}
		if room >= 1 {
			keys = append(keys, prefix+"\x7f")
		}
		if room >= 3 {
			keys = append(keys, prefix+"\uffff")
		}
		var ops []store.Op
		for _, k := range keys {
			ops = append(ops, store.PutOp(store.Item{PK: pk, SK: k}, store.Condition{}))
		}
		if err := tab.Transact(t.Context(), ops...); err != nil {
			t.Fatal(err)
		}
		for _, reverse := range []bool{false, true} {
			page, err := tab.Query(t.Context(), store.Query{PK: pk, Prefix: prefix, Reverse: reverse})
			if want := len(keys) - 1; err != nil || len(page.Items) != want {
				t.Errorf("room %d reverse %v: %d items, err %v; want %d", room, reverse, len(page.Items), err, want)
			}
		}
	}
}

// TestAfterOutsideRange: DynamoDB wants a start key inside the key
// condition, but the port lets After lie anywhere.
func TestAfterOutsideRange(t *testing.T) {
	t.Parallel()
	tab, _, _ := localTable(t)
	var ops []store.Op
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		ops = append(ops, store.PutOp(store.Item{PK: "p", SK: k}, store.Condition{}))
	}
	if err := tab.Transact(t.Context(), ops...); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		after   string
		reverse bool
		want    string
	}{
		{"a", false, "bcd"}, {"b", false, "cd"}, {"cc", false, "d"}, {"d", false, ""}, {"z", false, ""},
		{"z", true, "dcb"}, {"d", true, "cb"}, {"bb", true, "b"}, {"b", true, ""}, {"a", true, ""},
	} {
		page, err := tab.Query(t.Context(), store.Query{PK: "p", Start: "b", End: "d", After: tt.after, Reverse: tt.reverse})
		var got string
		for _, it := range page.Items {
			got += it.SK
		}
		if err != nil || got != tt.want || page.Next != "" {
			t.Errorf("after %q reverse %v: %q next %q err %v; want %q", tt.after, tt.reverse, got, page.Next, err, tt.want)
		}
	}
}

func TestQueryRefusesInvalidUTF8(t *testing.T) {
	t.Parallel()
	tab := fakeTable(t, func(w http.ResponseWriter, _ string, _ []byte) { t.Error("request sent") })
	for _, q := range []store.Query{{PK: "\xff"}, {PK: "p", Prefix: "\xff"}, {PK: "p", After: "a\xff"}} {
		if _, err := tab.Query(t.Context(), q); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("query %+v: %v, want ErrInvalid", q, err)
		}
	}
}

// noRetries makes a client for a fake DynamoDB try each request once, so
// every call is one request and an error comes back at once.
func noRetries(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }

// fakeTable serves the adapter from handle, which answers as DynamoDB would,
// through a client adjusted by opts (default: noRetries).
func fakeTable(t *testing.T, handle func(w http.ResponseWriter, target string, body []byte), opts ...func(*dynamodb.Options)) *dynamostore.Table {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		handle(w, target, body)
	}))
	t.Cleanup(srv.Close)
	if len(opts) == 0 {
		opts = append(opts, noRetries)
	}
	return dynamostore.New(dynamostore.NewLocalClient(srv.URL, "key", "secret", "eu-west-2", opts...), "fake")
}

// failWith answers every request with a DynamoDB error.
func failWith(status int, typ, extra string) func(http.ResponseWriter, string, []byte) {
	return func(w http.ResponseWriter, _ string, _ []byte) {
		w.WriteHeader(status)
		io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#`+typ+`","message":"fake"`+extra+`}`)
	}
}

func cancelled(codes ...string) string {
	var rs []string
	for _, c := range codes {
		rs = append(rs, `{"Code":"`+c+`"}`)
	}
	return `,"CancellationReasons":[` + strings.Join(rs, ",") + `]`
}

var (
	put1 = store.PutOp(store.Item{PK: "p", SK: "1"}, store.IfNotExists())
	put2 = store.PutOp(store.Item{PK: "p", SK: "2"}, store.IfVersion(4))
	noop = store.CheckOp("p", "0", store.Condition{})
)

// A call is one use of the port whose error a test inspects.
type call func(context.Context, *dynamostore.Table) error

func get(ctx context.Context, tab *dynamostore.Table) error {
	_, err := tab.Get(ctx, "p", "s")
	return err
}

func query(ctx context.Context, tab *dynamostore.Table) error {
	_, err := tab.Query(ctx, store.Query{PK: "p"})
	return err
}

func txn(ops ...store.Op) call {
	return func(ctx context.Context, tab *dynamostore.Table) error { return tab.Transact(ctx, ops...) }
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		call           call
		status         int
		typ, extra     string
		want           error
		index          int    // for ErrConditionFailed
		raw            string // the answer's body, instead of an error of typ
		notPortFailure bool
	}{
		{name: "GetThroughput", call: get, status: 400, typ: "ProvisionedThroughputExceededException", want: store.ErrUnavailable},
		{name: "GetThrottling", call: get, status: 400, typ: "ThrottlingException", want: store.ErrUnavailable},
		{name: "QueryThrottling", call: query, status: 400, typ: "ThrottlingException", want: store.ErrUnavailable},
		{name: "QueryRequestLimit", call: query, status: 400, typ: "RequestLimitExceeded", want: store.ErrUnavailable},
		{name: "TxnRequestLimit", call: txn(put1), status: 400, typ: "RequestLimitExceeded", want: store.ErrUnavailable},
		{name: "TxnThroughput", call: txn(put1), status: 400, typ: "ProvisionedThroughputExceededException", want: store.ErrUnavailable},
		{name: "GetInternal", call: get, status: 500, typ: "InternalServerError", want: store.ErrUnavailable},
		{name: "QueryUnavailable", call: query, status: 503, typ: "ServiceUnavailable", want: store.ErrUnavailable},
		{name: "TxnInProgress", call: txn(put1), status: 400, typ: "TransactionInProgressException", want: store.ErrUnavailable},
		{name: "ConditionIndex", call: txn(put1, put2), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("None", "ConditionalCheckFailed"), want: store.ErrConditionFailed, index: 1},
		{name: "ConditionIndexAfterDroppedCheck", call: txn(noop, put1, put2), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("None", "ConditionalCheckFailed"), want: store.ErrConditionFailed, index: 2},
		{name: "FirstOfTwoConditions", call: txn(put1, put2), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("ConditionalCheckFailed", "ConditionalCheckFailed"), want: store.ErrConditionFailed, index: 0},
		{name: "ConditionBeatsConflict", call: txn(put1, put2), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("TransactionConflict", "ConditionalCheckFailed"), want: store.ErrConditionFailed, index: 1},
		{name: "Conflict", call: txn(put1), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("TransactionConflict"), want: store.ErrConditionFailed, index: -1},
		{name: "CancelledByThrottling", call: txn(put1, put2), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("None", "ThrottlingError"), want: store.ErrUnavailable},
		{name: "CancelledByThroughput", call: txn(put1), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("ProvisionedThroughputExceeded"), want: store.ErrUnavailable},
		{name: "CancelledByValidation", call: txn(put1, put2), status: 400, typ: "TransactionCanceledException",
			extra: cancelled("None", "ValidationError"), notPortFailure: true},
		{name: "Validation", call: query, status: 400, typ: "ValidationException", notPortFailure: true},
		{name: "ValidationOtherSpelling", call: query, status: 400, typ: "ValidationException", notPortFailure: true,
			raw: `{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}`},
		{name: "GatewayPageNotJSON", call: get, status: 502, raw: "<html>Bad Gateway</html>", want: store.ErrUnavailable},
		{name: "NoTable", call: get, status: 400, typ: "ResourceNotFoundException", notPortFailure: true},
		{name: "AccessDenied", call: txn(put1), status: 400, typ: "AccessDeniedException", notPortFailure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			answer := failWith(tt.status, tt.typ, tt.extra)
			if tt.raw != "" {
				answer = func(w http.ResponseWriter, _ string, _ []byte) {
					w.WriteHeader(tt.status)
					io.WriteString(w, tt.raw)
				}
			}
			tab := fakeTable(t, answer)
			err := tt.call(t.Context(), tab)
			if tt.notPortFailure {
				for _, e := range []error{store.ErrUnavailable, store.ErrConditionFailed, store.ErrNotFound, store.ErrInvalid} {
					if errors.Is(err, e) {
						t.Errorf("got %v, which matches %v; want an internal error", err, e)
					}
				}
				if err == nil || !strings.Contains(err.Error(), tt.typ) {
					t.Errorf("got %v, want an error naming %s", err, tt.typ)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == store.ErrConditionFailed {
				if got, ok := store.FailedOp(err); !ok || got != tt.index {
					t.Errorf("failed operation %d (%v), want %d", got, ok, tt.index)
				}
			}
		})
	}
}

// TestConflictRetried: a transaction cancelled by another one in flight is
// sent again; a conflict that persists is a condition failure at no index.
func TestConflictRetried(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		conflicts int
		wantSent  int
		wantIndex int // -2: success
	}{
		{"ResolvedByRetry", 1, 2, -2},
		{"ThenConditionFails", 2, 3, 1},
		{"Persistent", 5, 3, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu     sync.Mutex
				sent   int
				tokens = map[string]bool{}
			)
			tab := fakeTable(t, func(w http.ResponseWriter, _ string, body []byte) {
				var req struct{ ClientRequestToken string }
				json.Unmarshal(body, &req)
				mu.Lock()
				sent++
				n := sent
				tokens[req.ClientRequestToken] = true
				mu.Unlock()
				switch {
				case n <= tt.conflicts:
					failWith(400, "TransactionCanceledException", cancelled("None", "TransactionConflict"))(w, "", nil)
				case tt.wantIndex >= 0:
					failWith(400, "TransactionCanceledException", cancelled("None", "ConditionalCheckFailed"))(w, "", nil)
				default:
					io.WriteString(w, `{}`)
				}
			})
			err := tab.Transact(t.Context(), put1, put2)
			idx, failed := store.FailedOp(err)
			switch {
			case tt.wantIndex == -2 && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.wantIndex != -2 && (!failed || idx != tt.wantIndex):
				t.Errorf("got %v, want a condition failure at %d", err, tt.wantIndex)
			}
			mu.Lock()
			defer mu.Unlock()
			if sent != tt.wantSent || len(tokens) != sent {
				t.Errorf("%d requests with %d tokens, want %d requests with a token each", sent, len(tokens), tt.wantSent)
			}
		})
	}
}

// TestCancelDuringRequest cancels while the request is in flight, so the
// error comes from the client rather than the adapter's check before sending.
func TestCancelDuringRequest(t *testing.T) {
	t.Parallel()
	calls := map[string]call{"Get": get, "Query": query, "Transact": txn(put1)}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			release := make(chan struct{})
			defer close(release)
			tab := fakeTable(t, func(http.ResponseWriter, string, []byte) {
				cancel()
				<-release
			})
			if err := call(ctx, tab); !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
		})
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	client := dynamostore.NewLocalClient(url, "key", "secret", "eu-west-2", noRetries)
	if _, err := dynamostore.New(client, "t").Get(t.Context(), "p", "s"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}

// TestRequests checks the requests the adapter sends: consistent reads, the
// key condition, one item past the limit, and conditions; a check that
// always holds is left out, and a transaction of nothing else sends nothing.
func TestRequests(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		sent = map[string]map[string]any{}
	)
	tab := fakeTable(t, func(w http.ResponseWriter, target string, body []byte) {
		var req map[string]any
		json.Unmarshal(body, &req)
		mu.Lock()
		sent[target] = req
		mu.Unlock()
		io.WriteString(w, `{}`)
	})
	ctx := t.Context()
	if err := tab.Transact(ctx, noop); err != nil || len(sent) != 0 {
		t.Fatalf("transaction of an always-true check: err %v, sent %v", err, sent)
	}
	if _, err := tab.Get(ctx, "p", "s"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of an absent item: %v", err)
	}
	if _, err := tab.Query(ctx, store.Query{PK: "p", Prefix: "a/", Limit: 10, After: "a/5", Reverse: true}); err != nil {
		t.Error(err)
	}
	if err := tab.Transact(ctx, noop, put1, put2, store.DeleteOp("p", "3", store.IfExists())); err != nil {
		t.Error(err)
	}
	want := map[string]string{
		"GetItem":            `{"ConsistentRead":true,"Key":{"PK":{"S":"p"},"SK":{"S":"s"}},"TableName":"fake"}`,
		"Query":              `{"ConsistentRead":true,"ExclusiveStartKey":{"PK":{"S":"p"},"SK":{"S":"a/5"}},"ExpressionAttributeNames":{"#pk":"PK","#sk":"SK"},"ExpressionAttributeValues":{":hi":{"S":"a/` + store.MaxRune + `"},":lo":{"S":"a/"},":pk":{"S":"p"}},"KeyConditionExpression":"#pk = :pk AND #sk BETWEEN :lo AND :hi","Limit":11,"ScanIndexForward":false,"TableName":"fake"}`,
		"TransactWriteItems": `[{"Put":{"ConditionExpression":"attribute_not_exists(#pk)","ExpressionAttributeNames":{"#pk":"PK"},"Item":{"PK":{"S":"p"},"SK":{"S":"1"},"v":{"N":"0"}},"TableName":"fake"}},{"Put":{"ConditionExpression":"#v = :v","ExpressionAttributeNames":{"#v":"v"},"ExpressionAttributeValues":{":v":{"N":"4"}},"Item":{"PK":{"S":"p"},"SK":{"S":"2"},"v":{"N":"0"}},"TableName":"fake"}},{"Delete":{"ConditionExpression":"attribute_exists(#pk)","ExpressionAttributeNames":{"#pk":"PK"},"Key":{"PK":{"S":"p"},"SK":{"S":"3"}},"TableName":"fake"}}]`,
	}
	mu.Lock()
	defer mu.Unlock()
	if items := sent["TransactWriteItems"]; items != nil {
		if token, _ := items["ClientRequestToken"].(string); token == "" {
			t.Error("TransactWriteItems without an idempotency token")
		}
		sent["TransactWriteItems"] = map[string]any{"": items["TransactItems"]}
	}
	for target, w := range want {
		got := sent[target]
		if target == "TransactWriteItems" {
			if got, w := canonical(got[""]), canonical(json.RawMessage(w)); got != w {
				t.Errorf("%s sent\n %s\nwant\n %s", target, got, w)
			}
			continue
		}
		if got, w := canonical(got), canonical(json.RawMessage(w)); got != w {
			t.Errorf("%s sent\n %s\nwant\n %s", target, got, w)
		}
	}
}

// canonical re-encodes v with sorted keys.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	var x any
	json.Unmarshal(b, &x)
	b, _ = json.Marshal(x)
	return string(b)
}

// TestRetriesKeepTheRequest: the SDK retries throttling and server faults
// with the very body of the first try, so a transaction's retry carries the
// idempotency token the SDK filled in once for the call; a request DynamoDB
// refused is not retried; and each call has a token of its own.
func TestRetriesKeepTheRequest(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		fail     int // answers that fail before one succeeds
		status   int
		code     string
		wantSent int
		want     error // nil: success
	}{
		{"ThrottledOnce", 1, 400, "ThrottlingException", 2, nil},
		{"ThroughputTwice", 2, 400, "ProvisionedThroughputExceededException", 3, nil},
		{"ServerFault", 1, 500, "InternalServerError", 2, nil},
		{"Unavailable503", 1, 503, "ServiceUnavailable", 2, nil},
		{"InProgress", 1, 400, "TransactionInProgressException", 2, nil},
		{"ThrottledThroughout", 9, 400, "ThrottlingException", 3, store.ErrUnavailable},
		{"NotRetried", 9, 400, "ValidationException", 1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu     sync.Mutex
				bodies []string
			)
			tab := fakeTable(t, func(w http.ResponseWriter, _ string, body []byte) {
				mu.Lock()
				bodies = append(bodies, string(body))
				n := len(bodies)
				mu.Unlock()
				if n <= tt.fail {
					failWith(tt.status, tt.code, "")(w, "", nil)
					return
				}
				io.WriteString(w, `{}`)
			}, retries(3))
			err := tab.Transact(t.Context(), put1, put2)
			switch {
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("got %v, want %v", err, tt.want)
			case tt.want == nil && tt.wantSent == 1 && (err == nil || !strings.Contains(err.Error(), tt.code)):
				t.Errorf("got %v, want the refusal %s", err, tt.code)
			case tt.want == nil && tt.wantSent > 1 && err != nil:
				t.Errorf("got %v, want success", err)
			}
			mu.Lock()
			sent := len(bodies)
			mu.Unlock()
			// The next call is another request, with another token.
			tab.Transact(t.Context(), put1)
			mu.Lock()
			defer mu.Unlock()
			if sent != tt.wantSent {
				t.Fatalf("%d requests, want %d", sent, tt.wantSent)
			}
			tries, next := bodies[:sent], bodies[sent]
			for i, b := range tries {
				var req struct{ ClientRequestToken string }
				json.Unmarshal([]byte(b), &req)
				if req.ClientRequestToken == "" {
					t.Errorf("try %d has no idempotency token: %s", i+1, b)
				}
				if b != tries[0] {
					t.Errorf("try %d sent\n %s\nthe first\n %s", i+1, b, tries[0])
				}
			}
			if next == tries[0] || !strings.Contains(next, `"ClientRequestToken":"`) {
				t.Errorf("the next transaction sent %s", next)
			}
		})
	}
}

// TestCorruptAnswer: an answer whose CRC32 does not match its bytes is not
// believed; the SDK tries again, and if it never comes right DynamoDB is
// unavailable. (NewLocalClient skips the check, as stand-ins send no CRC32;
// AWS clients keep it.)
func TestCorruptAnswer(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	tab := fakeTable(t, func(w http.ResponseWriter, _ string, _ []byte) {
		sent.Add(1)
		w.Header().Set("X-Amz-Crc32", "12345")
		io.WriteString(w, `{"Item":{"PK":{"S":"forged"},"SK":{"S":"s"}}}`)
	}, retries(3), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = false })
	if it, err := tab.Get(t.Context(), "p", "s"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("got %+v, %v; want ErrUnavailable", it, err)
	}
	if n := sent.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// TestConsumedCapacity: with WithCapacity, every call asks DynamoDB what it
// consumed and reports it with the call's context. DynamoDB Local answers
// with a total only (no read/write split): 2 units per KB for a one-item
// transactional write, as DynamoDB bills, but fewer than DynamoDB for
// several small items in one transaction and nothing for a condition
// check; consistent reads as DynamoDB, 1 unit per 4 KB read.
func TestConsumedCapacity(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		got []dynamostore.Capacity
	)
	type key struct{}
	tab, _, _ := localTable(t, dynamostore.WithCapacity(func(ctx context.Context, c dynamostore.Capacity) {
		if ctx.Value(key{}) != "mine" {
			t.Errorf("%s reported without the call's context", c.Op)
		}
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
	}))
	ctx := context.WithValue(t.Context(), key{}, "mine")
	// A PUT's transaction: a version, the current pointer, a lock check.
	doc := bytes.Repeat([]byte("x"), 1500)
	err := tab.Transact(ctx,
		store.PutOp(store.Item{PK: "p", SK: "VER#1", Version: 1, Data: doc}, store.IfNotExists()),
		store.PutOp(store.Item{PK: "p", SK: "CUR", Version: 1, Data: []byte("1")}, store.IfNotExists()),
		store.CheckOp("r", "LOCK", store.IfNotExists()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Get(ctx, "p", "VER#1"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Query(ctx, store.Query{PK: "p"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("DynamoDB Local reports: %+v", got)
	if len(got) != 3 {
		t.Fatalf("%d reports, want 3: %+v", len(got), got)
	}
	txn, get, q := got[0], got[1], got[2]
	if txn.Op != "TransactWriteItems" || txn.Units <= 0 {
		t.Errorf("transaction %+v, want write units", txn)
	}
	// Each read is of under 4 KB, strongly consistent: one unit.
	if get.Op != "GetItem" || get.Units != 1 || q.Op != "Query" || q.Units != 1 {
		t.Errorf("reads %+v %+v, want one read unit each", get, q)
	}
}

// TestLocalClientReadsNoEnvironment: whatever the environment says about
// AWS, NewLocalClient's requests go to its endpoint, signed with its key for
// its region, and are retried as the SDK's defaults say.
func TestLocalClientReadsNoEnvironment(t *testing.T) {
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "from-env", "AWS_SECRET_ACCESS_KEY": "from-env", "AWS_MAX_ATTEMPTS": "1"} {
		t.Setenv(k, v)
	}
	var (
		mu    sync.Mutex
		auths []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		failWith(500, "InternalServerError", "")(w, "", nil)
	}))
	defer srv.Close()
	dynamostore.New(dynamostore.NewLocalClient(srv.URL, "local-key", "secret", "eu-west-2"), "t").Get(t.Context(), "p", "s")
	mu.Lock()
	defer mu.Unlock()
	if len(auths) < 2 {
		t.Errorf("%d requests reached the endpoint, want the first and its retries", len(auths))
	}
	for _, a := range auths {
		if !strings.Contains(a, "Credential=local-key/") || !strings.Contains(a, "/eu-west-2/dynamodb/") {
			t.Errorf("signed as %s", a)
		}
	}
}
