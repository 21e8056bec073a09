// Package template checks template.yaml (AWS SAM) against the code and the
// contract: functions that build, every route routed, least privilege, and
// buckets and table configured as the product promises.
package template

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/regional-data-exchange/rdx/openapi"
)

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// tree turns YAML into plain values; CloudFormation's short tags (!Ref x)
// become {"Ref": x} so the checks below can see them.
func tree(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		return tree(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = tree(n.Content[i+1])
		}
		return tagged(n, m)
	case yaml.SequenceNode:
		var s []any
		for _, c := range n.Content {
			s = append(s, tree(c))
		}
		return tagged(n, s)
	case yaml.AliasNode:
		return tree(n.Alias)
	}
	return tagged(n, n.Value)
}

func tagged(n *yaml.Node, v any) any {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return map[string]any{strings.TrimPrefix(n.Tag, "!"): v}
	}
	return v
}

func load(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	return tree(&n).(map[string]any)
}

func template(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return load(t, data)
}

func resources(t *testing.T, tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, r := range tpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == typ {
			out[name] = rm
		}
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// codeFolder is the folder under functions/ a function's code is built
// from, as its build-<Name> target in the Makefile (sam build's) says.
func codeFolder(t *testing.T, name string) string {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join(root(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	target := regexp.MustCompile(`(?m)^build-` + name + `:\n\t.*\./functions/(\w+)`).FindSubmatch(mk)
	if target == nil {
		t.Fatalf("the Makefile has no build-%s target building ./functions/<name>", name)
	}
	return string(target[1])
}

// TestFunctionsBuild: each function's code folder exists and cross-compiles
// for Lambda exactly as make build and sam build do.
func TestFunctionsBuild(t *testing.T) {
	tpl := template(t)
	glob := tpl["Globals"].(map[string]any)["Function"].(map[string]any)
	if glob["Runtime"] != "provided.al2023" || !slices.Contains(glob["Architectures"].([]any), any("arm64")) {
		t.Errorf("functions must run on provided.al2023, arm64: %v %v", glob["Runtime"], glob["Architectures"])
	}
	fns := resources(t, tpl, "AWS::Serverless::Function")
	if len(fns) == 0 {
		t.Fatal("no functions")
	}
	for name := range fns {
		t.Run(name, func(t *testing.T) {
			folder := codeFolder(t, name)
			dir := filepath.Join(root(), "functions", folder)
			if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
				t.Fatalf("code folder: %v", err)
			}
			if testing.Short() {
				t.Skip("cross-compiling skipped in -short mode")
			}
			cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", filepath.Join(t.TempDir(), "bootstrap"), "./functions/"+folder)
			cmd.Dir = root()
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
		})
	}
}

// TestEachFunctionGetsWhatItUses: a function's environment (Globals and
// its own, merged as SAM merges them) is exactly what its code reads: the
// token settings, and the retired receipt keys it publishes, go to the API
// function alone, which is the only one that builds a token verifier; the
// cursor key to it and the deliveries function (the webhooks' secrets);
// and each bucket to the functions that use it.
func TestEachFunctionGetsWhatItUses(t *testing.T) {
	tpl := template(t)
	every := []string{"TABLE_NAME", "SUBMISSIONS_BUCKET", "RECEIPT_KEY_ID", "LOG_LEVEL", "OTEL_TRACES_EXPORTER", "METRICS"}
	want := map[string][]string{ // by code folder
		"api": append([]string{"UPLOADS_BUCKET", "EXPORTS_BUCKET", "EXPORTS_QUEUED", "JWT_ISSUER", "JWT_AUDIENCE", "JWKS_URL", "CURSOR_KEY",
			"RETIRED_RECEIPT_KEYS", "SESSION_KEY_SECRET_ARN", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET_ARN", "OIDC_SCOPES", "OIDC_SIGN_OUT_URL", "DELIVERIES_QUEUE_URL"}, every...),
		"uploads": append([]string{"UPLOADS_BUCKET"}, every...),
		"exports": append([]string{"EXPORTS_BUCKET"}, every...),
		"sweeper": append([]string{"UPLOADS_BUCKET"}, every...),
		// The webhooks' secrets are sealed under a key derived from the
		// cursor key; the queue is where deliveries are put back.
		"deliveries":  append([]string{"DELIVERIES_QUEUE_URL", "CURSOR_KEY"}, every...),
		"events":      append([]string{"DELIVERIES_QUEUE_URL"}, every...),
		"obligations": every,
	}
	vars := func(fn map[string]any) []string {
		env, _ := fn["Environment"].(map[string]any)
		v, _ := env["Variables"].(map[string]any)
		var names []string
		for name := range v {
			names = append(names, name)
		}
		return names
	}
	global := vars(tpl["Globals"].(map[string]any)["Function"].(map[string]any))
	for name, fn := range resources(t, tpl, "AWS::Serverless::Function") {
		folder := codeFolder(t, name)
		got := append(vars(props(fn)), global...)
		slices.Sort(got)
		got = slices.Compact(got)
		w := slices.Sorted(slices.Values(want[folder]))
		if !slices.Equal(got, w) {
			t.Errorf("%s (functions/%s) is given %v, want %v", name, folder, got, w)
		}
	}
}

// TestEveryRouteIsRouted: each operation of the OpenAPI document is an
// HttpApi event of a function, and no event names a route the contract lacks.
func TestEveryRouteIsRouted(t *testing.T) {
	spec := load(t, openapi.Spec)
	want := map[string]bool{}
	for path, item := range spec["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if slices.Contains([]string{"get", "put", "post", "delete", "patch"}, method) {
				want[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	got := map[string]bool{}
	for _, fn := range resources(t, template(t), "AWS::Serverless::Function") {
		events, _ := props(fn)["Events"].(map[string]any)
		for _, e := range events {
			em := e.(map[string]any)
			if em["Type"] != "HttpApi" {
				continue
			}
			p := em["Properties"].(map[string]any)
			if p["Path"] != "$default" {
				got[p["Method"].(string)+" "+p["Path"].(string)] = true
			}
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("%s is in openapi/ but routed to no function", r)
		}
	}
	for r := range got {
		if !want[r] {
			t.Errorf("%s is routed but not in openapi/", r)
		}
	}
}

// TestLeastPrivilege: no Allow statement grants a * action or a * resource.
func TestLeastPrivilege(t *testing.T) {
	tpl := template(t)
	var statements []map[string]any
	for _, fn := range resources(t, tpl, "AWS::Serverless::Function") {
		pols, _ := props(fn)["Policies"].([]any)
		if len(pols) == 0 {
			t.Error("a function has no policy of its own")
		}
		for _, p := range pols {
			pm, ok := p.(map[string]any)
			if !ok {
				t.Errorf("policy %v: use explicit statements, not managed or SAM policy templates", p)
				continue
			}
			for _, s := range pm["Statement"].([]any) {
				statements = append(statements, s.(map[string]any))
			}
		}
	}
	for _, bp := range resources(t, tpl, "AWS::S3::BucketPolicy") {
		for _, s := range props(bp)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			statements = append(statements, s.(map[string]any))
		}
	}
	for _, s := range statements {
		if s["Effect"] != "Allow" {
			continue // denials (TLS only) may be broad: they only take away
		}
		for _, a := range list(s["Action"]) {
			if strings.Contains(a.(string), "*") {
				t.Errorf("statement %v grants the action %v", s["Sid"], a)
			}
		}
		for _, r := range list(s["Resource"]) {
			if r == "*" {
				t.Errorf("statement %v grants every resource", s["Sid"])
			}
		}
	}
}

// TestSecretsReadByTheAPIAlone: only the API function reads secrets, and
// only the pages' session key and the identity provider's client secret.
func TestSecretsReadByTheAPIAlone(t *testing.T) {
	for name, fn := range resources(t, template(t), "AWS::Serverless::Function") {
		for _, p := range props(fn)["Policies"].([]any) {
			for _, st := range p.(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				reads := false
				for _, a := range list(s["Action"]) {
					if strings.HasPrefix(a.(string), "secretsmanager:") {
						reads = reads || a == "secretsmanager:GetSecretValue"
						if a != "secretsmanager:GetSecretValue" || name != "ApiFunction" {
							t.Errorf("%s may %s", name, a)
						}
					}
				}
				if !reads {
					continue
				}
				got := fmt.Sprint(s["Resource"])
				want := "map[If:[HasOidcSecret [map[Ref:SessionKeySecret] map[Ref:OidcClientSecretArn]] [map[Ref:SessionKeySecret]]]]"
				if got != want {
					t.Errorf("%s reads the secrets %s, want %s", name, got, want)
				}
			}
		}
	}
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// TestBucketsAndTable: buckets block public access, are encrypted and
// versioned, and refuse plain HTTP; the table is on demand, encrypted,
// recoverable, protected from deletion and expires idempotency records.
func TestBucketsAndTable(t *testing.T) {
	tpl := template(t)
	buckets := resources(t, tpl, "AWS::S3::Bucket")
	if len(buckets) < 3 {
		t.Errorf("%d buckets, want raw submissions, uploads and exports", len(buckets))
	}
	tlsOnly := map[string]bool{}
	for _, bp := range resources(t, tpl, "AWS::S3::BucketPolicy") {
		b := props(bp)["Bucket"].(map[string]any)["Ref"].(string)
		for _, s := range props(bp)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			sm := s.(map[string]any)
			if sm["Effect"] == "Deny" && strings.Contains(strings.ToLower(toString(sm["Condition"])), "securetransport") {
				tlsOnly[b] = true
			}
		}
	}
	for name, b := range buckets {
		p := props(b)
		pab, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if pab[k] != "true" {
				t.Errorf("%s: %s is not true", name, k)
			}
		}
		if _, ok := p["BucketEncryption"]; !ok {
			t.Errorf("%s is not encrypted", name)
		}
		if v, _ := p["VersioningConfiguration"].(map[string]any); v["Status"] != "Enabled" {
			t.Errorf("%s is not versioned", name)
		}
		if !tlsOnly[name] {
			t.Errorf("%s has no TLS-only policy", name)
		}
	}
	for name, tb := range resources(t, tpl, "AWS::DynamoDB::Table") {
		p := props(tb)
		checks := map[string]bool{
			"on demand":           p["BillingMode"] == "PAY_PER_REQUEST",
			"ttl":                 toString(p["TimeToLiveSpecification"]) == toString(map[string]any{"AttributeName": "ttl", "Enabled": "true"}),
			"point-in-time":       toString(p["PointInTimeRecoverySpecification"]) == toString(map[string]any{"PointInTimeRecoveryEnabled": "true"}),
			"encryption":          toString(p["SSESpecification"]) == toString(map[string]any{"SSEEnabled": "true"}),
			"deletion protection": p["DeletionProtectionEnabled"] == "true",
		}
		for what, ok := range checks {
			if !ok {
				t.Errorf("table %s: %s is not configured", name, what)
			}
		}
	}
}

func toString(v any) string {
	b, _ := yaml.Marshal(v)
	return string(b)
}
