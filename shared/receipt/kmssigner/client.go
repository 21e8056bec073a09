package kmssigner

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// NewLocalClient returns a client for a KMS stand-in such as local-kms at
// endpoint (http://host:port), with static credentials and nothing read
// from the environment or ~/.aws, so a test can never reach real AWS by
// accident. optFns adjust the options last. The signature matches
// s3blob.NewLocalClient.
func NewLocalClient(endpoint, accessKey, secretKey, region string, optFns ...func(*kms.Options)) *kms.Client {
	return kms.New(kms.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		// A stand-in that does not answer should fail a test in seconds.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = time.Second
		}),
	}, optFns...)
}

// CreateKey makes a receipt key as template.yaml declares it (ECC_NIST_P256,
// SIGN_VERIFY), for tests and the local AWS-shaped run, and returns its id.
func CreateKey(ctx context.Context, client *kms.Client, description string) (string, error) {
	out, err := client.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec:     types.KeySpecEccNistP256,
		KeyUsage:    types.KeyUsageTypeSignVerify,
		Description: aws.String(description),
	})
	if err != nil {
		return "", fmt.Errorf("kmssigner: create key: %w", err)
	}
	return aws.ToString(out.KeyMetadata.KeyId), nil
}
