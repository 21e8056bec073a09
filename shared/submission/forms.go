package submission

import (
	"context"

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
)

// Validate decodes a form: malformed JSON is an apperr.Malformed error, rule
// failures are a 422 naming every field; the result holds the trimmed texts.
func (f Form) Validate(body []byte) (map[string]string, error) {
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
	out := map[string]string{}
	for k, v := range doc {
		out[k], _ = v.(string)
	}
	return out, nil
}
