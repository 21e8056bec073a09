package standins

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/dynamoapi"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

// DynamoClient is a client of DynamoDB Local (or of a proxy in front of it)
// at endpoint, with the stand-ins' credentials.
func DynamoClient(endpoint string, opts ...func(*dynamoapi.Options)) *dynamoapi.Client {
	return dynamostore.NewLocalClient(endpoint, AccessKey, SecretKey, Region, opts...)
}

// S3Client is a client of MinIO at endpoint, with the stand-ins' credentials.
func S3Client(endpoint string, opts ...func(*s3.Options)) *s3.Client {
	return s3blob.NewLocalClient(endpoint, AccessKey, SecretKey, Region, opts...)
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
