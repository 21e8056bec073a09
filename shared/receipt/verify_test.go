package receipt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/export"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx"
	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// testSigner is a fresh key and the set holding it.
func testSigner(t *testing.T) (*receipt.KeySigner, *receipt.KeySet) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := receipt.NewKeySigner(k)
	ks, _ := receipt.NewKeySet(&k.PublicKey)
	return s, ks
}

func wantReason(t *testing.T, name string, err error, want receipt.Reason) {
	t.Helper()
	if got := receipt.Reason(""); err != nil {
		got = receipt.ReasonOf(err)
		if got != want {
			t.Errorf("%s: %v; want %s", name, err, want)
		}
	} else if want != "" {
		t.Errorf("%s: valid; want %s", name, want)
	}
}

func TestCheckDocument(t *testing.T) {
	sent := []byte("{ \"b\": 1.50, \"a\": \"Sir Gâr\" }\n")
	canonical := []byte(`{"a":"Sir Gâr","b":1.5}`)
	both := &receipt.Statement{RawSHA256: receipt.Hash(sent), ContentSHA256: receipt.Hash(canonical)}
	for _, c := range []struct {
		name   string
		st     *receipt.Statement
		doc    []byte
		match  receipt.Match
		reason receipt.Reason
	}{
		{"the bytes sent", both, sent, receipt.MatchRaw, ""},
		{"the canonical form", both, canonical, receipt.MatchContent, ""},
		{"another layout", both, []byte("{\n  \"a\": \"Sir G\\u00e2r\",\n  \"b\": 15e-1\n}"), receipt.MatchContent, ""},
		{"the bytes sent, canonical already", &receipt.Statement{RawSHA256: receipt.Hash(canonical), ContentSHA256: receipt.Hash(canonical)}, canonical, receipt.MatchRaw, ""},
		{"content only named", &receipt.Statement{ContentSHA256: receipt.Hash(canonical)}, sent, receipt.MatchContent, ""},
		{"raw only named, another layout", &receipt.Statement{RawSHA256: receipt.Hash(sent)}, canonical, "", receipt.ReasonContent},
		{"another value", both, []byte(`{"a":"Sir Gâr","b":1.51}`), "", receipt.ReasonContent},
		{"not JSON", both, []byte("a,b\nSir Gâr,1.50\n"), "", receipt.ReasonContent},
		{"a receipt naming no document", &receipt.Statement{Action: "period.locked"}, sent, "", receipt.ReasonCannotCheck},
	} {
		m, err := receipt.CheckDocument(c.st, c.doc)
		wantReason(t, c.name, err, c.reason)
		if m != c.match {
			t.Errorf("%s: matched %q; want %q", c.name, m, c.match)
		}
	}
}

func TestVerifyChainEdges(t *testing.T) {
	s, keys := testSigner(t)
	issue := func(seq int64, prev string) string {
		jws, err := receipt.Issue(context.Background(), s, receipt.Statement{ID: "r", Chain: "partner:p", Seq: seq, Prev: prev})
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
	r1 := issue(1, "")
	r2 := issue(2, receipt.Hash([]byte(r1)))
	manifest, _ := receipt.Sign(context.Background(), s, receipt.TypeManifest, []byte(`{}`))
	for _, c := range []struct {
		name     string
		receipts []string
		reason   receipt.Reason
		detail   string
	}{
		{"two in a row, saved with a newline", []string{r1 + "\n", r2 + "\n"}, "", ""},
		{"none", nil, receipt.ReasonCannotCheck, ""},
		{"a first receipt naming one before it", []string{issue(1, receipt.Hash([]byte("x")))}, receipt.ReasonChainBroken, "receipt 1"},
		{"seq 0", []string{issue(0, "")}, receipt.ReasonSequence, "receipt 1"},
		{"the same receipt twice", []string{r1, r1}, receipt.ReasonSequence, "receipt 2"},
		{"a manifest among the receipts", []string{r1, manifest}, receipt.ReasonWrongType, "receipt 2"},
	} {
		_, err := receipt.VerifyChain(c.receipts, keys)
		wantReason(t, c.name, err, c.reason)
		if err != nil && !strings.Contains(err.Error(), c.detail) {
			t.Errorf("%s: %v does not say where (%s)", c.name, err, c.detail)
		}
	}
}

func TestVerifyAuditExportEdges(t *testing.T) {
	s, keys := testSigner(t)
	head := func(h receipt.Head) string {
		p, _ := receipt.Canonical(h)
		jws, _ := receipt.Sign(context.Background(), s, receipt.TypeHead, p)
		b, _ := json.Marshal(map[string]string{"head": jws})
		return string(b)
	}
	rec := func(seq int64, prev string) (string, string) {
		b, _ := json.Marshal(map[string]any{"action": "a", "chain": "region", "seq": seq, "prevHash": prev})
		h, _ := receipt.RecordHash(b)
		b, _ = json.Marshal(map[string]any{"action": "a", "chain": "region", "seq": seq, "prevHash": prev, "hash": h})
		return string(b), h
	}
	l1, h1 := rec(1, "")
	l2, h2 := rec(2, h1)
	end := head(receipt.Head{Chain: "region", Seq: 2, Hash: h2})
	for _, c := range []struct {
		name, export string
		reason       receipt.Reason
	}{
		{"two records and the head", l1 + "\n" + l2 + "\n" + end + "\n", ""},
		{"CRLF line ends, blank lines, no last newline", l1 + "\r\n\r\n" + l2 + "\r\n" + end, ""},
		{"a chain with no records yet", head(receipt.Head{Chain: "region"}) + "\n", ""},
		{"nothing at all", "", receipt.ReasonHeadMismatch},
		{"a record after the head", l1 + "\n" + l2 + "\n" + end + "\n" + l2 + "\n", receipt.ReasonHeadMismatch},
		{"the head naming an earlier record", l1 + "\n" + l2 + "\n" + head(receipt.Head{Chain: "region", Seq: 1, Hash: h1}) + "\n", receipt.ReasonHeadMismatch},
		{"a record without its hash", `{"chain":"region","seq":1,"prevHash":""}` + "\n" + end, receipt.ReasonMalformed},
		{"a line that is not JSON", l1 + "\nnot json\n" + end, receipt.ReasonMalformed},
		{"a head that is not a JWS", l1 + "\n" + l2 + "\n" + `{"head":"x"}`, receipt.ReasonMalformed},
	} {
		_, err := receipt.VerifyAuditExport(strings.NewReader(c.export), keys)
		wantReason(t, c.name, err, c.reason)
	}
}

func TestVerifyExportFolderEdges(t *testing.T) {
	s, keys := testSigner(t)
	folder := func(t *testing.T, files []export.FileInfo) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "a.csv"), []byte("a\n"), 0o644)
		if files == nil {
			files, _ = export.Files(dir)
		}
		p, _ := json.Marshal(export.Manifest{Region: "r", FinancialYear: "2018-19", Format: "csv", AsAt: "2018-11-05T00:00:00Z", Files: files})
		jws, _ := receipt.Sign(context.Background(), s, receipt.TypeManifest, p)
		os.WriteFile(filepath.Join(dir, export.SignatureFile), []byte(jws), 0o644)
		return dir
	}
	for _, c := range []struct {
		name   string
		make   func(t *testing.T) string
		reason receipt.Reason
	}{
		{"a file and its manifest", func(t *testing.T) string { return folder(t, nil) }, ""},
		{"a folder inside", func(t *testing.T) string {
			dir := folder(t, nil)
			os.Mkdir(filepath.Join(dir, "more"), 0o755)
			return dir
		}, receipt.ReasonFileUnlisted},
		{"a listed name outside the folder", func(t *testing.T) string {
			return folder(t, []export.FileInfo{{Name: "../a.csv", Bytes: 2, SHA256: receipt.Hash([]byte("a\n"))}})
		}, receipt.ReasonMalformed},
		{"a file listed twice", func(t *testing.T) string {
			f := export.FileInfo{Name: "a.csv", Bytes: 2, SHA256: receipt.Hash([]byte("a\n"))}
			return folder(t, []export.FileInfo{f, f})
		}, receipt.ReasonMalformed},
		{"a listed size that is not the file's", func(t *testing.T) string {
			return folder(t, []export.FileInfo{{Name: "a.csv", Bytes: 3, SHA256: receipt.Hash([]byte("a\n"))}})
		}, receipt.ReasonFileChanged},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := receipt.VerifyExportFolder(c.make(t), keys)
			wantReason(t, c.name, err, c.reason)
		})
	}
}

// An XLSX export's versions are in its workbook: without a sheet reader
// its files are still checked and the versions left unread, said so; with
// one, each row's receipt is checked.
func TestExportFolderXLSXVersions(t *testing.T) {
	s, keys := testSigner(t)
	dir := t.TempDir()
	w, err := export.NewWriter(export.XLSX, dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Begin(export.Table{Name: receipt.VersionsSheet, Columns: []export.Column{{Name: "partner", Kind: export.Text}}})
	w.Row([]export.Cell{export.TextCell("p")})
	w.End()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := export.Files(dir)
	p, _ := json.Marshal(export.Manifest{Region: "r", FinancialYear: "2018-19", Format: "xlsx", AsAt: "2018-11-05T00:00:00Z",
		Files: files, VersionsFile: export.XLSXFile, VersionCount: 1})
	jws, _ := receipt.Sign(context.Background(), s, receipt.TypeManifest, p)
	os.WriteFile(filepath.Join(dir, export.SignatureFile), []byte(jws), 0o644)

	x, err := receipt.VerifyExportFolder(dir, keys)
	if err != nil || x.Unread != export.XLSXFile || x.Receipts != 0 {
		t.Fatalf("without a sheet reader: %v, %+v; want valid, %s unread", err, x, export.XLSXFile)
	}
	sheet := func(path, name string) ([][]string, error) {
		if filepath.Base(path) != export.XLSXFile || name != receipt.VersionsSheet {
			t.Errorf("read sheet %s of %s", name, path)
		}
		return [][]string{{"partner", "kind", "key", "version", "sha256", "receipt"}, {"p", "k", "x", "1", "", "not.a.receipt"}}, nil
	}
	_, err = receipt.VerifyExportFolder(dir, keys, receipt.ReadSheetsWith(sheet))
	wantReason(t, "a row's receipt read from the sheet", err, receipt.ReasonMalformed)
}
