package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/service"
)

// uploadData is an upload's state and, when rejected, each error at its
// row and column.
type uploadData struct {
	Facts   []fact
	Errors  table
	Back    string
	Refresh string       // a pending upload's page again: it does not reload itself
	Receipt *receiptData // the receipt of its decision
	Uploads string       // the partner's uploads
}

// findUpload goes to the upload whose id the partner's home form names;
// without one, it lists the partner's uploads.
func (s *site) findUpload(v *visit) error {
	slice, err := s.sliceOf(v)
	if err != nil {
		return err
	}
	base := appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)
	if id := v.r.URL.Query().Get("id"); id != "" {
		return v.redirect(base+"/uploads/"+url.PathEscape(id), nil)
	}
	return s.uploadList(v, slice)
}

// uploadOf is the upload a page's address names (GET {S}/uploads/{uploadId}).
func (s *site) uploadOf(v *visit) (service.Slice, service.UploadRecord, error) {
	slice, err := s.sliceOf(v)
	if err != nil {
		return slice, service.UploadRecord{}, err
	}
	u, err := s.Files.GetUpload(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, v.r.PathValue("uploadId"))
	return slice, u, err
}

// upload is GET {S}/uploads/{uploadId} as a page.
func (s *site) upload(v *visit) error {
	slice, u, err := s.uploadOf(v)
	if err != nil {
		return err
	}
	loc := slice.Region.Location()
	state := uploadState(v, u.State)
	d := uploadData{Back: v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)+"/", nil), Facts: []fact{
		{Label: v.t("page.col.state", nil), Text: state.Text, Class: state.Class},
		{Label: v.t("page.col.purpose", nil), Text: u.Purpose}}}
	if u.Kind != "" {
		d.Facts = append(d.Facts, fact{Label: v.t("page.col.submission", nil), Text: v.t("page.kind-one."+string(u.Kind), nil) + ": " + keyLabel(slice.Region, u.Kind, u.KeyValues)})
	}
	if u.Version != nil {
		d.Facts = append(d.Facts, fact{Label: v.t("page.col.version", nil), Text: v.t("page.version.name", map[string]any{"Version": u.Version.Version}),
			Href: v.link(keyPath(slice, u.Kind, u.KeyValues)+"/versions/"+strconv.Itoa(u.Version.Version), nil)})
	}
	if u.Failure != "" {
		failure := u.Failure
		if u.FailureText != nil {
			failure = u.FailureText.In(v.lang)
		}
		d.Facts = append(d.Facts, fact{Label: v.t("page.col.failure", nil), Text: failure})
	}
	d.Facts = append(d.Facts, fact{Label: v.t("page.col.size", nil), Text: v.t("page.upload.bytes", map[string]any{"Count": u.SizeBytes})},
		fact{Label: "SHA-256", Text: u.SHA256}, fact{Label: v.t("page.col.created", nil), Text: v.when(u.CreatedAt, loc)},
		fact{Label: v.t("page.col.updated", nil), Text: v.when(u.UpdatedAt, loc)})
	d.Errors = table{Caption: v.t("page.upload.errors", map[string]any{"Count": len(u.Errors)}), Columns: []column{
		{Label: v.t("page.col.row", nil), Num: true}, {Label: v.t("page.col.column", nil)}, {Label: v.t("page.col.rule", nil)},
		{Label: v.t("page.col.message", nil)}}}
	for _, e := range u.Errors {
		e = e.In(v.lang)
		d.Errors.Rows = append(d.Errors.Rows, []cell{intCell(e.Row), textCell(e.Column), textCell(e.Code), textCell(e.Message)})
	}
	if !u.Final() {
		d.Refresh = v.link(v.r.URL.Path, nil)
	}
	d.Receipt = uploadReceipt(v, slice, u)
	d.Uploads = v.link(appPath("regions", slice.Region.ID, "partners", slice.Partner.ID, "uploads"), nil)
	return s.render(v, http.StatusOK, "upload", v.t("page.upload.title", map[string]any{"ID": u.ID}), d)
}

func uploadState(v *visit, state string) cell {
	class := map[string]string{service.UploadAccepted: "status-signed", service.UploadRejected: "status-late",
		service.UploadFailed: "status-late"}[state]
	if class == "" {
		class = "status-open"
	}
	return cell{Text: v.t("page.upload.state."+state, nil), Class: class}
}
