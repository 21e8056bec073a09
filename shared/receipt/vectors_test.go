package receipt_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"

	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/receipt/receipttest"
)

const vectors = "testdata/vectors"

// The committed vectors are exactly what the generator writes: nobody
// edited them by hand, and a change of format shows up as their change.
func TestVectorsAreWhatTheGeneratorWrites(t *testing.T) {
	fresh := t.TempDir()
	if err := receipttest.Generate(fresh); err != nil {
		t.Fatal(err)
	}
	want, got := readTree(t, fresh), readTree(t, vectors)
	for name, b := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s is not committed; run go run ./shared/receipt/internal/genvectors", name)
		} else if !bytes.Equal(g, b) {
			t.Errorf("%s is not what the generator writes; run go run ./shared/receipt/internal/genvectors", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is committed but the generator no longer writes it", name)
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Every vector gets its expected verdict from the library.
func TestVectors(t *testing.T) {
	ix, err := receipttest.Load(vectors)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ix.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			match, err := check(v)
			reason, exit := "", 0
			if err != nil {
				reason, exit = string(receipt.ReasonOf(err)), 1
				if receipt.ReasonOf(err) == receipt.ReasonCannotCheck {
					exit = 2
				}
			}
			if exit != v.Exit || reason != v.Reason || string(match) != v.Match {
				t.Errorf("%s: exit %d reason %q match %q (%v); want exit %d reason %q match %q",
					v.About, exit, reason, match, err, v.Exit, v.Reason, v.Match)
			}
		})
	}
}

// check runs the library's check a vector names.
func check(v receipttest.Vector) (receipt.Match, error) {
	in := func(name string) string { return filepath.Join(vectors, filepath.FromSlash(name)) }
	jwks, err := os.ReadFile(in(v.Keys))
	if err != nil {
		return "", err
	}
	keys, err := receipt.ParseKeySet(jwks)
	if err != nil {
		return "", err
	}
	switch v.Command {
	case "receipt":
		jws, err := os.ReadFile(in(v.Files[0]))
		if err != nil {
			return "", err
		}
		st, err := receipt.VerifyStatement(string(jws), keys)
		if err != nil || len(v.Files) == 1 {
			return "", err
		}
		doc, err := os.ReadFile(in(v.Files[1]))
		if err != nil {
			return "", err
		}
		return receipt.CheckDocument(st, doc)
	case "chain":
		var receipts []string
		if fi, err := os.Stat(in(v.Files[0])); err == nil && fi.IsDir() {
			if receipts, _, err = receipt.ReadReceiptDir(in(v.Files[0])); err != nil {
				return "", err
			}
		} else {
			for _, f := range v.Files {
				b, err := os.ReadFile(in(f))
				if err != nil {
					return "", err
				}
				receipts = append(receipts, string(b))
			}
		}
		_, err := receipt.VerifyChain(receipts, keys)
		return "", err
	case "audit":
		f, err := os.Open(in(v.Files[0]))
		if err != nil {
			return "", err
		}
		defer f.Close()
		_, err = receipt.VerifyAuditExport(f, keys)
		return "", err
	case "export":
		_, err := receipt.VerifyExportFolder(in(v.Files[0]), keys)
		return "", err
	}
	panic("no such command: " + v.Command)
}

// The verifier's canonical form (github.com/gowebpki/jcs) and the
// service's (shared/jsonx, through receipt.CanonicalJSON) agree on every
// JSON text of the vectors: the documents, the receipts' and manifests'
// payloads and the audit records.
func TestCanonicalFormsAgreeOnTheVectors(t *testing.T) {
	var texts [][]byte
	for name, b := range readTree(t, vectors) {
		switch {
		case strings.HasPrefix(name, "documents/") && strings.HasSuffix(name, ".json"), strings.HasSuffix(name, "manifest.json"):
			texts = append(texts, b)
		case strings.HasSuffix(name, ".jsonl"):
			texts = append(texts, bytes.Split(bytes.TrimSpace(b), []byte("\n"))...)
		case strings.HasSuffix(name, ".jws"):
			if parts := strings.Split(string(b), "."); len(parts) == 3 {
				if p, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil && json.Valid(p) {
					texts = append(texts, p)
				}
			}
		}
	}
	if len(texts) < 50 {
		t.Fatalf("only %d JSON texts found in the vectors", len(texts))
	}
	for _, text := range texts {
		want, err := jcs.Transform(text)
		if err != nil {
			t.Fatalf("jcs: %v: %.80s", err, text)
		}
		got, err := receipt.CanonicalJSON(text)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("the two canonical forms differ (%v):\n jsonx %s\n   jcs %s", err, got, want)
		}
	}
}
