package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates the table as the SAM template declares it: hash key PK
// and range key SK (both strings), on-demand billing, TTL on the ttl
// attribute. It waits until the table is ACTIVE. A table that already
// exists is accepted (a restarted local stack), and its TTL is enabled if
// it is not yet. The template's stream is EnableStream's: DynamoDB Local
// keeps a stream's records in its own database, in the write's path, and
// with it on a burst of conditional transactions slows until writers run
// out of retries (the 50-writer export test's request answered 503 on
// every run); so only the tables whose stream is read turn it on.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: &table,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("dynamostore: create table %s: %w", table, err)
	}
	if err := waitActive(ctx, client, table); err != nil {
		return err
	}
	return enableTTL(ctx, client, table)
}

// EnableStream turns on the table's NEW_IMAGE stream (template.yaml's: the
// events function's source) unless a stream is on already.
func EnableStream(ctx context.Context, client *dynamodb.Client, table string) error {
	d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		return fmt.Errorf("dynamostore: describe %s: %w", table, err)
	}
	if s := d.Table.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		return nil
	}
	_, err = client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: &table,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		return fmt.Errorf("dynamostore: enable the stream of %s: %w", table, err)
	}
	return waitActive(ctx, client, table)
}

// waitActive polls every second or so rather than at the SDK waiter's
// default of 20 seconds: an on-demand table is usually ready in a few, and a
// stuck one fails after five minutes.
func waitActive(ctx context.Context, client *dynamodb.Client, table string) error {
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 5*time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, 5*time.Minute); err != nil {
		return fmt.Errorf("dynamostore: table %s not active: %w", table, err)
	}
	return nil
}

// enableTTL turns on expiry by the ttl attribute unless it is on already,
// because UpdateTimeToLive refuses to enable TTL twice.
func enableTTL(ctx context.Context, client *dynamodb.Client, table string) error {
	d, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil {
		return fmt.Errorf("dynamostore: describe TTL of %s: %w", table, err)
	}
	if s := d.TimeToLiveDescription; s != nil && aws.ToString(s.AttributeName) == AttrTTL &&
		(s.TimeToLiveStatus == types.TimeToLiveStatusEnabled || s.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("dynamostore: enable TTL on %s: %w", table, err)
	}
	return nil
}

// NewLocalClient returns a client for DynamoDB Local at endpoint
// (http://host:port), with static credentials and nothing read from the
// environment or ~/.aws, so that a test or local run can never reach real
// AWS by accident. (DynamoDB Local keeps one database per access key and
// region, so every client of one local stack must pass the same ones.)
// Retries are the SDK's defaults for DynamoDB. optFns adjust the options
// last (tests change the retryer with them). The signature matches
// s3blob.NewLocalClient.
func NewLocalClient(endpoint, accessKey, secretKey, region string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		// The stand-in's answers need not carry DynamoDB's CRC32 header.
		DisableValidateResponseChecksum: true,
	}, optFns...)
}
