package submission

import (
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/go-playground/validator/v10/non-standard/validators"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/valid"
)

// Command bodies are the small JSON bodies beside the submissions: a
// sign-off, a consent, an unlock reason, an export request, an upload's
// start. Unlike the four kinds they are plain structs: encoding/json decodes
// them and validator/v10 checks their tags, each tag a rule of the catalogue
// (tagRules), so they answer with the same codes as the submissions.
//
// A required field is a pointer: absent (or null) is field.required, while
// present but blank is text.empty, as for the submissions.

// SignOff is the body of a quarterly return's sign-off.
type SignOff struct {
	Signatory *Text `json:"signatory" validate:"required,notblank,max=200,nocontrol"`
	Role      *Text `json:"role" validate:"required,notblank,max=200,nocontrol"`
}

// Consent is the body of a partner's consent to pool underspends.
type Consent struct {
	Signatory *Text `json:"signatory" validate:"required,notblank,max=200,nocontrol"`
	Role      *Text `json:"role" validate:"required,notblank,max=200,nocontrol"`
	Reference *Text `json:"reference" validate:"required,notblank,max=200,nocontrol"`
}

// Unlock is the body of a period's unlock.
type Unlock struct {
	Reason *Text `json:"reason" validate:"required,notblank,max=1000,nocontrol"`
}

// ExportRequest asks for an export of a region's financial year.
type ExportRequest struct {
	Region        *Text   `json:"region" validate:"required,notblank,max=100,nocontrol"`
	FinancialYear *string `json:"financialYear" validate:"required,financial-year"`
	Format        *string `json:"format" validate:"required,export-format"`
	// Labels asks for a row of column labels in the export's language under
	// each header (CSV, XLSX); absent, a workbook in Welsh has them and
	// every other export has none.
	Labels *bool `json:"labels" validate:"omitnil"`
	// AsOfSequence asks for the region's data as it stood after that event
	// of its changes feed; absent, as it stands.
	AsOfSequence *int64 `json:"asOfSequence" validate:"omitnil,count"`
}

// UploadStart starts an upload: the purpose, its key fields (which ones
// depend on the purpose, checked by the service), the file's size and SHA-256.
type UploadStart struct {
	Purpose        *string `json:"purpose" validate:"required,upload-purpose"`
	AreaCode       *Text   `json:"areaCode" validate:"omitnil,notblank,max=100,nocontrol"`
	AssessmentYear *int64  `json:"assessmentYear" validate:"omitnil,assessment-year"`
	FundID         *Text   `json:"fundId" validate:"omitnil,notblank,max=100,nocontrol"`
	Quarter        *Text   `json:"quarter" validate:"omitnil,notblank,max=100,nocontrol"`
	FinancialYear  *Text   `json:"financialYear" validate:"omitnil,notblank,max=100,nocontrol"`
	SizeBytes      *int64  `json:"sizeBytes" validate:"required,count"`
	SHA256         *Text   `json:"sha256" validate:"required,notblank,max=64,nocontrol,sha256"`
}

// KeyValues are the body's values of kind's key fields, written as the
// path would give them ("" for one left out).
func (u *UploadStart) KeyValues(kind Kind) [2]string {
	var out [2]string
	for i, name := range kind.KeyParams() {
		switch name {
		case "areaCode":
			out[i] = u.AreaCode.String()
		case "assessmentYear":
			if u.AssessmentYear != nil {
				out[i] = strconv.FormatInt(*u.AssessmentYear, 10)
			}
		case "fundId":
			out[i] = u.FundID.String()
		case "quarter":
			out[i] = u.Quarter.String()
		case "financialYear":
			out[i] = u.FinancialYear.String()
		}
	}
	return out
}

// Text is a text field as it is kept: trimmed, and with the line endings of
// Windows systems read as newlines (not control characters).
type Text string

// UnmarshalText reads a JSON string; any other JSON type is a type error.
func (t *Text) UnmarshalText(b []byte) error {
	*t = Text(strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n")))
	return nil
}

// String is the text ("" for a field left out).
func (t *Text) String() string {
	if t == nil {
		return ""
	}
	return string(*t)
}

// DecodeCommand decodes and checks a command body into v, a pointer to one
// of the command structs. A body that is not one JSON value is
// apperr.Malformed (400); anything else wrong is a 422 naming every failing
// field: repeated and unknown fields, the first value of the wrong type
// (encoding/json stops at it) and every rule the other fields break.
func DecodeCommand(body []byte, v any) error {
	problems, err := jsonx.Unmarshal(body, v)
	if err != nil {
		return Malformed(err)
	}
	var findings []Finding
	for _, p := range problems {
		findings = append(findings, decodeFinding(reflect.TypeOf(v), p))
	}
	var ves validator.ValidationErrors
	if err := commandRules().Struct(v); errors.As(err, &ves) {
		for _, fe := range ves {
			ptr := valid.Pointer(fe)
			// A field encoding/json could not read is reported once, as that.
			if !under(ptr, problems) {
				findings = append(findings, tagFinding(fe, ptr))
			}
		}
	} else if err != nil {
		return err
	}
	if len(findings) > 0 {
		return apperr.Validation(FieldErrors(findings))
	}
	return nil
}

// under reports whether ptr is at or inside a value the decoder refused.
func under(ptr string, problems []jsonx.Problem) bool {
	for _, p := range problems {
		if ptr == p.Pointer || strings.HasPrefix(ptr, p.Pointer+"/") {
			return true
		}
	}
	return false
}

// The tags of the command bodies beyond validator/v10's own.
const (
	tagNotBlank       = "notblank" // validator/v10's non-standard NotBlank
	tagNoControl      = "nocontrol"
	tagSHA256         = "sha256"
	tagCount          = "count"
	tagAssessmentYear = "assessment-year"
	tagExportFormat   = "export-format"
	tagUploadPurpose  = "upload-purpose"
	tagDate           = "date"
)

// tagRules maps every tag of the command bodies to its rule; a tag failing
// on a body is reported with that rule's code (TestCommandTagsHaveRules).
var tagRules = map[string]*Rule{
	"required":          ruleRequired,
	tagNotBlank:         ruleTextEmpty,
	"max":               ruleTextLong,
	tagNoControl:        ruleTextControl,
	valid.FinancialYear: ruleFinancialYear,
	tagAssessmentYear:   ruleAssessmentYear,
	tagCount:            ruleCountInvalid,
	tagExportFormat:     ruleExportFormat,
	tagUploadPurpose:    ruleUploadPurpose,
	tagSHA256:           ruleUploadSHA256,
	tagDate:             ruleDate,
}

// commandRules is the validator of command bodies, built on first use (most
// requests send none).
var commandRules = sync.OnceValue(func() *validator.Validate {
	v := valid.New()
	valid.Must(v.RegisterValidation(tagNotBlank, validators.NotBlank))
	valid.Must(v.RegisterValidation(tagNoControl, func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
	}))
	valid.Must(v.RegisterValidation(tagSHA256, func(fl validator.FieldLevel) bool {
		sum, err := hex.DecodeString(fl.Field().String())
		return err == nil && len(sum) == 32
	}))
	valid.Must(v.RegisterValidation(tagDate, func(fl validator.FieldLevel) bool {
		_, err := period.ParseDate(fl.Field().String())
		return err == nil
	}))
	v.RegisterAlias(tagCount, fmt.Sprintf("gte=0,lte=%d", maxSafeInteger))
	v.RegisterAlias(tagAssessmentYear, "gte=2000,lte=2100")
	v.RegisterAlias(tagExportFormat, "oneof="+strings.Join(exportFormats, " "))
	v.RegisterAlias(tagUploadPurpose, "oneof="+strings.Join(uploadPurposes, " "))
	return v
})

var (
	exportFormats  = []string{"csv", "xlsx", "json"}
	uploadPurposes = []string{"population-assessment-csv", "quarterly-return-csv", "pool-contribution-csv", "market-position-document"}
)

// tagFinding is a failed tag as its rule's finding, worded as the
// submissions word the same rule.
func tagFinding(fe validator.FieldError, ptr string) Finding {
	r, ok := tagRules[fe.Tag()]
	if !ok {
		panic("command body tag without a rule: " + fe.Tag())
	}
	v := fe.Value()
	switch fe.Tag() {
	case "required":
		return findingIn(r, ptr, "", "finding.required", map[string]any{"Name": ptr[strings.LastIndex(ptr, "/")+1:]})
	case tagNotBlank:
		return findingIn(r, ptr, "", ruleTextEmpty.MessageID(), nil)
	case "max":
		return findingIn(r, ptr, "", "finding.text-too-long", map[string]any{"Max": fe.Param(), "Got": utf8.RuneCountInString(fmt.Sprint(v))})
	case tagNoControl:
		return findingIn(r, ptr, "", "finding.text-control", nil)
	case valid.FinancialYear:
		return findingIn(r, ptr, "", "finding.financial-year-invalid", map[string]any{"Value": fmt.Sprintf("%q", v)})
	case tagExportFormat, tagUploadPurpose:
		return findingIn(r, ptr, "", "finding.not-one-of", map[string]any{"Value": fmt.Sprintf("%q", v), "Allowed": strings.ReplaceAll(fe.Param(), " ", ", ")})
	case tagSHA256:
		return findingIn(r, ptr, "", r.MessageID(), nil)
	case tagDate:
		return findingIn(r, ptr, "", "finding.date-invalid", map[string]any{"Value": fmt.Sprintf("%q", v)})
	default:
		return numberFinding(r, ptr, fmt.Sprint(v))
	}
}

// numberFinding is a number rule's failure at ptr.
func numberFinding(r *Rule, ptr, v string) Finding {
	if r == ruleAssessmentYear {
		return findingIn(r, ptr, "", "finding.assessment-year", map[string]any{"Value": v})
	}
	return findingIn(r, ptr, "", "finding.count-invalid", map[string]any{"Value": v, "Max": maxSafeInteger})
}

// decodeFinding is what the decoder refused, as a finding. A number the
// field cannot hold (a fraction, or too large) breaks the field's own number
// rule, as it does in the submissions.
func decodeFinding(t reflect.Type, p jsonx.Problem) Finding {
	switch p.Kind {
	case jsonx.DuplicateField:
		return findingIn(ruleDuplicateField, p.Pointer, "", "finding.duplicate-field", nil)
	case jsonx.TooDeep:
		return findingIn(ruleTooDeep, p.Pointer, "", "finding.too-deep", map[string]any{"Max": jsonx.MaxDepth})
	case jsonx.LoneSurrogate:
		return findingIn(ruleLoneSurrogate, p.Pointer, "", "finding.lone-surrogate", nil)
	case jsonx.UnknownField:
		return findingIn(ruleUnknownField, p.Pointer, "", "finding.unknown-field", map[string]any{"Name": strconv.Quote(p.Got)})
	case jsonx.BadNumber:
		if t == nil {
			break // the submissions' decoder reports no numbers (a nil type)
		}
		if r := numberRule(t, p.Pointer); r != nil {
			return numberFinding(r, p.Pointer, p.Got)
		}
	}
	return findingIn(ruleWrongType, p.Pointer, "", "finding.wrong-type", map[string]any{"Want": typeTerm(p.Want), "Got": typeTerm(p.Got)})
}

// numberRule is the rule of the number tag of the top-level field at ptr of
// the struct t points to, if it has one.
func numberRule(t reflect.Type, ptr string) *Rule {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); "/"+name != ptr {
			continue
		}
		for _, tag := range strings.Split(f.Tag.Get("validate"), ",") {
			if tag == tagCount || tag == tagAssessmentYear {
				return tagRules[tag]
			}
		}
	}
	return nil
}
