package template

import (
	"maps"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestReceiptKey: receipts are signed with one asymmetric KMS key,
// ECC_NIST_P256 for SIGN_VERIFY (ES256), kept when the stack goes,
// administered by the account and named by an alias; every function is
// told its ARN; the retired keys the API publishes default to none.
func TestReceiptKey(t *testing.T) {
	tpl := template(t)
	keys := resources(t, tpl, "AWS::KMS::Key")
	if len(keys) != 1 {
		t.Fatalf("%d KMS keys, want the receipt key alone", len(keys))
	}
	var name string
	var key map[string]any
	for n, k := range keys {
		name, key = n, k
	}
	p := props(key)
	if p["KeySpec"] != "ECC_NIST_P256" || p["KeyUsage"] != "SIGN_VERIFY" {
		t.Errorf("%s is %v for %v, want ECC_NIST_P256 for SIGN_VERIFY", name, p["KeySpec"], p["KeyUsage"])
	}
	if key["DeletionPolicy"] != "Retain" {
		t.Errorf("%s's DeletionPolicy is %v: its receipts outlive the stack", name, key["DeletionPolicy"])
	}
	account := toString(map[string]any{"Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"})
	administers := map[string]bool{}
	for _, s := range keyPolicy(p) {
		if pr, _ := s["Principal"].(map[string]any); s["Effect"] == "Allow" && toString(pr["AWS"]) != account {
			t.Errorf("key policy statement %v allows %v, not the account", s["Sid"], s["Principal"])
		}
		for _, a := range []string{"kms:PutKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:EnableKey", "kms:DisableKey"} {
			if allows(s, a) {
				administers[a] = true
			}
		}
	}
	if len(administers) != 6 {
		t.Errorf("the account may only %v of the key: it must be able to administer it", slices.Sorted(maps.Keys(administers)))
	}
	aliased := false
	for _, a := range resources(t, tpl, "AWS::KMS::Alias") {
		aliased = aliased || toString(props(a)["TargetKeyId"]) == toString(map[string]any{"Ref": name})
	}
	if !aliased {
		t.Errorf("no alias names %s", name)
	}
	env := tpl["Globals"].(map[string]any)["Function"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if getAttArn(env["RECEIPT_KEY_ID"]) != name {
		t.Errorf("the functions' RECEIPT_KEY_ID is %v, want %s's ARN", env["RECEIPT_KEY_ID"], name)
	}
	retired, _ := tpl["Parameters"].(map[string]any)["RetiredReceiptKeys"].(map[string]any)
	if retired == nil || retired["Default"] != "" {
		t.Errorf("the RetiredReceiptKeys parameter is %v, want one whose default is none", retired)
	}
}

// TestOnlyWritersSign: the functions that write — the API, upload
// validation and export builds — may sign with the receipt key and read its
// public half, and nothing else in the template may sign with any key. The
// sweeper writes only failures, which have no receipts, so it may not.
func TestOnlyWritersSign(t *testing.T) {
	tpl := template(t)
	var key string
	for name := range resources(t, tpl, "AWS::KMS::Key") {
		key = name
	}
	var signers []string
	for name, fn := range resources(t, tpl, "AWS::Serverless::Function") {
		signs, reads := false, false
		for _, s := range statements(props(fn)["Policies"]) {
			if s["Effect"] != "Allow" || !slices.ContainsFunc(list(s["Action"]), func(a any) bool { return strings.HasPrefix(a.(string), "kms:") }) {
				continue
			}
			if res := list(s["Resource"]); len(res) != 1 || getAttArn(res[0]) != key {
				t.Errorf("%s's statement %v grants KMS actions on %v, not the receipt key alone", name, s["Sid"], s["Resource"])
			}
			signs, reads = signs || allows(s, "kms:Sign"), reads || allows(s, "kms:GetPublicKey")
		}
		if signs {
			signers = append(signers, codeFolder(t, name))
			if !reads {
				t.Errorf("%s may sign but not read the key's public half, its kid", name)
			}
		}
	}
	slices.Sort(signers)
	if want := []string{"api", "exports", "uploads"}; !slices.Equal(signers, want) {
		t.Errorf("the functions that may sign receipts are %v, want those that write them, %v", signers, want)
	}
	for name, r := range tpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == "AWS::Serverless::Function" || rm["Type"] == "AWS::KMS::Key" {
			continue
		}
		for _, s := range statements(rm) {
			if s["Effect"] == "Allow" && allows(s, "kms:Sign") {
				t.Errorf("%s's statement %v allows kms:Sign", name, s["Sid"])
			}
		}
	}
}

// keyPolicy is a KMS key's policy statements.
func keyPolicy(p map[string]any) []map[string]any {
	kp, _ := p["KeyPolicy"].(map[string]any)
	return statements(kp)
}

// statements finds every policy statement (a map with Effect and Action)
// anywhere in v.
func statements(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["Effect"]; ok {
			if _, ok := x["Action"]; ok {
				return []map[string]any{x}
			}
		}
		for _, c := range x {
			out = append(out, statements(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, statements(c)...)
		}
	}
	return out
}

// allows reports whether a statement's actions (with IAM's * wildcards)
// include action.
func allows(s map[string]any, action string) bool {
	for _, a := range list(s["Action"]) {
		pat, _ := a.(string)
		if ok, _ := path.Match(strings.ToLower(pat), strings.ToLower(action)); ok || pat == "*" {
			return true
		}
	}
	return false
}
