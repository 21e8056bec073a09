package receipt

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/export"
)

// VersionsSheet is the sheet of an XLSX export's workbook that lists the
// versions it includes (the versions table; in CSV and JSON exports it is
// the manifest's versionsFile).
const VersionsSheet = "versions"

// SheetReader reads one sheet of a workbook as rows of text, its header
// row first. This package links no spreadsheet library (the service links
// it, and most of the service needs none), so a verifier that is to read
// an XLSX export's versions gives one: infra/verify gives excelize's.
type SheetReader func(path, sheet string) ([][]string, error)

// FolderOption changes how VerifyExportFolder reads a folder.
type FolderOption func(*folderOptions)

type folderOptions struct{ sheets SheetReader }

// ReadSheetsWith reads an XLSX export's versions sheet with r. Without
// it, the receipts of an XLSX export's versions are not checked (its files
// still are) and ExportFolder.Unread says so.
func ReadSheetsWith(r SheetReader) FolderOption {
	return func(o *folderOptions) { o.sheets = r }
}

// versionRows reads the versions an export's versions file lists: a table
// with the columns partner, kind, key, version and sha256, and receipt in
// exports made since receipts were signed. A CSV file has a header row; a
// JSON file is an array of objects; an XLSX workbook has the table as its
// versions sheet (the manifest's versionsSheet, when it names one). Where
// the manifest says the export has labels, a CSV file starts with a byte
// order mark, and a row of labels follows the header row of a CSV file or
// sheet. ok is false when the file is a workbook and no sheet reader was
// given.
func versionRows(path string, m export.Manifest, sheets SheetReader) (rows []export.VersionRef, ok bool, err error) {
	var table [][]string
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".json":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, true, err
		}
		var raw []map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber() // a version stays "12", not 12.0
		if err := dec.Decode(&raw); err != nil {
			return nil, true, fmt.Errorf("not a JSON array of rows: %w", err)
		}
		table = [][]string{{"partner", "kind", "key", "version", "sha256", "receipt"}}
		for _, r := range raw {
			row := make([]string, len(table[0]))
			for i, col := range table[0] {
				if v, ok := r[col]; ok && v != nil {
					row[i] = fmt.Sprint(v)
				}
			}
			table = append(table, row)
		}
	case ".csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, true, err
		}
		defer f.Close()
		in := bufio.NewReader(f)
		if m.Labels {
			if bom, _ := in.Peek(len(utf8BOM)); string(bom) != utf8BOM {
				return nil, true, errors.New("it does not start with the byte order mark an export with labels has")
			}
			_, _ = in.Discard(len(utf8BOM))
		}
		if table, err = csv.NewReader(in).ReadAll(); err != nil {
			return nil, true, err
		}
	case ".xlsx":
		if sheets == nil {
			return nil, false, nil
		}
		if table, err = sheets(path, cmp.Or(m.VersionsSheet, VersionsSheet)); err != nil {
			return nil, true, err
		}
	default:
		return nil, true, errors.New("not a CSV, JSON or XLSX file")
	}
	if m.Labels && ext != ".json" {
		if len(table) < 2 {
			return nil, true, errors.New("it has no row of labels under its header row")
		}
		table = slices.Delete(table, 1, 2) // the labels are for people
	}
	rows, err = versionTable(table)
	return rows, true, err
}

// utf8BOM starts each CSV file of an export with labels.
const utf8BOM = "\uFEFF"

// versionTable reads the rows of a versions table by its header's names.
func versionTable(table [][]string) ([]export.VersionRef, error) {
	if len(table) == 0 {
		return nil, errors.New("it has no header row")
	}
	col := map[string]int{}
	for i, name := range table[0] {
		col[name] = i
	}
	for _, name := range []string{"partner", "kind", "key", "version", "sha256"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("it has no %s column", name)
		}
	}
	cell := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return row[i]
		}
		return ""
	}
	var out []export.VersionRef
	for n, row := range table[1:] {
		v, err := strconv.Atoi(cell(row, "version"))
		if err != nil {
			return nil, fmt.Errorf("row %d: version %q is not a number", n+1, cell(row, "version"))
		}
		out = append(out, export.VersionRef{Partner: cell(row, "partner"), Kind: cell(row, "kind"), Key: cell(row, "key"),
			Version: v, SHA256: cell(row, "sha256"), Receipt: cell(row, "receipt")})
	}
	return out, nil
}
