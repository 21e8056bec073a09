// Package dynamostream reads the table's DynamoDB stream: the items as
// dynamostore wrote them, from a Lambda stream event's records (Item), and
// a small reader of a stream through the DynamoDB Streams API (Reader)
// that gives the same records Lambda would, so that the events function
// is tested with real stream records (DynamoDB Local's).
package dynamostream

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

// Item is the item a stream record's image holds, decoded as dynamostore
// decodes what it reads (dynamostore.DecodeItem).
func Item(image map[string]events.DynamoDBAttributeValue) (store.Item, error) {
	if len(image) == 0 {
		return store.Item{}, errors.New("dynamostream: the record has no image (is the stream NEW_IMAGE?)")
	}
	av := make(map[string]ddbtypes.AttributeValue, len(image))
	for name, v := range image {
		a, err := attr(v)
		if err != nil {
			return store.Item{}, fmt.Errorf("dynamostream: attribute %s: %w", name, err)
		}
		av[name] = a
	}
	return dynamostore.DecodeItem(av)
}

// attr is a Lambda event's attribute value as the SDK's. The adapter
// writes strings, numbers and binary; the rest are converted all the same.
func attr(v events.DynamoDBAttributeValue) (ddbtypes.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &ddbtypes.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &ddbtypes.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &ddbtypes.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &ddbtypes.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &ddbtypes.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &ddbtypes.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &ddbtypes.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		var l []ddbtypes.AttributeValue
		for _, e := range v.List() {
			a, err := attr(e)
			if err != nil {
				return nil, err
			}
			l = append(l, a)
		}
		return &ddbtypes.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m := map[string]ddbtypes.AttributeValue{}
		for k, e := range v.Map() {
			a, err := attr(e)
			if err != nil {
				return nil, err
			}
			m[k] = a
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown data type %v", v.DataType())
}

// NewLocalClient is a DynamoDB Streams client of DynamoDB Local at
// endpoint, with static credentials and nothing read from the environment
// (as dynamostore.NewLocalClient).
func NewLocalClient(endpoint, accessKey, secretKey, region string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region: region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// StreamARN is the table's current stream.
func StreamARN(ctx context.Context, client *dynamodb.Client, table string) (string, error) {
	d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		return "", fmt.Errorf("dynamostream: describe %s: %w", table, err)
	}
	if d.Table.LatestStreamArn == nil {
		return "", fmt.Errorf("dynamostream: table %s has no stream", table)
	}
	return *d.Table.LatestStreamArn, nil
}

// Reader reads one stream from its oldest record (TRIM_HORIZON), every
// shard, as Lambda's event source mapping does.
type Reader struct {
	Client    *dynamodbstreams.Client
	StreamARN string
	// AWSRegion is the records' awsRegion.
	AWSRegion string
}

// ReadAll is every record the stream holds now, shard by shard (a parent
// shard before its children, as DescribeStream lists them), as the records
// of the events Lambda would give.
func (r *Reader) ReadAll(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	var shards []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: &r.StreamARN}
	for {
		d, err := r.Client.DescribeStream(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamostream: describe stream: %w", err)
		}
		shards = append(shards, d.StreamDescription.Shards...)
		if d.StreamDescription.LastEvaluatedShardId == nil {
			break
		}
		in.ExclusiveStartShardId = d.StreamDescription.LastEvaluatedShardId
	}
	var out []events.DynamoDBEventRecord
	for _, sh := range shards {
		it, err := r.Client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &r.StreamARN, ShardId: sh.ShardId,
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return nil, fmt.Errorf("dynamostream: shard iterator: %w", err)
		}
		for iter := it.ShardIterator; iter != nil; {
			page, err := r.Client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				return nil, fmt.Errorf("dynamostream: get records: %w", err)
			}
			for _, rec := range page.Records {
				out = append(out, r.record(rec))
			}
			// An open shard always has a next iterator: what it holds now
			// has been read when a page comes back empty.
			if len(page.Records) == 0 {
				break
			}
			iter = page.NextShardIterator
		}
	}
	return out, nil
}

// record is rec as Lambda gives it in a DynamoDBEvent.
func (r *Reader) record(rec types.Record) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{AWSRegion: aws.ToString(rec.AwsRegion), EventID: aws.ToString(rec.EventID), EventName: string(rec.EventName),
		EventSource: aws.ToString(rec.EventSource), EventVersion: aws.ToString(rec.EventVersion), EventSourceArn: r.StreamARN}
	if out.AWSRegion == "" {
		out.AWSRegion = r.AWSRegion
	}
	if d := rec.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes), StreamViewType: string(d.StreamViewType)}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return out
}

func image(av map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if av == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(av))
	for k, v := range av {
		out[k] = lambdaAttr(v)
	}
	return out
}

// lambdaAttr is a stream's attribute value as Lambda's event carries it.
func lambdaAttr(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch a := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(a.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(a.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(a.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(a.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(a.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(a.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(a.Value)
	case *types.AttributeValueMemberL:
		var l []events.DynamoDBAttributeValue
		for _, e := range a.Value {
			l = append(l, lambdaAttr(e))
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(image(a.Value))
	}
	return events.NewNullAttribute()
}
