package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/receipt/receipttest"
)

// Every vector gets its verdict from the command line in vectors.json: the
// exit code, the reason by name with its explanation, and how a document
// matched.
func TestVectors(t *testing.T) {
	t.Chdir("../../shared/receipt/testdata/vectors")
	ix, err := receipttest.Load(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ix.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(v.Args, &out, &errOut)
			if code != v.Exit {
				t.Fatalf("%s: exit %d; want %d\n%s%s", v.About, code, v.Exit, out.String(), errOut.String())
			}
			var want []string
			switch code {
			case exitValid:
				want = []string{"VALID: "}
			case exitInvalid:
				want = []string{"INVALID (" + v.Reason + ")\n" + explain[receipt.Reason(v.Reason)] + "\nWhere: "}
				if explain[receipt.Reason(v.Reason)] == "" {
					t.Errorf("reason %s has no explanation", v.Reason)
				}
			case exitCannotCheck:
				if !strings.HasPrefix(errOut.String(), "CANNOT CHECK: ") {
					t.Errorf("%s: stderr %q does not say it could not check", v.About, errOut.String())
				}
			}
			switch v.Match {
			case "raw":
				want = append(want, "by its exact bytes")
			case "content":
				want = append(want, "by its content", "canonical form")
			}
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s: the output does not say %q:\n%s", v.About, w, out.String())
				}
			}
		})
	}
}

func TestReceiptSaysWhoWhatWhen(t *testing.T) {
	t.Chdir("../../shared/receipt/testdata/vectors")
	var out bytes.Buffer
	if code := run([]string{"receipt", "--receipt", "receipts/qr-signoff.jws", "--keys", "jwks.json"}, &out, &out); code != exitValid {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	for _, w := range []string{
		"What:     quarterly-return.signed-off: key example-pooled-fund/2018-19-Q2, kind quarterly-returns, version 2",
		"Who:      Jane Jones, S151 officer (jjones@council.example)",
		"For:      partner example-council, region example-region",
		"When:     2018-11-02T15:30:00.000Z",
		"number 3 of series partner:example-council",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("the output does not say %q:\n%s", w, out.String())
		}
	}
}

// A command line the verifier does not understand is "cannot check" (2),
// with the usage, never a verdict.
func TestUsage(t *testing.T) {
	t.Chdir("../../shared/receipt/testdata/vectors")
	for _, c := range []struct {
		name string
		args []string
		says string
	}{
		{"nothing", nil, "Exit codes: 0 valid"},
		{"help", []string{"help"}, "verify audit --keys"},
		{"an unknown command", []string{"check", "x"}, `there is no command "check"`},
		{"no key set", []string{"audit", "audit/valid.jsonl"}, "--keys is needed"},
		{"an unknown flag", []string{"audit", "--keys", "jwks.json", "--fast", "audit/valid.jsonl"}, "flag provided but not defined: -fast"},
		{"a receipt without --receipt", []string{"receipt", "--keys", "jwks.json", "receipts/qr-v2.jws"}, "do not fit"},
		{"a chain of files and a folder", []string{"chain", "--keys", "jwks.json", "--dir", "chain", "receipts/qr-v1.jws"}, "do not fit"},
		{"two audit exports", []string{"audit", "--keys", "jwks.json", "audit/valid.jsonl", "audit/valid.jsonl"}, "do not fit"},
		{"a key set that is not there", []string{"export", "--keys", "absent.json", "export/valid"}, "CANNOT CHECK: the key set absent.json cannot be read"},
		{"a folder with no receipts", []string{"chain", "--keys", "jwks.json", "--dir", "documents"}, "CANNOT CHECK: documents holds no .jws files"},
	} {
		var out, errOut bytes.Buffer
		if code := run(c.args, &out, &errOut); code != exitCannotCheck || out.Len() > 0 || !strings.Contains(errOut.String(), c.says) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2, nothing on stdout, %q on stderr", c.name, code, out.String(), errOut.String(), c.says)
		}
	}
}

// Flags may come after the file, as people type them.
func TestFlagsAfterTheFile(t *testing.T) {
	t.Chdir("../../shared/receipt/testdata/vectors")
	var out bytes.Buffer
	if code := run([]string{"export", "export/valid", "--keys", "jwks.json"}, &out, &out); code != exitValid {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}
