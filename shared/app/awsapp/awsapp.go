// Package awsapp composes the service on AWS: DynamoDB and S3 from clients
// built once per process, configuration from the environment. It is apart
// from package app so the local run never compiles the AWS SDK.
package awsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/dynamoapi"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

// Env is a deployed function's configuration, from its environment.
type Env struct {
	Table             string // TABLE_NAME
	SubmissionsBucket string // SUBMISSIONS_BUCKET: raw bodies, documents, stored answers
	UploadsBucket     string // UPLOADS_BUCKET
	ExportsBucket     string // EXPORTS_BUCKET
	Issuer            string // JWT_ISSUER
	Audience          string // JWT_AUDIENCE
	JWKSURL           string // JWKS_URL: the issuer's published JWK set, or
	JWKS              string // JWKS_JSON: the JWK set itself
	CursorKey         string // CURSOR_KEY: at least 32 characters, shared by every instance
	QueueExports      bool   // EXPORTS_QUEUED=true: exports are built by the exports function
	StandIns          bool   // AWS_STANDINS=true: DynamoDB Local and MinIO (path-style S3, no CRC32 on responses)
	LogLevel          slog.Level
}

// EnvFromOS reads the environment, naming everything missing at once.
func EnvFromOS() (Env, error) {
	e := Env{
		Table: os.Getenv("TABLE_NAME"), SubmissionsBucket: os.Getenv("SUBMISSIONS_BUCKET"),
		UploadsBucket: os.Getenv("UPLOADS_BUCKET"), ExportsBucket: os.Getenv("EXPORTS_BUCKET"),
		Issuer: os.Getenv("JWT_ISSUER"), Audience: os.Getenv("JWT_AUDIENCE"),
		JWKSURL: os.Getenv("JWKS_URL"), JWKS: os.Getenv("JWKS_JSON"), CursorKey: os.Getenv("CURSOR_KEY"),
		StandIns: os.Getenv("AWS_STANDINS") == "true", QueueExports: os.Getenv("EXPORTS_QUEUED") == "true",
	}
	if err := e.LogLevel.UnmarshalText([]byte(envOr("LOG_LEVEL", "INFO"))); err != nil {
		return e, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	var missing []string
	for name, v := range map[string]string{"TABLE_NAME": e.Table, "SUBMISSIONS_BUCKET": e.SubmissionsBucket,
		"JWT_ISSUER": e.Issuer, "JWT_AUDIENCE": e.Audience, "JWKS_URL or JWKS_JSON": e.JWKSURL + e.JWKS} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return e, fmt.Errorf("missing configuration: %s", strings.Join(missing, ", "))
	}
	if len(e.CursorKey) < 32 {
		return e, errors.New("CURSOR_KEY must be at least 32 characters")
	}
	// Development keys are for the local run only; a deployed stack never trusts them.
	if e.Issuer == auth.DevIssuer && os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		return e, errors.New("the development issuer is refused on Lambda")
	}
	return e, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// LoadConfig reads the AWS configuration a Lambda function is given: its
// region and its role's credentials from the environment. The SDK's config
// package would also resolve profiles, SSO and other credential sources a
// function never has; leaving them out of the binary makes a cold start
// several milliseconds faster.
func LoadConfig() (aws.Config, error) {
	region := envOr("AWS_REGION", os.Getenv("AWS_DEFAULT_REGION"))
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if region == "" || key == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required (Lambda sets them)")
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
	}, nil
}

// Clients are the AWS clients a process makes once, at start.
type Clients struct {
	DynamoDB *dynamoapi.Client
	S3       *s3.Client
}

// NewClients makes the clients from the loaded AWS configuration.
func NewClients(cfg aws.Config, e Env) Clients {
	return Clients{
		DynamoDB: dynamoapi.New(dynamoapi.Options{Region: cfg.Region, Credentials: cfg.Credentials,
			Endpoint: endpoint("DYNAMODB"), SkipResponseCRC: e.StandIns}),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			if e := endpoint("S3"); e != "" {
				o.BaseEndpoint = &e
			}
			o.UsePathStyle = e.StandIns
			// Puts carry their own SHA-256; no extra CRC is computed.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}),
	}
}

// endpoint is a service's endpoint override (AWS_ENDPOINT_URL_<SERVICE> or
// AWS_ENDPOINT_URL), as the SDK's own configuration would read it; "" for AWS's.
func endpoint(service string) string {
	return envOr("AWS_ENDPOINT_URL_"+service, os.Getenv("AWS_ENDPOINT_URL"))
}

// New builds the service on DynamoDB and S3.
func New(ctx context.Context, c Clients, e Env) (*app.App, error) {
	keys, err := keySource(ctx, e)
	if err != nil {
		return nil, err
	}
	presign := s3.NewPresignClient(c.S3)
	bucket := func(name string) blob.Store {
		if name == "" {
			name = e.SubmissionsBucket
		}
		return s3blob.New(c.S3, presign, name)
	}
	return app.Build(app.Config{
		Issuer: e.Issuer, Audience: e.Audience, Keys: keys, CursorKey: []byte(e.CursorKey),
		Log: logx.New(os.Stderr, e.LogLevel), QueueExports: e.QueueExports,
	}, app.Stores{Table: dynamostore.New(c.DynamoDB, e.Table), Blobs: bucket(e.SubmissionsBucket),
		Uploads: bucket(e.UploadsBucket), Exports: bucket(e.ExportsBucket)}, nil)
}

func keySource(ctx context.Context, e Env) (auth.KeySource, error) {
	if e.JWKS != "" {
		return auth.StaticKeys([]byte(e.JWKS))
	}
	return auth.RemoteKeys(ctx, e.JWKSURL)
}

// FromEnv is a Lambda function's start: its environment, its AWS
// configuration and clients, the service. Every function calls it once.
func FromEnv(ctx context.Context) (*app.App, error) {
	env, err := EnvFromOS()
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig()
	if err != nil {
		return nil, err
	}
	return New(ctx, NewClients(cfg, env), env)
}
