package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Purposes are the uploads' purposes, in the order a page offers them.
var Purposes = []string{service.PurposeReturnCSV, service.PurposeContribCSV, service.PurposePopulationCSV, service.PurposeDocument}

// PurposeKind is the kind of submission an upload's purpose is for.
func PurposeKind(purpose string) (submission.Kind, bool) {
	k, ok := purposeKinds[purpose]
	return k, ok
}

// PurposeFor is the purpose of an upload for a kind of submission.
func PurposeFor(k submission.Kind) (string, bool) {
	for p, pk := range purposeKinds {
		if pk == k {
			return p, true
		}
	}
	return "", false
}

// MaxUpload is the most bytes an upload of the purpose may have.
func MaxUpload(purpose string) int64 { return uploadLimit(purpose) }

// arrival is what the composition root has done with a file the pages
// stored (fileStored).
type arrival = atomic.Pointer[func(key string)]

// OnFileStored sets fn to be told the key of each file PutUploadFile
// stores, as the local blob server tells of each presigned PUT: the local
// run validates it in-process. Deployed it is not set: the file lands in
// the uploads bucket like any other, and S3's ObjectCreated event starts
// the uploads function.
func (s *Service) OnFileStored(fn func(key string)) { s.stored.Store(&fn) }

// PutUploadFile stores the file of a pending upload where its presigned
// PUT would have, bound by the same rules (the declared size and SHA-256,
// the purpose's content type, before the URL would have expired), for a
// person uploading through the pages; it is then validated as every
// upload is. Another partner's upload is the same 404 as none.
func (s *Service) PutUploadFile(ctx context.Context, p *auth.Principal, regionID, partnerID, id string, data []byte) (service.UploadRecord, error) {
	slice, err := s.AuthorizeSlice(p, regionID, partnerID, service.WriteSlice)
	if err != nil {
		return service.UploadRecord{}, err
	}
	rec, _, err := s.upload(ctx, slice.Region.ID, slice.Partner.ID, id)
	if err != nil {
		return rec, err
	}
	if rec.State != service.UploadPending || !s.Clock().Before(rec.CreatedAt.Add(UploadURLLifetime)) {
		return rec, apperr.Localized(apperr.Conflict, "conflict.upload-not-pending", nil)
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != rec.SizeBytes || hex.EncodeToString(sum[:]) != rec.SHA256 {
		return rec, apperr.Localized(apperr.Invalid, "upload.mismatch", nil)
	}
	key := uploadKey(rec.Region, rec.Partner, rec.ID)
	err = s.uploads.Put(ctx, key, bytes.NewReader(data), rec.SizeBytes, blob.PutOptions{ContentType: contentTypeOf(rec.Purpose), SHA256: sum[:]})
	if err != nil {
		return rec, service.StoreErr(err, "store upload")
	}
	if fn := s.stored.Load(); fn != nil {
		(*fn)(key)
	}
	return rec, nil
}

// UploadPage is one page of a partner's uploads.
type UploadPage struct {
	Items      []service.UploadRecord
	NextCursor string
}

// ListUploads lists a partner's uploads, newest first (their ids are
// ULIDs: in the order they were started), a page at a time.
func (s *Service) ListUploads(ctx context.Context, p *auth.Principal, regionID, partnerID string, pg service.PageRequest) (*UploadPage, error) {
	slice, err := s.AuthorizeSlice(p, regionID, partnerID, service.ReadSlice)
	if err != nil {
		return nil, err
	}
	binding := service.CursorBinding(p, "uploads", slice.Partner.ID)
	after, err := s.DecodeCursor(binding, pg.Cursor)
	if err != nil {
		return nil, err
	}
	q := store.Query{PK: service.PartnerPK(slice.Region.ID, slice.Partner.ID), Prefix: service.UploadSK(""), Reverse: true, After: after, Limit: pg.Limit + 1}
	var items []store.Item
	for len(items) <= pg.Limit {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return nil, service.StoreErr(err, "list uploads")
		}
		items = append(items, page.Items...)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	out := &UploadPage{}
	if len(items) > pg.Limit {
		items = items[:pg.Limit]
		out.NextCursor = s.EncodeCursor(binding, items[pg.Limit-1].SK)
	}
	for _, it := range items {
		rec, err := service.Decode[service.UploadRecord](it)
		if err != nil {
			return nil, service.StoreErr(err, "decode upload")
		}
		out.Items = append(out.Items, rec)
	}
	return out, nil
}
