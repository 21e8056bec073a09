package submission_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/regional-data-exchange/rdx/infra/examples"
	"github.com/regional-data-exchange/rdx/infra/regions"
	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// The fuzz targets below feed Validate arbitrary bodies (and ParseKey
// arbitrary path values) for each kind, seeded from infra/examples. The
// invariants:
//   - nothing panics;
//   - a body that is not JSON is an apperr.Malformed error, and nothing
//     else is an error;
//   - every finding carries a catalogue rule code published for the kind,
//     with the right severity and a JSON Pointer (or, from ParseKey, a path
//     parameter) that names a place in the body;
//   - with no errors, Canonical is RFC 8785 JSON, SHA256 is its digest, and
//     validating Canonical again gives the same bytes and warnings
//     (normalisation is idempotent).

// fuzzKind is one kind's fixture: its region, its example, the partner
// that sends it and its key.
type fuzzKind struct {
	kind    submission.Kind
	region  string
	example string
	partner string
	key     [2]string
}

var fuzzKinds = map[string]fuzzKind{
	"pa":  {submission.PopulationAssessments, "west-wales", "population-assessment.json", "ceredigion", [2]string{"W06000008", "2022"}},
	"mps": {submission.MarketPositionStatements, "west-wales", "market-position-statement.json", "pembrokeshire", [2]string{"W06000009", "2024-25"}},
	"pc":  {submission.PoolContributions, "west-wales", "pool-contribution.json", "carmarthenshire", [2]string{"care-homes-older-people", "2018-19"}},
	"qr":  {submission.QuarterlyReturns, "west-wales", "quarterly-return.json", "carmarthenshire", [2]string{"care-homes-older-people", "2018-19-Q2"}},
	// The Better Care Fund's: the fund's own lists, funding streams, KPI
	// plans, and the host's assurances.
	"bcf-pc": {submission.PoolContributions, "wiltshire", "wiltshire-pool-contribution.json", "wiltshire-council", [2]string{"better-care-fund", "2023-24"}},
	"bcf-qr": {submission.QuarterlyReturns, "cheshire-west", "cheshire-west-quarterly-return.json", "cheshire-west-and-chester", [2]string{"better-care-fund", "2019-20-Q2"}},
}

// exampleFiles are every example, each a seed for every kind.
var exampleFiles = []string{"population-assessment.json", "market-position-statement.json", "pool-contribution.json", "quarterly-return.json",
	"wiltshire-pool-contribution.json", "cheshire-west-quarterly-return.json"}

// acceptedUpload is the one market-position-document upload the fuzz
// context knows as accepted.
const acceptedUpload = "01JD0C5S7Q4M0ZV9D2T6Y8K3PX"

func FuzzValidatePopulationAssessments(f *testing.F) { fuzzValidate(f, fuzzKinds["pa"]) }

func FuzzValidateMarketPositionStatements(f *testing.F) { fuzzValidate(f, fuzzKinds["mps"]) }

func FuzzValidatePoolContributions(f *testing.F) { fuzzValidate(f, fuzzKinds["pc"]) }

func FuzzValidateQuarterlyReturns(f *testing.F) { fuzzValidate(f, fuzzKinds["qr"]) }

func FuzzValidateBCFPoolContributions(f *testing.F) { fuzzValidate(f, fuzzKinds["bcf-pc"]) }

func FuzzValidateBCFQuarterlyReturns(f *testing.F) { fuzzValidate(f, fuzzKinds["bcf-qr"]) }

func example(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := examples.Read(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fuzzSeeds are bodies derived from a kind's example: the edge cases of each
// field type and of the decoder, so that the fuzzer starts from them.
func fuzzSeeds(example []byte) [][]byte {
	ex := string(example)
	var out [][]byte
	add := func(s string) { out = append(out, []byte(s)) }
	add(ex)
	// Whitespace and encoding around a valid document.
	add("\ufeff" + ex)
	add(strings.ReplaceAll(ex, "\n", "\r\n"))
	add(strings.Join(strings.Fields(ex), " "))
	// Replacements inside it: money, counts, text, duplicates, depth.
	for _, r := range [][2]string{
		{`"4102337.18"`, `4102337.18`}, {`"4102337.18"`, `"4.10233718e6"`}, {`"4102337.18"`, `"4102337.185"`},
		{`"4102337.18"`, `"-1.00"`}, {`"4102337.18"`, `"99999999999.99"`}, {`"4102337.18"`, `"100000000000.00"`},
		{`"4102337.18"`, `" 4102337.18"`}, {`"4102337.18"`, `"+4102337.18"`}, {`"4102337.18"`, `"-0"`},
		{`"742.00"`, `"742"`}, {`"742.00"`, `742.0`}, {`"742.00"`, `"0.00"`}, {`"742.00"`, `1e2`},
		{`"14250000.00"`, `"0"`}, {`"14250000.00"`, `"-14250000.00"`}, {`2100000`, `2100000.5`},
		{`10900`, `9007199254740991`}, {`10900`, `9007199254740992`}, {`10900`, `-1`}, {`10900`, `1.0`}, {`10900`, `"10900"`},
		{`548`, `611`}, {`300`, `3000`}, {`"690.00"`, `"1200.00"`},
		{`2022`, `2023`}, {`2022`, `"2022"`}, {`2021`, `1999`}, {`2030`, `2060`},
		{`"2018-19-Q2"`, `"2018-19-Q3"`}, {`"2018-19"`, `"2018-20"`}, {`"2024-25"`, `"2024-2025"`},
		{`"2018-03-28"`, `"2018-02-30"`}, {`"W06000010"`, `"W06000008"`}, {`"W06000010"`, `"E06000050"`},
		{`"social-care"`, `"health"`}, {`"social-care"`, `"Social-Care"`}, {`"residential"`, `"nursing"`},
		{`"green"`, `"red"`}, {`"amber"`, `"red"`}, {`"Figures rounded`, `"\u0000Figures rounded`},
		{`"Figures rounded`, `"  \r\n Figures rounded`}, {`"Head of Finance`, `"\t`}, {`"all"`, `"female"`},
		{`"fundId"`, `"fundId": "care-homes-older-people", "fundId"`}, {`"areaCode"`, `"areaCode": "W06000008", "areaCode"`},
		{`"care-homes-older-people"`, `"care-homes-learning-disabilities"`}, {`"care-homes-older-people"`, `null`},
		{`"notes"`, `"colour"`}, {`"final"`, `"Final"`}, {`{`, `{"a~b/c": 1, `},
		{`"dementia"`, `"Dementia"`}, {`"cash"`, `"cheque"`}, {`"all"`, `"\u0061ll"`}, {`"cash"`, `"c\u0061sh"`},
	} {
		if strings.Contains(ex, r[0]) {
			add(strings.Replace(ex, r[0], r[1], 1))
		}
	}
	// Text the canonical writer must escape as RFC 8785 does.
	for _, text := range []string{"Figures rounded", "Grow nursing", "Residential and nursing", "Nursing placements", "Head of Finance"} {
		add(strings.Replace(ex, `"`+text, `"\ud83d\ude00 \u2028\u2029 \t\n \"q\" \\ \/ </script> \ud800 \u00e9 é`+text, 1))
		add(strings.Replace(ex, `"`+text, `"\u007f\u0080\u001f`+text, 1))
	}
	add(strings.Replace(ex, "{", `{"final": true, "commentary": "`+strings.Repeat("é", 5001)+`", `, 1))
	add(strings.Replace(ex, "{", `{"documentUploadId": "`+acceptedUpload+`", "commissioningIntentions": [], `, 1))
	add(strings.Replace(ex, "{", `{"kpis": [{"code": "KPI-1", "value": "1.1234567", "unit": "%"}], "income": [], `, 1))
	add(strings.Replace(ex, "{", `{"x": `+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`, `, 1))
	// The fund's lists, funding streams, KPI plans and assurances.
	for _, r := range [][2]string{
		{`"home-care"`, `"residential"`}, {`"client-contributions"`, `"continuing-healthcare"`},
		{`"disabled-facilities-grant"`, `"dfg"`}, {`, "fundingStream": "local-authority-bcf"`, ``}, {`"description": "Residential`, `"fundingStream": "other", "description": "Residential`},
		{`"2023-24-Q4"`, `"2024-25-Q1"`}, {`"2023-24-Q2"`, `"2023-24-Q1"`}, {`"92.5"`, `"9.2e1"`},
		{`"met": true`, `"met": false`}, {`"met": false`, `"met": "no"`}, {`"national-condition-2"`, `"national-condition-1"`},
		{`"national-condition-3"`, `"national-condition-9"`}, {`"assurances"`, `"assurance"`},
	} {
		if strings.Contains(ex, r[0]) {
			add(strings.Replace(ex, r[0], r[1], 1))
		}
	}
	add(strings.Replace(ex, "{", `{"assurances": [{"code": "national-condition-1", "met": false, "commentary": " "}], "kpiPlans": [{"code": "x", "quarter": "2018-19-Q1", "value": 1}], `, 1))
	// Not one JSON object.
	for _, s := range []string{"", " ", "null", "[]", "{}", `""`, "0", "{", "}", `{"a":}`, "{} {}", ex + "x", ex[:len(ex)/2],
		"\xff", `{"\ud800": 1}`, `[` + ex + `]`, strings.Repeat("[", 100_000), strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50)} {
		add(s)
	}
	return out
}

func fuzzValidate(f *testing.F, fk fuzzKind) {
	reg, err := regions.Load(fk.region)
	if err != nil {
		f.Fatal(err)
	}
	partner, ok := reg.Partner(fk.partner)
	if !ok {
		f.Fatalf("%s has no partner %s", fk.region, fk.partner)
	}
	// The previous quarter's return, for actual.decreased: the example's
	// summary, as the service keeps it.
	var prev *submission.Summary
	if fk.kind == submission.QuarterlyReturns {
		q1 := fk.key[1][:len(fk.key[1])-1] + "1"
		k, _ := submission.ParseKey(fk.kind, [2]string{fk.key[0], q1}, reg, partner)
		res, err := submission.Validate(context.Background(), &submission.Context{Region: reg, Partner: partner, Key: k},
			bytes.Replace(example(f, fk.example), []byte(fk.key[1]), []byte(q1), 1))
		if err != nil || len(res.Errors) > 0 {
			f.Fatalf("the example is not valid as Q1: %v %+v", err, res)
		}
		if prev, err = submission.Summarize(fk.kind, res.Document); err != nil {
			f.Fatal(err)
		}
	}
	cat := map[string]submission.CatalogueEntry{}
	for _, e := range submission.Catalogue() {
		cat[e.Code] = e
	}

	for _, name := range exampleFiles {
		for _, body := range fuzzSeeds(example(f, name)) {
			f.Add(body, fk.key[0], fk.key[1])
		}
	}
	// Path values ParseKey refuses or that shift the rules (Q4, Q1).
	ex := example(f, fk.example)
	for _, kv := range [][2]string{{"", ""}, {fk.key[0], ""}, {"x", fk.key[1]}, {fk.key[0], "2018-19-Q4"}, {fk.key[0], "2018-19-Q1"},
		{fk.key[0], "2019-20-Q1"}, {fk.key[0], "2035-36-Q1"}, {fk.key[0], "2050"}, {fk.key[0], "02022"}, {fk.key[0], "2030-31"},
		{"W06000010", fk.key[1]}, {"care-homes-learning-disabilities", fk.key[1]}, {fk.key[0] + "\x00", fk.key[1]},
		{fk.key[0], "2021-22"}, {fk.key[0], "2024-25-Q1"}, {"mental-health-learning-disabilities", "2024-25-Q1"}, {"better-care-fund", fk.key[1]}} {
		f.Add(ex, kv[0], kv[1])
	}

	f.Fuzz(func(t *testing.T, body []byte, k0, k1 string) {
		ctx := context.Background()
		key, keyFindings := submission.ParseKey(fk.kind, [2]string{k0, k1}, reg, partner)
		params := fk.kind.KeyParams()
		bad := map[string]bool{}
		for _, fd := range keyFindings {
			checkFinding(t, cat, fk.kind, fd, submission.SevError, nil)
			if !slices.Contains(params[:], fd.Parameter) || fd.Pointer != "" {
				t.Fatalf("ParseKey(%q, %q): finding %s at parameter %q, pointer %q", k0, k1, fd.Rule.Code, fd.Parameter, fd.Pointer)
			}
			bad[fd.Parameter] = true
		}
		vc := &submission.Context{Region: reg, Partner: partner, Key: key, BadParams: bad,
			PreviousReturn: func(context.Context) (*submission.Summary, error) { return prev, nil },
			DocumentAccepted: func(_ context.Context, id string) (bool, error) {
				return id == acceptedUpload, nil
			},
		}
		res, err := submission.Validate(ctx, vc, body)
		if err != nil {
			if !apperr.Is(err, apperr.Malformed) {
				t.Fatalf("Validate(%q) = %v, not malformed", body, err)
			}
			if _, _, jerr := jsonx.Decode(body); jerr == nil {
				t.Fatalf("Validate(%q) refused a body jsonx decodes: %v", body, err)
			}
			return
		}
		raw, _, jerr := jsonx.Decode(body)
		if jerr != nil {
			t.Fatalf("Validate accepted a body jsonx refuses: %v", jerr)
		}
		if len(res.Errors) > submission.MaxFindings || len(res.Warnings) > submission.MaxFindings {
			t.Fatalf("%d errors and %d warnings: over the cap of %d", len(res.Errors), len(res.Warnings), submission.MaxFindings)
		}
		for _, fd := range res.Errors {
			checkFinding(t, cat, fk.kind, fd, submission.SevError, raw)
		}
		for _, fd := range res.Warnings {
			checkFinding(t, cat, fk.kind, fd, submission.SevWarning, raw)
		}
		if len(res.Errors) > 0 {
			if res.Document != nil || res.Canonical != nil || res.SHA256 != "" {
				t.Fatalf("a result with errors has a document")
			}
			return
		}
		if res.Document == nil || !json.Valid(res.Canonical) {
			t.Fatalf("no errors but the canonical form is not JSON: %q", res.Canonical)
		}
		if sum := sha256.Sum256(res.Canonical); res.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("SHA256 %s is not the digest of the canonical bytes", res.SHA256)
		}
		if again, err := jcs.Transform(res.Canonical); err != nil || !bytes.Equal(again, res.Canonical) {
			t.Fatalf("the canonical form is not RFC 8785:\n%s\n%s (%v)", res.Canonical, again, err)
		}
		if len(keyFindings) > 0 {
			return // the service answers 422 for the path: nothing is stored
		}
		res2, err := submission.Validate(ctx, vc, res.Canonical)
		if err != nil {
			t.Fatalf("the canonical form %s is refused: %v", res.Canonical, err)
		}
		if len(res2.Errors) > 0 {
			fd := res2.Errors[0]
			t.Fatalf("the canonical form of %q\n= %s\nfails %s at %s: %s", body, res.Canonical, fd.Rule.Code, fd.Pointer, fd.Message)
		}
		if !bytes.Equal(res2.Canonical, res.Canonical) {
			t.Fatalf("normalising is not idempotent:\n%s\n%s", res.Canonical, res2.Canonical)
		}
		if w1, w2 := warningKeys(res.Warnings), warningKeys(res2.Warnings); !slices.Equal(w1, w2) {
			t.Fatalf("the canonical form warns %v, the body %v", w2, w1)
		}
	})
}

func warningKeys(fs []submission.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Rule.Code+"@"+f.Pointer)
	}
	return out
}

// checkFinding checks that a finding is one the catalogue publishes for the
// kind, with its severity, and that its pointer names a place in raw (the
// decoded body): the value itself, or the object a missing field belongs to.
func checkFinding(t *testing.T, cat map[string]submission.CatalogueEntry, kind submission.Kind, fd submission.Finding, sev submission.Severity, raw any) {
	t.Helper()
	if fd.Rule == nil {
		t.Fatalf("a finding without a rule: %+v", fd)
	}
	e, ok := cat[fd.Rule.Code]
	switch {
	case !ok:
		t.Fatalf("%s is not in the rule catalogue", fd.Rule.Code)
	case !slices.Contains(e.Kinds, kind):
		t.Fatalf("the catalogue does not list %s for %s", fd.Rule.Code, kind)
	case fd.Rule.Severity != sev || e.Severity != sev:
		t.Fatalf("%s: severity %s, catalogue %s, reported as %s", fd.Rule.Code, fd.Rule.Severity, e.Severity, sev)
	case fd.Message == "":
		t.Fatalf("%s at %q has no message", fd.Rule.Code, fd.Pointer)
	}
	if fd.Parameter != "" {
		if !slices.Contains(e.Fields, fd.Parameter) {
			t.Fatalf("the catalogue lists %s at %v, not at parameter %s", fd.Rule.Code, e.Fields, fd.Parameter)
		}
		return
	}
	tokens, ok := splitPointer(fd.Pointer)
	if !ok {
		t.Fatalf("%s: %q is not a JSON Pointer", fd.Rule.Code, fd.Pointer)
	}
	// The structural rules apply anywhere, under unknown fields too.
	if !strings.HasPrefix(fd.Rule.Code, "body.") {
		p, parent := pointerPattern(tokens), pointerPattern(tokens[:max(len(tokens)-1, 0)])
		if !slices.Contains(e.Fields, p) && !slices.Contains(e.Fields, parent) {
			t.Fatalf("the catalogue lists %s at %v, not at %s (or %s)", fd.Rule.Code, e.Fields, p, parent)
		}
	}
	if len(tokens) == 0 {
		return // the whole body
	}
	switch jsonx.Resolve(raw, tokens[:len(tokens)-1]).(type) {
	case map[string]any, []any:
	default:
		t.Fatalf("%s at %q: the pointer's parent is not an object or array of the body", fd.Rule.Code, fd.Pointer)
	}
}

// splitPointer parses an RFC 6901 pointer into its unescaped tokens.
func splitPointer(p string) ([]string, bool) {
	if p == "" {
		return nil, true
	}
	if p[0] != '/' {
		return nil, false
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		for j := 0; j < len(s); j++ {
			if s[j] == '~' && (j+1 == len(s) || (s[j+1] != '0' && s[j+1] != '1')) {
				return nil, false
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, true
}

// pointerPattern is the catalogue's form of a pointer: indexes as "*".
func pointerPattern(tokens []string) string {
	var b strings.Builder
	for _, s := range tokens {
		b.WriteByte('/')
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteByte('*')
		} else {
			b.WriteString(s)
		}
	}
	return b.String()
}
