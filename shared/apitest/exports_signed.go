package apitest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/export/xlsx"
	"github.com/regional-data-exchange/rdx/shared/faults"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// checkExportFolder checks an export's files as a recipient would, with
// the service's public keys alone and the offline verifier's own check:
// written to a folder, then verified (manifest.jws, manifest.json, every
// file listed and no other, each version's receipt). A failure names its
// reason (receipt.ReasonOf).
func checkExportFolder(folder map[string][]byte, keys *receipt.KeySet) error {
	dir, err := os.MkdirTemp("", "export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for name, b := range folder {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	_, err = receipt.VerifyExportFolder(dir, keys, receipt.ReadSheetsWith(xlsx.ReadSheet))
	return err
}

// testSignedManifests: an export's manifest comes signed by the service,
// in the export's answer (manifestJws), on every later read of it and as
// manifest.jws among its files, in every format. With the service's public
// key alone a recipient finds manifest.json is exactly what was signed and
// every file the one it lists; a byte changed in a file, the manifest or
// the signature, a file taken away or slipped in, a manifest rewritten to
// fit a changed file, or one signed again with another key, is caught.
func testSignedManifests(t *testing.T, e *Env) {
	seedFundYear(t, e)
	gov := e.GovToken()
	keys := receiptKeys(t, e)
	for _, format := range []string{"csv", "json", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			made := requestExport(t, e, gov, WW, format)
			r := e.Get("/v1/exports/"+made.ExportID, gov)
			expectStatus(t, r, 200)
			var d exportDoc
			if err := json.Unmarshal(r.Body, &d); err != nil {
				t.Fatal(err)
			}
			if made.ManifestJWS == "" || d.ManifestJWS != made.ManifestJWS {
				t.Fatalf("manifestJws %q in the answer, %q read again", made.ManifestJWS, d.ManifestJWS)
			}
			folder := exportFolder(t, e, d)
			if string(folder[export.SignatureFile]) != d.ManifestJWS {
				t.Errorf("%s is not the answer's manifestJws", export.SignatureFile)
			}
			v, err := receipt.Verify(d.ManifestJWS, keys)
			if err != nil {
				t.Fatalf("the manifest's signature: %v", err)
			}
			if v.Typ != receipt.TypeManifest || !bytes.Equal(v.Payload, folder[export.ManifestFile]) {
				t.Errorf("signed %s %s; manifest.json is %s", v.Typ, v.Payload, folder[export.ManifestFile])
			}
			var m export.Manifest
			if err := json.Unmarshal(v.Payload, &m); err != nil {
				t.Fatal(err)
			}
			if m.Region != WW || m.Format != format || m.AsAt != d.Manifest.AsAt || len(m.Files) == 0 {
				t.Errorf("the signed manifest is of %s %s as at %s with %d files", m.Region, m.Format, m.AsAt, len(m.Files))
			}
			if len(folder) != len(m.Files)+2 {
				t.Errorf("%d files to download; the manifest lists %d, beside itself and its signature", len(folder), len(m.Files))
			}
			for _, f := range m.Files {
				if b, ok := folder[f.Name]; !ok || int64(len(b)) != f.Bytes || receipt.Hash(b) != f.SHA256 {
					t.Errorf("%s: %d bytes downloaded of sha256 %s; the signed manifest says %d of %s", f.Name, len(b), receipt.Hash(b), f.Bytes, f.SHA256)
				}
			}
			if err := checkExportFolder(folder, keys); err != nil {
				t.Fatalf("the export as built: %v", err)
			}
			for _, c := range tamperings(t, folder, m) {
				got := receipt.ReasonOf(checkExportFolder(c.folder, keys))
				if got != c.want {
					t.Errorf("%s: %s, want %s", c.name, got, c.want)
				}
			}
		})
	}
}

// tampering is an export's folder changed after it was built, and the
// reason a recipient's check must give.
type tampering struct {
	name   string
	folder map[string][]byte
	want   receipt.Reason
}

func tamperings(t *testing.T, folder map[string][]byte, m export.Manifest) []tampering {
	t.Helper()
	first := m.Files[0].Name
	edit := func(change func(f map[string][]byte)) map[string][]byte {
		f := maps.Clone(folder)
		change(f)
		return f
	}
	changedFile := flipByte(folder[first], len(folder[first])/2)
	if receipt.Hash(changedFile) == m.Files[0].SHA256 {
		t.Fatalf("a changed byte of %s left its sha256 as the manifest's", first)
	}
	// The manifest rewritten to list the changed file's hash, and the
	// signature's payload with it: its signature no longer verifies.
	refitted := m
	refitted.Files = append([]export.FileInfo(nil), m.Files...)
	refitted.Files[0].SHA256 = receipt.Hash(changedFile)
	refit, err := export.ManifestBytes(refitted)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(folder[export.SignatureFile]), ".")
	refitJWS := parts[0] + "." + base64.RawURLEncoding.EncodeToString(refit) + "." + parts[2]
	// The same, signed again with a key the recipient does not hold.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := receipt.NewKeySigner(key)
	resigned, err := receipt.Sign(t.Context(), other, receipt.TypeManifest, refit)
	if err != nil {
		t.Fatal(err)
	}
	sig := folder[export.SignatureFile]
	return []tampering{
		{"a byte of " + first + " changed", edit(func(f map[string][]byte) { f[first] = changedFile }), receipt.ReasonFileChanged},
		{first + " cut short", edit(func(f map[string][]byte) { f[first] = f[first][:len(f[first])-1] }), receipt.ReasonFileChanged},
		{first + " taken away", edit(func(f map[string][]byte) { delete(f, first) }), receipt.ReasonFileMissing},
		{"a file slipped in", edit(func(f map[string][]byte) { f["extra.csv"] = []byte("a,b\n") }), receipt.ReasonFileUnlisted},
		{"manifest.json edited to fit a changed file", edit(func(f map[string][]byte) {
			f[export.ManifestFile] = bytes.Replace(f[export.ManifestFile], []byte(m.Files[0].SHA256), []byte(receipt.Hash(changedFile)), 1)
			f[first] = changedFile
		}), receipt.ReasonFileChanged},
		{"manifest.json and the signature's payload rewritten to fit a changed file", edit(func(f map[string][]byte) {
			f[first], f[export.ManifestFile], f[export.SignatureFile] = changedFile, refit, []byte(refitJWS)
		}), receipt.ReasonSignature},
		{"a byte of the signature changed", edit(func(f map[string][]byte) {
			f[export.SignatureFile] = flipBase64(sig, len(sig)-20)
		}), receipt.ReasonSignature},
		{"the rewritten manifest signed with another key", edit(func(f map[string][]byte) {
			f[first], f[export.ManifestFile], f[export.SignatureFile] = changedFile, refit, []byte(resigned)
		}), receipt.ReasonUnknownKey},
		{"the signature taken away", edit(func(f map[string][]byte) { delete(f, export.SignatureFile) }), receipt.ReasonFileMissing},
	}
}

// flipByte is b with its i-th byte changed.
func flipByte(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

// flipBase64 is a base64url text with its i-th character another of the
// alphabet's, so that it still decodes, to other bytes.
func flipBase64(b []byte, i int) []byte {
	out := bytes.Clone(b)
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

// testExportedReceipts: the versions file lists each version with its
// receipt as stored, and the receipt verifies and names the version's
// content. (One version is given a receipt here, as a PUT gives one, so
// that the export's copy of it can be checked against the store's.)
func testExportedReceipts(t *testing.T, e *Env) {
	seedFundYear(t, e)
	ctx := t.Context()
	var items []store.Item
	err := e.App.Service.QueryAll(ctx, store.Query{PK: service.PartnerPK(WW, Carm), Prefix: service.CurrentAny}, func(it store.Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil || len(items) == 0 {
		t.Fatalf("%s's current versions: %d, %v", Carm, len(items), err)
	}
	it := items[0]
	rec, err := service.Decode[service.VersionRecord](it)
	if err != nil {
		t.Fatal(err)
	}
	rec.Receipt, err = receipt.Issue(ctx, e.App.Service.Receipts, receipt.Statement{ID: rec.ReceiptID, Action: "submission.version-created",
		Region: rec.Region, Partner: rec.Partner, About: map[string]any{"kind": string(rec.Kind), "key": rec.KeyValues[0] + "/" + rec.KeyValues[1], "version": rec.Version},
		ContentSHA256: rec.SHA256, RawSHA256: rec.RawSHA256, At: rec.ReceivedAt.Format(time.RFC3339Nano), By: receipt.Actor{Sub: rec.ReceivedBy.Sub, Name: rec.ReceivedBy.Name},
		Chain: receipt.PartnerChain(rec.Partner), Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The record is the version's as kept (exports read the versions) and the current one.
	ver, err := e.App.Service.Table.Get(ctx, it.PK, fmt.Sprintf("VER#%s#%s#%s#%08d", rec.Kind, rec.KeyValues[0], rec.KeyValues[1], rec.Version))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Service.Table.Transact(ctx, store.PutOp(store.Item{PK: it.PK, SK: it.SK, Version: it.Version + 1, Data: service.EncodeRecord(rec)}, store.IfVersion(it.Version)),
		store.PutOp(store.Item{PK: ver.PK, SK: ver.SK, Version: ver.Version, Data: service.EncodeRecord(rec)}, store.IfVersion(ver.Version))); err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{} // receipts by partner, kind, key and version
	for _, p := range []string{Carm, Cere, Pemb, HywelDda} {
		recs, err := service.DecodeAll[service.VersionRecord](ctx, e.App.Service, store.Query{PK: service.PartnerPK(WW, p), Prefix: service.CurrentAny})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			stored[versionName(r.Partner, string(r.Kind), r.KeyValues[0]+"/"+r.KeyValues[1], r.Version)] = r.Receipt
		}
	}
	keys := receiptKeys(t, e)
	d := requestExport(t, e, e.GovToken(), WW, "csv")
	rows := csvRows(t, download(t, e, d, "versions.csv"))
	withReceipt := 0
	for _, v := range rows {
		n, _ := strconv.Atoi(v["version"])
		name := versionName(v["partner"], v["kind"], v["key"], n)
		want, ok := stored[name]
		if !ok || v["receipt"] != want {
			t.Errorf("%s: receipt %q in versions.csv; stored %q", name, v["receipt"], want)
		}
		if v["receipt"] == "" {
			continue
		}
		withReceipt++
		st, err := receipt.VerifyStatement(v["receipt"], keys)
		if err != nil || st.ContentSHA256 != v["sha256"] {
			t.Errorf("%s: the receipt in versions.csv: %v (content %v, the row's %s)", name, err, st, v["sha256"])
		}
	}
	if withReceipt == 0 {
		t.Errorf("no version in versions.csv has its receipt; %s %s has one", rec.Partner, rec.Kind)
	}
	// The JSON export's versions carry the same receipts.
	var versions []map[string]any
	if err := json.Unmarshal(download(t, e, requestExport(t, e, e.GovToken(), WW, "json"), "versions.json"), &versions); err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		name := versionName(v["partner"].(string), v["kind"].(string), v["key"].(string), int(v["version"].(float64)))
		if got, _ := v["receipt"].(string); got != stored[name] {
			t.Errorf("%s: receipt %q in versions.json; stored %q", name, got, stored[name])
		}
	}
}

func versionName(partner, kind, key string, version int) string {
	return partner + " " + kind + " " + key + " " + strconv.Itoa(version)
}

// testManifestSignedWhileStored: the manifest is signed while the export's
// files are stored, so that signing (a round trip to KMS in AWS) adds no
// step to the build. A signer that waits for a file to be stored, and a
// store of manifest.json that waits for the signing to have begun, would
// each wait in vain were signing done before or after storing.
func testManifestSignedWhileStored(t *testing.T, e *Env) {
	seedFundYear(t, e)
	plan := faults.NewPlan()
	fe := WithFaults(t, e.Backend, plan)
	signing, storing := make(chan struct{}), make(chan struct{})
	var began, stored sync.Once
	var signerWaited, manifestWaited atomic.Bool
	fe.cfg.Receipts = &waitingSigner{Signer: e.App.Service.Receipts, begin: func() { began.Do(func() { close(signing) }) }, wait: storing, waited: &signerWaited}
	fe.build(fe.Backend)
	plan.Add(faults.Rule{When: func(c faults.Call) bool {
		return c.Op == faults.BlobPut && strings.HasPrefix(c.Key, "exports/") && !strings.HasSuffix(c.Key, "/"+export.ManifestFile) && !strings.HasSuffix(c.Key, "/"+export.SignatureFile)
	}, Fault: faults.Fault{Before: func(context.Context) { stored.Do(func() { close(storing) }) }}})
	plan.Add(faults.Rule{When: func(c faults.Call) bool {
		return c.Op == faults.BlobPut && strings.HasSuffix(c.Key, "/"+export.ManifestFile)
	},
		Fault: faults.Fault{Before: func(ctx context.Context) {
			if !waitFor(ctx, signing) {
				manifestWaited.Store(true)
			}
		}}})
	d := requestExport(t, fe, fe.GovToken(), WW, "csv")
	if signerWaited.Load() {
		t.Error("the manifest was signed before any file was stored")
	}
	if manifestWaited.Load() {
		t.Error("manifest.json was stored before its signing began")
	}
	if d.State != "ready" || d.ManifestJWS == "" {
		t.Fatalf("export %s: %s", d.ExportID, d.State)
	}
	fileHashes(t, fe, d)
}

// waitingSigner signs once wait is closed (or waitLimit has passed: waited).
type waitingSigner struct {
	receipt.Signer
	begin  func()
	wait   <-chan struct{}
	waited *atomic.Bool
}

func (w *waitingSigner) Sign(ctx context.Context, input []byte) ([]byte, error) {
	w.begin()
	if !waitFor(ctx, w.wait) {
		w.waited.Store(true)
	}
	return w.Signer.Sign(ctx, input)
}

// waitLimit is how long a step waits for one that should run beside it.
const waitLimit = 5 * time.Second

// waitFor reports whether ch closed within waitLimit.
func waitFor(ctx context.Context, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(waitLimit):
		return false
	case <-ctx.Done():
		return false
	}
}
