// Package app is the only composition root: configuration in, adapters
// built, the service and its handler out.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
)

// Config is everything a process needs to serve the API.
type Config struct {
	// Regions are the region configuration files; nil means the embedded ones.
	Regions fs.FS
	// RegionFiles are further region files to load (tests, other deployments).
	RegionFiles []string
	// Issuer and Audience the tokens must carry; Keys verifies their signatures.
	Issuer, Audience string
	Keys             auth.KeySource
	CursorKey        []byte
	// QueueExports hands export builds to the exports function (AWS).
	QueueExports bool
	Now          func() time.Time
	Log          *slog.Logger
}

// App is a built service.
type App struct {
	Service *service.Service
	Handler http.Handler
	Regions *region.Registry
	closers []func() error
}

// Close releases the adapters.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}

// LoadRegions reads the configured regions.
func LoadRegions(cfg Config) (*region.Registry, error) {
	fsys := cfg.Regions
	if fsys == nil {
		fsys = regions.FS
	}
	rs, err := region.LoadFS(fsys)
	if err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	for _, f := range cfg.RegionFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r, err := region.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		rs = append(rs, r)
	}
	return region.NewRegistry(rs...)
}

// Stores are the adapters the service runs on.
type Stores struct {
	Table store.Table
	// Blobs keeps raw bodies, documents and stored answers; Uploads and
	// Exports (nil: Blobs) partners' files and government's exports.
	Blobs, Uploads, Exports blob.Store
}

// Build wires the service over its stores; extra mounts handlers outside /v1.
func Build(cfg Config, st Stores, extra map[string]http.Handler) (*App, error) {
	reg, err := LoadRegions(cfg)
	if err != nil {
		return nil, err
	}
	if len(cfg.CursorKey) < 32 {
		return nil, errors.New("the cursor key must be at least 32 bytes")
	}
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.Keys == nil {
		return nil, errors.New("the token issuer, audience and keys are required")
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	svc := service.New(service.Deps{Regions: reg, Table: st.Table, Blobs: st.Blobs, Uploads: st.Uploads, Exports: st.Exports,
		CursorKey: cfg.CursorKey, QueueExports: cfg.QueueExports, Now: cfg.Now, Log: log})
	h := httpapi.NewHandler(httpapi.Deps{
		Service: svc, Verifier: auth.NewVerifier(cfg.Keys, cfg.Issuer, cfg.Audience, reg), Log: log, Extra: extra,
	})
	return &App{Service: svc, Handler: h, Regions: reg}, nil
}

// Local is the embedded run: bbolt and files under dataDir, development
// tokens signed by a key kept there.
type Local struct {
	*App
	DevKey *auth.DevKey
}

// LocalBlobPrefix is where the local server serves presigned blob URLs.
const LocalBlobPrefix = "/local-blobs/"

// OpenLocal builds the embedded run. baseURL is where the server listens, for
// presigned URLs.
func OpenLocal(ctx context.Context, dataDir, baseURL string, cfg Config) (*Local, error) {
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
	cfg.Issuer, cfg.Audience, cfg.Keys, cfg.CursorKey = auth.DevIssuer, auth.DevAudience, keys, cursorKey
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	a, err := Build(cfg, Stores{Table: table, Blobs: blobs}, map[string]http.Handler{LocalBlobPrefix: blobs.Handler()})
	if err != nil {
		table.Close()
		return nil, err
	}
	a.closers = append(a.closers, table.Close)
	// As S3 sends ObjectCreated, the local blob server reports each presigned
	// PUT; validation runs in-process, off the upload's request.
	blobs.OnPut(func(key string) {
		go func() {
			if err := a.Service.UploadArrived(context.WithoutCancel(ctx), "local", key); err != nil {
				cfg.Log.Error("validate upload", "key", key, "error", err)
			}
		}()
	})
	return &Local{App: a, DevKey: dev}, nil
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
