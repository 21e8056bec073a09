package receipttest

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"

	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// exportFolders writes an export folder for the Minister (its files, the
// signed manifest and manifest.json) and its tampered variants.
func (g *gen) exportFolders() {
	files := map[string][]byte{
		"pool-contributions.csv": []byte("partner,fund,financialYear,stream,amount\ncarmarthenshire,care-homes-older-people,2018-19,core,10200000.00\n"),
		"quarterly-returns.csv": []byte("partner,fund,quarter,category,actualToDate,forecastOutturn\n" +
			"carmarthenshire,care-homes-older-people,2018-19-Q2,nursing,2899110.40,6500000.00\n" +
			"carmarthenshire,care-homes-older-people,2018-19-Q2,residential,4102337.18,9450000.00\n"),
	}
	tmp := must(os.MkdirTemp("", "rdx-vectors-"))
	defer os.RemoveAll(tmp)
	for name, b := range files {
		must(0, os.WriteFile(filepath.Join(tmp, name), b, 0o644))
	}
	row := func(kind, key string, version int, jws string) export.VersionRef {
		st := g.st[jws]
		return export.VersionRef{Partner: partner, Kind: kind, Key: key, Version: version, SHA256: st.ContentSHA256, Receipt: g.r[jws]}
	}
	qr, pc := row("quarterly-returns", qrKey, 2, "qr-v2.jws"), row("pool-contributions", pcKey, 1, "pc-v1.jws")
	manifest := func(versions ...export.VersionRef) []byte {
		m := export.Manifest{Region: region, FinancialYear: "2018-19", Format: "csv", AsAt: "2018-11-05T00:00:00Z",
			Generator: "rdx-export/1", Files: must(export.Files(tmp)), Versions: versions}
		var b bytes.Buffer
		must(0, export.WriteManifest(&b, m))
		return b.Bytes()
	}
	signed := func(s signer, typ string, payload []byte) map[string][]byte {
		f := maps.Clone(files)
		f[receipt.ManifestJSON], f[receipt.ManifestJWS] = payload, []byte(s.sign(typ, payload))
		return f
	}
	payload := manifest(qr, pc)
	valid := signed(g.current, receipt.TypeManifest, payload)
	change := func(f func(map[string][]byte)) map[string][]byte {
		c := maps.Clone(valid)
		f(c)
		return c
	}
	oldQR, otherQR, tamperedQR := qr, qr, qr
	oldQR.Receipt, otherQR.Receipt, tamperedQR.Receipt = "", g.r["qr-v1.jws"], g.r["qr-v2.payload-byte-changed.jws"]
	oldPC := pc
	oldPC.Receipt = ""

	for _, c := range []struct {
		v     Vector
		files map[string][]byte
	}{
		{Vector{Name: "export-valid", About: "two files, the signed manifest with both versions' receipts, and manifest.json"}, valid},
		{Vector{Name: "export-without-receipts", About: "an older export: its manifest lists the versions without their receipts"},
			signed(g.current, receipt.TypeManifest, manifest(oldQR, oldPC))},
		{Vector{Name: "export-signed-manifest-only", About: "manifest.json not kept: manifest.jws is enough"},
			change(func(f map[string][]byte) { delete(f, receipt.ManifestJSON) })},
		{Vector{Name: "export-file-byte-changed", About: "one byte of a file changed", Exit: 1, Reason: "file-changed"},
			change(func(f map[string][]byte) {
				f["quarterly-returns.csv"] = changeByte(f["quarterly-returns.csv"], "2899110.40", "2899110.41")
			})},
		{Vector{Name: "export-file-missing", About: "a listed file removed", Exit: 1, Reason: "file-missing"},
			change(func(f map[string][]byte) { delete(f, "pool-contributions.csv") })},
		{Vector{Name: "export-file-unlisted", About: "a file added that the manifest does not list", Exit: 1, Reason: "file-unlisted"},
			change(func(f map[string][]byte) {
				f["adjustments.csv"] = []byte("partner,amount\ncarmarthenshire,-50000.00\n")
			})},
		{Vector{Name: "export-manifest-json-byte-changed", About: "one byte of manifest.json changed", Exit: 1, Reason: "file-changed"},
			change(func(f map[string][]byte) {
				f[receipt.ManifestJSON] = changeByte(f[receipt.ManifestJSON], `"asAt":"2018`, `"asAt":"2019`)
			})},
		{Vector{Name: "export-manifest-byte-changed", About: "one byte of the signed manifest's payload changed", Exit: 1, Reason: "bad-signature"},
			change(func(f map[string][]byte) {
				f[receipt.ManifestJWS] = []byte(changePayloadByte(string(f[receipt.ManifestJWS]), `"asAt":"2018`, `"asAt":"2019`))
			})},
		{Vector{Name: "export-unsigned", About: "manifest.json without manifest.jws", Exit: 1, Reason: "file-missing"},
			change(func(f map[string][]byte) { delete(f, receipt.ManifestJWS) })},
		{Vector{Name: "export-manifest-swapped-key", About: "the manifest signed by a key not in the set", Exit: 1, Reason: "unknown-key"},
			signed(g.intruder, receipt.TypeManifest, payload)},
		{Vector{Name: "export-manifest-typ-receipt", About: "the manifest signed as a receipt", Exit: 1, Reason: "wrong-type"},
			signed(g.current, receipt.TypeReceipt, payload)},
		{Vector{Name: "export-receipt-of-other-version", About: "version 2's row carries version 1's receipt", Exit: 1, Reason: "version-mismatch"},
			signed(g.current, receipt.TypeManifest, manifest(otherQR, pc))},
		{Vector{Name: "export-receipt-tampered", About: "version 2's row carries a receipt with one byte changed", Exit: 1, Reason: "bad-signature"},
			signed(g.current, receipt.TypeManifest, manifest(tamperedQR, pc))},
	} {
		dir := "export/" + c.v.Name[len("export-"):]
		for name, b := range c.files {
			g.write(dir+"/"+name, b)
		}
		c.v.Command, c.v.Files = "export", []string{dir}
		g.add(c.v)
	}
	g.add(Vector{Name: "export-folder-absent", About: "the folder is not there", Command: "export",
		Files: []string{"export/absent"}, Exit: 2, Reason: "cannot-check"})
}
