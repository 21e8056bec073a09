package submission

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// MaxFindings caps how many problems one answer lists: enough for any real
// submission, bounded for a hostile one.
const MaxFindings = 1000

// Finding is one rule that fired, at a place in the body (Pointer) or the
// path (Parameter).
type Finding struct {
	Rule      *Rule
	Pointer   string
	Parameter string
	Message   string
	// ID, when set, is Message's id in the catalogues and Data its values,
	// so that a problem shows it in the request's language.
	ID   string
	Data map[string]any
}

// Warning is a finding of a warning rule as it is stored and, through In,
// returned.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Pointer string `json:"pointer,omitempty"`
	// Text is Message as the catalogue's id and values, kept so that each
	// reader sees the warning in their own language. A warning stored
	// before it has its English Message only.
	Text *i18n.Message `json:"text,omitempty"`
}

// In is the warning as a reader in lang is shown it: its message in lang
// (for a warning stored in English only, its rule's message), without the
// stored Text.
func (w Warning) In(lang i18n.Lang) Warning {
	switch {
	case w.Text != nil:
		w.Message = w.Text.In(lang)
	case lang != i18n.English:
		w.Message = i18n.Text(lang, "rule."+w.Code, nil)
	}
	w.Text = nil
	return w
}

// WarningsIn is each of ws as a reader in lang is shown it; never nil.
func WarningsIn(ws []Warning, lang i18n.Lang) []Warning {
	out := make([]Warning, len(ws))
	for i, w := range ws {
		out[i] = w.In(lang)
	}
	return out
}

// Context is what validation needs beyond the body: who is submitting and
// what the store knows.
type Context struct {
	Region  *region.Region
	Partner *region.Partner
	Key     Key
	// BadParams names key parameters the path got wrong: the body is not
	// compared with them.
	BadParams map[string]bool
	// PreviousReturn gives the summary of the partner's current return for
	// the quarter before Key.Quarter, or nil when there is none.
	PreviousReturn func(ctx context.Context) (*Summary, error)
	// DocumentAccepted reports whether uploadID is an accepted
	// market-position-document upload of this partner.
	DocumentAccepted func(ctx context.Context, uploadID string) (bool, error)
}

// Result is a validated submission.
type Result struct {
	// Document is the normalised document; Canonical its RFC 8785 bytes and
	// SHA256 their hex digest. Only set when there are no errors.
	Document  map[string]any
	Canonical []byte
	SHA256    string
	Errors    []Finding
	Warnings  []Finding
}

// WarningList is the result's warnings as stored and returned.
func (r *Result) WarningList() []Warning {
	out := make([]Warning, 0, len(r.Warnings))
	for _, f := range r.Warnings {
		w := Warning{Code: f.Rule.Code, Message: f.Message, Pointer: f.Pointer}
		if f.ID != "" {
			w.Text = i18n.NewMessage(f.ID, f.Data)
		}
		out = append(out, w)
	}
	return out
}

// Validate decodes and checks a body of the key's kind. A body that is not
// JSON is an apperr.Malformed error; rule failures are in Result.Errors.
func Validate(ctx context.Context, vc *Context, body []byte) (*Result, error) {
	raw, problems, err := jsonx.Decode(body)
	if err != nil {
		return nil, Malformed(err)
	}
	c := &checker{vc: vc, ctx: ctx}
	c.decodeProblems(problems)
	spec := specs()[vc.Key.Kind]
	doc, _ := spec.schema.norm(c, "", raw).(map[string]any)
	if doc != nil {
		for _, x := range spec.checks {
			if err := x.run(c, doc); err != nil {
				return nil, err
			}
		}
	}
	res := &Result{Errors: c.errors, Warnings: c.warnings}
	if len(c.errors) == 0 {
		res.Document = doc
		if res.Canonical, err = jsonx.Canonical(doc); err != nil {
			return nil, err
		}
		res.SHA256 = SHA256Hex(res.Canonical)
	}
	return res, nil
}

// SHA256Hex is the lower-case hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checker collects findings while a body is walked.
type checker struct {
	vc       *Context
	ctx      context.Context
	errors   []Finding
	warnings []Finding
}

// reportIn reports a finding whose message is the catalogue's id with data
// filled in (English here; the problem renders it in the request's language).
func (c *checker) reportIn(r *Rule, ptr, id string, data map[string]any) {
	c.add(findingIn(r, ptr, "", id, data))
}

// findingIn is a finding at ptr or param whose message is the catalogue's id
// with data filled in.
func findingIn(r *Rule, ptr, param, id string, data map[string]any) Finding {
	return Finding{Rule: r, Pointer: ptr, Parameter: param, Message: i18n.Text(i18n.English, id, data), ID: id, Data: data}
}

func (c *checker) add(f Finding) {
	r := f.Rule
	if r.Severity == SevWarning {
		if len(c.warnings) < MaxFindings {
			c.warnings = append(c.warnings, f)
		}
		return
	}
	if len(c.errors) < MaxFindings {
		c.errors = append(c.errors, f)
	}
}

// decodeProblems reports what the decoder refused in a well-formed body.
func (c *checker) decodeProblems(problems []jsonx.Problem) {
	for _, p := range problems {
		c.add(decodeFinding(nil, p))
	}
}

// failed reports whether an error was already reported at ptr.
func (c *checker) failed(ptr string) bool {
	for _, f := range c.errors {
		if f.Pointer == ptr {
			return true
		}
	}
	return false
}

func (c *checker) wrongType(ptr, want string, v any) {
	c.reportIn(ruleWrongType, ptr, "finding.wrong-type", map[string]any{"Want": typeTerm(want), "Got": typeTerm(jsonx.TypeName(v))})
}

// keyValue is a key field's value from the path, in normalised form.
func (c *checker) keyValue(name string) any {
	k := c.vc.Key
	switch name {
	case "areaCode":
		return k.AreaCode
	case "assessmentYear":
		return int64(k.AssessmentYear)
	case "fundId":
		return k.FundID
	case "financialYear":
		return k.FinancialYear.String()
	case "quarter":
		return k.Quarter.String()
	}
	panic("unknown key field " + name)
}

// FieldErrors turns findings into the problem's errors.
func FieldErrors(fs []Finding) []apperr.FieldError {
	out := make([]apperr.FieldError, 0, len(fs))
	for _, f := range fs {
		out = append(out, apperr.FieldError{Code: f.Rule.Code, Message: f.Message, Pointer: f.Pointer, Parameter: f.Parameter,
			MessageID: f.ID, MessageData: f.Data, FallbackID: f.Rule.MessageID()})
	}
	return out
}

// Malformed is the 400 of a body that is not one JSON value: why, in the
// caller's language.
func Malformed(err error) error {
	var se *jsonx.SyntaxError
	if errors.As(err, &se) {
		return apperr.Localized(apperr.Malformed, se.ID, se.Data).Because(err)
	}
	return apperr.Localized(apperr.Malformed, "body.malformed", nil).Because(err)
}
