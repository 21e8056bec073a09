package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/files"
)

// uploadFormData is the upload form: first what the file is (its
// purpose), then the purpose's key fields and the file.
type uploadFormData struct {
	Action   string // the form's action: the picker's (GET) or the upload's (POST)
	Lang     string
	Purposes []option // the purpose picker, when no purpose is chosen yet
	Purpose  string   // the chosen purpose
	What     string   // the chosen purpose in words
	Change   string   // the picker again, to choose another purpose
	Fields   []formField
	Accept   string // the file input's accept
	FileHint string
	Back     string
}

// formField is one key field of the upload: a list to choose from (a
// fund, an area) or a text.
type formField struct {
	Name, Label, Hint, Value string
	Options                  []option
}

// uploadForm is the form that uploads a file on the person's behalf
// (POST {S}/uploads, then the file where its presigned PUT would put it).
// A page it is reached from fills its fields (?purpose=&fundId=&quarter=).
func (s *site) uploadForm(v *visit) error {
	slice, err := s.Service.AuthorizeSlice(v.p, v.r.PathValue("region"), v.r.PathValue("partner"), service.WriteSlice)
	if err != nil {
		return err // the region's token cannot upload: the same 404 as another partner's
	}
	reg := slice.Region.In(v.lang)
	partner, _ := reg.Partner(slice.Partner.ID)
	slice = service.Slice{Region: reg, Partner: partner}
	q := v.r.URL.Query()
	base := appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)
	d := uploadFormData{Lang: string(v.explicit), Back: v.link(base+"/uploads", nil)}
	purpose := q.Get("purpose")
	kind, ok := files.PurposeKind(purpose)
	if !ok {
		d.Action = base + "/uploads/new"
		for _, p := range files.Purposes {
			d.Purposes = append(d.Purposes, option{Value: p, Label: v.t("page.upload.purpose."+p, nil)})
		}
		return s.render(v, http.StatusOK, "upload-form", v.t("page.upload.new-title", nil), d)
	}
	d.Action, d.Purpose, d.What = v.link(base+"/uploads", nil), purpose, v.t("page.upload.purpose."+purpose, nil)
	d.Change = v.link(base+"/uploads/new", nil)
	d.Accept, d.FileHint = ".csv,text/csv", v.t("page.upload.file-hint-csv", map[string]any{"Max": files.MaxUpload(purpose) >> 20})
	if purpose == service.PurposeDocument {
		d.Accept, d.FileHint = ".pdf,application/pdf", v.t("page.upload.file-hint-pdf", map[string]any{"Max": files.MaxUpload(purpose) >> 20})
	}
	for _, name := range kind.KeyParams() {
		f := formField{Name: name, Label: fieldLabel(v, name), Value: q.Get(name)}
		switch name {
		case "fundId":
			for i := range slice.Region.Funds {
				if fd := &slice.Region.Funds[i]; fd.HasMember(slice.Partner.ID) {
					f.Options = append(f.Options, option{Value: fd.ID, Label: fd.Name, Selected: fd.ID == f.Value})
				}
			}
		case "areaCode":
			for _, code := range slice.Partner.Areas {
				f.Options = append(f.Options, option{Value: code, Label: areaName(slice.Region, code), Selected: code == f.Value})
			}
		default:
			f.Hint = v.t("page.upload.hint."+name, nil)
		}
		d.Fields = append(d.Fields, f)
	}
	return s.render(v, http.StatusOK, "upload-form", v.t("page.upload.new-title", nil), d)
}

// uploadFile uploads the form's file as the partner's system would: the
// upload started through the files service with the signed-in person's
// principal (the API's POST {S}/uploads, with the same checks of the key,
// the size and the SHA-256), then the file stored where the presigned PUT
// would store it and validated as the deployment validates every upload.
// It answers with the upload's page (303).
func (s *site) uploadFile(v *visit) error {
	slice, err := s.sliceOf(v)
	if err != nil {
		return err
	}
	base := appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)
	form := v.r.MultipartForm
	if form == nil {
		return errNoPage // protect parsed the form; a form of another encoding is no upload
	}
	purpose := v.r.FormValue("purpose")
	kind, ok := files.PurposeKind(purpose)
	if !ok {
		return v.redirect(base+"/uploads/new", nil)
	}
	back := url.Values{"purpose": {purpose}}
	body := map[string]any{"purpose": purpose}
	for _, name := range kind.KeyParams() {
		val := strings.TrimSpace(v.r.FormValue(name))
		back.Set(name, val)
		if val == "" {
			continue // the service says it is required
		}
		body[name] = val
		if n, err := strconv.ParseInt(val, 10, 64); err == nil && name == "assessmentYear" {
			body[name] = n
		}
	}
	data, err := formFile(v.r)
	if err != nil {
		s.leaveFlash(v, flash{Error: true, Text: v.t("page.form.refused", nil), Details: []string{v.t("page.upload.no-file", nil)}})
		return v.redirect(base+"/uploads/new", back)
	}
	sum := sha256.Sum256(data)
	body["sizeBytes"], body["sha256"] = len(data), hex.EncodeToString(sum[:])
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	started, err := s.Files.BeginUpload(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, raw)
	if err != nil {
		return s.formFailed(v, err, base+"/uploads/new", back)
	}
	if _, err := s.Files.PutUploadFile(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID, started.Record.ID, data); err != nil {
		return err
	}
	s.leaveFlash(v, flash{Text: v.t("page.upload.sent", nil)})
	return v.redirect(uploadHref(slice, started.Record.ID), nil)
}

// formFile is the bytes of the form's file; an empty or absent file is
// an error.
func formFile(r *http.Request) ([]byte, error) {
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err == nil && len(data) == 0 {
		err = errors.New("empty file")
	}
	return data, err
}

// uploadListLimit is the uploads list's length.
const uploadListLimit = 50

// uploadList is the partner's uploads, newest first.
func (s *site) uploadList(v *visit, slice service.Slice) error {
	page, err := s.Files.ListUploads(v.r.Context(), v.p, slice.Region.ID, slice.Partner.ID,
		service.PageRequest{Limit: uploadListLimit, Cursor: v.r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	base := appPath("regions", slice.Region.ID, "partners", slice.Partner.ID)
	d := struct {
		Table           table
		New, Next, Back string
		Find            string
		Lang            string
	}{Back: v.link(base+"/", nil), Find: base + "/uploads", Lang: string(v.explicit)}
	if v.p.Partner == slice.Partner.ID && v.p.Has(auth.SubmissionsWrite) {
		d.New = v.link(base+"/uploads/new", nil)
	}
	if page.NextCursor != "" {
		d.Next = v.link(v.r.URL.Path, url.Values{"cursor": {page.NextCursor}})
	}
	loc := slice.Region.Location()
	d.Table = table{Caption: v.t("page.upload.list-caption", nil), Empty: v.t("page.upload.none", nil), Columns: []column{
		{Label: v.t("page.col.upload", nil)}, {Label: v.t("page.col.state", nil)}, {Label: v.t("page.col.purpose", nil)},
		{Label: v.t("page.col.submission", nil)}, {Label: v.t("page.col.created", nil)}}}
	for _, u := range page.Items {
		key := ""
		if u.Kind != "" {
			key = keyLabel(slice.Region, u.Kind, u.KeyValues)
		}
		d.Table.Rows = append(d.Table.Rows, []cell{headCell(u.ID, v.link(uploadHref(slice, u.ID), nil)), uploadState(v, u.State),
			textCell(v.t("page.upload.purpose."+u.Purpose, nil)), textCell(key), textCell(v.when(u.CreatedAt, loc))})
	}
	return s.render(v, http.StatusOK, "uploads", v.t("page.upload.list-title", map[string]any{"Partner": slice.Partner.Name}), d)
}

// maxUploadFormBytes bounds an upload form's body: the largest file any
// purpose takes, and room for the form's few fields and the parts' headers.
var maxUploadFormBytes = slices.Max([]int64{files.MaxUpload(service.PurposeDocument), files.MaxUpload(service.PurposeReturnCSV)}) + maxFormBytes

// isUploadForm: the upload form's POST, {S}/uploads, which carries a file.
func isUploadForm(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, Prefix+"regions/") && strings.HasSuffix(r.URL.Path, "/uploads") &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

// readUploadForm reads an upload form whole before its CSRF token is
// checked (the token is one of its parts), refusing one larger than any
// upload may be with a page that says so (413), never a cut-off form.
func (s *site) readUploadForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadFormBytes)
	err := r.ParseMultipartForm(maxUploadFormBytes)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		v := s.newVisit(w, r)
		s.message(v, http.StatusRequestEntityTooLarge, "page.upload.too-large.title", "page.upload.too-large.body",
			v.t("page.upload.too-large.limits", map[string]any{"CSV": files.MaxUpload(service.PurposeReturnCSV) >> 20,
				"Document": files.MaxUpload(service.PurposeDocument) >> 20}))
		return false
	}
	return true // any other fault: the form has no token, and is refused as such
}
