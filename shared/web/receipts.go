package web

import (
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/files"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// receiptData offers a signed receipt to keep, with the document it names
// when there is one, and says how to check them offline.
type receiptData struct {
	Receipt, ReceiptFile   string // the download and its file's name; "" when there is no receipt
	Document, DocumentFile string // "" for an upload's receipt
	Intro                  string
	Keys                   string // the public JWK set
	Command                string // the offline verifier's command line
}

// verifyCommand is the offline verifier's command line (README, "Keeping
// and checking your receipts"), for the files the page offers.
func verifyCommand(receiptFile, documentFile string) string {
	cmd := "go run ./infra/verify receipt --keys receipt-keys.json --receipt " + receiptFile
	if documentFile != "" {
		cmd += " --document " + documentFile
	}
	return cmd
}

// fileName keeps a download's name to letters, digits, '.', '-' and '_'.
func fileName(parts ...string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '-'
	}, strings.Join(parts, "-"))
}

// versionFile is the name of a version's files: <kind>-<key>-v<N>.
func versionFile(k submission.Kind, values [2]string, n int) string {
	return fileName(string(k), values[0], values[1], "v"+strconv.Itoa(n))
}

func versionHref(slice service.Slice, k submission.Kind, values [2]string, n int) string {
	return keyPath(slice, k, values) + "/versions/" + strconv.Itoa(n)
}

// versionReceipt is what a version's page offers to keep.
func versionReceipt(v *visit, slice service.Slice, r service.VersionRecord) *receiptData {
	base, name := versionHref(slice, r.Kind, r.KeyValues, r.Version), versionFile(r.Kind, r.KeyValues, r.Version)
	d := &receiptData{Document: v.link(base+"/document.json", nil), DocumentFile: name + ".json",
		Keys: httpapi.ReceiptKeysPath, Intro: v.t("page.receipt.intro", nil)}
	if r.Receipt != "" {
		d.Receipt, d.ReceiptFile = v.link(base+"/receipt.jws", nil), name+".receipt.jws"
		d.Command = verifyCommand(d.ReceiptFile, d.DocumentFile)
	}
	return d
}

// uploadReceipt is what an upload's page offers to keep: the receipt of
// its decision, which names the file's SHA-256.
func uploadReceipt(v *visit, slice service.Slice, u service.UploadRecord) *receiptData {
	if u.Receipt == "" {
		return nil
	}
	file := fileName("upload", u.ID) + ".receipt.jws"
	return &receiptData{Receipt: v.link(uploadHref(slice, u.ID)+"/receipt.jws", nil), ReceiptFile: file,
		Keys: httpapi.ReceiptKeysPath, Intro: v.t("page.receipt.upload-intro", nil), Command: verifyCommand(file, "")}
}

// versionByAddress is the version a receipt's or document's address names
// (GET {S}/{kind}/{a}/{b}/versions/{n}).
func (s *site) versionByAddress(v *visit) (*submissions.Version, error) {
	slice, k, values, err := s.keyOf(v)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(v.r.PathValue("version"))
	if err != nil || n < 1 || strconv.Itoa(n) != v.r.PathValue("version") {
		return nil, errNoPage
	}
	return s.Submissions.GetVersion(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, k, values, n)
}

// versionReceiptFile is a version's signed receipt as a file to keep.
func (s *site) versionReceiptFile(v *visit) error {
	ver, err := s.versionByAddress(v)
	if err != nil {
		return err
	}
	r := ver.Record
	if r.Receipt == "" {
		return errNoPage
	}
	return download(v, "application/jose", versionFile(r.Kind, r.KeyValues, r.Version)+".receipt.jws", []byte(r.Receipt))
}

// versionDocumentFile is a version's document as the service stored it
// (the canonical JSON the receipt's contentSha256 names), as a file.
func (s *site) versionDocumentFile(v *visit) error {
	ver, err := s.versionByAddress(v)
	if err != nil {
		return err
	}
	r := ver.Record
	return download(v, "application/json", versionFile(r.Kind, r.KeyValues, r.Version)+".json", ver.Document)
}

// uploadReceiptFile is the receipt of an upload's decision as a file.
func (s *site) uploadReceiptFile(v *visit) error {
	_, u, err := s.uploadOf(v)
	if err != nil {
		return err
	}
	if u.Receipt == "" {
		return errNoPage
	}
	return download(v, "application/jose", fileName("upload", u.ID)+".receipt.jws", []byte(u.Receipt))
}

// download answers a file to keep: an attachment, never shown as a page.
func download(v *visit, contentType, name string, body []byte) error {
	h := v.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, err := v.w.Write(body)
	return err
}

// uploadOffer is the link from a submission's page to an upload for it,
// its fields filled in, for a person who may upload.
func uploadOffer(v *visit, slice service.Slice, k submission.Kind, values [2]string) *link {
	purpose, ok := files.PurposeFor(k)
	if !ok || v.p.Partner != slice.Partner.ID || !v.p.Has(auth.SubmissionsWrite) {
		return nil
	}
	q := map[string][]string{"purpose": {purpose}}
	for i, name := range k.KeyParams() {
		q[name] = []string{values[i]}
	}
	return &link{Text: v.t("page.upload.for."+string(k), nil),
		Href: v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID, "uploads", "new"), q)}
}

func uploadHref(slice service.Slice, id string) string {
	return appPath("regions", slice.Region.ID, "partners", slice.Partner.ID, "uploads", id)
}

// versionExtras adds to a version's page what changed since the version
// before it, the receipt to keep, and the offer of an upload.
func (s *site) versionExtras(v *visit, slice service.Slice, ver *submissions.Version, d *versionData) error {
	r := ver.Record
	d.Receipt = versionReceipt(v, slice, r)
	d.Upload = uploadOffer(v, slice, r.Kind, r.KeyValues)
	if r.Version == 1 {
		d.Diff = &diffData{First: true, Since: v.t("page.diff.heading", nil)}
		return nil
	}
	prev, err := s.Submissions.GetVersion(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, r.Kind, r.KeyValues, r.Version-1)
	if err != nil {
		return err
	}
	d.Diff, err = versionDiff(v, r.Kind, r.Version, prev.Document, ver.Document,
		v.link(versionHref(slice, r.Kind, r.KeyValues, r.Version-1), nil))
	return err
}

// with is what a part of a page is given: the page, for its words, and
// the part's own data ({{template "receipt" $.With .Receipt}}).
type with struct {
	Page *page
	X    any
}

// With gives a part the page with its own data.
func (p *page) With(x any) with { return with{Page: p, X: x} }
