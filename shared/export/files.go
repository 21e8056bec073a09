package export

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// FileInfo describes one file of an export, as the manifest lists it.
type FileInfo struct {
	Name        string `json:"name"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"contentType"`
}

// contentTypes are the media types the download URLs are served with.
var contentTypes = map[string]string{
	".csv":  "text/csv; charset=utf-8",
	".json": "application/json",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// Files describes every regular file in dir, sorted by name, hashing each as
// a stream so a large export is never read into memory.
func Files(dir string) ([]FileInfo, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	infos := make([]FileInfo, 0, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := describe(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		infos = append(infos, fi)
	}
	return infos, nil
}

func describe(path string) (FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileInfo{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileInfo{}, err
	}
	name := filepath.Base(path)
	ct, ok := contentTypes[strings.ToLower(filepath.Ext(name))]
	if !ok {
		ct = "application/octet-stream"
	}
	return FileInfo{Name: name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: ct}, nil
}
