// Command localserver is `make run`: the whole API on localhost over the
// embedded store (bbolt and files under DATA_DIR), with development tokens
// printed for every role of every region.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/logx"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localserver:", err)
		os.Exit(1)
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func run() error {
	addr, dataDir := env("ADDR", "127.0.0.1:8080"), env("DATA_DIR", ".data")
	log := logx.New(os.Stderr, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	local, err := app.OpenLocal(ctx, dataDir, base, app.Config{Log: log})
	if err != nil {
		return err
	}
	defer local.Close()
	if err := printTokens(local); err != nil {
		return err
	}
	srv := &http.Server{Handler: local.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Printf("\nRegional Data Exchange serving %s (data in %s); Ctrl-C stops it.\n", base, dataDir)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printTokens prints a day's token for each partner's systems, each
// region's collaboration unit and government.
func printTokens(l *app.Local) error {
	now, ttl := time.Now(), 24*time.Hour
	mint := func(label string, spec auth.TokenSpec) error {
		spec.TTL = ttl
		spec.Scopes = auth.DefaultScopes(spec.Region, spec.Partner)
		tok, err := l.DevKey.Mint(spec, now)
		if err != nil {
			return err
		}
		fmt.Printf("%-44s %s\n", label, tok)
		return nil
	}
	fmt.Println("Development tokens (valid 24 hours; mint more with go run ./infra/devtoken):")
	for _, id := range l.Regions.IDs() {
		reg, _ := l.Regions.Get(id)
		for _, p := range reg.Partners {
			if err := mint(id+"/"+p.ID+" (writer)", auth.TokenSpec{Subject: "dev-" + p.ID, Name: p.Name + " finance system", Region: id, Partner: p.ID}); err != nil {
				return err
			}
		}
		if err := mint(id+" collaboration unit (RCU)", auth.TokenSpec{Subject: "dev-rcu-" + id, Name: reg.Name + " RCU", Region: id}); err != nil {
			return err
		}
	}
	return mint("government (every region, exports)", auth.TokenSpec{Subject: "dev-government", Name: "Ministerial reporting", Region: auth.AllRegions})
}
