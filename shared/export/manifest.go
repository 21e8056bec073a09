package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// Generator names the writers' output layout. Byte-identical files are
// promised for the same request on the same data by the same generator; a
// change of layout, of excelize or of Go's deflate may change the bytes, so
// the manifest says which generator made them.
//
// rdx-export/2: the versions file has a receipt column, each version's
// signed receipt.
const Generator = "rdx-export/2"

// An export's folder holds its files, ManifestFile (the manifest as
// WriteManifest writes it) and SignatureFile: the service's compact JWS
// (typ "rdx-export-manifest+jws") whose payload is exactly ManifestFile's
// bytes. The signature cannot list itself or the manifest, so the manifest
// lists every other file and the signature vouches for the manifest.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.jws"
	// SignatureContentType is a compact JWS's media type (RFC 7515, 9.2.1).
	SignatureContentType = "application/jose"
)

// Manifest lists an export's files and the data they were made from.
type Manifest struct {
	Region        string `json:"region"`
	FinancialYear string `json:"financialYear"`
	Format        string `json:"format"`
	AsAt          string `json:"asAt"` // RFC 3339, the data's as-at point, never the clock
	// AsOfSequence is the event of the region's changes feed the data is
	// as at: following the feed after it gives every change since.
	// Exports made before it was stated have none.
	AsOfSequence *int64       `json:"asOfSequence,omitempty"`
	Generator    string       `json:"generator,omitempty"`
	Files        []FileInfo   `json:"files"`
	Versions     []VersionRef `json:"versions"`
	// VersionsFile, when set, is the file listing every version included
	// (its SHA-256 is in Files): a long list is streamed there rather than
	// held in the manifest. VersionCount is its number of rows.
	VersionsFile string `json:"versionsFile,omitempty"`
	VersionCount int    `json:"versionCount,omitempty"`
	// Lang is the language of the export's words for people, en or cy:
	// its labels, when it has them. The same request on the same data in
	// the same language gives the same bytes. Exports made before exports
	// had a language have none.
	Lang string `json:"lang,omitempty"`
	// Labels says every CSV file starts with a UTF-8 byte order mark and
	// every CSV file and sheet has a row of its columns' labels (in Lang)
	// under its header row of names, and a workbook's sheets are named by
	// their tables' labels.
	Labels bool `json:"labels,omitempty"`
	// VersionsSheet, in a workbook whose sheets are named by their labels,
	// is the sheet that lists the versions (otherwise "versions").
	VersionsSheet string `json:"versionsSheet,omitempty"`
}

// VersionRef is one stored record version the export includes.
type VersionRef struct {
	Partner string `json:"partner"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
	// Receipt is the version's signed receipt (a compact JWS), absent for
	// versions stored before receipts were signed.
	Receipt string `json:"receipt,omitempty"`
}

// WriteManifest writes m as canonical JSON (RFC 8785: sorted keys, no
// insignificant space), files sorted by name and versions by partner, kind,
// key and version, so equal manifests are equal bytes whatever order the
// caller gathered them in. m itself is not modified.
func WriteManifest(w io.Writer, m Manifest) error {
	if err := checkManifest(m); err != nil {
		return err
	}
	m.Files = slices.Clone(m.Files)
	if m.Files == nil {
		m.Files = []FileInfo{}
	}
	slices.SortFunc(m.Files, func(a, b FileInfo) int { return cmp.Compare(a.Name, b.Name) })
	m.Versions = slices.Clone(m.Versions)
	if m.Versions == nil {
		m.Versions = []VersionRef{}
	}
	slices.SortFunc(m.Versions, compareVersions)
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tree, _, err := jsonx.Decode(raw)
	if err != nil {
		return err
	}
	canon, err := jsonx.Canonical(tree)
	if err != nil {
		return err
	}
	_, err = w.Write(canon)
	return err
}

// ManifestBytes is m as WriteManifest writes it: what ManifestFile holds
// and its signature signs.
func ManifestBytes(m Manifest) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteManifest(&buf, m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func compareVersions(a, b VersionRef) int {
	return cmp.Or(cmp.Compare(a.Partner, b.Partner), cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Key, b.Key), cmp.Compare(a.Version, b.Version), cmp.Compare(a.SHA256, b.SHA256))
}

// checkManifest refuses a manifest that could not let a reader verify the
// files: a missing as-at point, a bad hash or a file listed twice.
func checkManifest(m Manifest) error {
	if _, ok := ParseFormat(m.Format); !ok {
		return fmt.Errorf("export: manifest format %q", m.Format)
	}
	if _, err := time.Parse(time.RFC3339, m.AsAt); err != nil {
		return fmt.Errorf("export: manifest asAt %q is not RFC 3339", m.AsAt)
	}
	names := make(map[string]bool, len(m.Files))
	for _, f := range m.Files {
		if f.Name == "" || names[f.Name] || f.Bytes < 0 || !isSHA256(f.SHA256) {
			return fmt.Errorf("export: manifest file %q: empty, repeated, negative size or bad sha256", f.Name)
		}
		names[f.Name] = true
	}
	for _, v := range m.Versions {
		if v.SHA256 != "" && !isSHA256(v.SHA256) {
			return fmt.Errorf("export: manifest version %s/%s/%s: bad sha256", v.Partner, v.Kind, v.Key)
		}
	}
	return nil
}

// isSHA256 accepts the lower-case hex Files writes.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}
