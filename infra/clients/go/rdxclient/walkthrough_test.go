package rdxclient_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/infra/clients/go/rdxclient"
	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/infra/localrun"
	"github.com/regional-data-exchange/rdx/shared/app"
	"github.com/regional-data-exchange/rdx/shared/app/local"
)

// The README's walk-through, by the client oapi-codegen generates from the
// contract, against the local server (`make run`'s, over the embedded store)
// with tokens from `go run ./infra/devtoken`: Carmarthenshire PUTs its
// quarterly return and its pool contribution, reads the return back, lists
// its versions and its returns, asks what it owes; the RCU reads the pooled
// fund position; Carmarthenshire reads its fund's report and signs it.
func TestReadmeWalkThrough(t *testing.T) {
	const (
		region, partner = "west-wales", "carmarthenshire"
		fund, quarter   = "care-homes-older-people", "2018-19-Q2"
		year            = "2018-19"
	)
	ctx := t.Context()
	base, dataDir := serve(t)
	carm := client(t, base, devtoken(t, dataDir, "--partner", partner))
	rcu := client(t, base, devtoken(t, dataDir, "--scope", "region:read periods:manage exports:read exports:write"))

	// Carmarthenshire's Q2 return: 201, with a receipt.
	var qr rdxclient.PutQuarterlyReturnJSONRequestBody
	decodeExample(t, "quarterly-return.json", &qr)
	key := rdxclient.IdempotencyKey("carm-2018-19-q2-1")
	put, err := carm.PutQuarterlyReturnWithResponse(ctx, region, partner, fund, quarter,
		&rdxclient.PutQuarterlyReturnParams{IdempotencyKey: &key}, qr)
	if err != nil {
		t.Fatal(err)
	}
	if put.StatusCode() != http.StatusCreated || put.JSON201 == nil {
		t.Fatalf("PUT quarterly return: %d %s", put.StatusCode(), put.Body)
	}
	created := put.JSON201
	if created.Version != 1 || created.Kind != "quarterly-returns" || created.Key.FundId != fund || created.Key.Quarter != quarter ||
		created.Region != region || created.Partner != partner || created.SignOff != nil {
		t.Errorf("PUT answered %+v", created)
	}
	if len(created.Receipt.ReceiptId) != 26 || created.Receipt.Sha256 != created.Sha256 || created.Receipt.ReceivedAt.IsZero() {
		t.Errorf("receipt %+v for content %s", created.Receipt, created.Sha256)
	}
	if etag := put.HTTPResponse.Header.Get("ETag"); etag != `"1"` {
		t.Errorf("PUT ETag %q", etag)
	}
	if loc := put.HTTPResponse.Header.Get("Location"); !strings.HasSuffix(loc, "/quarterly-returns/"+fund+"/"+quarter+"/versions/1") {
		t.Errorf("PUT Location %q", loc)
	}

	// Read it back: ETag "1", the canonical document of what was sent.
	got, err := carm.GetQuarterlyReturnWithResponse(ctx, region, partner, fund, quarter, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusCode() != http.StatusOK || got.JSON200 == nil {
		t.Fatalf("GET quarterly return: %d %s", got.StatusCode(), got.Body)
	}
	if etag := got.HTTPResponse.Header.Get("ETag"); etag != `"1"` {
		t.Errorf("GET ETag %q", etag)
	}
	doc := got.JSON200.Document
	if got.JSON200.Version != 1 || got.JSON200.Sha256 != created.Sha256 || doc.FundId != fund || doc.Quarter != quarter ||
		len(doc.Spend) != len(qr.Spend) || doc.Spend[0].ActualToDate != "4102337.18" || doc.RiskRating != qr.RiskRating {
		t.Errorf("GET answered version %d, document %+v", got.JSON200.Version, doc)
	}

	// Its versions: the one, with the same receipt.
	versions, err := carm.ListQuarterlyReturnVersionsWithResponse(ctx, region, partner, fund, quarter, nil)
	if err != nil {
		t.Fatal(err)
	}
	if versions.StatusCode() != http.StatusOK || versions.JSON200 == nil {
		t.Fatalf("GET versions: %d %s", versions.StatusCode(), versions.Body)
	}
	if v := versions.JSON200.Items; len(v) != 1 || v[0].Version != 1 || v[0].Receipt.ReceiptId != created.Receipt.ReceiptId || versions.JSON200.NextCursor != nil {
		t.Errorf("versions %+v", versions.JSON200)
	}

	// Every return Carmarthenshire has sent in the year.
	fy := rdxclient.FinancialYearFilter(year)
	list, err := carm.ListQuarterlyReturnsWithResponse(ctx, region, partner, &rdxclient.ListQuarterlyReturnsParams{FinancialYear: &fy})
	if err != nil {
		t.Fatal(err)
	}
	if list.StatusCode() != http.StatusOK || list.JSON200 == nil {
		t.Fatalf("GET quarterly returns: %d %s", list.StatusCode(), list.Body)
	}
	if items := list.JSON200.Items; len(items) != 1 || items[0].Key.Quarter != quarter || items[0].Kind != "quarterly-returns" || items[0].Version != 1 {
		t.Errorf("quarterly returns %+v", list.JSON200)
	}

	// The pool contribution of the same fund-year (the README's other example).
	var pc rdxclient.PutPoolContributionJSONRequestBody
	decodeExample(t, "pool-contribution.json", &pc)
	putPC, err := carm.PutPoolContributionWithResponse(ctx, region, partner, fund, year, nil, pc)
	if err != nil {
		t.Fatal(err)
	}
	if putPC.StatusCode() != http.StatusCreated || putPC.JSON201 == nil || putPC.JSON201.Version != 1 || putPC.JSON201.Document.Lines[0].Amount != "14250000.00" {
		t.Fatalf("PUT pool contribution: %d %s", putPC.StatusCode(), putPC.Body)
	}

	// What Carmarthenshire owes: the Q2 return and the contribution are received.
	obligations, err := carm.ListObligationsWithResponse(ctx, region, partner, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obligations.StatusCode() != http.StatusOK || obligations.JSON200 == nil {
		t.Fatalf("GET obligations: %d %s", obligations.StatusCode(), obligations.Body)
	}
	received := map[string]rdxclient.Obligation{}
	for _, o := range obligations.JSON200.Items {
		if o.FundId == fund && o.Version != nil {
			received[string(o.Kind)+" "+o.Period] = o
		}
	}
	if o, ok := received["quarterly-returns "+quarter]; !ok || *o.Version != 1 || o.Status != rdxclient.Received || o.ReceivedAt == nil {
		t.Errorf("the Q2 return is not owed as received: %+v", o)
	}
	if o, ok := received["pool-contributions "+year]; !ok || *o.Version != 1 || o.Status != rdxclient.Received {
		t.Errorf("the contribution is not owed as received: %+v", o)
	}
	if len(received) != 2 {
		t.Errorf("received %d obligations, want the two sent: %+v", len(received), received)
	}

	// The pooled fund position, with the RCU's token: Carmarthenshire's cell
	// as sent (net of its income), the other members missing.
	position, err := rcu.GetFundPositionWithResponse(ctx, region, fund, &rdxclient.GetFundPositionParams{FinancialYear: year})
	if err != nil {
		t.Fatal(err)
	}
	if position.StatusCode() != http.StatusOK || position.JSON200 == nil {
		t.Fatalf("GET position: %d %s", position.StatusCode(), position.Body)
	}
	pos := position.JSON200
	if pos.Fund != fund || pos.FinancialYear != year || pos.AsAt == nil || *pos.AsAt != quarter {
		t.Errorf("position of %s %s as at %v", pos.Fund, pos.FinancialYear, pos.AsAt)
	}
	for _, p := range pos.Partners {
		if p.Partner != partner {
			if !p.Missing {
				t.Errorf("%s sent nothing but is not missing: %+v", p.Partner, p)
			}
			continue
		}
		totals := p.Totals
		if p.Missing || p.ReturnVersion == nil || *p.ReturnVersion != 1 || p.ContributionVersion == nil || *p.ContributionVersion != 1 ||
			totals.Contribution != "16350000.00" || totals.ActualToDate != "6798447.58" || totals.ForecastOutturn != "16100000.00" {
			t.Errorf("Carmarthenshire's position %+v", p)
		}
	}
	if len(pos.Partners) != 4 {
		t.Errorf("the position has %d members, want the fund's four", len(pos.Partners))
	}

	// The fund's quarterly report, which Carmarthenshire reads as a member;
	// its chief finance officer signs the content read (If-Match its ETag),
	// one of the four signatures the report awaits.
	rep, err := carm.GetFundReportWithResponse(ctx, region, fund, quarter, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.StatusCode() != http.StatusOK || rep.JSON200 == nil {
		t.Fatalf("GET report: %d %s", rep.StatusCode(), rep.Body)
	}
	etag := rep.HTTPResponse.Header.Get("ETag")
	if r := rep.JSON200; etag != `"`+string(r.ContentSha256)+`"` || r.Status != rdxclient.AwaitingSignOff || len(r.RequiredSignOffs) != 4 ||
		r.Position.AsAt == nil || *r.Position.AsAt != quarter || len(r.Returns) != 1 || r.Returns[0].Sha256 != created.Sha256 {
		t.Errorf("report (ETag %s) %+v", etag, r)
	}
	signed, err := carm.SignOffFundReportWithResponse(ctx, region, fund, quarter, &rdxclient.SignOffFundReportParams{IfMatch: etag},
		rdxclient.SignOffFundReportJSONRequestBody{Signatory: "Jane Jones", Role: "chief-finance-officer"})
	if err != nil {
		t.Fatal(err)
	}
	if signed.StatusCode() != http.StatusCreated || signed.JSON201 == nil || len(signed.JSON201.SignOffs) != 1 || !signed.JSON201.SignOffs[0].Counts ||
		signed.JSON201.Status != rdxclient.AwaitingSignOff {
		t.Errorf("sign the report: %d %s", signed.StatusCode(), signed.Body)
	}

	// A partner's token cannot read the position: the typed 403 problem.
	denied, err := carm.GetFundPositionWithResponse(ctx, region, fund, &rdxclient.GetFundPositionParams{FinancialYear: year})
	if err != nil {
		t.Fatal(err)
	}
	if denied.StatusCode() != http.StatusForbidden || denied.ApplicationproblemJSON403 == nil || denied.ApplicationproblemJSON403.Status != http.StatusForbidden {
		t.Errorf("a partner read the position: %d %s", denied.StatusCode(), denied.Body)
	}
}

// serve starts the local server as `make run` does (the embedded store in a
// data folder, development tokens signed by the key kept there) on a free
// loopback port, and returns its base URL and data folder.
func serve(t *testing.T) (string, string) {
	t.Helper()
	dataDir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	srv, err := local.Open(ctx, dataDir, base, app.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- localrun.Serve(ctx, ln, srv.Handler) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	return base, dataDir
}

// devtoken mints a token as the README does: go run ./infra/devtoken.
func devtoken(t *testing.T, dataDir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"run", "github.com/regional-data-exchange/rdx/infra/devtoken", "--data-dir", dataDir}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("devtoken %v: %v %s", args, err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// client is the generated client, sending token as a bearer token.
func client(t *testing.T, base, token string) *rdxclient.ClientWithResponses {
	t.Helper()
	c, err := rdxclient.NewClientWithResponses(base, rdxclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// decodeExample reads an example submission into its generated request type.
func decodeExample(t *testing.T, name string, v any) {
	t.Helper()
	b, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields() // every field of the example has a place in the type
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s into %T: %v", name, v, err)
	}
}
