package awsapp_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/apitest"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/receipt/kmssigner"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

func TestMain(m *testing.M) { standins.Main(m) }

// The whole API suite a second time, on the AWS adapters: DynamoDB Local,
// MinIO and local-kms.
func TestAPIOnAWSAdapters(t *testing.T) {
	apitest.Run(t, awsBackend)
}

func awsBackend(t *testing.T) apitest.Backend {
	ddb, minio, name := standins.TableAndBucket(t, "rdx-api-")
	lkms, keyID := standins.ReceiptKey(t)
	signer := kmssigner.New(standins.KMSClient(lkms.Endpoint), keyID)
	open := func(t *testing.T) apitest.Backend {
		sc := standins.S3Client(minio.Endpoint)
		return apitest.Backend{Table: dynamostore.New(standins.DynamoClient(ddb.Endpoint), name), Blobs: s3blob.New(sc, s3.NewPresignClient(sc), name),
			Receipts: signer}
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
