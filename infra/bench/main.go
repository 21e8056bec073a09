// Command bench is `make bench`: it measures the service on this machine and
// writes BENCHMARKS.md (figures, machine, date, command). Every figure is
// measured in the same run as what it is compared with.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/blob"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the workbook writer: this process builds exports

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/auth"

	"github.com/regional-data-exchange/rdx/infra/standins"
	"github.com/regional-data-exchange/rdx/shared/blob/fileblob"
	"github.com/regional-data-exchange/rdx/shared/blob/s3blob"
	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/store/boltstore"
	"github.com/regional-data-exchange/rdx/shared/store/dynamostore"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "where to write the report")
	partners := flag.Int("partners", 100, "synthetic region: partners (each a member of every fund)")
	funds := flag.Int("funds", 100, "synthetic region: funds")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.StringVar(&only, "only", "", "run only this scenario: cold, embedded, pages, roundtrips, aws, growth, cost or export")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(*out, *partners, *funds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// report collects the markdown sections.
type report struct{ sections []string }

func (r *report) add(title, body string) {
	r.sections = append(r.sections, "## "+title+"\n\n"+strings.TrimSpace(body)+"\n")
	fmt.Println("## " + title + "\n" + body)
}

// only names the one scenario to run (profiling); empty runs them all.
var only string

func run(out string, partners, funds int) error {
	rep := &report{}
	scenarios := []struct {
		name string
		run  func(*report) error
	}{
		{"cold", coldStartScenario},
		{"embedded", embeddedLatency},
		{"pages", pagesScenario},
		{"roundtrips", roundTripScenario},
		{"aws", awsLatency},
		{"growth", growthScenario},
		{"cost", costScenario},
		{"export", func(r *report) error { return exportScenario(r, partners, funds) }},
	}
	for _, sc := range scenarios {
		if only != "" && sc.name != only {
			continue
		}
		if err := sc.run(rep); err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
	}
	if only != "" {
		return nil // a partial run does not replace the report
	}
	return writeReport(out, rep)
}

// embeddedServe is the local server over bbolt and files in a scratch
// folder; done closes it and removes the folder.
func embeddedServe() (s *served, done func(), err error) {
	dir, err := scratch()
	if err != nil {
		return nil, nil, err
	}
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	done = func() { table.Close(); os.RemoveAll(dir) }
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), "http://127.0.0.1", bytes.Repeat([]byte("b"), 32))
	if err == nil {
		s, err = serve(table, blobs)
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	return s, done, nil
}

// embeddedLatency measures the local server over bbolt and files.
func embeddedLatency(rep *report) error {
	s, done, err := embeddedServe()
	if err != nil {
		return err
	}
	defer done()
	body, err := latencyScenario(context.Background(), "embedded", s, warmup)
	if err != nil {
		return err
	}
	rep.add("Request latency: local server, embedded store (bbolt and files)", latencyIntro+"\n\n"+body)
	return nil
}

// awsLatency measures the same requests over the AWS adapters, against
// DynamoDB Local and MinIO started here.
func awsLatency(rep *report) error {
	ctx := context.Background()
	table, blobs, stop, err := onStandIns(ctx, "rdx-bench")
	if err != nil {
		return err
	}
	defer stop()
	s, err := serve(table, blobs)
	if err != nil {
		return err
	}
	body, err := latencyScenario(ctx, "aws", s, warmupJVM)
	if err != nil {
		return err
	}
	rep.add("Request latency: the AWS adapters, on DynamoDB Local and MinIO", fmt.Sprintf(`The same requests and floor as above, over the DynamoDB and S3 adapters against the official
DynamoDB Local (Java, in memory) and MinIO on this machine's loopback: both stand-ins share the two
cores with the service, the floor and the load generator. Each request kind warms up with %d
requests to each side rather than %d, so that the Java stand-in's compiler has settled.

`, warmupJVM, warmup)+body)
	return nil
}

// onStandIns starts DynamoDB Local and MinIO and makes a table and a bucket
// named name on them; stop stops both.
func onStandIns(ctx context.Context, name string, opts ...dynamostore.Option) (*dynamostore.Table, blob.Store, func(), error) {
	ddb, err := standins.StartDynamoDB()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("DynamoDB Local (make tools installs it): %w", err)
	}
	minio, err := standins.StartMinIO()
	if err != nil {
		ddb.Stop()
		return nil, nil, nil, fmt.Errorf("MinIO (make tools installs it): %w", err)
	}
	stop := func() { ddb.Stop(); minio.Stop() }
	dc, sc := standins.DynamoClient(ddb.Endpoint), standins.S3Client(minio.Endpoint)
	if err := dynamostore.CreateTable(ctx, dc, name); err != nil {
		stop()
		return nil, nil, nil, err
	}
	if err := s3blob.CreateBucket(ctx, sc, name); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return dynamostore.New(dc, name, opts...), s3blob.New(sc, s3.NewPresignClient(sc), name), stop, nil
}

const latencyIntro = `Each request kind runs from 4 concurrent keep-alive clients over loopback HTTP: 300 warm-up
requests, then 7 rounds of 500, alternating between the service and its floor so that whatever
else the machine does weighs on both alike (figures are the medians over the rounds). The floor
is a minimal net/http handler that verifies the same token, makes exactly the store and blob
operations the service made for that request (recorded from it; writes to fresh keys), and writes
the same response bytes. The ratio is the service's cost over that unavoidable work: validation, canonical JSON,
routing, idempotency, logging, problem handling. Data: the West Wales fund, every member's
contribution and four returns for two years; PUTs each create a new version.

The first PUT row's workers are one partner writing four of its returns at once: every write
moves that partner's chain of receipts, so they take turns at its head (in one process a writer
waits while the one before it signs and commits, then links to the head it moved; the floor's
writes to fresh keys wait on nothing). Across Lambda instances, which take no turns with each
other, such writers race through the head's condition and the loser runs again. The second PUT
row's workers are each a different member, whose chains are their own.

The service computes a fund position when the records it is computed from change, and keeps
it beside their SHA-256 fingerprint: a read still makes every store read (so it sees any change
at once) and hashes the records, but skips decoding their JSON and computing when they are the
same. The last row is an instance that keeps nothing, so each read decodes, computes and writes
anew: the difference between the two rows is what the cache is for.`

// scratch is a folder for a scenario's data: tmpfs where there is one, so
// the figures measure the service rather than the disk's fsync.
func scratch() (string, error) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return os.MkdirTemp("/dev/shm", "rdx-bench-")
	}
	return os.MkdirTemp("", "rdx-bench-")
}

// embedded builds the service over bbolt and files in dir, with extra
// regions. It keeps no computed positions: the growth figures are of the
// computation, not of a cached answer.
func embedded(dir string, regionFiles ...string) (*app.App, func(), error) {
	table, err := boltstore.Open(filepath.Join(dir, "rdx.db"))
	if err != nil {
		return nil, nil, err
	}
	blobs, err := fileblob.New(filepath.Join(dir, "blobs"), "http://127.0.0.1", bytes.Repeat([]byte("b"), 32))
	if err != nil {
		return nil, nil, err
	}
	key := auth.NewDevKey()
	keys, _ := auth.StaticKeys(key.JWKS())
	a, err := app.Build(app.Config{RegionFiles: regionFiles, Issuer: auth.DevIssuer, Audience: auth.DevAudience, Keys: keys,
		CursorKey: bytes.Repeat([]byte("c"), 32), PositionCache: -1, Log: logx.New(os.Stderr, slog.LevelError)}, app.Stores{Table: table, Blobs: blobs}, nil)
	if err != nil {
		return nil, nil, err
	}
	return a, func() { table.Close() }, nil
}

// peakHeap runs fn and returns the most live heap (as the garbage collector
// last measured it) above the live heap before fn, sampled every 5 ms. Live
// heap, not heap in use: garbage waiting for the next collection says
// nothing about what fn holds.
func peakHeap(fn func() error) (uint64, error) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	peak := base
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				peak = max(peak, read())
			}
		}
	}()
	err := fn()
	close(stop)
	<-done
	runtime.GC() // the last collection during fn may not have happened yet
	peak = max(peak, read())
	return peak - min(base, peak), err
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// exportScenario seeds a synthetic region with partners × funds × 5 current
// submissions and times an export of it in each format, with its peak heap.
func exportScenario(rep *report, partners, funds int) error {
	ctx := context.Background()
	dir, err := scratch()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r := synthRegion(partners, funds)
	file, err := writeRegion(dir, r)
	if err != nil {
		return err
	}
	a, closeStore, err := embedded(dir, file)
	if err != nil {
		return err
	}
	defer closeStore()
	start := time.Now()
	n, err := seed(ctx, a.Submissions, r)
	if err != nil {
		return err
	}
	seeded := time.Since(start)
	gov := &auth.Principal{Subject: "bench-government", Region: auth.AllRegions, Scopes: []auth.Scope{auth.ExportsWrite, auth.ExportsRead}}
	var rows []string
	for _, format := range []string{"csv", "json", "xlsx"} {
		var took time.Duration
		var files string
		heap, err := peakHeap(func() error {
			t0 := time.Now()
			rec, err := a.Exports.CreateExport(ctx, gov, []byte(fmt.Sprintf(`{"region":%q,"financialYear":%q,"format":%q}`, r.ID, synthYear, format)))
			took = time.Since(t0)
			if err == nil {
				files = filesSummary(rec.Manifest.Files)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("export %s: %w", format, err)
		}
		rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %s |", format, n, took.Round(time.Millisecond), mib(heap), files))
	}
	rep.add("Export of a synthetic region", fmt.Sprintf(`A region of %d partners and %d pooled funds (every partner a member of every fund), one
financial year: %d current submissions (a contribution and four quarterly returns per partner and
fund), seeded through the service in %s. Each export holds every submission of the year, each
fund's pooled position and the aggregates. Peak heap is the most live heap during the export
above the live heap before it (sampled every 5 ms): what the export holds. CSV and JSON stream
row by row, so it stays small however much data there is; the XLSX writer (excelize) keeps up to
16 MiB of each sheet in memory before spilling to disk, so its peak is bounded by that times the
13 sheets, not by the data.

| format | submissions | time | peak heap | files (bytes) |
| --- | ---: | ---: | ---: | --- |
%s`, partners, funds, n, seeded.Round(time.Second), strings.Join(rows, "\n")))
	return nil
}

func filesSummary(fs []export.FileInfo) string {
	var total int64
	for _, f := range fs {
		total += f.Bytes
	}
	return fmt.Sprintf("%d files, %s", len(fs), mib(uint64(total)))
}

// writeReport writes BENCHMARKS.md: the machine, the date, the command and
// every section.
func writeReport(path string, rep *report) error {
	host, _ := os.Hostname()
	head := fmt.Sprintf(`# Benchmarks

Written by `+"`make bench`"+` (`+"`go run ./infra/bench`"+`) on %s.
Machine: %s, %d CPUs, %s, %s (host %s). Figures from one run; each comparison is between
figures measured in that same run.

Targets: the service within 1.5× its floor (the same token check, store and blob operations and
response bytes) for a GET, a PUT and the fund position, on both backends; each Lambda function's
cold start within 1.3× a hello-world function's that builds the same SDK clients; the position's and an export's cost linear in the
data; an export's memory flat as the data grows.

`, time.Now().UTC().Format("2006-01-02 15:04 MST"), cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH, host)
	return os.WriteFile(path, []byte(head+strings.Join(rep.sections, "\n")), 0o644)
}

// cpuModel reads the processor's name where Linux says it.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return "unknown CPU"
}
