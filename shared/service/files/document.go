package files

import (
	"context"
	"fmt"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/blob"
	"github.com/regional-data-exchange/rdx/shared/service"
)

// Document is an accepted market position document: the file's name and
// bytes, which the API serves only as a download (an attachment the browser
// may not sniff), so that no file can be opened as a page of the service.
// Anything else (a CSV form, a document not yet accepted, or refused) is
// the same 404 as no upload.
func (s *Service) Document(ctx context.Context, p *auth.Principal, regionID, partnerID, id string) (name string, body []byte, err error) {
	rec, err := s.GetUpload(ctx, p, regionID, partnerID, id)
	if err != nil {
		return "", nil, err
	}
	if rec.Purpose != service.PurposeDocument || rec.State != service.UploadAccepted {
		return "", nil, apperr.Localized(apperr.NotFound, "not-found.document", map[string]any{"Value": strconv.Quote(id)})
	}
	body, err = blob.ReadAll(ctx, s.uploads, uploadKey(rec.Region, rec.Partner, rec.ID), MaxDocumentUpload)
	if err != nil {
		return "", nil, service.StoreErr(err, "read document")
	}
	return fmt.Sprintf("%s-market-position-%s-%s.pdf", rec.Partner, rec.KeyValues[0], rec.KeyValues[1]), body, nil
}
