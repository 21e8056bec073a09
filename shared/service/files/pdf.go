package files

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/regional-data-exchange/rdx/shared/service"
)

// disableConfigDir keeps pdfcpu from writing its configuration into the
// user's home on first use (read-only on Lambda); the service uses none.
var disableConfigDir = sync.OnceFunc(api.DisableConfigDir)

// pdfLimits bound what a hostile file can make the parser do: a statement
// of 20 MiB decodes to far less than pdfcpu's defaults (512 MiB a stream).
func pdfLimits() model.ResourceLimits {
	l := model.DefaultResourceLimits()
	l.MaxStreamBytes, l.MaxDecodeBytes, l.MaxImageBytes = 64<<20, 64<<20, 64<<20
	l.MaxObjectCount, l.MaxXRefEntries, l.MaxObjectStreamCount = 1_000_000, 1_000_000, 100_000
	return l
}

// checkPDF checks a published statement by parsing it (pdfcpu, in its
// relaxed mode, which accepts what real writers produce): its header, cross
// reference table, trailer, catalogue and page tree must be a document of at
// least one page. A file that only starts with %PDF- and ends with %%EOF,
// say an HTML page between the two, is refused.
func checkPDF(r io.Reader, size int64) *service.UploadError {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentUpload+1))
	if err != nil || int64(len(data)) != size {
		e := service.NewUploadError(0, "", "upload.unreadable", "upload.unreadable", nil)
		return &e
	}
	notPDF := func(id string, data map[string]any) *service.UploadError {
		e := service.NewUploadError(0, "", "upload.not-pdf", id, data)
		return &e
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return notPDF("upload.not-pdf.header", nil)
	}
	pages, err := parsePDF(data)
	switch {
	case err != nil:
		return notPDF("upload.not-pdf.parse", map[string]any{"Reason": err.Error()})
	case pages < 1:
		return notPDF("upload.not-pdf.no-pages", nil)
	}
	return nil
}

// parsePDF reads and validates a document, returning its page count. A
// parser that panics on a hostile file refuses it.
func parsePDF(data []byte) (pages int, err error) {
	disableConfigDir()
	defer func() {
		if p := recover(); p != nil {
			pages, err = 0, fmt.Errorf("unreadable structure")
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Limits = pdfLimits()
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return 0, shortReason(err)
	}
	if err := api.ValidateContext(ctx); err != nil {
		return 0, shortReason(err)
	}
	return ctx.PageCount, nil
}

// shortReason keeps a parser's message short enough to show a partner.
func shortReason(err error) error {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return fmt.Errorf("%s", msg)
}
