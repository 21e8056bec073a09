package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// MaxBodyBytes bounds a JSON body.
const MaxBodyBytes = 1 << 20

// readJSONBody reads a request body: application/json in UTF-8, at most 1 MiB.
func readJSONBody(r *http.Request) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, apperr.Localized(apperr.UnsupportedMedia, "body.media-type", nil)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, apperr.Localized(apperr.UnsupportedMedia, "body.charset", nil)
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge()
	case err != nil:
		e := apperr.Localized(apperr.Malformed, "body.unreadable", nil)
		e.Err = err
		return nil, e
	case len(body) == 0:
		return nil, apperr.Localized(apperr.Malformed, "body.empty", nil)
	}
	return body, nil
}

func tooLarge() error {
	return apperr.Localized(apperr.TooLarge, "body.too-large", map[string]any{"Max": MaxBodyBytes})
}

// checkQuery refuses query parameters the route does not take, repeats, and
// a lang that is not a language served (every route takes lang).
func checkQuery(r *http.Request, allowed []string) error {
	var fs []apperr.FieldError
	q := r.URL.Query()
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		switch {
		case name != langParam && !slices.Contains(allowed, name):
			fs = append(fs, apperr.FieldError{Code: submission.RuleUnknownParameter.Code, Parameter: name}.
				Localize("query.unknown-parameter", map[string]any{"Name": name}))
		case len(q[name]) > 1:
			fs = append(fs, apperr.FieldError{Code: submission.RuleParameterInvalid.Code, Parameter: name}.
				Localize("query.repeated", map[string]any{"Name": name}))
		case name == langParam:
			if _, ok := i18n.Negotiate("", q.Get(name)); !ok {
				fs = append(fs, apperr.FieldError{Code: submission.RuleParameterInvalid.Code, Parameter: name}.
					Localize("query.lang", map[string]any{"Value": q.Get(name)}))
			}
		}
	}
	if len(fs) > 0 {
		return apperr.Validation(fs)
	}
	return nil
}

// pageRequest reads limit and cursor.
func pageRequest(r *http.Request) (service.PageRequest, error) {
	pg := service.PageRequest{Limit: service.DefaultLimit, Cursor: r.URL.Query().Get("cursor")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > service.MaxLimit {
			return pg, submission.RuleLimitInvalid.ParamError("limit", "finding.limit-invalid", map[string]any{"Value": strconv.Quote(s), "Max": service.MaxLimit})
		}
		pg.Limit = n
	}
	return pg, nil
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, submission.RuleParameterInvalid.ParamError(name, "finding.bool-invalid", map[string]any{"Name": name, "Value": strconv.Quote(v)})
	}
}

// filters are the list filters given in the query.
func filters(r *http.Request, kind submission.Kind) map[string]string {
	out := map[string]string{}
	for _, name := range kind.FilterParams() {
		if v := r.URL.Query().Get(name); v != "" {
			out[name] = v
		}
	}
	return out
}

// yearParam reads a required financialYear query parameter.
func yearParam(v string) (period.FinancialYear, error) {
	if v == "" {
		return period.FinancialYear{}, submission.RuleParamRequired.ParamError("financialYear", "finding.financial-year-required", nil)
	}
	y, err := period.ParseFinancialYear(v)
	if err != nil {
		return y, submission.RuleFinancialYear.ParamError("financialYear", "finding.financial-year-invalid", map[string]any{"Value": strconv.Quote(v)})
	}
	return y, nil
}

// quarterParam reads an optional quarter query parameter.
func quarterParam(name, v string) (*period.Quarter, error) {
	if v == "" {
		return nil, nil
	}
	q, err := period.ParseQuarter(v)
	if err != nil {
		return nil, submission.RuleQuarter.ParamError(name, "finding.quarter-invalid", map[string]any{"Value": strconv.Quote(v)})
	}
	return &q, nil
}

// asOfParam reads an optional asOfSequence query parameter: an event
// number of the region's changes feed.
func asOfParam(v string) (*int64, error) {
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, submission.RuleParameterInvalid.ParamError(service.AsOfField, "finding.as-of-invalid", map[string]any{"Value": strconv.Quote(v)})
	}
	return &n, nil
}

// assessmentYearParam reads an optional assessmentYear query parameter.
func assessmentYearParam(v string) (*int, error) {
	if v == "" {
		return nil, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 || strconv.Itoa(y) != v {
		return nil, submission.RuleAssessmentYear.ParamError("assessmentYear", "finding.assessment-year", map[string]any{"Value": strconv.Quote(v)})
	}
	return &y, nil
}

// dayParam reads a YYYY-MM-DD query parameter.
func dayParam(param, v string) (*period.Date, error) {
	if v == "" {
		return nil, nil
	}
	d, err := period.ParseDate(v)
	if err != nil {
		return nil, submission.RuleTimeInvalid.ParamError(param, "finding.day-invalid", map[string]any{"Value": strconv.Quote(v)})
	}
	return &d, nil
}
