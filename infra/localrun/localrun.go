// Package localrun is what the two local servers share: listening on ADDR,
// printing development tokens for every role, stopping cleanly on Ctrl-C,
// and tracing when asked to.
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

	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/telemetry"
	"github.com/regional-data-exchange/rdx/shared/telemetry/traceexport"
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
// collaboration unit and approving board, and government (auth.DevRoles:
// the roles the local sign-in page offers too).
func PrintTokens(w io.Writer, key *auth.DevKey, regions *region.Registry) error {
	now := time.Now()
	fmt.Fprintln(w, "Development tokens (valid 24 hours; mint more with go run ./infra/devtoken):")
	for _, role := range auth.DevRoles(regions) {
		spec := role.Spec
		spec.TTL = 24 * time.Hour
		tok, err := key.Mint(spec, now)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%-44s %s\n", tokenLabel(role), tok); err != nil {
			return err
		}
	}
	return nil
}

func tokenLabel(r auth.DevRole) string {
	switch r.Kind {
	case auth.DevPartner:
		return r.Spec.Region + "/" + r.Spec.Partner + " (writer)"
	case auth.DevUnit:
		return r.Spec.Region + " collaboration unit (RCU)"
	case auth.DevBoard:
		return r.Spec.Region + " approving board"
	}
	return "government (every region, exports)"
}

// Telemetry is the local servers' tracing and metrics, off unless asked
// for: OTEL_TRACES_EXPORTER=console prints each span to stderr, =otlp sends
// them to a collector (OTEL_EXPORTER_OTLP_ENDPOINT, say a local Jaeger's
// http://127.0.0.1:4318); METRICS=emf prints the EMF lines CloudWatch would
// read to stdout. shutdown sends what spans are left.
func Telemetry(ctx context.Context) (t telemetry.Telemetry, shutdown func(context.Context) error, err error) {
	shutdown = func(context.Context) error { return nil }
	if os.Getenv("METRICS") == "emf" {
		t.Metrics = telemetry.NewMetrics(os.Stdout, "local")
	}
	tp, err := traceexport.New(ctx, os.Getenv("OTEL_TRACES_EXPORTER"), os.Stderr,
		resource.NewSchemaless(semconv.ServiceName("rdx-local")))
	if err != nil || tp == nil {
		return t, shutdown, err
	}
	t.Traces = tp
	return t, tp.Shutdown, nil
}
