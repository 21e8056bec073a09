package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
)

// healthEvent is an API Gateway HTTP API (payload v2) event for GET /v1/health.
const healthEvent = `{"version":"2.0","routeKey":"GET /v1/health","rawPath":"/v1/health","rawQueryString":"",
"headers":{"host":"api.example","user-agent":"bench"},"requestContext":{"accountId":"123456789012","apiId":"bench",
"domainName":"api.example","http":{"method":"GET","path":"/v1/health","protocol":"HTTP/1.1","sourceIp":"192.0.2.1","userAgent":"bench"},
"requestId":"cold","routeKey":"GET /v1/health","stage":"$default","time":"22/Nov/2026:21:00:00 +0000","timeEpoch":1795381200000},"isBase64Encoded":false}`

// runtimeAPI is the Lambda Runtime API's few endpoints: it hands out one
// event and reports when its response arrives.
type runtimeAPI struct {
	ln       net.Listener
	served   chan struct{}
	answered chan string
	asked    chan time.Time // when the function first asked for an event: its start-up done
}

func newRuntimeAPI() (*runtimeAPI, error) {
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
		w.Write([]byte(healthEvent))
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
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", fail)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", fail)
	go http.Serve(ln, mux)
	return r, nil
}

// coldStart starts bin and times it from process start to its first
// answered event, and to its first request for one (its start-up).
func coldStart(bin string, env []string) (time.Duration, time.Duration, error) {
	api, err := newRuntimeAPI()
	if err != nil {
		return 0, 0, err
	}
	defer api.ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+api.ln.Addr().String())
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	select {
	case ans := <-api.answered:
		took := time.Since(start)
		if strings.HasPrefix(ans, "error") || !strings.Contains(ans, `"statusCode":200`) {
			return 0, 0, fmt.Errorf("%s answered %s", filepath.Base(bin), ans)
		}
		return took, (<-api.asked).Sub(start), nil
	case <-time.After(30 * time.Second):
		return 0, 0, fmt.Errorf("%s did not answer", filepath.Base(bin))
	}
}

// buildFunction cross-compiles a command as functions are (CGO off,
// lambda.norpc, trimmed, stripped), for this machine's architecture.
func buildFunction(pkg, out string) (int64, error) {
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
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

// coldStartScenario times functions/api against the hello-world baseline.
func coldStartScenario(rep *report) error {
	dir, err := os.MkdirTemp("", "rdx-cold-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	api, hello := filepath.Join(dir, "api"), filepath.Join(dir, "hello")
	apiSize, err := buildFunction("./functions/api", api)
	if err != nil {
		return err
	}
	helloSize, err := buildFunction("./infra/bench/hello", hello)
	if err != nil {
		return err
	}
	key := auth.NewDevKey()
	env := []string{"TABLE_NAME=rdx", "SUBMISSIONS_BUCKET=rdx", "UPLOADS_BUCKET=rdx", "EXPORTS_BUCKET=rdx",
		"JWT_ISSUER=https://idp.bench.invalid", "JWT_AUDIENCE=rdx-api", "JWKS_JSON=" + string(key.JWKS()),
		"CURSOR_KEY=" + strings.Repeat("c", 32), "AWS_REGION=eu-west-2", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "LOG_LEVEL=WARN", "HOME=" + dir}
	const runs = 25
	var apiT, helloT, apiUp, helloUp []time.Duration
	for range runs { // alternate, so both see the same machine
		a, au, err := coldStart(api, env)
		if err != nil {
			return err
		}
		h, hu, err := coldStart(hello, env)
		if err != nil {
			return err
		}
		apiT, helloT = append(apiT, a), append(helloT, h)
		apiUp, helloUp = append(apiUp, au), append(helloUp, hu)
	}
	ma, mh := median(apiT), median(helloT)
	rep.add("Cold start: functions/api against a hello-world function", fmt.Sprintf(`Each binary is built as `+"`make build`"+` builds functions (CGO off, `+"`-tags lambda.norpc -trimpath -ldflags \"-s -w\"`"+`,
here for this machine's architecture), started %d times, alternating, against a minimal Lambda
Runtime API served by the bench (`+"`/2018-06-01/runtime/invocation/next`"+` and `+"`.../response`"+`), and
timed from process start to its answer to the first API Gateway v2 event (`+"`GET /v1/health`"+`).
functions/api loads its configuration, the AWS SDK's, builds its clients and the handler first.

The start-up column is process start to the function's first request for an event (its
initialisation done); the rest of the median is answering the event.

| binary | size | start-up (median) | first answer (median) | p90 |
| --- | ---: | ---: | ---: | ---: |
| functions/api | %s | %s | %s | %s |
| hello-world (aws-lambda-go) | %s | %s | %s | %s |
| **ratio** | **%.2f×** | **%.2f×** | **%.2f×** | |`, runs, mib(uint64(apiSize)), ms(median(apiUp)), ms(ma), ms(p90(apiT)), mib(uint64(helloSize)), ms(median(helloUp)), ms(mh), ms(p90(helloT)),
		float64(apiSize)/float64(helloSize), float64(median(apiUp))/float64(median(helloUp)), float64(ma)/float64(mh)))
	return nil
}

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
