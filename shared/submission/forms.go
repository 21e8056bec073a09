package submission

import (
	"context"
	"strconv"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// Form is a small request body beside the submissions (a sign-off, a
// consent, an unlock reason), checked by the same rules and codes.
type Form struct{ schema object }

var (
	signatory = text{min: 1, max: 200}
	// SignOffForm is {signatory, role}.
	SignOffForm = Form{object{[]field{req("signatory", signatory), req("role", signatory)}}}
	// ConsentForm is {signatory, role, reference}.
	ConsentForm = Form{object{[]field{req("signatory", signatory), req("role", signatory), req("reference", signatory)}}}
	// UnlockForm is {reason}.
	UnlockForm = Form{object{[]field{req("reason", text{min: 1, max: 1000})}}}
	// ExportForm requests an export: {region, financialYear, format}.
	ExportForm = Form{object{[]field{req("region", idText), req("financialYear", financialYearType),
		req("format", enum{ruleExportFormat, []string{"csv", "xlsx", "json"}})}}}
	// UploadForm starts an upload: {purpose, the purpose's key fields, sizeBytes, sha256}.
	UploadForm = Form{object{[]field{
		req("purpose", enum{ruleUploadPurpose, []string{"population-assessment-csv", "quarterly-return-csv", "market-position-document"}}),
		opt("areaCode", idText), opt("assessmentYear", assessmentYearType{}), opt("fundId", idText),
		opt("quarter", idText), opt("financialYear", idText),
		req("sizeBytes", countType{}), req("sha256", text{min: 1, max: 64}),
	}}}
)

// Values are a validated form's fields.
type Values map[string]any

// Text is a field as text ("" when absent).
func (v Values) Text(name string) string {
	switch x := v[name].(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

// Int is a whole-number field (0 when absent).
func (v Values) Int(name string) int64 { i, _ := v[name].(int64); return i }

// Validate decodes a form: malformed JSON is an apperr.Malformed error, rule
// failures are a 422 naming every field; the result holds the trimmed texts.
func (f Form) Validate(body []byte) (Values, error) {
	raw, problems, err := jsonx.Decode(body)
	if err != nil {
		return nil, apperr.Wrap(apperr.Malformed, err, err.Error())
	}
	c := &checker{vc: &Context{}, ctx: context.Background()}
	c.decodeProblems(problems)
	doc, _ := f.schema.norm(c, "", raw).(map[string]any)
	if len(c.errors) > 0 {
		return nil, apperr.Validation(FieldErrors(c.errors))
	}
	return Values(doc), nil
}
