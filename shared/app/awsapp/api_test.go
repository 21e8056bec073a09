package awsapp_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

func TestMain(m *testing.M) { standins.Main(m) }

// The whole API suite a second time, on the AWS adapters: DynamoDB Local
// and MinIO.
func TestAPIOnAWSAdapters(t *testing.T) {
	apitest.Run(t, awsBackend)
}

func awsBackend(t *testing.T) apitest.Backend {
	ddb, minio := standins.DynamoDB(t), standins.MinIO(t)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "rdx-api-" + hex.EncodeToString(suffix)
	open := func(t *testing.T) apitest.Backend {
		dc := dynamostore.NewLocalClient(ddb.Endpoint, standins.AccessKey, standins.SecretKey, standins.Region)
		sc := s3blob.NewLocalClient(minio.Endpoint, standins.AccessKey, standins.SecretKey, standins.Region)
		return apitest.Backend{Table: dynamostore.New(dc, name), Blobs: s3blob.New(sc, s3.NewPresignClient(sc), name)}
	}
	if err := dynamostore.CreateTable(t.Context(), dynamostore.NewLocalClient(ddb.Endpoint, standins.AccessKey, standins.SecretKey, standins.Region), name); err != nil {
		t.Fatal(err)
	}
	if err := s3blob.CreateBucket(t.Context(), s3blob.NewLocalClient(minio.Endpoint, standins.AccessKey, standins.SecretKey, standins.Region), name); err != nil {
		t.Fatal(err)
	}
	b := open(t)
	var reopen func(t *testing.T) apitest.Backend
	reopen = func(t *testing.T) apitest.Backend {
		nb := open(t) // new clients, same table and bucket: a restarted process
		nb.Reopen = reopen
		return nb
	}
	b.Reopen = reopen
	return b
}
