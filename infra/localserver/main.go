// Command localserver is `make run`: the whole API on localhost over the
// embedded store (bbolt and files under DATA_DIR), with development tokens
// printed for every role of every region.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/regional-data-exchange/rdx/infra/localrun"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/app/local"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/web"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localserver:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dataDir := localrun.Env("DATA_DIR", ".data")
	ln, base, err := localrun.Listen()
	if err != nil {
		return err
	}
	tel, shutdown, err := localrun.Telemetry(ctx)
	if err != nil {
		return err
	}
	defer shutdown(context.WithoutCancel(ctx))
	cfg := app.Config{Log: logx.New(os.Stderr, slog.LevelInfo), Telemetry: tel}
	// For development alone: webhooks may be delivered to http://127.0.0.1:… receivers.
	cfg.Webhooks.Client.AllowLoopback = os.Getenv("WEBHOOKS_ALLOW_LOOPBACK") == "1"
	local, err := local.Open(ctx, dataDir, base, cfg)
	if err != nil {
		return err
	}
	defer local.Close()
	stopSweeps := local.Sweeper.Every(ctx, time.Minute) // finishes background work that stopped, as the sweeper function does deployed
	defer stopSweeps()
	stopMornings := local.RegionView.Mornings(ctx) // obligation.due and .overdue events now and each morning, as the obligations function's schedule deployed
	defer stopMornings()
	stopHooks := local.RunWebhooks(ctx, 10*time.Second) // as the stream, queue and delivery functions do deployed
	defer stopHooks()
	if err := localrun.PrintTokens(os.Stdout, local.DevKey, local.Regions); err != nil {
		return err
	}
	fmt.Printf("\nRegional Data Exchange serving %s (embedded store in %s); Ctrl-C stops it.\n", base, dataDir)
	if cfg.Webhooks.Client.AllowLoopback {
		fmt.Println("WEBHOOKS_ALLOW_LOOPBACK=1: webhooks may be registered for http://127.0.0.1:… receivers (development only).")
	}
	fmt.Printf("Pages for people: %s%s (sign in as any role above, in Welsh or English).\n", base, web.Prefix)
	return localrun.Serve(ctx, ln, local.Handler)
}
