package s3blob

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// NewLocalClient returns a client for an S3 stand-in such as MinIO at
// endpoint (http://host:port), with static credentials and nothing read from
// the environment or ~/.aws, so a test can never reach real AWS by accident.
// optFns adjust the options last (tests turn retries off with them).
func NewLocalClient(endpoint, accessKey, secretKey, region string, optFns ...func(*s3.Options)) *s3.Client {
	opts := s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		// Stand-ins serve one host, so the bucket goes in the path.
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		// The SDK adds no checksum of its own: Put sends the SHA-256 it is
		// given, and stand-ins differ in which trailing checksums they take.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		// Responses are checked whenever the store sent a checksum; objects
		// stored without one are read unchecked, silently.
		ResponseChecksumValidation:                aws.ResponseChecksumValidationWhenSupported,
		DisableLogOutputChecksumValidationSkipped: true,
		// A stand-in that does not answer should fail a test in seconds, not
		// after the SDK's default backoff of up to 20s a try.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = time.Second
		}),
	}
	return s3.New(opts, optFns...)
}

// CreateBucket makes bucket, for tests and the local AWS-shaped run. A bucket
// this account already owns is fine; one owned by anybody else is not.
func CreateBucket(ctx context.Context, client *s3.Client, bucket string) error {
	in := &s3.CreateBucketInput{Bucket: &bucket}
	// us-east-1 is the one region that refuses to be named as a constraint.
	if region := client.Options().Region; region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(region),
		}
	}
	_, err := client.CreateBucket(ctx, in)
	if _, owned := errors.AsType[*types.BucketAlreadyOwnedByYou](err); owned {
		return nil
	}
	if err != nil {
		return fmt.Errorf("s3blob: create bucket %q: %w", bucket, err)
	}
	return nil
}
