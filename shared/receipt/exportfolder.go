package receipt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/export"
)

// ExportFolder is what a verified export folder holds: its signed
// manifest, the key that signed it, the versions it includes and how many
// of their receipts were checked (an older export lists its versions
// without them).
type ExportFolder struct {
	Manifest export.Manifest
	Kid      string
	Versions int
	Receipts int
	// Unread names a versions file whose receipts could not be read (an
	// XLSX workbook, with no SheetReader given); its bytes were checked.
	Unread string
}

// VerifyExportFolder checks an export's files against its signed manifest
// (manifest.jws, typ rdx-export-manifest+jws, payload the canonical
// export.Manifest). A manifest.json beside it must be the signed payload
// byte for byte. Every file the manifest lists must be in the folder with
// its SHA-256 and size, and nothing else may be there. The versions the
// export includes are the manifest's, and its versions file's rows when it
// names one (as many as versionCount says); each version's receipt, where
// there is one, must verify and be that version's: the same region,
// partner, version and content SHA-256.
func VerifyExportFolder(dir string, keys *KeySet, opts ...FolderOption) (*ExportFolder, error) {
	var o folderOptions
	for _, opt := range opts {
		opt(&o)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fail(ReasonCannotCheck, "the export folder cannot be read: %v", err)
	}
	jws, err := os.ReadFile(filepath.Join(dir, export.SignatureFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fail(ReasonFileMissing, "%s, the signed manifest, is not in the folder", export.SignatureFile)
	} else if err != nil {
		return nil, fail(ReasonCannotCheck, "%s cannot be read: %v", export.SignatureFile, err)
	}
	v, err := Verify(string(jws), keys)
	if err != nil {
		return nil, within(export.SignatureFile, err)
	}
	if v.Typ != TypeManifest {
		return nil, fail(ReasonWrongType, "%s's typ is %q, not a manifest's %q", export.SignatureFile, v.Typ, TypeManifest)
	}
	var m export.Manifest
	if err := json.Unmarshal(v.Payload, &m); err != nil {
		return nil, fail(ReasonMalformed, "%s's payload is not an export manifest: %v", export.SignatureFile, err)
	}
	plain, err := os.ReadFile(filepath.Join(dir, export.ManifestFile))
	switch {
	case err == nil && !bytes.Equal(plain, v.Payload):
		return nil, fail(ReasonFileChanged, "%s is not the manifest that %s signs", export.ManifestFile, export.SignatureFile)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fail(ReasonCannotCheck, "%s cannot be read: %v", export.ManifestFile, err)
	}
	listed := map[string]bool{export.SignatureFile: true, export.ManifestFile: true}
	for _, f := range m.Files {
		if listed[f.Name] || !filepath.IsLocal(f.Name) || strings.ContainsAny(f.Name, `/\`) {
			return nil, fail(ReasonMalformed, "the manifest lists %q, which is not one file's name in the folder, or lists it twice", f.Name)
		}
		listed[f.Name] = true
		if err := checkFile(filepath.Join(dir, f.Name), f); err != nil {
			return nil, within(f.Name, err)
		}
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			return nil, fail(ReasonFileUnlisted, "%s is in the folder but not in the signed manifest", e.Name())
		}
	}
	out := &ExportFolder{Manifest: m, Kid: v.Kid}
	versions := m.Versions
	if m.VersionsFile != "" {
		if !listed[m.VersionsFile] {
			return nil, fail(ReasonFileMissing, "the manifest's list of versions, %s, is not among its files", m.VersionsFile)
		}
		rows, ok, err := versionRows(filepath.Join(dir, m.VersionsFile), m, o.sheets)
		switch {
		case err != nil:
			return nil, fail(ReasonMalformed, "%s, the list of versions, cannot be read: %v", m.VersionsFile, err)
		case !ok:
			out.Unread = m.VersionsFile
		case len(rows) != m.VersionCount:
			return nil, fail(ReasonVersionMismatch, "%s lists %d versions; the manifest says %d", m.VersionsFile, len(rows), m.VersionCount)
		}
		versions = append(slices.Clone(versions), rows...)
	}
	out.Versions = len(versions)
	for i, ver := range versions {
		if ver.Receipt == "" {
			continue
		}
		where := fmt.Sprintf("the receipt of version %d of %s %s (%s; the export's version %d of %d)", ver.Version, ver.Kind, ver.Key, ver.Partner, i+1, len(versions))
		st, err := VerifyStatement(ver.Receipt, keys)
		if err != nil {
			return nil, within(where, err)
		}
		if err := sameVersion(st, m.Region, ver); err != nil {
			return nil, within(where, err)
		}
		out.Receipts++
	}
	return out, nil
}

// checkFile compares the file at path with the manifest's entry for it.
func checkFile(path string, want export.FileInfo) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fail(ReasonFileMissing, "the manifest lists it, but it is not in the folder")
	} else if err != nil {
		return fail(ReasonCannotCheck, "it cannot be read: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fail(ReasonFileChanged, "it is not a plain file")
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fail(ReasonCannotCheck, "it cannot be read: %v", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != want.SHA256 || n != want.Bytes {
		return fail(ReasonFileChanged, "it is %d bytes with SHA-256 %s; the manifest says %d bytes with SHA-256 %s", n, sum, want.Bytes, want.SHA256)
	}
	return nil
}

// sameVersion checks that a receipt's statement is the one of the version
// row it is listed with.
func sameVersion(st *Statement, region string, ver export.VersionRef) error {
	version, _ := st.About["version"].(float64)
	switch {
	case st.Region != region:
		return fail(ReasonVersionMismatch, "it is a receipt of region %q, not %q", st.Region, region)
	case st.Partner != ver.Partner:
		return fail(ReasonVersionMismatch, "it is a receipt of partner %q, not %q", st.Partner, ver.Partner)
	case version != float64(ver.Version):
		return fail(ReasonVersionMismatch, "it is the receipt of version %v, not %d", st.About["version"], ver.Version)
	case st.ContentSHA256 != ver.SHA256:
		return fail(ReasonVersionMismatch, "it names content SHA-256 %s, not the version's %s", st.ContentSHA256, ver.SHA256)
	}
	return nil
}
