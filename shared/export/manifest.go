package export

import (
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
const Generator = "rdx-export/1"

// Manifest lists an export's files and the data they were made from.
type Manifest struct {
	Region        string       `json:"region"`
	FinancialYear string       `json:"financialYear"`
	Format        string       `json:"format"`
	AsAt          string       `json:"asAt"` // RFC 3339, the data's as-at point, never the clock
	Generator     string       `json:"generator,omitempty"`
	Files         []FileInfo   `json:"files"`
	Versions      []VersionRef `json:"versions"`
	// VersionsFile, when set, is the file listing every version included
	// (its SHA-256 is in Files): a long list is streamed there rather than
	// held in the manifest. VersionCount is its number of rows.
	VersionsFile string `json:"versionsFile,omitempty"`
	VersionCount int    `json:"versionCount,omitempty"`
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
