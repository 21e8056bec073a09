package xlsx

import (
	"archive/zip"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// writeStaging lets excelize write the workbook into a zip on disk instead
// of its default in-memory buffer. The staging zip is not deterministic:
// excelize ranges over a map of stream writers, so with several sheets the
// entry order changes from run to run. canonicalZip fixes that.
func (s *xlsxSink) writeStaging(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	s.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(out) })
	err = s.f.Write(io.Discard) // the buffer excelize hands over stays empty
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// dosEpochDate is 1980-01-01 in MS-DOS date form, the fixed time every
// entry carries instead of a clock reading.
const dosEpochDate = 1<<5 | 1

// canonicalZip copies src's entries to dst sorted by name, each with a fixed
// timestamp and no extra fields. Entries are copied still compressed
// (OpenRaw/CreateRaw): the deflated bytes are a pure function of the entry's
// content, so identical contents give identical files, and nothing is held
// in memory but a copy buffer.
func canonicalZip(src, dst string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	files := slices.Clone(r.File)
	slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	// Refuse to overwrite, as every export file is written once.
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	for _, f := range files {
		if err = copyEntry(zw, f); err != nil {
			break
		}
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyEntry(zw *zip.Writer, f *zip.File) error {
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               f.Name,
		Method:             f.Method,
		CRC32:              f.CRC32,
		CompressedSize64:   f.CompressedSize64,
		UncompressedSize64: f.UncompressedSize64,
		ModifiedDate:       dosEpochDate,
	})
	if err != nil {
		return err
	}
	rc, err := f.OpenRaw()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, rc)
	return err
}
