// Package app is the only composition root: configuration in, adapters
// built, the use cases (the shared core and a service per capability) and
// their handler out.
package app

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"time"

	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/queue"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/exports"
	"github.com/regional-data-exchange/rdx/shared/service/files"
	"github.com/regional-data-exchange/rdx/shared/service/hooks"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/service/sweeper"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
	"github.com/regional-data-exchange/rdx/shared/web"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// Config is everything a process needs to serve the API; BuildService
// reads only the regions, the cursor key (which also seals webhooks'
// secrets), QueueExports, PositionCache, Webhooks, Now and Log.
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
	// PositionCache is how many fund positions are kept computed (0: the
	// service's default; negative: none, every read computes).
	PositionCache int
	Now           func() time.Time
	Log           *slog.Logger
	// Telemetry is where spans and metrics go (zero: nowhere): every
	// request, store and blob call is traced and counted through it.
	Telemetry telemetry.Telemetry
	// Receipts signs every accepted write's receipt (AWS: the KMS key;
	// locally: the data folder's key file). RetiredReceiptKeys are keys
	// that signed receipts once and are published still, so those verify.
	Receipts           receipt.Signer
	RetiredReceiptKeys *receipt.KeySet
	// Pages configures the pages people use under /app/ (shared/web). An
	// empty SessionKey is derived from CursorKey; DevSignIn is for the
	// local run alone and is refused on Lambda.
	Pages web.Config
	// Webhooks configures the webhooks' deliveries: the outbound client
	// (AllowLoopback for the local run alone) and, for tests, a shorter
	// back-off.
	Webhooks Webhooks
}

// Webhooks configures the webhooks' deliveries.
type Webhooks struct {
	Client   webhook.Options
	Schedule []time.Duration
	GiveUp   time.Duration
}

// App is the built use cases: the shared core (access, idempotency) and a
// service per capability.
type App struct {
	httpapi.UseCases
	Sweeper *sweeper.Service // finishes background work that stopped
	Handler http.Handler     // nil when built by BuildService
	Regions *region.Registry
	closers []func() error
}

// OnClose adds a release to Close (the composition root's adapters).
func (a *App) OnClose(fn func() error) { a.closers = append(a.closers, fn) }

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
	// Queue carries webhook deliveries (nil: webhooks are registered, but
	// nothing is dispatched or replayed).
	Queue queue.Queue
	// Names say in spans which backend, table and buckets a call went to.
	Names StoreNames
}

// StoreNames name the stores in spans; empty names are the roles'
// ("table", "blobs", "uploads", "exports").
type StoreNames struct {
	// System is the table's backend, as OpenTelemetry names it
	// (db.system.name): "aws.dynamodb", "bbolt".
	System                         string
	Table, Blobs, Uploads, Exports string
}

func or(name, role string) string {
	if name == "" {
		return role
	}
	return name
}

// BuildService wires the use cases alone over their stores: what a process
// that handles events rather than requests needs (the uploads and exports
// functions). It needs no token issuer, keys or cursor key, and builds no
// verifier.
func BuildService(cfg Config, st Stores) (*App, error) {
	reg, err := LoadRegions(cfg)
	if err != nil {
		return nil, err
	}
	uploads, exportsBucket := st.Uploads, st.Exports
	n := st.Names
	if uploads == nil {
		uploads, n.Uploads = st.Blobs, n.Blobs
	}
	if exportsBucket == nil {
		exportsBucket, n.Exports = st.Blobs, n.Blobs
	}
	tel := cfg.Telemetry
	table, blobs := tel.Table(st.Table, or(n.System, "unknown"), or(n.Table, "table")), tel.Blobs(st.Blobs, or(n.Blobs, "blobs"))
	uploads, exportsBucket = tel.Blobs(uploads, or(n.Uploads, "uploads")), tel.Blobs(exportsBucket, or(n.Exports, "exports"))
	// The local follower of the feed is told of each event committed.
	wake := hooks.NewWake()
	core := service.New(service.Deps{Regions: reg, Table: wake.Table(table), Blobs: blobs, CursorKey: cfg.CursorKey, Now: cfg.Now, Log: logger(cfg),
		Receipts: cfg.Receipts, RetiredReceiptKeys: cfg.RetiredReceiptKeys})
	subs := submissions.New(core)
	view := regionview.New(core, cfg.PositionCache)
	fs, xs := files.New(core, subs, uploads), exports.New(core, view, exportsBucket, cfg.QueueExports)
	hk := hooks.New(hooks.Deps{Core: core, Queue: st.Queue, Client: webhook.NewClient(cfg.Webhooks.Client), Body: httpapi.ChangeJSON,
		Key: cfg.CursorKey, Schedule: cfg.Webhooks.Schedule, GiveUp: cfg.Webhooks.GiveUp, Wake: wake})
	return &App{UseCases: httpapi.UseCases{Service: core, Submissions: subs, RegionView: view, Files: fs, Exports: xs, Hooks: hk},
		Sweeper: sweeper.New(core, fs, xs), Regions: reg}, nil
}

// Build wires the service and the API's handler, with its token verifier,
// over the stores; the pages are mounted at /app/ in the same handler, and
// extra mounts further handlers outside /v1.
func Build(cfg Config, st Stores, extra map[string]http.Handler) (*App, error) {
	if len(cfg.CursorKey) < 32 {
		return nil, errors.New("the cursor key must be at least 32 bytes")
	}
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.Keys == nil {
		return nil, errors.New("the token issuer, audience and keys are required")
	}
	// Development sign-in is the local run's; a deployed function never offers it.
	if cfg.Pages.DevSignIn != nil && os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		return nil, errors.New("development sign-in is refused on Lambda")
	}
	a, err := BuildService(cfg, st)
	if err != nil {
		return nil, err
	}
	verifier := auth.NewVerifier(cfg.Keys, cfg.Issuer, cfg.Audience, a.Regions)
	pagesCfg := cfg.Pages
	if len(pagesCfg.SessionKey) == 0 {
		// One secret fewer to deploy: the pages' keys are derived from the
		// cursor key (HKDF), itself a secret every instance shares.
		if pagesCfg.SessionKey, err = hkdf.Key(sha256.New, cfg.CursorKey, nil, "rdx web session key", 32); err != nil {
			return nil, err
		}
	}
	pages, err := web.New(web.Deps{Config: pagesCfg, UseCases: a.UseCases, Verifier: verifier, Log: logger(cfg), Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	mounts := maps.Clone(extra)
	if mounts == nil {
		mounts = map[string]http.Handler{}
	}
	mounts[web.Prefix] = pages
	a.Handler = httpapi.NewHandler(httpapi.Deps{
		UseCases: a.UseCases, Verifier: verifier, Log: logger(cfg), Extra: mounts, Telemetry: cfg.Telemetry,
	})
	return a, nil
}

func logger(cfg Config) *slog.Logger {
	if cfg.Log == nil {
		return slog.Default()
	}
	return cfg.Log
}
