package files

import (
	"context"
	"sort"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/csvin"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// everyError is a rejected file's every error at once: the cells' and the
// form's (csvin), and the data dictionary's rules on the rows that passed,
// each at its row and column, so a partner fixes the file once. Those rows
// are judged as a dry run of the same PUT a JSON submission makes; rules
// only a whole document can judge (a field the rows left out would have
// given, totals across rows) wait for the file that has them all.
func (s *Service) everyError(ctx context.Context, rec service.UploadRecord, res *csvin.Result) ([]service.UploadError, error) {
	errs := cellErrors(res.Errors)
	if res.Partial == nil {
		return errs, nil
	}
	uploader := &auth.Principal{Subject: rec.CreatedBy.Sub, Name: rec.CreatedBy.Name, Region: rec.Region, Partner: rec.Partner, Scopes: []auth.Scope{auth.SubmissionsWrite}}
	_, err := s.submissions.PutSubmission(ctx, submissions.PutRequest{Principal: uploader, Region: rec.Region, Partner: rec.Partner,
		Kind: rec.Kind, KeyValues: rec.KeyValues, Body: res.Partial, DryRun: true})
	switch {
	case err == nil:
		return errs, nil // the rows that passed break no rule
	case apperr.Is(err, apperr.Unavailable), apperr.Is(err, apperr.Internal):
		return nil, err // undecided: the event is retried
	case !apperr.Is(err, apperr.Invalid):
		return errs, nil // locked, say: the file is refused for its cells anyway
	}
	for _, f := range apperr.As(err).Fields {
		if submission.NeedsWholeDocument(f.Code) {
			continue
		}
		row, col, _ := res.Locate(f.Pointer)
		errs = append(errs, fieldUploadError(row, col, f))
	}
	// In file order; problems of the whole file (row 0) last.
	order := func(row int) int {
		if row == 0 {
			return int(^uint(0) >> 1)
		}
		return row
	}
	sort.SliceStable(errs, func(i, j int) bool { return order(errs[i].Row) < order(errs[j].Row) })
	return errs, nil
}
