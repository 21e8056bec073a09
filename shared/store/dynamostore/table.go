package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/regional-data-exchange/rdx/shared/dynamoapi"
)

// CreateTable creates the table as the SAM template declares it: hash key PK
// and range key SK (both strings), on-demand billing, TTL on the ttl
// attribute. It waits until the table is ACTIVE. A table that already
// exists is accepted (a restarted local stack), and its TTL is enabled if it
// is not yet.
func CreateTable(ctx context.Context, client *dynamoapi.Client, table string) error {
	type def struct{ AttributeName, AttributeType string }
	type key struct{ AttributeName, KeyType string }
	err := client.Call(ctx, "CreateTable", struct {
		TableName            string
		AttributeDefinitions []def
		KeySchema            []key
		BillingMode          string
	}{
		TableName:            table,
		AttributeDefinitions: []def{{AttrPK, "S"}, {AttrSK, "S"}},
		KeySchema:            []key{{AttrPK, "HASH"}, {AttrSK, "RANGE"}},
		BillingMode:          "PAY_PER_REQUEST",
	}, nil)
	var api *dynamoapi.Error
	if err != nil && !(errors.As(err, &api) && api.Code == "ResourceInUseException") {
		return fmt.Errorf("dynamostore: create table %s: %w", table, err)
	}
	if err := waitActive(ctx, client, table); err != nil {
		return err
	}
	return enableTTL(ctx, client, table)
}

// TableDescription is the part of DescribeTable's answer the tooling reads.
type TableDescription struct {
	TableStatus string
	KeySchema   []struct{ AttributeName, KeyType string }
	// BillingModeSummary is absent for a provisioned table.
	BillingModeSummary *struct{ BillingMode string }
}

// DescribeTable reads the table's status, key schema and billing mode.
func DescribeTable(ctx context.Context, client *dynamoapi.Client, table string) (TableDescription, error) {
	var out struct{ Table TableDescription }
	err := client.Call(ctx, "DescribeTable", struct{ TableName string }{table}, &out)
	return out.Table, err
}

// waitActive polls every second: an on-demand table is usually ready in a
// few, and a stuck one fails after five minutes.
func waitActive(ctx context.Context, client *dynamoapi.Client, table string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for {
		d, err := DescribeTable(ctx, client, table)
		if err != nil {
			return fmt.Errorf("dynamostore: table %s not active: %w", table, err)
		}
		if d.TableStatus == "ACTIVE" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dynamostore: table %s not active (%s): %w", table, d.TableStatus, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// TTLDescription is DescribeTimeToLive's answer.
type TTLDescription struct{ AttributeName, TimeToLiveStatus string }

// DescribeTTL reads the table's expiry setting.
func DescribeTTL(ctx context.Context, client *dynamoapi.Client, table string) (TTLDescription, error) {
	var out struct{ TimeToLiveDescription TTLDescription }
	err := client.Call(ctx, "DescribeTimeToLive", struct{ TableName string }{table}, &out)
	return out.TimeToLiveDescription, err
}

// enableTTL turns on expiry by the ttl attribute unless it is on already,
// because UpdateTimeToLive refuses to enable TTL twice.
func enableTTL(ctx context.Context, client *dynamoapi.Client, table string) error {
	d, err := DescribeTTL(ctx, client, table)
	if err != nil {
		return fmt.Errorf("dynamostore: describe TTL of %s: %w", table, err)
	}
	if d.AttributeName == AttrTTL && (d.TimeToLiveStatus == "ENABLED" || d.TimeToLiveStatus == "ENABLING") {
		return nil
	}
	type spec struct {
		AttributeName string
		Enabled       bool
	}
	err = client.Call(ctx, "UpdateTimeToLive", struct {
		TableName               string
		TimeToLiveSpecification spec
	}{table, spec{AttrTTL, true}}, nil)
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
// optFns adjust the options last (tests turn retries off with them).
func NewLocalClient(endpoint, accessKey, secretKey, region string, optFns ...func(*dynamoapi.Options)) *dynamoapi.Client {
	o := dynamoapi.Options{
		Region:      region,
		Endpoint:    endpoint,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		// The stand-in's answers need not carry DynamoDB's CRC32 header.
		SkipResponseCRC: true,
	}
	for _, fn := range optFns {
		fn(&o)
	}
	return dynamoapi.New(o)
}
