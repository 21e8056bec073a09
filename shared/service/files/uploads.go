package files

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Limits of uploads: presigned URLs live a quarter of an hour; a CSV is at
// most 16 MiB, a published statement (PDF) 20 MiB.
const (
	UploadURLLifetime = 15 * time.Minute
	MaxCSVBytes       = 16 << 20
	MaxDocumentUpload = 20 << 20
	maxUploadErrors   = 500
)

var purposeKinds = map[string]submission.Kind{
	service.PurposePopulationCSV: submission.PopulationAssessments,
	service.PurposeReturnCSV:     submission.QuarterlyReturns,
	service.PurposeContribCSV:    submission.PoolContributions,
	service.PurposeDocument:      submission.MarketPositionStatements,
}

// uploadKey is where an upload's object lives: uploads/{region}/{partner}/{id}.
func uploadKey(region, partner, id string) string {
	return "uploads/" + region + "/" + partner + "/" + id
}

// parseUploadKey reads an upload's object key.
func parseUploadKey(key string) (region, partner, id string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 || parts[0] != "uploads" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return "", "", "", false
	}
	return parts[1], parts[2], parts[3], true
}

// StartUpload is a started upload: where to PUT the file.
type StartUpload struct {
	Record    service.UploadRecord
	Presigned blob.Presigned
}

// BeginUpload records a pending upload and presigns a PUT that accepts only
// the declared file (its size and SHA-256).
func (s *Service) BeginUpload(ctx context.Context, p *auth.Principal, regionID, partnerID string, body []byte) (*StartUpload, error) {
	slice, err := s.AuthorizeSlice(p, regionID, partnerID, service.WriteSlice)
	if err != nil {
		return nil, err
	}
	rec, sum, err := s.uploadRequest(slice, body)
	if err != nil {
		return nil, err
	}
	now := s.Clock()
	rec.ID, rec.State, rec.Region, rec.Partner = service.NewID(now), service.UploadPending, slice.Region.ID, slice.Partner.ID
	rec.CreatedAt, rec.UpdatedAt, rec.CreatedBy, rec.Errors = now, now, service.Actor{Sub: p.Subject, Name: p.Name}, []service.UploadError{}
	pre, err := s.uploads.PresignPut(ctx, uploadKey(rec.Region, rec.Partner, rec.ID), blob.PresignPutOptions{
		Size: rec.SizeBytes, SHA256: sum, ContentType: contentTypeOf(rec.Purpose), Expires: UploadURLLifetime})
	if err != nil {
		return nil, service.StoreErr(err, "presign upload")
	}
	// Listed as unfinished until the file is validated: one that never
	// arrives is finished as failed once its URL and the retries are over.
	err = s.AppendNew(ctx, "record upload", service.AuditRecord{ID: service.NewID(now), At: now, Region: rec.Region, Partner: rec.Partner, Actor: rec.CreatedBy, Action: "upload.started",
		Target: map[string]any{"uploadId": rec.ID, "purpose": rec.Purpose}, SHA256: rec.SHA256, RequestID: logx.RequestID(ctx)},
		store.PutOp(store.Item{PK: service.PartnerPK(rec.Region, rec.Partner), SK: service.UploadSK(rec.ID), Version: 1, Data: service.Encode(rec)}, store.IfNotExists()),
		service.ListWork(workItem(rec, now.Add(UploadURLLifetime+service.RetryWindow))))
	if err != nil {
		return nil, err
	}
	pre.ExpiresAt = pre.ExpiresAt.UTC()
	return &StartUpload{Record: rec, Presigned: pre}, nil
}

func contentTypeOf(purpose string) string {
	if purpose == service.PurposeDocument {
		return "application/pdf"
	}
	return "text/csv"
}

// uploadRequest checks {purpose, key fields, sizeBytes, sha256}: the body's
// own rules first, then, every error at once, the purpose's key and the
// size against the purpose's limit.
func (s *Service) uploadRequest(slice service.Slice, body []byte) (service.UploadRecord, []byte, error) {
	var form submission.UploadStart
	if err := submission.DecodeCommand(body, &form); err != nil {
		return service.UploadRecord{}, nil, err
	}
	rec := service.UploadRecord{Purpose: *form.Purpose, SHA256: strings.ToLower(form.SHA256.String()), SizeBytes: *form.SizeBytes}
	kind := purposeKinds[rec.Purpose]
	names := kind.KeyParams()
	values := form.KeyValues(kind)
	key, findings := submission.ParseKey(kind, values, slice.Region, slice.Partner)
	var fields []apperr.FieldError
	for _, f := range submission.FieldErrors(findings) {
		f.Pointer, f.Parameter = "/"+f.Parameter, ""
		if values[0] == "" && f.Pointer == "/"+names[0] || values[1] == "" && f.Pointer == "/"+names[1] {
			f = apperr.Field("field.required", "finding.required-for", map[string]any{"Name": strings.TrimPrefix(f.Pointer, "/"), "Purpose": rec.Purpose}).AtPointer(f.Pointer)
		}
		fields = append(fields, f)
	}
	if limit := uploadLimit(rec.Purpose); rec.SizeBytes < 1 || rec.SizeBytes > limit {
		fields = append(fields, apperr.Field(submission.RuleUploadSize.Code, "finding.upload-size", map[string]any{"Purpose": rec.Purpose, "Max": limit}).AtPointer("/sizeBytes"))
	}
	if len(fields) > 0 {
		return rec, nil, apperr.Validation(fields)
	}
	sum, _ := hex.DecodeString(rec.SHA256) // 64 hex digits: the body's rules have checked
	rec.Kind, rec.KeyValues = kind, key.Values()
	return rec, sum, nil
}

func uploadLimit(purpose string) int64 {
	if purpose == service.PurposeDocument {
		return MaxDocumentUpload
	}
	return MaxCSVBytes
}

// GetUpload reads an upload of the partner; another partner's is the same 404.
func (s *Service) GetUpload(ctx context.Context, p *auth.Principal, regionID, partnerID, id string) (service.UploadRecord, error) {
	slice, err := s.AuthorizeSlice(p, regionID, partnerID, service.ReadSlice)
	if err != nil {
		return service.UploadRecord{}, err
	}
	rec, _, err := s.upload(ctx, slice.Region.ID, slice.Partner.ID, id)
	return rec, err
}

func (s *Service) upload(ctx context.Context, region, partner, id string) (service.UploadRecord, int64, error) {
	it, err := s.Table.Get(ctx, service.PartnerPK(region, partner), service.UploadSK(id))
	if service.IsNotFound(err) {
		return service.UploadRecord{}, 0, apperr.Localized(apperr.NotFound, "not-found.upload", map[string]any{"Value": strconv.Quote(id)})
	}
	if err != nil {
		return service.UploadRecord{}, 0, service.StoreErr(err, "read upload")
	}
	rec, err := service.Decode[service.UploadRecord](it)
	return rec, it.Version, service.StoreErr(err, "decode upload")
}

// validateUpload checks the stored object and decides accepted or rejected;
// an error is a failure to decide (retry later).
func (s *Service) validateUpload(ctx context.Context, rec service.UploadRecord) (service.UploadRecord, error) {
	reject := func(errs ...service.UploadError) (service.UploadRecord, error) {
		rec.State, rec.Errors = service.UploadRejected, errs
		return rec, nil
	}
	info, err := s.uploads.Stat(ctx, uploadKey(rec.Region, rec.Partner, rec.ID))
	if err != nil {
		return rec, service.StoreErr(err, "stat upload")
	}
	if info.Size != rec.SizeBytes || (info.SHA256 != nil && hex.EncodeToString(info.SHA256) != rec.SHA256) {
		return reject(service.NewUploadError(0, "", "upload.mismatch", "upload.mismatch", nil))
	}
	rc, err := s.uploads.Get(ctx, uploadKey(rec.Region, rec.Partner, rec.ID))
	if err != nil {
		return rec, service.StoreErr(err, "read upload")
	}
	defer rc.Close()
	if rec.Purpose == service.PurposeDocument {
		if perr := checkPDF(rc, rec.SizeBytes); perr != nil {
			return reject(*perr)
		}
		rec.State = service.UploadAccepted
		return rec, nil
	}
	return s.ingestCSV(ctx, rec, rc)
}

// ingestCSV turns a CSV into the JSON body and submits it as the uploader,
// through the same PUT as a JSON submission.
func (s *Service) ingestCSV(ctx context.Context, rec service.UploadRecord, r io.Reader) (service.UploadRecord, error) {
	purpose, _ := csvin.ParsePurpose(rec.Purpose)
	res, err := csvin.Convert(purpose, r, csvin.DefaultLimits(purpose))
	if err != nil {
		return rec, fmt.Errorf("read csv: %w", err)
	}
	if len(res.Errors) > 0 {
		errs, err := s.everyError(ctx, rec, res)
		if err != nil {
			return rec, err
		}
		rec.State, rec.Errors = service.UploadRejected, errs
		return rec, nil
	}
	uploader := &auth.Principal{Subject: rec.CreatedBy.Sub, Name: rec.CreatedBy.Name, Region: rec.Region, Partner: rec.Partner, Scopes: []auth.Scope{auth.SubmissionsWrite}}
	out, err := s.submissions.PutSubmission(ctx, submissions.PutRequest{Principal: uploader, Region: rec.Region, Partner: rec.Partner, Kind: rec.Kind, KeyValues: rec.KeyValues, Body: res.Body})
	if err != nil {
		return s.refused(rec, err, res.Locate)
	}
	rec.State = service.UploadAccepted
	rec.Version = &service.VersionRef{Region: rec.Region, Partner: rec.Partner, Kind: rec.Kind, KeyValues: rec.KeyValues, Version: out.Version.Record.Version}
	return rec, nil
}

// refused turns the PUT's refusal into the file's errors (a rule's JSON
// pointer becomes the row and column it came from), or passes on a failure.
func (s *Service) refused(rec service.UploadRecord, err error, locate func(string) (int, string, bool)) (service.UploadRecord, error) {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Invalid, apperr.Locked, apperr.Conflict, apperr.PreconditionFail:
	default:
		return rec, err
	}
	rec.State, rec.Errors = service.UploadRejected, nil
	for _, f := range e.Fields {
		row, col, _ := locate(f.Pointer)
		rec.Errors = append(rec.Errors, fieldUploadError(row, col, f))
	}
	if len(rec.Errors) == 0 {
		rec.Errors = []service.UploadError{service.NewUploadError(0, "", string(e.Code), e.DetailID, e.DetailData)}
	}
	return rec, nil
}

func cellErrors(cs []csvin.CellError) []service.UploadError {
	out := make([]service.UploadError, len(cs))
	for i, c := range cs {
		out[i] = service.NewUploadError(c.Row, c.Column, c.Code, c.ID, c.Data)
	}
	return out
}

// fieldUploadError is a rule's field error at the row and column of the
// file it came from, its message kept to be said in the reader's language.
func fieldUploadError(row int, col string, f apperr.FieldError) service.UploadError {
	id, data := f.MessageID, f.MessageData
	if id == "" {
		id = f.FallbackID
	}
	if id == "" {
		return service.UploadError{Row: row, Column: col, Code: f.Code, Message: f.Message}
	}
	return service.NewUploadError(row, col, f.Code, id, data)
}
