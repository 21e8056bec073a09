package main

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/regional-data-exchange/rdx/shared/auth"
)

// collectorPath is where the runtime stand-in takes the spans a function
// exports.
const collectorPath = "/collector/traces"

// apiEvent is an API Gateway HTTP API (payload v2) event for GET path,
// with a bearer token when token is not empty.
func apiEvent(path, token string) string {
	headers := map[string]string{"host": "api.example", "user-agent": "bench"}
	if token != "" {
		headers["authorization"] = "Bearer " + token
	}
	b, _ := json.Marshal(events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET " + path, RawPath: path, Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "bench", DomainName: "api.example", RequestID: "cold", RouteKey: "GET " + path,
			Stage: "$default", Time: "22/Nov/2026:21:00:00 +0000", TimeEpoch: 1795381200000,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1", UserAgent: "bench"},
		},
	})
	return string(b)
}

// noObjects is an S3 event with no records: the uploads and exports
// functions answer it having started and done nothing else.
const noObjects = `{"Records":[]}`

// runtimeAPI is the Lambda Runtime API's few endpoints: it hands out one
// event and reports when its response arrives.
type runtimeAPI struct {
	ln       net.Listener
	served   chan struct{}
	answered chan string
	asked    chan time.Time // when the function first asked for an event: its start-up done
}

func newRuntimeAPI(event string) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &runtimeAPI{ln: ln, served: make(chan struct{}, 1), answered: make(chan string, 1), asked: make(chan time.Time, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, req *http.Request) {
		select {
		case r.served <- struct{}{}: // the first call gets the event
			r.asked <- time.Now()
		default: // later calls wait, as Lambda's do, until the process is stopped
			<-req.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "cold-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-2:123456789012:function:bench")
		w.Write([]byte(event))
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, req *http.Request) {
		b := make([]byte, 4096)
		n, _ := req.Body.Read(b)
		w.WriteHeader(http.StatusAccepted)
		r.answered <- string(b[:n])
	})
	fail := func(w http.ResponseWriter, req *http.Request) {
		b := make([]byte, 4096)
		n, _ := req.Body.Read(b)
		w.WriteHeader(http.StatusAccepted)
		r.answered <- "error: " + string(b[:n])
	}
	// A stand-in for the collector layer, which each invocation's spans are
	// flushed to before its answer (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
	mux.HandleFunc("POST "+collectorPath, func(w http.ResponseWriter, req *http.Request) { io.Copy(io.Discard, req.Body) })
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", fail)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", fail)
	go http.Serve(ln, mux)
	return r, nil
}

// coldRun is one way to start a function: its binary, environment, first
// event, and the test its answer must pass.
type coldRun struct {
	name, pkg string // pkg: the command, as go build names it
	env       []string
	event     string
	ok        func(answer string) bool
	first     []time.Duration // process start to the first answer, per start
	startUp   []time.Duration // process start to the first request for an event
}

// bin is where coldStartScenario builds r's command.
func (r *coldRun) bin() string { return filepath.Join(coldDir, filepath.Base(r.pkg)) }

func answered(status int) func(string) bool {
	return func(a string) bool { return strings.Contains(a, fmt.Sprintf(`"statusCode":%d`, status)) }
}

func nothingToDo(a string) bool { return a == "null" }

// coldStart starts r's binary once and times it from process start to its
// first answered event, and to its first request for one (its start-up).
func (r *coldRun) coldStart() error {
	api, err := newRuntimeAPI(r.event)
	if err != nil {
		return err
	}
	defer api.ln.Close()
	cmd := exec.Command(r.bin())
	cmd.Env = slices.Concat(r.env, []string{"AWS_LAMBDA_RUNTIME_API=" + api.ln.Addr().String(),
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://" + api.ln.Addr().String() + collectorPath})
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	select {
	case ans := <-api.answered:
		took := time.Since(start)
		if !r.ok(ans) {
			return fmt.Errorf("%s answered %s", r.name, ans)
		}
		r.first, r.startUp = append(r.first, took), append(r.startUp, (<-api.asked).Sub(start))
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s did not answer", r.name)
	}
}

// lambdaTags are the build tags of make build (the Makefile's LAMBDA_TAGS).
const lambdaTags = "lambda.norpc,validator_novalidatefn"

// buildFunction cross-compiles a command as functions are (CGO off, with
// lambdaTags, trimmed, stripped), for this machine's architecture.
func buildFunction(pkg, out string) (int64, error) {
	cmd := exec.Command("go", "build", "-tags", lambdaTags, "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build %s: %v: %s", pkg, err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// jwksServer publishes a JWK set over HTTPS on loopback, as an issuer
// does, and writes its certificate where SSL_CERT_FILE can name it.
func jwksServer(set []byte, dir string) (*httptest.Server, string, error) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(set)
	}))
	// A function stopped after its answer may leave a connection half open.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	ca := filepath.Join(dir, "issuer-ca.pem")
	err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	return srv, ca, err
}

// coldDir holds the commands coldStartScenario builds.
var coldDir string

// coldStartScenario times each function's cold start against a
// hello-world function that builds the same SDK clients.
func coldStartScenario(rep *report) error {
	dir, err := os.MkdirTemp("", "rdx-cold-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	coldDir = dir
	key := auth.NewDevKey()
	token, err := key.Mint(auth.TokenSpec{Subject: "bench", Region: "west-wales", Partner: "carmarthenshire",
		Scopes: auth.DefaultScopes("west-wales", "carmarthenshire"), TTL: time.Hour}, time.Now())
	if err != nil {
		return err
	}
	issuer, ca, err := jwksServer(key.JWKS(), dir)
	if err != nil {
		return err
	}
	defer issuer.Close()
	noCerts := filepath.Join(dir, "no-certs")
	if err := os.Mkdir(noCerts, 0o700); err != nil {
		return err
	}
	// What Lambda gives every function, and the settings template.yaml gives
	// each. Every AWS endpoint is a closed loopback port: nothing is called
	// at start, and nothing may reach AWS.
	lambdaEnv := []string{"AWS_REGION=eu-west-2", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
		"AWS_ENDPOINT_URL=http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "HOME=" + dir, "TABLE_NAME=rdx", "SUBMISSIONS_BUCKET=rdx", "LOG_LEVEL=WARN",
		"OTEL_TRACES_EXPORTER=otlp", "METRICS=emf", "RECEIPT_KEY_ID=alias/rdx-receipts"}
	apiEnv := slices.Concat(lambdaEnv, []string{"UPLOADS_BUCKET=rdx-uploads", "EXPORTS_BUCKET=rdx-exports", "EXPORTS_QUEUED=true",
		"JWT_ISSUER=" + auth.DevIssuer, "JWT_AUDIENCE=" + auth.DevAudience, "CURSOR_KEY=" + strings.Repeat("c", 32)})
	me := apiEvent("/v1/me", token)
	runs := []*coldRun{
		{name: "hello-world floor (LoadDefaultConfig, DynamoDB and S3 clients)", pkg: "./infra/bench/hello", env: lambdaEnv,
			event: apiEvent("/v1/health", ""), ok: answered(200)},
		{name: "functions/api, JWKS_JSON: GET /v1/health", pkg: "./functions/api", env: slices.Concat(apiEnv, []string{"JWKS_JSON=" + string(key.JWKS())}),
			event: apiEvent("/v1/health", ""), ok: answered(200)},
		{name: "functions/api, JWKS_JSON: GET /v1/me (token verified)", pkg: "./functions/api", env: slices.Concat(apiEnv, []string{"JWKS_JSON=" + string(key.JWKS())}),
			event: me, ok: answered(200)},
		{name: "functions/api, JWKS_URL (HTTPS, system roots): GET /v1/me (token verified)", pkg: "./functions/api",
			env: slices.Concat(apiEnv, []string{"JWKS_URL=" + issuer.URL + "/jwks.json", "SSL_CERT_FILE=" + ca}), event: me, ok: answered(200)},
		{name: "functions/api, JWKS_URL (HTTPS, issuer's root only): GET /v1/me (token verified)", pkg: "./functions/api",
			env: slices.Concat(apiEnv, []string{"JWKS_URL=" + issuer.URL + "/jwks.json", "SSL_CERT_FILE=" + ca, "SSL_CERT_DIR=" + noCerts}), event: me, ok: answered(200)},
		{name: "functions/uploads: S3 event, no objects", pkg: "./functions/uploads", env: slices.Concat(lambdaEnv, []string{"UPLOADS_BUCKET=rdx-uploads"}),
			event: noObjects, ok: nothingToDo},
		{name: "functions/exports: S3 event, no objects", pkg: "./functions/exports", env: slices.Concat(lambdaEnv, []string{"EXPORTS_BUCKET=rdx-exports"}),
			event: noObjects, ok: nothingToDo},
	}
	sizes := map[string]int64{}
	for _, r := range runs {
		if _, built := sizes[r.pkg]; !built {
			if sizes[r.pkg], err = buildFunction(r.pkg, r.bin()); err != nil {
				return err
			}
		}
	}
	const starts = 25
	for range starts { // in turn, so every kind sees the same machine
		for _, r := range runs {
			if err := r.coldStart(); err != nil {
				return err
			}
		}
	}
	inits := map[string]initCost{}
	for _, r := range runs {
		if _, done := inits[r.pkg]; !done {
			inits[r.pkg] = traceInits(r.bin(), r.env)
		}
	}
	floor := runs[0]
	fu, ff := median(floor.startUp), median(floor.first)
	var rows []string
	for _, r := range runs {
		u, f := median(r.startUp), median(r.first)
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %.2f× | %s | **%.2f×** | %s | %s |", r.name, mib(uint64(sizes[r.pkg])),
			ms(u), ratio(u, fu), ms(f), ratio(f, ff), plusMs(f-ff), ms(p90(r.first))))
	}
	floorInit := inits[floor.pkg]
	var initRows []string
	for _, pkg := range []string{floor.pkg, "./functions/api", "./functions/uploads", "./functions/exports"} {
		c := inits[pkg]
		initRows = append(initRows, fmt.Sprintf("| %s | %s | %s | %s |", pkg, ms(c.total), plusMs(c.total-floorInit.total), c.largest(floorInit, 3)))
	}
	inline, fetched, fetchedOnly := median(runs[2].first), median(runs[3].first), median(runs[4].first)
	rep.add("Cold start: each function against a hello-world function that builds the same SDK clients", fmt.Sprintf(`Each binary is built as `+"`make build`"+` builds functions (CGO off, `+"`-tags "+lambdaTags+" -trimpath -ldflags \"-s -w\"`"+`,
here for this machine's architecture) and started %d times, every kind in turn, against a minimal
Lambda Runtime API served by the bench (`+"`/2018-06-01/runtime/invocation/next`"+` and `+"`.../response`"+`).
The floor is what any function that talks to DynamoDB and S3 must do before its first event:
`+"`config.LoadDefaultConfig`"+` and a DynamoDB and an S3 client (infra/bench/hello). Each function starts as
deployed, with the settings template.yaml gives it; the uploads and exports functions build no
token verifier.

Start-up is process start to the function's first request for an event (its initialisation
done); first answer is process start to its answer to that event; "added" is the first answer's
median over the floor's. With `+"`JWKS_URL`"+` the API function fetches the JWK set from an issuer
served over HTTPS on loopback (its certificate trusted through `+"`SSL_CERT_FILE`"+`), in the
background: start-up does not wait for it, and the first token verified waits for whatever of the
fetch is left. That costs %s at the first authenticated answer against the set given inline,
of which all but %s (a TLS handshake and one GET on loopback, with only the issuer's root
trusted) is Go loading the system's root certificates (`+"`SSL_CERT_DIR`"+`) for its first HTTPS
connection: a cost the first DynamoDB or S3 request of any function pays too, and which the
fetch, started at init, pays ahead of it. An issuer farther away adds its round trips, once per
instance, while start-up runs on.

| start (event) | size | start-up (median) | × floor | first answer (median) | × floor | added | first answer p90 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
%s

Where the time over the floor goes, first: the packages' initialisation before main, from
`+"`GODEBUG=inittrace=1`"+` (median of %d starts), and the largest initialisers the floor does not
have. The rest of a function's start is its own: reading and checking the regions' configuration
(validator/v10, about a millisecond on first use), the routes and the token verifier. The API's
remaining distance from 1.3× is mostly validator/v10's initialisation (its tables and a regular
expression it compiles at init), which this product uses for its configuration and command
bodies. The exports function links excelize, whose formula engine looks functions up by name
(`+"`reflect.Value.MethodByName`"+`), so the linker keeps every method of every type: a binary twice
the API's, loaded at every start. It runs on S3 events, never while a person waits.

| binary | package init | over the floor's | largest initialisers the floor does not have |
| --- | ---: | ---: | --- |
%s`, starts, plusMs(fetched-inline), plusMs(fetchedOnly-inline), strings.Join(rows, "\n"), initStarts, strings.Join(initRows, "\n")))
	return nil
}

func plusMs(d time.Duration) string { return fmt.Sprintf("%+.1f ms", float64(d.Microseconds())/1000) }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func p90(ds []time.Duration) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)*9/10]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// initStarts is how many times each binary is started to read its package
// initialisation.
const initStarts = 5

// initCost is a binary's package initialisation: the total, and each
// package's, as the runtime reports them (GODEBUG=inittrace=1).
type initCost struct {
	total time.Duration
	pkgs  map[string]time.Duration
}

// largest names the n packages that take longest to initialise and that
// floor does not initialise at all.
func (c initCost) largest(floor initCost, n int) string {
	var names []string
	for p := range c.pkgs {
		if _, shared := floor.pkgs[p]; !shared {
			names = append(names, p)
		}
	}
	sort.Slice(names, func(i, j int) bool { return c.pkgs[names[i]] > c.pkgs[names[j]] })
	var out []string
	for _, p := range names[:min(n, len(names))] {
		out = append(out, fmt.Sprintf("%s %s", p, ms(c.pkgs[p])))
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}

// traceInits starts bin initStarts times with the runtime's init trace on
// (no Runtime API: the function stops once it finds none) and keeps the
// median of each figure.
func traceInits(bin string, env []string) initCost {
	var totals []time.Duration
	per := map[string][]time.Duration{}
	for range initStarts {
		cmd := exec.Command(bin)
		cmd.Env = slices.Concat(env, []string{"GODEBUG=inittrace=1"})
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.Run() // it fails without a Runtime API, after its initialisation
		var total time.Duration
		for _, line := range strings.Split(stderr.String(), "\n") {
			// init <package> @<start> ms, <clock> ms clock, <bytes> bytes, <allocs> allocs
			f := strings.Fields(line)
			if len(f) < 5 || f[0] != "init" {
				continue
			}
			var clock float64
			if _, err := fmt.Sscanf(f[4], "%f", &clock); err != nil {
				continue
			}
			d := time.Duration(clock * float64(time.Millisecond))
			total += d
			per[f[1]] = append(per[f[1]], d)
		}
		totals = append(totals, total)
	}
	c := initCost{total: median(totals), pkgs: map[string]time.Duration{}}
	for p, ds := range per {
		c.pkgs[p] = median(ds)
	}
	return c
}
