// Package localrun is what the two local servers share: listening on ADDR,
// printing development tokens for every role, and stopping cleanly on Ctrl-C.
package localrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// Env reads a variable with a default.
func Env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// Listen opens ADDR (default 127.0.0.1:8080) and returns the base URL.
func Listen() (net.Listener, string, error) {
	ln, err := net.Listen("tcp", Env("ADDR", "127.0.0.1:8080"))
	if err != nil {
		return nil, "", err
	}
	return ln, "http://" + ln.Addr().String(), nil
}

// Serve answers on ln until ctx ends, then drains for up to ten seconds.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// PrintTokens prints a day's token for each partner's systems, each region's
// collaboration unit and government.
func PrintTokens(w io.Writer, key *auth.DevKey, regions *region.Registry) error {
	now, ttl := time.Now(), 24*time.Hour
	mint := func(label string, spec auth.TokenSpec) error {
		spec.TTL = ttl
		if spec.Scopes == nil {
			spec.Scopes = auth.DefaultScopes(spec.Region, spec.Partner)
		}
		tok, err := key.Mint(spec, now)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%-44s %s\n", label, tok)
		return err
	}
	fmt.Fprintln(w, "Development tokens (valid 24 hours; mint more with go run ./infra/devtoken):")
	for _, id := range regions.IDs() {
		reg, _ := regions.Get(id)
		for _, p := range reg.Partners {
			if err := mint(id+"/"+p.ID+" (writer)", auth.TokenSpec{Subject: "dev-" + p.ID, Name: p.Name + " finance system", Region: id, Partner: p.ID}); err != nil {
				return err
			}
		}
		if err := mint(id+" collaboration unit (RCU)", auth.TokenSpec{Subject: "dev-rcu-" + id, Name: reg.Name + " RCU", Region: id}); err != nil {
			return err
		}
		if err := mint(id+" approving board", auth.TokenSpec{Subject: "dev-board-" + id, Name: reg.Name + " (board)", Region: id,
			Scopes: auth.BoardScopes()}); err != nil {
			return err
		}
	}
	return mint("government (every region, exports)", auth.TokenSpec{Subject: "dev-government", Name: "Ministerial reporting", Region: auth.AllRegions})
}
