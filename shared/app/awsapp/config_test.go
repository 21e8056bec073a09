package awsapp_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
)

// The stand-ins' endpoints reach the clients through the SDK's own settings,
// read by config.LoadDefaultConfig: one per service, or one for all.
func TestEndpointsFromTheSDKsSettings(t *testing.T) {
	for _, tt := range []struct {
		name                     string
		ddb, s3, kms, all        string // the settings; "" is unset
		wantDDB, wantS3, wantKMS string // "" is AWS's own
	}{
		{name: "PerService", ddb: "http://127.0.0.1:8000", s3: "http://127.0.0.1:9000", kms: "http://127.0.0.1:4599",
			wantDDB: "http://127.0.0.1:8000", wantS3: "http://127.0.0.1:9000", wantKMS: "http://127.0.0.1:4599"},
		{name: "OneForAll", all: "http://127.0.0.1:4566", wantDDB: "http://127.0.0.1:4566", wantS3: "http://127.0.0.1:4566", wantKMS: "http://127.0.0.1:4566"},
		{name: "AWS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			standins.LambdaEnv(t, tt.ddb, tt.s3, tt.kms, map[string]string{"AWS_ENDPOINT_URL": tt.all})
			cfg, err := config.LoadDefaultConfig(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := awsapp.NewClients(cfg, false, nil)
			if got := aws.ToString(c.DynamoDB.Options().BaseEndpoint); got != tt.wantDDB {
				t.Errorf("DynamoDB endpoint %q, want %q", got, tt.wantDDB)
			}
			if got := aws.ToString(c.S3.Options().BaseEndpoint); got != tt.wantS3 {
				t.Errorf("S3 endpoint %q, want %q", got, tt.wantS3)
			}
			if got := aws.ToString(c.KMS.Options().BaseEndpoint); got != tt.wantKMS {
				t.Errorf("KMS endpoint %q, want %q", got, tt.wantKMS)
			}
			if c.DynamoDB.Options().Region != standins.Region {
				t.Errorf("region %q", c.DynamoDB.Options().Region)
			}
		})
	}
}
