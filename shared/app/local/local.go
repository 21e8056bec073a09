// Package local is the embedded run (make run): bbolt and files under a
// data folder, development tokens signed by a key kept there, uploads
// validated in-process as their presigned PUTs land.
package local

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the workbook writer: this process builds exports
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/queue/boltqueue"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
	"github.com/regional-data-exchange/rdx/shared/web"
)

// Local is the embedded run: bbolt and files under dataDir, development
// tokens signed by a key kept there.
type Local struct {
	*app.App
	DevKey *auth.DevKey
}

// BlobPrefix is where the local server serves presigned blob URLs.
const BlobPrefix = "/local-blobs/"

// uploadTimeLimit bounds one upload's validation, which runs off the
// request that stored the file: the uploads function's Timeout in
// template.yaml, so the local run gives up where Lambda would.
const uploadTimeLimit = 300 * time.Second

// Open builds the embedded run. baseURL is where the server listens, for
// presigned URLs.
func Open(ctx context.Context, dataDir, baseURL string, cfg app.Config) (*Local, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	dev, err := auth.LoadOrCreateDevKey(dataDir)
	if err != nil {
		return nil, err
	}
	cursorKey, err := localSecret(dataDir, "cursor-key")
	if err != nil {
		return nil, err
	}
	blobKey, err := localSecret(dataDir, "blob-url-key")
	if err != nil {
		return nil, err
	}
	table, err := boltstore.Open(filepath.Join(dataDir, "rdx.db"))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	blobs, err := fileblob.New(filepath.Join(dataDir, "blobs"), baseURL, blobKey)
	if err != nil {
		table.Close()
		return nil, fmt.Errorf("open blobs: %w", err)
	}
	keys, err := auth.StaticKeys(dev.JWKS())
	if err != nil {
		table.Close()
		return nil, err
	}
	signer, err := receipt.LoadOrCreateKeyFile(filepath.Join(dataDir, receipt.KeyFileName))
	if err != nil {
		table.Close()
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	sessionKey, err := localSecret(dataDir, "session-key")
	if err != nil {
		table.Close()
		return nil, err
	}
	cfg.Issuer, cfg.Audience, cfg.Keys, cfg.CursorKey = auth.DevIssuer, auth.DevAudience, keys, cursorKey
	// The pages offer the development roles to sign in as, over plain http
	// when the local server is served so (make run: loopback).
	cfg.Pages = web.Config{SessionKey: sessionKey, PlainHTTP: strings.HasPrefix(baseURL, "http://"), DevSignIn: dev}
	if cfg.Receipts == nil {
		cfg.Receipts = signer
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	// Webhook deliveries wait in a queue of their own beside the store's data.
	q, err := boltqueue.Open(filepath.Join(dataDir, QueueFile), queueVisibility)
	if err != nil {
		table.Close()
		return nil, fmt.Errorf("open webhook queue: %w", err)
	}
	a, err := app.Build(cfg, app.Stores{Table: table, Blobs: blobs, Queue: q, Names: app.StoreNames{System: "bbolt", Table: "rdx.db", Blobs: "local"}}, map[string]http.Handler{BlobPrefix: blobs.Handler()})
	if err != nil {
		q.Close()
		table.Close()
		return nil, err
	}
	a.OnClose(table.Close)
	a.OnClose(q.Close)
	// As S3 sends ObjectCreated, the local blob server reports each presigned
	// PUT, and the files service each file a person uploads through the
	// pages; validation runs in-process, off the upload's request.
	arrived := func(key string) {
		go func() {
			vctx, cancel := service.Detached(ctx, uploadTimeLimit)
			defer cancel()
			cfg.Telemetry.Job(vctx, cfg.Log, telemetry.JobUploadValidation, key,
				func(ctx context.Context) error { return a.Files.UploadArrived(ctx, "local", key) }, a.Files.UploadState)
		}()
	}
	blobs.OnPut(arrived)
	a.Files.OnFileStored(arrived)
	return &Local{App: a, DevKey: dev}, nil
}

// QueueFile is the webhook deliveries' queue in the data folder.
const QueueFile = "webhooks-queue.db"

// queueVisibility is how long a delivery taken from the queue is hidden
// from the worker: longer than a receiver may take to answer.
const queueVisibility = time.Minute

// RunWebhooks runs the webhooks in-process until stop is called: a
// follower of every region's feed that dispatches each event committed
// (woken by each commit, and every interval to catch up), and a worker
// that delivers them.
func (l *Local) RunWebhooks(ctx context.Context, every time.Duration) (stop func()) {
	stopFollow := l.Hooks.Follow(ctx, every)
	stopWork := l.Hooks.Work(ctx)
	return func() { stopFollow(); stopWork() }
}

// localSecret reads a random 32-byte secret from dataDir, creating it once.
func localSecret(dataDir, name string) ([]byte, error) {
	path := filepath.Join(dataDir, name)
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	os.Remove(tmp)
	return os.ReadFile(path)
}
