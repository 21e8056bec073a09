package sqsqueue

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// NewLocalClient returns a client for an SQS stand-in at endpoint
// (http://host:port), with static credentials and nothing read from the
// environment or ~/.aws, so a test can never reach real AWS by accident.
// optFns adjust the options last (a stand-in that speaks only SQS's query
// protocol is given it there).
func NewLocalClient(endpoint, accessKey, secretKey, region string, optFns ...func(*sqs.Options)) *sqs.Client {
	opts := sqs.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		// A stand-in that does not answer should fail a test in seconds.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = time.Second
		}),
	}
	return sqs.New(opts, optFns...)
}

// CreateQueue makes the standard queue name, whose received messages are
// hidden for visibility (whole seconds), for tests and the local
// AWS-shaped run, and returns its URL; a queue of that name with the same
// attributes is fine.
func CreateQueue(ctx context.Context, client *sqs.Client, name string, visibility time.Duration) (string, error) {
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(name),
		Attributes: map[string]string{"VisibilityTimeout": strconv.Itoa(int(seconds(visibility)))},
	})
	if err != nil {
		return "", fmt.Errorf("sqsqueue: create queue %q: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}
