package submission

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apperr"
)

var sum = strings.Repeat("ab", 32)

// A valid body decodes with its texts trimmed and Windows line endings read
// as newlines.
func TestCommandDecodes(t *testing.T) {
	var c Consent
	if err := DecodeCommand([]byte(`{"signatory":" Jane Jones ","role":"S151","reference":"RPB minute\r\n2019/14"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.Signatory.String() != "Jane Jones" || c.Role.String() != "S151" || c.Reference.String() != "RPB minute\n2019/14" {
		t.Errorf("%q %q %q", *c.Signatory, *c.Role, *c.Reference)
	}
	var u UploadStart
	if err := DecodeCommand([]byte(`{"purpose":"population-assessment-csv","areaCode":"W06000010","assessmentYear":2022,"sizeBytes":10,"sha256":"`+strings.ToUpper(sum)+`"}`), &u); err != nil {
		t.Fatal(err)
	}
	if got := u.KeyValues(PopulationAssessments); got != [2]string{"W06000010", "2022"} || *u.SizeBytes != 10 || u.FundID != nil {
		t.Errorf("%v %+v", got, u)
	}
	if got := u.KeyValues(QuarterlyReturns); got != [2]string{"", ""} {
		t.Errorf("absent key fields: %q", got)
	}
}

// Every failing field is named at once, by pointer, with the code the
// submissions use for the same rule.
func TestCommandRefusals(t *testing.T) {
	upload := func(fields string) string {
		return `{"purpose":"quarterly-return-csv","sizeBytes":10,"sha256":"` + sum + `"` + fields + `}`
	}
	cases := []struct {
		name string
		body string
		into any
		want []string // code@pointer: message
	}{
		{"missing and null", `{"role":null}`, &SignOff{}, []string{
			"field.required@/signatory: signatory is required.", "field.required@/role: role is required."}},
		{"blank and too long", `{"signatory":"  ","role":"` + strings.Repeat("é", 201) + `"}`, &SignOff{}, []string{
			"text.empty@/signatory: The text must not be empty.", "text.too-long@/role: At most 200 characters are allowed; there are 201."}},
		{"control characters", `{"reason":"late\u0007"}`, &Unlock{}, []string{
			"text.control-characters@/reason: Only newline and tab are allowed among control characters."}},
		{"every unknown field, beside the rules", `{"reason":"","colour":1,"a/b":2}`, &Unlock{}, []string{
			`body.unknown-field@/a~1b: "a/b" is not a field here.`, `body.unknown-field@/colour: "colour" is not a field here.`,
			"text.empty@/reason: The text must not be empty."}},
		{"a repeated field", `{"reason":"a","reason":"b"}`, &Unlock{}, []string{
			"body.duplicate-field@/reason: The field appears more than once; send it once."}},
		{"a wrong type is told once, beside the other fields", `{"signatory":5,"role":""}`, &SignOff{}, []string{
			"body.wrong-type@/signatory: Expected a string, got number.", "text.empty@/role: The text must not be empty."}},
		{"not an object", `["reason"]`, &Unlock{}, []string{"body.wrong-type@: Expected an object, got array."}},
		{"export year and format", `{"region":"west-wales","financialYear":"2019-2020","format":"pdf"}`, &ExportRequest{}, []string{
			`financial-year.invalid@/financialYear: "2019-2020": a financial year is YYYY-YY with the second year following the first, e.g. 2018-19.`,
			`export.format-invalid@/format: "pdf" is not one of csv, xlsx, json.`}},
		{"an enum is not trimmed", `{"region":"west-wales","financialYear":"2019-20 ","format":" csv"}`, &ExportRequest{}, []string{
			`financial-year.invalid@/financialYear: "2019-20 ": a financial year is YYYY-YY with the second year following the first, e.g. 2018-19.`,
			`export.format-invalid@/format: " csv" is not one of csv, xlsx, json.`}},
		{"purpose", `{"purpose":"photo","sizeBytes":1,"sha256":"` + sum + `"}`, &UploadStart{}, []string{
			`upload.purpose-invalid@/purpose: "photo" is not one of population-assessment-csv, quarterly-return-csv, pool-contribution-csv, market-position-document.`}},
		{"a fraction of a count", `{"purpose":"quarterly-return-csv","sizeBytes":1.5,"sha256":"` + sum + `"}`, &UploadStart{}, []string{
			"count.invalid@/sizeBytes: 1.5 is not a whole number from 0 to 9007199254740991."}},
		{"a negative count", `{"purpose":"quarterly-return-csv","sizeBytes":-1,"sha256":"` + sum + `"}`, &UploadStart{}, []string{
			"count.invalid@/sizeBytes: -1 is not a whole number from 0 to 9007199254740991."}},
		{"a count too large for every JSON reader", `{"purpose":"quarterly-return-csv","sizeBytes":9007199254740992,"sha256":"` + sum + `"}`, &UploadStart{}, []string{
			"count.invalid@/sizeBytes: 9007199254740992 is not a whole number from 0 to 9007199254740991."}},
		{"assessment year out of range", upload(`,"assessmentYear":1999`), &UploadStart{}, []string{
			"assessment-year.invalid@/assessmentYear: 1999 is not a year from 2000 to 2100."}},
		{"assessment year not whole", upload(`,"assessmentYear":2022.5`), &UploadStart{}, []string{
			"assessment-year.invalid@/assessmentYear: 2022.5 is not a year from 2000 to 2100."}},
		{"a key field given blank", upload(`,"fundId":" "`), &UploadStart{}, []string{"text.empty@/fundId: The text must not be empty."}},
		{"sha256 not hex", `{"purpose":"quarterly-return-csv","sizeBytes":1,"sha256":"` + strings.Repeat("g", 64) + `"}`, &UploadStart{}, []string{
			"upload.sha256-invalid@/sha256: sha256 is the file's SHA-256 in 64 hex digits."}},
		{"sha256 with 0x", `{"purpose":"quarterly-return-csv","sizeBytes":1,"sha256":"0x` + strings.Repeat("a", 62) + `"}`, &UploadStart{}, []string{
			"upload.sha256-invalid@/sha256: sha256 is the file's SHA-256 in 64 hex digits."}},
		{"sha256 too long", `{"purpose":"quarterly-return-csv","sizeBytes":1,"sha256":"` + sum + `0"}`, &UploadStart{}, []string{
			"text.too-long@/sha256: At most 64 characters are allowed; there are 65."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := DecodeCommand([]byte(c.body), c.into)
			e := apperr.As(err)
			if err == nil || e.Code != apperr.Invalid {
				t.Fatalf("got %v, want a validation error", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Code+"@"+f.Pointer+": "+f.Message)
			}
			slices.Sort(got)
			slices.Sort(c.want)
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

// A body that is not one JSON value is malformed (400), not invalid.
func TestCommandMalformed(t *testing.T) {
	for _, body := range []string{`{"reason":"a"`, `{"reason":"a"} {}`, "{\"reason\":\"\xff\"}", `reason`} {
		if err := DecodeCommand([]byte(body), &Unlock{}); apperr.CodeOf(err) != apperr.Malformed {
			t.Errorf("%q: %v, want malformed", body, err)
		}
	}
}

var commandBodies = []any{SignOff{}, Consent{}, Unlock{}, ExportRequest{}, UploadStart{}}

// Every tag of every command body has a rule, and every such rule is
// published in the catalogue.
func TestCommandTagsHaveRules(t *testing.T) {
	published := map[string]bool{}
	for _, e := range Catalogue() {
		published[e.Code] = true
	}
	for _, body := range commandBodies {
		typ := reflect.TypeOf(body)
		for i := range typ.NumField() {
			f := typ.Field(i)
			for _, tag := range strings.Split(f.Tag.Get("validate"), ",") {
				name, _, _ := strings.Cut(tag, "=")
				if name == "omitnil" {
					continue
				}
				r, ok := tagRules[name]
				switch {
				case !ok:
					t.Errorf("%s.%s: tag %q has no rule", typ.Name(), f.Name, name)
				case !published[r.Code]:
					t.Errorf("%s.%s: tag %q's rule %s is not in the catalogue", typ.Name(), f.Name, name, r.Code)
				}
			}
		}
	}
}
