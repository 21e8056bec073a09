// Command awslocal is `make run-aws-local`: the same API served on ADDR over
// the AWS adapters, against DynamoDB Local, MinIO and local-kms started here
// (from .cache, installed by make tools), with their table, buckets and
// receipt key created. Ctrl-C stops the server and the three stand-ins;
// their data is in memory or a temporary folder only.
package main

import (
	"context"
	"fmt"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the workbook writer: this process builds exports
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/regional-data-exchange/rdx/infra/localrun"
	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/app/awsapp"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/receipt/kmssigner"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

const table = "rdx"

var buckets = []string{"rdx-submissions", "rdx-uploads", "rdx-exports"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "awslocal:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ddb, err := standins.StartDynamoDB()
	if err != nil {
		return err
	}
	defer ddb.Stop()
	minio, err := standins.StartMinIO()
	if err != nil {
		return err
	}
	defer minio.Stop()
	lkms, err := standins.StartLocalKMS()
	if err != nil {
		return err
	}
	defer lkms.Stop()
	clients := awsapp.Clients{
		DynamoDB: standins.DynamoClient(ddb.Endpoint),
		S3:       standins.S3Client(minio.Endpoint),
		KMS:      standins.KMSClient(lkms.Endpoint),
	}
	receiptKey, err := provision(ctx, clients)
	if err != nil {
		return err
	}
	key, err := auth.LoadOrCreateDevKey(localrun.Env("DATA_DIR", ".data"))
	if err != nil {
		return err
	}
	env := awsapp.APIEnv{Env: awsapp.Env{Table: table, SubmissionsBucket: buckets[0], UploadsBucket: buckets[1], ExportsBucket: buckets[2],
		ReceiptKeyID: receiptKey, StandIns: true},
		Issuer: auth.DevIssuer, Audience: auth.DevAudience, JWKS: string(key.JWKS()), CursorKey: strings.Repeat("local-", 6)}
	tel, shutdown, err := localrun.Telemetry(ctx)
	if err != nil {
		return err
	}
	defer shutdown(context.WithoutCancel(ctx))
	a, err := awsapp.NewAPI(ctx, clients, env, tel)
	if err != nil {
		return err
	}
	stopSweeps := a.Sweeper.Every(ctx, time.Minute) // finishes background work that stopped, as the sweeper function does deployed
	defer stopSweeps()
	ln, base, err := localrun.Listen()
	if err != nil {
		return err
	}
	if err := localrun.PrintTokens(os.Stdout, key, a.Regions); err != nil {
		return err
	}
	fmt.Printf("\nRegional Data Exchange serving %s on DynamoDB Local (%s), MinIO (%s) and local-kms (%s, receipt key %s); Ctrl-C stops all four.\n",
		base, ddb.Endpoint, minio.Endpoint, lkms.Endpoint, receiptKey)
	return localrun.Serve(ctx, ln, a.Handler)
}

// provision creates the table, buckets and receipt key as template.yaml
// declares them, and returns the key's id.
func provision(ctx context.Context, c awsapp.Clients) (string, error) {
	if err := dynamostore.CreateTable(ctx, c.DynamoDB, table); err != nil {
		return "", fmt.Errorf("create table: %w", err)
	}
	for _, b := range buckets {
		if err := s3blob.CreateBucket(ctx, c.S3, b); err != nil {
			return "", fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return kmssigner.CreateKey(ctx, c.KMS, "receipts of make run-aws-local")
}
