// Package exports is government's exports: a region's financial year as
// CSV, XLSX or JSON files with a manifest of their SHA-256s that the
// service signs, built from the current versions and the region's view so
// that the same data gives the same bytes, in the request or (AWS) by the
// exports function.
package exports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/logx"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Service is the exports' use cases over the shared core.
type Service struct {
	*service.Service
	// view gives each fund's position and the aggregates an export includes.
	view *regionview.Service
	// exports holds the built files (its own bucket in AWS).
	exports blob.Store
	// queueExports builds exports in the exports function (AWS: a job object
	// in the exports bucket) instead of inside the request.
	queueExports bool
}

// New builds the exports' use cases over the exports bucket; queue hands
// the builds to the exports function.
func New(core *service.Service, view *regionview.Service, exports blob.Store, queue bool) *Service {
	return &Service{Service: core, view: view, exports: exports, queueExports: queue}
}

// Export states.
const (
	ExportBuilding = "building"
	ExportReady    = "ready"
	ExportFailed   = "failed"
)

// DownloadURLLifetime is how long an export's presigned download URLs work.
const DownloadURLLifetime = 15 * time.Minute

// ExportRecord is one export request and, once built, its manifest.
type ExportRecord struct {
	ID            string `json:"exportId"`
	Region        string `json:"region"`
	FinancialYear string `json:"financialYear"`
	Format        string `json:"format"`
	// Lang is the language of the export's words for people (its labels
	// and a workbook's sheet names): the request's, en or cy. Exports
	// recorded before exports had a language have none: English.
	Lang string `json:"lang,omitempty"`
	// Labels: its CSV files and sheets have a row of column labels in Lang
	// under their header, and a workbook's sheets are named in Lang.
	Labels bool `json:"labels"`
	// AsOfSequence is the event of the region's changes feed the export is
	// as at: as asked, or, when not asked, once built, the last when its
	// data was read.
	AsOfSequence *int64           `json:"asOfSequence,omitempty"`
	State        string           `json:"state"`
	CreatedAt    time.Time        `json:"createdAt"`
	CreatedBy    service.Actor    `json:"createdBy"`
	CompletedAt  *time.Time       `json:"completedAt,omitempty"`
	Manifest     *export.Manifest `json:"manifest,omitempty"`
	// ManifestJWS is the service's signature of the manifest: a compact
	// JWS whose payload is exactly the bytes of manifest.json (stored
	// beside it as manifest.jws). Exports built before manifests were
	// signed have none.
	ManifestJWS string `json:"manifestJws,omitempty"`
	Failure     string `json:"failure,omitempty"`
	// FailureText is Failure as the catalogue's id and values, so that the
	// reader sees it in their language (an export failed before it was kept
	// has the English Failure only). Not shown: FailureIn renders it.
	FailureText *i18n.Message `json:"failureText,omitempty"`
	// Receipt is the signed receipt of the export's building (a compact
	// JWS), once it is ready.
	Receipt string `json:"receipt,omitempty"`
}

// Download is a presigned URL for one file of an export.
type Download struct {
	export.FileInfo
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func exportPK(id string) string             { return "X#" + id }
func exportIndexSK(id string) string        { return "EXPORT#" + id }
func exportBlob(id, name string) string     { return "exports/" + id + "/" + name }
func exportJobKey(id string) string         { return "jobs/" + id }
func exportJobID(key string) (string, bool) { return strings.CutPrefix(key, "jobs/") }

// CreateExport records an export of a region's financial year and builds it:
// at once (201), or, where exports are queued (AWS), by the exports function
// (202 with state building). Either way it is listed as unfinished work
// until built, so it ends ready or failed whatever stops its build. An
// export whose job cannot be queued is failed at once, and the error
// answered (503), so that a retry of the request starts a new one.
func (s *Service) CreateExport(ctx context.Context, p *auth.Principal, body []byte) (*ExportRecord, error) {
	if !p.Has(auth.ExportsWrite) {
		return nil, service.Forbidden()
	}
	rec, err := s.exportRequest(p, body, i18n.From(ctx))
	if err != nil {
		return nil, err
	}
	if rec.AsOfSequence != nil { // a point the region's data cannot be read at is refused now
		if err := s.CheckAsOf(ctx, rec.Region, *rec.AsOfSequence, "/"+service.AsOfField); err != nil {
			return nil, err
		}
	}
	now := s.Clock()
	rec.ID, rec.State, rec.CreatedAt, rec.CreatedBy = service.NewID(now), ExportBuilding, now, service.Actor{Sub: p.Subject, Name: p.Name}
	st, work, due := stored{ExportRecord: rec}, ctx, now.Add(service.RetryWindow) // queued: the exports function claims it within the window
	if !s.queueExports {
		var cancel context.CancelFunc
		work, st.Lease, cancel = st.Claim(ctx, now, buildLimit)
		defer cancel()
		due = st.LeaseUntil.Add(service.RetryWindow)
	}
	err = s.AppendNew(ctx, "record export", service.AuditRecord{ID: service.NewID(now), At: now, Region: rec.Region, Actor: rec.CreatedBy, Action: "export.requested",
		Target: map[string]any{"exportId": rec.ID, "financialYear": rec.FinancialYear, "format": rec.Format}, RequestID: logx.RequestID(ctx)},
		store.PutOp(store.Item{PK: exportPK(rec.ID), SK: "EXPORT", Version: 1, Data: service.Encode(st)}, store.IfNotExists()),
		store.PutOp(store.Item{PK: service.RegionPK(rec.Region), SK: exportIndexSK(rec.ID), Version: 1, Data: service.Encode(exportIndex{ID: rec.ID})}, store.IfNotExists()),
		service.ListWork(workItem(rec.ID, due)))
	if err != nil {
		return nil, err
	}
	if !s.queueExports {
		return s.build(ctx, work, st, 1, false)
	}
	if err := blob.PutBytes(ctx, s.exports, exportJobKey(rec.ID), []byte(rec.ID), "text/plain"); err != nil {
		settle, done := service.Settle(ctx)
		defer done()
		if ferr := ignoreChanged(s.failExport(settle, st, 1, i18n.NewMessage("export.failure.not-queued", nil))); ferr != nil {
			s.Log.WarnContext(ctx, "record unqueued export", "export", rec.ID, "error", ferr) // the sweeper finishes it
		}
		return nil, service.StoreErr(err, "queue export")
	}
	return &rec, nil
}

// exportRequest checks {region, financialYear, format, labels}: the region
// must be the token's own unless the token is government's ("*"). The
// export is in the request's language, lang.
func (s *Service) exportRequest(p *auth.Principal, body []byte, lang i18n.Lang) (ExportRecord, error) {
	var form submission.ExportRequest
	if err := submission.DecodeCommand(body, &form); err != nil {
		return ExportRecord{}, err
	}
	rec := ExportRecord{Region: form.Region.String(), FinancialYear: *form.FinancialYear, Format: *form.Format, Lang: string(lang),
		Labels: withLabels(*form.Format, lang, form.Labels), AsOfSequence: form.AsOfSequence}
	if !p.InRegion(rec.Region) {
		return rec, service.Forbidden()
	}
	if _, ok := s.Regions.Get(rec.Region); !ok {
		return rec, apperr.Validation([]apperr.FieldError{apperr.Field(submission.RuleRegionUnknown.Code, "not-found.region", map[string]any{"Value": strconv.Quote(rec.Region)}).AtPointer("/region")})
	}
	return rec, nil
}

// withLabels is whether an export has labels: as asked, or, when not
// asked, only a workbook in Welsh, whose readers need them (a workbook in
// English stays as it always was: its names are English). JSON has no
// header row to label.
func withLabels(format string, lang i18n.Lang, asked *bool) bool {
	switch {
	case format == string(export.JSON):
		return false
	case asked != nil:
		return *asked
	}
	return format == string(export.XLSX) && lang != i18n.English
}

// GetExport reads an export of the caller's region (government: any), with
// download URLs once it is ready. Another region's export is not found.
func (s *Service) GetExport(ctx context.Context, p *auth.Principal, id string) (*ExportRecord, []Download, error) {
	rec, err := s.readExport(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	downloads, err := s.downloads(ctx, rec)
	return rec, downloads, err
}

// readExport is an export the caller may read (exports:read, its region's
// or, government, any): another region's is not found.
func (s *Service) readExport(ctx context.Context, p *auth.Principal, id string) (*ExportRecord, error) {
	if !p.Has(auth.ExportsRead) {
		return nil, service.Forbidden()
	}
	st, _, err := s.exportRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	rec := st.ExportRecord
	if !p.InRegion(rec.Region) {
		return nil, exportNotFound(id)
	}
	return &rec, nil
}

// exportIndex lists an export in its region's partition, by id (a ULID:
// the newest sorts last), so that a region's exports can be listed.
type exportIndex struct {
	ID string `json:"exportId"`
}

// ListExports lists the exports of a region the caller may read (as
// GetExport reads each), newest first, a page at a time. Exports recorded
// before the region's list was kept are not in it.
func (s *Service) ListExports(ctx context.Context, p *auth.Principal, regionID string, pg service.PageRequest) ([]ExportRecord, string, error) {
	if !p.Has(auth.ExportsRead) || !p.InRegion(regionID) {
		return nil, "", service.Forbidden()
	}
	if _, ok := s.Regions.Get(regionID); !ok {
		return nil, "", service.Forbidden()
	}
	binding := service.CursorBinding(p, "exports", regionID)
	after, err := s.DecodeCursor(binding, pg.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := store.Query{PK: service.RegionPK(regionID), Prefix: exportIndexSK(""), Reverse: true, After: after, Limit: pg.Limit + 1}
	var items []store.Item
	for len(items) <= pg.Limit {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return nil, "", service.StoreErr(err, "list exports")
		}
		items = append(items, page.Items...)
		if page.Next == "" {
			break
		}
		q.After, q.Limit = page.Next, pg.Limit+1-len(items)
	}
	next := ""
	if len(items) > pg.Limit {
		items = items[:pg.Limit]
		next = s.EncodeCursor(binding, items[pg.Limit-1].SK)
	}
	out := make([]ExportRecord, 0, len(items))
	for _, it := range items {
		ix, err := service.Decode[exportIndex](it)
		if err != nil {
			return nil, "", service.StoreErr(err, "decode export index")
		}
		st, _, err := s.exportRecord(ctx, ix.ID)
		if err != nil {
			return nil, "", err
		}
		out = append(out, st.ExportRecord)
	}
	return out, next, nil
}

// File is one file of an export, open for reading: what its presigned
// download URL gives.
type File struct {
	export.FileInfo
	Body   io.ReadCloser
	Export *ExportRecord
}

// ExportFile opens one file of an export the caller may read (as GetExport
// reads it): what its presigned download URL gives, for a reader that
// streams it itself (the pages, through the person's session). A name the
// export does not have is not found.
func (s *Service) ExportFile(ctx context.Context, p *auth.Principal, id, name string) (*File, error) {
	rec, err := s.readExport(ctx, p, id)
	if err != nil {
		return nil, err
	}
	files, err := exportFiles(rec)
	if err != nil {
		return nil, err
	}
	at := slices.IndexFunc(files, func(f export.FileInfo) bool { return f.Name == name })
	if at < 0 {
		return nil, apperr.Localized(apperr.NotFound, "not-found.export-file", map[string]any{"Export": id, "Name": strconv.Quote(name)})
	}
	body, err := s.exports.Get(ctx, exportBlob(rec.ID, name))
	if err != nil {
		return nil, service.StoreErr(err, "read export file")
	}
	return &File{FileInfo: files[at], Body: body, Export: rec}, nil
}

// ExportDownloads presigns an export's files (for the answer to its creation).
func (s *Service) ExportDownloads(ctx context.Context, rec *ExportRecord) ([]Download, error) {
	return s.downloads(ctx, rec)
}

// downloads presigns the manifest, its signature (when it has one) and
// every file of a built export.
func (s *Service) downloads(ctx context.Context, rec *ExportRecord) ([]Download, error) {
	files, err := exportFiles(rec)
	if err != nil {
		return nil, err
	}
	downloads := make([]Download, 0, len(files))
	for _, f := range files {
		pre, err := s.exports.PresignGet(ctx, exportBlob(rec.ID, f.Name), DownloadURLLifetime)
		if err != nil {
			return nil, service.StoreErr(err, "presign download")
		}
		downloads = append(downloads, Download{FileInfo: f, URL: pre.URL, ExpiresAt: pre.ExpiresAt.UTC()})
	}
	return downloads, nil
}

// exportFiles are the files of a built export a reader may download: the
// manifest, its signature (when it has one) and every file it lists.
func exportFiles(rec *ExportRecord) ([]export.FileInfo, error) {
	if rec.Manifest == nil {
		return nil, nil
	}
	manifest, err := export.ManifestBytes(*rec.Manifest)
	if err != nil {
		return nil, err
	}
	files := append([]export.FileInfo{describe(export.ManifestFile, "application/json", manifest)}, rec.Manifest.Files...)
	if rec.ManifestJWS != "" {
		files = slices.Insert(files, 1, describe(export.SignatureFile, export.SignatureContentType, []byte(rec.ManifestJWS)))
	}
	return files, nil
}

// describe is a file of an export held in memory, as a download lists it.
func describe(name, contentType string, b []byte) export.FileInfo {
	return export.FileInfo{Name: name, ContentType: contentType, Bytes: int64(len(b)), SHA256: submission.SHA256Hex(b)}
}

// buildExport reads the export's snapshot, then writes every table into a
// scratch folder and stores the files, the manifest and its signature. The
// as-at point is the snapshot's, so no file carries the clock: the same
// data gives the same bytes (the signature alone differs, ECDSA being
// randomised; what it signs does not).
func (s *Service) buildExport(ctx context.Context, rec ExportRecord) (*export.Manifest, string, error) {
	reg, _ := s.Regions.Get(rec.Region)
	year, _ := period.ParseFinancialYear(rec.FinancialYear)
	format, _ := export.ParseFormat(rec.Format)
	x, err := s.takeSnapshot(ctx, reg, year, rec.AsOfSequence)
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "rdx-export-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	lang := i18n.Lang(cmp.Or(rec.Lang, string(i18n.English)))
	opts := []export.Option{export.AsAt(x.asAt)}
	if rec.Labels {
		opts = append(opts, export.Labels())
	}
	w, err := export.NewWriter(format, dir, opts...)
	if err != nil {
		return nil, "", err
	}
	var label labeller
	if rec.Labels {
		label = labelsIn(lang)
	}
	count, err := x.writeTables(ctx, w, label)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, "", fmt.Errorf("write export: %w", err)
	}
	files, err := export.Files(dir)
	if err != nil {
		return nil, "", err
	}
	m := &export.Manifest{Region: reg.ID, FinancialYear: year.String(), Format: string(format), AsAt: x.asAt.Format(time.RFC3339Nano), AsOfSequence: &x.seq,
		Generator: export.Generator, Files: files, Versions: []export.VersionRef{}, VersionsFile: versionsFileName(format), VersionCount: count,
		Lang: string(lang), Labels: rec.Labels}
	if rec.Labels && format == export.XLSX {
		m.VersionsSheet = label.table(versionsTable)
	}
	jws, err := s.storeExport(ctx, rec.ID, dir, m)
	return m, jws, err
}

func versionsFileName(f export.Format) string {
	if f == export.XLSX {
		return export.XLSXFile
	}
	return "versions." + string(f)
}

// storeExport puts each file, the manifest and its signature into the
// exports store, and returns the signature. The files' hashes are known
// before any is stored, so the manifest is signed while they are stored
// (KMS's round trip is not added to the build's); the signature is stored
// last, once made.
func (s *Service) storeExport(ctx context.Context, id, dir string, m *export.Manifest) (string, error) {
	manifest, err := export.ManifestBytes(*m)
	if err != nil {
		return "", err
	}
	var jws string
	var signErr error
	var signing sync.WaitGroup
	signCtx, stopSigning := context.WithCancel(ctx)
	defer stopSigning()
	signing.Go(func() { jws, signErr = receipt.Sign(signCtx, s.Receipts, receipt.TypeManifest, manifest) })
	err = s.storeFiles(ctx, id, dir, m.Files, manifest)
	if err != nil {
		stopSigning() // the build has failed; its signature is not wanted
	}
	signing.Wait()
	if err != nil {
		return "", err
	}
	if signErr != nil {
		return "", service.StoreErr(signErr, "sign manifest")
	}
	err = blob.PutBytes(ctx, s.exports, exportBlob(id, export.SignatureFile), []byte(jws), export.SignatureContentType)
	return jws, service.StoreErr(err, "store manifest signature")
}

// storeFiles puts each file, then the manifest.
func (s *Service) storeFiles(ctx context.Context, id, dir string, files []export.FileInfo, manifest []byte) error {
	for _, f := range files {
		if err := putFile(ctx, s.exports, exportBlob(id, f.Name), filepath.Join(dir, f.Name), f); err != nil {
			return err
		}
	}
	return service.StoreErr(blob.PutBytes(ctx, s.exports, exportBlob(id, export.ManifestFile), manifest, "application/json"), "store manifest")
}

func putFile(ctx context.Context, b blob.Store, key, path string, f export.FileInfo) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	sum, _ := hexDecode(f.SHA256)
	return service.StoreErr(b.Put(ctx, key, file, f.Bytes, blob.PutOptions{ContentType: f.ContentType, SHA256: sum}), "store export file")
}
