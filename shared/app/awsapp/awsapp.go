// Package awsapp composes the service on AWS: DynamoDB, S3 and the KMS key
// receipts are signed with, from clients built once per process from the
// AWS configuration a main loads (config.LoadDefaultConfig), the rest from
// the environment. It is apart from package app so the local run never
// compiles the AWS SDK.
//
// Only the API function builds a token verifier (API); the functions that
// handle S3 events build the service alone (Service) and need none of the
// token or cursor settings.
package awsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/tracing"
	"github.com/aws/smithy-go/tracing/smithyoteltracing"
	"go.opentelemetry.io/otel/trace"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/queue/sqsqueue"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/receipt/kmssigner"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
	"github.com/regional-data-exchange/rdx/shared/telemetry/traceexport"
	"github.com/regional-data-exchange/rdx/shared/web"
)

// Env is every function's configuration, from its environment: where the
// records and objects are, and the key receipts are signed with.
type Env struct {
	Table             string // TABLE_NAME
	SubmissionsBucket string // SUBMISSIONS_BUCKET: raw bodies, documents, stored answers
	UploadsBucket     string // UPLOADS_BUCKET
	ExportsBucket     string // EXPORTS_BUCKET
	ReceiptKeyID      string // RECEIPT_KEY_ID: the KMS key (id, ARN or alias) receipts are signed with
	StandIns          bool   // AWS_STANDINS=true: DynamoDB Local, MinIO and local-kms (path-style S3, no CRC32 on responses)
	LogLevel          slog.Level
	Function          string // AWS_LAMBDA_FUNCTION_NAME (Lambda sets it): the metrics' Function dimension
	Traces            string // OTEL_TRACES_EXPORTER: otlp, console or none (traceexport)
	Metrics           bool   // METRICS=emf: CloudWatch embedded metric format on stdout
	// DeliveriesQueue (DELIVERIES_QUEUE_URL) is the SQS queue of webhook
	// deliveries (unset: webhooks are registered, but nothing is sent).
	DeliveriesQueue string
}

// APIEnv is the API function's configuration: Env, and what verifying
// tokens and signing cursors need.
type APIEnv struct {
	Env
	Issuer       string // JWT_ISSUER
	Audience     string // JWT_AUDIENCE
	JWKSURL      string // JWKS_URL: the issuer's published JWK set, or
	JWKS         string // JWKS_JSON: the JWK set itself
	CursorKey    string // CURSOR_KEY: at least 32 characters, shared by every instance
	QueueExports bool   // EXPORTS_QUEUED=true: exports are built by the exports function
	// RetiredReceiptKeys (RETIRED_RECEIPT_KEYS, a JWK set; unset: none) are
	// the keys receipts were signed with before the current one, published
	// beside it so that those receipts still verify.
	RetiredReceiptKeys *receipt.KeySet
	// The pages' sign-in through the region's identity provider (OpenID
	// Connect): all three of issuer, client id and client secret, or none
	// (then the pages say sign-in is not set up). The secret, and the key
	// that seals the pages' cookies, are read from Secrets Manager at start.
	OIDCIssuer          string   // OIDC_ISSUER
	OIDCClientID        string   // OIDC_CLIENT_ID
	OIDCClientSecretARN string   // OIDC_CLIENT_SECRET_ARN: the secret whose SecretString is the client secret
	OIDCScopes          []string // OIDC_SCOPES: asked for besides openid, space-separated
	OIDCSignOutURL      string   // OIDC_SIGN_OUT_URL: the provider's sign-out when discovery names none (Cognito's /logout)
	SessionKeyARN       string   // SESSION_KEY_SECRET_ARN: the secret sealing the pages' cookies (unset: derived from the cursor key)
}

// EnvFromOS reads the environment every function has, naming everything
// missing at once.
func EnvFromOS() (Env, error) {
	e := Env{
		Table: os.Getenv("TABLE_NAME"), SubmissionsBucket: os.Getenv("SUBMISSIONS_BUCKET"),
		UploadsBucket: os.Getenv("UPLOADS_BUCKET"), ExportsBucket: os.Getenv("EXPORTS_BUCKET"),
		ReceiptKeyID: os.Getenv("RECEIPT_KEY_ID"), StandIns: os.Getenv("AWS_STANDINS") == "true",
		Function: envOr("AWS_LAMBDA_FUNCTION_NAME", "local"), Traces: os.Getenv("OTEL_TRACES_EXPORTER"),
		Metrics: os.Getenv("METRICS") == "emf", DeliveriesQueue: os.Getenv("DELIVERIES_QUEUE_URL"),
	}
	if err := e.LogLevel.UnmarshalText([]byte(envOr("LOG_LEVEL", "INFO"))); err != nil {
		return e, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	if err := traceexport.Check(e.Traces); err != nil {
		return e, err
	}
	return e, required(map[string]string{"TABLE_NAME": e.Table, "SUBMISSIONS_BUCKET": e.SubmissionsBucket, "RECEIPT_KEY_ID": e.ReceiptKeyID})
}

// APIEnvFromOS reads the API function's environment, naming everything
// missing at once.
func APIEnvFromOS() (APIEnv, error) {
	base, err := EnvFromOS()
	e := APIEnv{Env: base,
		Issuer: os.Getenv("JWT_ISSUER"), Audience: os.Getenv("JWT_AUDIENCE"),
		JWKSURL: os.Getenv("JWKS_URL"), JWKS: os.Getenv("JWKS_JSON"), CursorKey: os.Getenv("CURSOR_KEY"),
		QueueExports: os.Getenv("EXPORTS_QUEUED") == "true",
		OIDCIssuer:   os.Getenv("OIDC_ISSUER"), OIDCClientID: os.Getenv("OIDC_CLIENT_ID"), OIDCClientSecretARN: os.Getenv("OIDC_CLIENT_SECRET_ARN"),
		OIDCScopes: strings.Fields(os.Getenv("OIDC_SCOPES")), OIDCSignOutURL: os.Getenv("OIDC_SIGN_OUT_URL"),
		SessionKeyARN: os.Getenv("SESSION_KEY_SECRET_ARN"),
	}
	if retired := os.Getenv("RETIRED_RECEIPT_KEYS"); retired != "" {
		ks, kerr := receipt.ParseKeySet([]byte(retired))
		if kerr != nil {
			err = errors.Join(err, fmt.Errorf("RETIRED_RECEIPT_KEYS: %w", kerr))
		}
		e.RetiredReceiptKeys = ks
	}
	if err := errors.Join(err, required(map[string]string{"JWT_ISSUER": e.Issuer, "JWT_AUDIENCE": e.Audience,
		"JWKS_URL or JWKS_JSON": e.JWKSURL + e.JWKS})); err != nil {
		return e, err
	}
	if e.OIDCIssuer+e.OIDCClientID+e.OIDCClientSecretARN != "" {
		if err := required(map[string]string{"OIDC_ISSUER": e.OIDCIssuer, "OIDC_CLIENT_ID": e.OIDCClientID, "OIDC_CLIENT_SECRET_ARN": e.OIDCClientSecretARN}); err != nil {
			return e, fmt.Errorf("sign-in through the identity provider: %w", err)
		}
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

// required names every setting of vars that is empty.
func required(vars map[string]string) error {
	var missing []string
	for name, v := range vars {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("missing configuration: %s", strings.Join(missing, ", "))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// Clients are the AWS clients a process makes once, at start.
type Clients struct {
	DynamoDB *dynamodb.Client
	S3       *s3.Client
	KMS      *kms.Client
	// Secrets reads the API's secrets at start: the pages' session key and
	// the identity provider's client secret.
	Secrets *secretsmanager.Client
	SQS     *sqs.Client
}

// NewClients makes the clients from the loaded AWS configuration. Endpoint
// overrides (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_KMS) are the SDK's own, read by config.LoadDefaultConfig;
// standIns adds what DynamoDB Local and MinIO need besides (local-kms needs
// nothing more). With traces (nil: none) every SDK operation is a span,
// through the SDK's own OpenTelemetry adapter (smithyoteltracing, kept by
// AWS; contrib's otelaws was deprecated in 2026 for want of an owner).
func NewClients(cfg aws.Config, standIns bool, traces trace.TracerProvider) Clients {
	var tp tracing.TracerProvider = tracing.NopTracerProvider{}
	if traces != nil {
		tp = smithyoteltracing.Adapt(traces)
	}
	return Clients{
		DynamoDB: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			o.DisableValidateResponseChecksum = standIns
			o.TracerProvider = tp
		}),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = standIns
			// Puts carry their own SHA-256; no extra CRC is computed.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.TracerProvider = tp
		}),
		KMS:     kms.NewFromConfig(cfg, func(o *kms.Options) { o.TracerProvider = tp }),
		Secrets: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.TracerProvider = tp }),
		SQS:     sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.TracerProvider = tp }),
	}
}

// NewService builds the service alone on DynamoDB, S3 and KMS.
func NewService(c Clients, e Env, tel telemetry.Telemetry) (*app.App, error) {
	return app.BuildService(e.config(c, tel), e.stores(c))
}

// NewAPI builds the service and the API's handler on DynamoDB, S3 and KMS.
func NewAPI(ctx context.Context, c Clients, e APIEnv, tel telemetry.Telemetry) (*app.App, error) {
	keys, err := keySource(ctx, e)
	if err != nil {
		return nil, err
	}
	cfg := e.config(c, tel)
	cfg.Issuer, cfg.Audience, cfg.Keys, cfg.CursorKey, cfg.QueueExports = e.Issuer, e.Audience, keys, []byte(e.CursorKey), e.QueueExports
	cfg.RetiredReceiptKeys = e.RetiredReceiptKeys
	if cfg.Pages, err = e.pages(ctx, c.Secrets); err != nil {
		return nil, err
	}
	return app.Build(cfg, e.stores(c), nil)
}

// pages reads the pages' secrets from Secrets Manager: the key sealing
// their cookies and the identity provider's client secret.
func (e APIEnv) pages(ctx context.Context, sm *secretsmanager.Client) (web.Config, error) {
	var cfg web.Config
	read := func(name, arn string) (string, error) {
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		if aws.ToString(out.SecretString) == "" {
			return "", fmt.Errorf("%s: the secret has no SecretString", name)
		}
		return aws.ToString(out.SecretString), nil
	}
	if e.SessionKeyARN != "" {
		key, err := read("SESSION_KEY_SECRET_ARN", e.SessionKeyARN)
		if err != nil {
			return cfg, err
		}
		if len(key) < 32 {
			return cfg, errors.New("SESSION_KEY_SECRET_ARN: the session key must be at least 32 characters")
		}
		cfg.SessionKey = []byte(key)
	}
	if e.OIDCIssuer != "" {
		secret, err := read("OIDC_CLIENT_SECRET_ARN", e.OIDCClientSecretARN)
		if err != nil {
			return cfg, err
		}
		cfg.OIDC = &web.OIDC{Issuer: e.OIDCIssuer, ClientID: e.OIDCClientID, ClientSecret: secret, Scopes: e.OIDCScopes, SignOutURL: e.OIDCSignOutURL}
	}
	return cfg, nil
}

// config is what every function's service needs: its log, its telemetry
// and the receipt signer over the KMS key (which reads nothing from KMS
// until the first receipt).
func (e Env) config(c Clients, tel telemetry.Telemetry) app.Config {
	return app.Config{Log: logx.New(os.Stderr, e.LogLevel), Telemetry: tel, Receipts: kmssigner.New(c.KMS, e.ReceiptKeyID)}
}

func (e Env) stores(c Clients) app.Stores {
	presign := s3.NewPresignClient(c.S3)
	bucket := func(name string) blob.Store {
		if name == "" {
			name = e.SubmissionsBucket
		}
		return s3blob.New(c.S3, presign, name)
	}
	st := app.Stores{Table: dynamostore.New(c.DynamoDB, e.Table), Blobs: bucket(e.SubmissionsBucket),
		Uploads: bucket(e.UploadsBucket), Exports: bucket(e.ExportsBucket),
		Names: app.StoreNames{System: "aws.dynamodb", Table: e.Table, Blobs: e.SubmissionsBucket, Uploads: e.UploadsBucket, Exports: e.ExportsBucket}}
	if e.DeliveriesQueue != "" {
		st.Queue = sqsqueue.New(c.SQS, e.DeliveriesQueue)
	}
	return st
}

// keySource reads the inline JWK set, or starts fetching the published one
// without waiting for it.
func keySource(ctx context.Context, e APIEnv) (auth.KeySource, error) {
	if e.JWKS != "" {
		return auth.StaticKeys([]byte(e.JWKS))
	}
	return auth.RemoteKeys(ctx, e.JWKSURL)
}

// API is the API function's start: its environment, its telemetry, the
// clients from cfg (config.LoadDefaultConfig's), the service and its
// handler.
func API(ctx context.Context, cfg aws.Config) (*app.App, *Telemetry, error) {
	env, err := APIEnvFromOS()
	if err != nil {
		return nil, nil, err
	}
	tel, err := NewTelemetry(ctx, env.Env, os.Stdout)
	if err != nil {
		return nil, nil, err
	}
	a, err := NewAPI(ctx, NewClients(cfg, env.StandIns, tel.Traces), env, tel.Telemetry)
	return a, tel, err
}

// Events is the start of a function that handles S3 events: its
// environment, its telemetry, the clients from cfg, the use cases (no
// handler).
func Events(ctx context.Context, cfg aws.Config) (*app.App, *Telemetry, error) {
	env, err := EnvFromOS()
	if err != nil {
		return nil, nil, err
	}
	tel, err := NewTelemetry(ctx, env, os.Stdout)
	if err != nil {
		return nil, nil, err
	}
	a, err := NewService(NewClients(cfg, env.StandIns, tel.Traces), env, tel.Telemetry)
	return a, tel, err
}

// Deliveries is the start of the webhook deliveries' function (SQS calls
// it with the queue's messages): Events', with the key the webhooks'
// secrets are sealed under (CURSOR_KEY, the API's) and the queue
// (DELIVERIES_QUEUE_URL), which it returns to put messages back.
func Deliveries(ctx context.Context, cfg aws.Config) (*app.App, queue.Queue, *Telemetry, error) {
	env, err := EnvFromOS()
	if err != nil {
		return nil, nil, nil, err
	}
	key := os.Getenv("CURSOR_KEY")
	if err := required(map[string]string{"DELIVERIES_QUEUE_URL": env.DeliveriesQueue, "CURSOR_KEY": key}); err != nil {
		return nil, nil, nil, err
	}
	if len(key) < 32 {
		return nil, nil, nil, errors.New("CURSOR_KEY must be at least 32 characters")
	}
	tel, err := NewTelemetry(ctx, env, os.Stdout)
	if err != nil {
		return nil, nil, nil, err
	}
	c := NewClients(cfg, env.StandIns, tel.Traces)
	conf := env.config(c, tel.Telemetry)
	conf.CursorKey = []byte(key)
	st := env.stores(c)
	a, err := app.BuildService(conf, st)
	return a, st.Queue, tel, err
}
