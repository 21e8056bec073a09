package submissions

import (
	"context"
	"encoding/json"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Version is one version with its canonical document.
type Version struct {
	Record   service.VersionRecord
	Key      submission.Key
	Document json.RawMessage
}

// current reads a key's current version record.
func (s *Service) current(ctx context.Context, slice service.Slice, key submission.Key) (service.VersionRecord, bool, error) {
	it, err := s.Table.Get(ctx, service.PartnerPK(slice.Region.ID, slice.Partner.ID), service.CurrentSK(key))
	if service.IsNotFound(err) {
		return service.VersionRecord{}, false, nil
	}
	if err != nil {
		return service.VersionRecord{}, false, service.StoreErr(err, "read current version")
	}
	rec, err := service.Decode[service.VersionRecord](it)
	return rec, err == nil, service.StoreErr(err, "decode current version")
}

// withDocument reads a version's document from blobs.
func (s *Service) withDocument(ctx context.Context, rec service.VersionRecord) (*Version, error) {
	key, err := submission.KeyOf(rec.Kind, rec.KeyValues)
	if err != nil {
		return nil, service.StoreErr(err, "stored key")
	}
	doc, err := s.Document(ctx, rec.SHA256)
	if err != nil {
		return nil, service.StoreErr(err, "read document "+rec.SHA256)
	}
	return &Version{Record: rec, Key: key, Document: doc}, nil
}

// GetSubmission reads a key's current version.
func (s *Service) GetSubmission(ctx context.Context, p *auth.Principal, region, partner string, kind submission.Kind, values [2]string) (*Version, error) {
	slice, key, err := s.readKey(p, region, partner, kind, values)
	if err != nil {
		return nil, err
	}
	rec, exists, err := s.current(ctx, slice, key)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, notFound(key)
	}
	return s.withDocument(ctx, rec)
}

func notFound(key submission.Key) error {
	return apperr.Localized(apperr.NotFound, "not-found.submission", map[string]any{"Kind": string(key.Kind), "Key": key.ID()})
}

func (s *Service) readKey(p *auth.Principal, region, partner string, kind submission.Kind, values [2]string) (service.Slice, submission.Key, error) {
	slice, err := s.AuthorizeSlice(p, region, partner, service.ReadSlice)
	if err != nil {
		return service.Slice{}, submission.Key{}, err
	}
	key, findings := submission.ParseKey(kind, values, slice.Region, slice.Partner)
	if len(findings) > 0 {
		return service.Slice{}, key, apperr.Validation(submission.FieldErrors(findings))
	}
	return slice, key, nil
}

// GetVersion reads one version by number.
func (s *Service) GetVersion(ctx context.Context, p *auth.Principal, region, partner string, kind submission.Kind, values [2]string, n int) (*Version, error) {
	slice, key, err := s.readKey(p, region, partner, kind, values)
	if err != nil {
		return nil, err
	}
	return s.version(ctx, service.VersionRef{Region: slice.Region.ID, Partner: slice.Partner.ID, Kind: kind, KeyValues: key.Values(), Version: n})
}

// ReplayVersion reads the version a stored idempotent answer names, as it was
// when created.
func (s *Service) ReplayVersion(ctx context.Context, ref service.VersionRef) (*Version, error) {
	v, err := s.version(ctx, ref)
	if err == nil {
		v.Record.SignOff = nil // a new version is never signed off when it is created
	}
	return v, err
}

func (s *Service) version(ctx context.Context, ref service.VersionRef) (*Version, error) {
	key, err := submission.KeyOf(ref.Kind, ref.KeyValues)
	if err != nil {
		return nil, service.StoreErr(err, "version key")
	}
	noVersion := func() error {
		return apperr.Localized(apperr.NotFound, "not-found.version", map[string]any{"Key": key.ID(), "Version": ref.Version})
	}
	if ref.Version < 1 {
		return nil, noVersion()
	}
	it, err := s.Table.Get(ctx, service.PartnerPK(ref.Region, ref.Partner), service.VersionSK(key, ref.Version))
	if service.IsNotFound(err) {
		return nil, noVersion()
	}
	if err != nil {
		return nil, service.StoreErr(err, "read version")
	}
	rec, err := service.Decode[service.VersionRecord](it)
	if err != nil {
		return nil, service.StoreErr(err, "decode version")
	}
	return s.withDocument(ctx, rec)
}

// ListPage is one page of version records.
type ListPage struct {
	Items      []service.VersionRecord
	NextCursor string
}

// ListVersions lists a key's versions, newest first.
func (s *Service) ListVersions(ctx context.Context, p *auth.Principal, region, partner string, kind submission.Kind, values [2]string, pg service.PageRequest) (*ListPage, error) {
	slice, key, err := s.readKey(p, region, partner, kind, values)
	if err != nil {
		return nil, err
	}
	binding := service.CursorBinding(p, "versions", slice.Partner.ID, key.String())
	q := store.Query{PK: service.PartnerPK(slice.Region.ID, slice.Partner.ID), Prefix: service.VersionPrefix(key), Reverse: true}
	return s.listRecords(ctx, q, binding, pg, nil)
}

// ListCurrent lists the current version of each key of a kind, in key order.
func (s *Service) ListCurrent(ctx context.Context, p *auth.Principal, region, partner string, kind submission.Kind, filters map[string]string, pg service.PageRequest) (*ListPage, error) {
	slice, err := s.AuthorizeSlice(p, region, partner, service.ReadSlice)
	if err != nil {
		return nil, err
	}
	f, findings := submission.ParseFilter(kind, filters, slice.Region)
	if len(findings) > 0 {
		return nil, apperr.Validation(submission.FieldErrors(findings))
	}
	binding := service.CursorBinding(p, "current", slice.Partner.ID, f.Binding())
	q := store.Query{PK: service.PartnerPK(slice.Region.ID, slice.Partner.ID), Prefix: service.CurrentPrefix(kind) + f.Prefix()}
	return s.listRecords(ctx, q, binding, pg, func(r service.VersionRecord) bool { return f.Match(r.KeyValues[0], r.KeyValues[1]) })
}

// listRecords reads one page of records after the cursor, keeping those that
// match. It reads one item past the page to know whether another page exists.
func (s *Service) listRecords(ctx context.Context, q store.Query, binding string, pg service.PageRequest, keep func(service.VersionRecord) bool) (*ListPage, error) {
	after, err := s.DecodeCursor(binding, pg.Cursor)
	if err != nil {
		return nil, err
	}
	q.After, q.Limit = after, pg.Limit+1
	var items []service.VersionRecord
	var sks []string
	for len(items) <= pg.Limit {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return nil, service.StoreErr(err, "list")
		}
		for _, it := range page.Items {
			rec, err := service.Decode[service.VersionRecord](it)
			if err != nil {
				return nil, service.StoreErr(err, "decode list item")
			}
			if keep == nil || keep(rec) {
				items, sks = append(items, rec), append(sks, it.SK)
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	out := &ListPage{Items: items}
	if len(items) > pg.Limit {
		out.Items = items[:pg.Limit]
		out.NextCursor = s.EncodeCursor(binding, sks[pg.Limit-1])
	}
	return out, nil
}
