package receipttest

import (
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/regional-data-exchange/rdx/shared/export"
	_ "github.com/regional-data-exchange/rdx/shared/export/xlsx" // the Welsh workbook's vector
	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// asAt is the vectors' exports' as-at point.
var asAt = time.Date(2018, 11, 5, 0, 0, 0, 0, time.UTC)

// exportFiles writes an export as the service does, with the export
// package's writer: a table of figures and the versions table (with each
// version's receipt) as the versions file, or, when inline, the versions
// in the manifest itself. It gives the files and the manifest's bytes.
func exportFiles(format export.Format, versions []export.VersionRef, inline bool, count int) (map[string][]byte, []byte) {
	return exportFilesIn(format, versions, inline, count, nil)
}

// welsh are the Welsh labels of the vectors' tables and columns, as an
// export in Welsh with labels has them.
var welsh = map[string]string{
	"quarterly_returns": "Ffurflenni chwarterol", "versions": "Fersiynau",
	"partner": "Partner", "fund": "Cronfa", "quarter": "Chwarter", "category": "Categori", "actual_to_date": "Gwariant gwirioneddol hyd yma (£)",
	"kind": "Math o gyflwyniad", "key": "Allwedd", "version": "Fersiwn", "sha256": "SHA-256 y cynnwys", "receipt": "Derbynneb wedi'i llofnodi",
}

// exportFilesIn is exportFiles with the labels given (nil: none), as an
// export in Welsh with labels is written.
func exportFilesIn(format export.Format, versions []export.VersionRef, inline bool, count int, labels map[string]string) (map[string][]byte, []byte) {
	dir := must(os.MkdirTemp("", "rdx-vectors-"))
	defer os.RemoveAll(dir)
	opts := []export.Option{export.AsAt(asAt)}
	if labels != nil {
		opts = append(opts, export.Labels())
	}
	w := must(export.NewWriter(format, dir, opts...))
	label := func(t export.Table) export.Table {
		t.Label = labels[t.Name]
		for i := range t.Columns {
			t.Columns[i].Label = labels[t.Columns[i].Name]
		}
		return t
	}
	text := func(n string) export.Column { return export.Column{Name: n, Kind: export.Text} }
	must(0, w.Begin(label(export.Table{Name: "quarterly_returns", Columns: []export.Column{text("partner"), text("fund"), text("quarter"),
		text("category"), {Name: "actual_to_date", Kind: export.Money}}})))
	for _, r := range [][2]any{{"nursing", int64(289911040)}, {"residential", int64(410233718)}} {
		must(0, w.Row([]export.Cell{export.TextCell(partner), export.TextCell("example-pooled-fund"), export.TextCell("2018-19-Q2"),
			export.TextCell(r[0].(string)), export.MoneyCell(r[1].(int64))}))
	}
	must(0, w.End())
	m := export.Manifest{Region: region, FinancialYear: "2018-19", Format: string(format), AsAt: asAt.Format(time.RFC3339Nano),
		Generator: export.Generator, Versions: []export.VersionRef{}}
	if inline {
		m.Versions = versions
	} else {
		must(0, w.Begin(label(export.Table{Name: "versions", Columns: []export.Column{text("partner"), text("kind"), text("key"),
			{Name: "version", Kind: export.Int}, text("sha256"), text("receipt")}})))
		for _, v := range versions {
			receiptCell := export.NullCell()
			if v.Receipt != "" {
				receiptCell = export.TextCell(v.Receipt)
			}
			must(0, w.Row([]export.Cell{export.TextCell(v.Partner), export.TextCell(v.Kind), export.TextCell(v.Key),
				export.IntCell(int64(v.Version)), export.TextCell(v.SHA256), receiptCell}))
		}
		must(0, w.End())
		m.VersionsFile, m.VersionCount = "versions."+string(format), count
		if format == export.XLSX {
			m.VersionsFile = export.XLSXFile
		}
	}
	if labels != nil {
		m.Lang, m.Labels = "cy", true
		if format == export.XLSX {
			m.VersionsSheet = labels["versions"]
		}
	}
	must(0, w.Close())
	m.Files = must(export.Files(dir))
	files := map[string][]byte{}
	for _, f := range m.Files {
		files[f.Name] = must(os.ReadFile(filepath.Join(dir, f.Name)))
	}
	return files, must(export.ManifestBytes(m))
}

// exportFolders writes export folders for the Minister (their files, the
// signed manifest and manifest.json) and their tampered variants.
func (g *gen) exportFolders() {
	row := func(kind, key string, version int, jws string) export.VersionRef {
		st := g.st[jws]
		return export.VersionRef{Partner: partner, Kind: kind, Key: key, Version: version, SHA256: st.ContentSHA256, Receipt: g.r[jws]}
	}
	qr, pc := row("quarterly-returns", qrKey, 2, "qr-v2.jws"), row("pool-contributions", pcKey, 1, "pc-v1.jws")
	with := func(r export.VersionRef, receipt string) export.VersionRef { r.Receipt = receipt; return r }
	signed := func(s signer, typ string, files map[string][]byte, payload []byte) map[string][]byte {
		f := maps.Clone(files)
		f[export.ManifestFile], f[export.SignatureFile] = payload, []byte(s.sign(typ, payload))
		return f
	}
	csv := func(versions ...export.VersionRef) map[string][]byte {
		files, payload := exportFiles(export.CSV, versions, false, len(versions))
		return signed(g.current, receipt.TypeManifest, files, payload)
	}
	files, payload := exportFiles(export.CSV, []export.VersionRef{qr, pc}, false, 2)
	valid := signed(g.current, receipt.TypeManifest, files, payload)
	change := func(f func(map[string][]byte)) map[string][]byte {
		c := maps.Clone(valid)
		f(c)
		return c
	}
	jsonFiles, jsonPayload := exportFiles(export.JSON, []export.VersionRef{qr, pc}, false, 2)
	welshFiles, welshPayload := exportFilesIn(export.CSV, []export.VersionRef{qr, pc}, false, 2, welsh)
	welshBook, welshBookPayload := exportFilesIn(export.XLSX, []export.VersionRef{qr, pc}, false, 2, welsh)
	inlineFiles, inlinePayload := exportFiles(export.CSV, []export.VersionRef{pc, qr}, true, 0)
	miscounted, miscountedPayload := exportFiles(export.CSV, []export.VersionRef{qr, pc}, false, 3)
	otherInline, otherInlinePayload := exportFiles(export.CSV, []export.VersionRef{pc, with(qr, g.r["qr-v1.jws"])}, true, 0)

	for _, c := range []struct {
		v     Vector
		files map[string][]byte
	}{
		{Vector{Name: "export-valid", About: "a CSV export as the service makes it: its files, the versions file with each version's receipt, the signed manifest and manifest.json"}, valid},
		{Vector{Name: "export-valid-json", About: "the same export in JSON"}, signed(g.current, receipt.TypeManifest, jsonFiles, jsonPayload)},
		{Vector{Name: "export-valid-labels-cy", About: "the same export in Welsh with labels: each CSV file starts with a byte order mark, a row of Welsh labels under its header"},
			signed(g.current, receipt.TypeManifest, welshFiles, welshPayload)},
		{Vector{Name: "export-valid-xlsx-labels-cy", About: "the same export as a workbook in Welsh with labels: sheets named in Welsh (the versions on the manifest's versionsSheet), a row of labels under each header"},
			signed(g.current, receipt.TypeManifest, welshBook, welshBookPayload)},
		{Vector{Name: "export-versions-in-manifest", About: "the versions and their receipts listed in the manifest itself"},
			signed(g.current, receipt.TypeManifest, inlineFiles, inlinePayload)},
		{Vector{Name: "export-without-receipts", About: "an older export: its versions listed without their receipts"}, csv(with(qr, ""), with(pc, ""))},
		{Vector{Name: "export-signed-manifest-only", About: "manifest.json not kept: manifest.jws is enough"},
			change(func(f map[string][]byte) { delete(f, export.ManifestFile) })},
		{Vector{Name: "export-file-byte-changed", About: "one byte of a file changed", Exit: 1, Reason: "file-changed"},
			change(func(f map[string][]byte) {
				f["quarterly_returns.csv"] = changeByte(f["quarterly_returns.csv"], "2899110.40", "2899110.41")
			})},
		{Vector{Name: "export-file-missing", About: "a listed file removed", Exit: 1, Reason: "file-missing"},
			change(func(f map[string][]byte) { delete(f, "quarterly_returns.csv") })},
		{Vector{Name: "export-file-unlisted", About: "a file added that the manifest does not list", Exit: 1, Reason: "file-unlisted"},
			change(func(f map[string][]byte) {
				f["adjustments.csv"] = []byte("partner,amount\r\nexample-council,-50000.00\r\n")
			})},
		{Vector{Name: "export-manifest-json-byte-changed", About: "one byte of manifest.json changed", Exit: 1, Reason: "file-changed"},
			change(func(f map[string][]byte) {
				f[export.ManifestFile] = changeByte(f[export.ManifestFile], `"asAt":"2018`, `"asAt":"2019`)
			})},
		{Vector{Name: "export-manifest-byte-changed", About: "one byte of the signed manifest's payload changed", Exit: 1, Reason: "bad-signature"},
			change(func(f map[string][]byte) {
				f[export.SignatureFile] = []byte(changePayloadByte(string(f[export.SignatureFile]), `"asAt":"2018`, `"asAt":"2019`))
			})},
		{Vector{Name: "export-unsigned", About: "manifest.json without manifest.jws", Exit: 1, Reason: "file-missing"},
			change(func(f map[string][]byte) { delete(f, export.SignatureFile) })},
		{Vector{Name: "export-manifest-swapped-key", About: "the manifest signed by a key not in the set", Exit: 1, Reason: "unknown-key"},
			signed(g.intruder, receipt.TypeManifest, files, payload)},
		{Vector{Name: "export-manifest-typ-receipt", About: "the manifest signed as a receipt", Exit: 1, Reason: "wrong-type"},
			signed(g.current, receipt.TypeReceipt, files, payload)},
		{Vector{Name: "export-receipt-of-other-version", About: "version 2's row in the versions file carries version 1's receipt", Exit: 1, Reason: "version-mismatch"},
			csv(with(qr, g.r["qr-v1.jws"]), pc)},
		{Vector{Name: "export-receipt-of-other-version-in-manifest", About: "version 2's row in the manifest carries version 1's receipt", Exit: 1, Reason: "version-mismatch"},
			signed(g.current, receipt.TypeManifest, otherInline, otherInlinePayload)},
		{Vector{Name: "export-receipt-tampered", About: "version 2's row carries a receipt with one byte changed", Exit: 1, Reason: "bad-signature"},
			csv(with(qr, g.r["qr-v2.payload-byte-changed.jws"]), pc)},
		{Vector{Name: "export-version-count", About: "the manifest counts 3 versions; the versions file lists 2", Exit: 1, Reason: "version-mismatch"},
			signed(g.current, receipt.TypeManifest, miscounted, miscountedPayload)},
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
