package standins

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/queue/sqsqueue"
	"github.com/regional-data-exchange/rdx/shared/receipt/kmssigner"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

// DynamoClient is a client of DynamoDB Local (or of a proxy in front of it)
// at endpoint, with the stand-ins' credentials.
func DynamoClient(endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamostore.NewLocalClient(endpoint, AccessKey, SecretKey, Region, opts...)
}

// S3Client is a client of MinIO at endpoint, with the stand-ins' credentials.
func S3Client(endpoint string, opts ...func(*s3.Options)) *s3.Client {
	return s3blob.NewLocalClient(endpoint, AccessKey, SecretKey, Region, opts...)
}

// KMSClient is a client of local-kms at endpoint, with the stand-ins'
// credentials.
func KMSClient(endpoint string, opts ...func(*kms.Options)) *kms.Client {
	return kmssigner.NewLocalClient(endpoint, AccessKey, SecretKey, Region, opts...)
}

// ReceiptKey starts local-kms (once per test binary) and makes a receipt
// key of the test's own in it, as template.yaml declares the key; it
// returns the server and the key's id.
func ReceiptKey(t *testing.T) (srv *Server, keyID string) {
	t.Helper()
	srv = LocalKMS(t)
	keyID, err := kmssigner.CreateKey(t.Context(), KMSClient(srv.Endpoint), "receipts of "+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return srv, keyID
}

// TableAndBucket starts both stand-ins (once per test binary) and makes a
// table and a bucket of their own for one test, both named prefix plus a
// random suffix, which it returns.
func TableAndBucket(t *testing.T, prefix string) (ddb, minio *Server, name string) {
	t.Helper()
	ddb, minio = DynamoDB(t), MinIO(t)
	name = prefix + strings.ToLower(rand.Text()[:10])
	if err := dynamostore.CreateTable(t.Context(), DynamoClient(ddb.Endpoint), name); err != nil {
		t.Fatal(err)
	}
	if err := s3blob.CreateBucket(t.Context(), S3Client(minio.Endpoint), name); err != nil {
		t.Fatal(err)
	}
	return ddb, minio, name
}

// settings are every setting a function reads (template.yaml's), cleared
// by LambdaEnv so that a function gets only those its test names.
var settings = []string{"TABLE_NAME", "SUBMISSIONS_BUCKET", "UPLOADS_BUCKET", "EXPORTS_BUCKET", "EXPORTS_QUEUED",
	"JWT_ISSUER", "JWT_AUDIENCE", "JWKS_URL", "JWKS_JSON", "CURSOR_KEY", "RECEIPT_KEY_ID", "RETIRED_RECEIPT_KEYS",
	"AWS_STANDINS", "LOG_LEVEL", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
	"SESSION_KEY_SECRET_ARN", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET_ARN", "OIDC_SCOPES", "OIDC_SIGN_OUT_URL"}

// LambdaEnv gives the test's process what Lambda gives a function's (its
// region and credentials), the stand-ins' here, with the SDK's own endpoint
// settings pointing DynamoDB, S3 and KMS at ddb, s3 and kms, and no file of
// this machine's read for AWS configuration; then the function's own
// settings, vars, and none other.
func LambdaEnv(t *testing.T, ddb, s3, kms string, vars map[string]string) {
	t.Helper()
	for _, k := range settings {
		t.Setenv(k, "")
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": AccessKey, "AWS_SECRET_ACCESS_KEY": SecretKey, "AWS_REGION": Region,
		"AWS_ENDPOINT_URL_DYNAMODB": ddb, "AWS_ENDPOINT_URL_S3": s3, "AWS_ENDPOINT_URL_KMS": kms,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	} {
		t.Setenv(k, v)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// SQSClient is a client of goaws at endpoint, with the stand-ins'
// credentials, speaking SQS's query protocol: goaws v0.4.5 speaks no other,
// and the SDK, which speaks SQS's JSON protocol by default, carries the
// query one too (the same operations, from the same service model, in
// form-encoded requests and XML answers, which SQS also still serves).
func SQSClient(endpoint string, opts ...func(*sqs.Options)) *sqs.Client {
	query := func(o *sqs.Options) { o.Protocol = awsquery.New(schemas.AmazonSQS) }
	return sqsqueue.NewLocalClient(endpoint, AccessKey, SecretKey, Region, append([]func(*sqs.Options){query}, opts...)...)
}
