package csvin

import "github.com/regional-data-exchange/rdx/shared/i18n"

// Code is a rejection code with its general meaning (code.<code> in the
// message catalogue), as the service publishes it; each CellError's message
// is the specific case.
type Code struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func code(c string) Code { return Code{c, i18n.Text(i18n.English, "code."+c, nil)} }

// The codes are stable, lower-case and dotted, like the rule catalogue's,
// so a partner's system can act on them without parsing English.
const (
	codeEmpty           = "csv.empty"
	codeEncoding        = "csv.encoding"
	codeUTF16           = "csv.utf16"
	codeTooLarge        = "csv.too-large"
	codeMalformed       = "csv.malformed"
	codeRaggedRow       = "csv.ragged-row"
	codeHeader          = "csv.header"
	codeTooManyRows     = "csv.too-many-rows"
	codeCellTooLong     = "csv.cell-too-long"
	codeFormula         = "csv.formula"
	codeUnknownRecord   = "csv.unknown-record"
	codeCellRequired    = "csv.cell-required"
	codeCellNotAllowed  = "csv.cell-not-allowed"
	codeNotANumber      = "csv.not-a-number"
	codeFinalValue      = "csv.final-value"
	codeYesNo           = "csv.yes-no"
	codeUnknownActivity = "csv.unknown-activity"
	codeDuplicate       = "csv.duplicate"
	codeMissingRecord   = "csv.missing-record"
	codeTooManyErrors   = "csv.too-many-errors"
)

// maxErrors bounds the list, as the validator's MaxFindings does: a file
// with more problems than this is not worth reading further.
const maxErrors = 1000

// Codes lists every code Convert can return, in the order a file is checked.
var Codes = []Code{
	code(codeEmpty), code(codeUTF16), code(codeEncoding), code(codeTooLarge), code(codeMalformed),
	code(codeRaggedRow), code(codeHeader), code(codeTooManyRows), code(codeCellTooLong), code(codeFormula),
	code(codeUnknownRecord), code(codeCellRequired), code(codeCellNotAllowed), code(codeNotANumber), code(codeFinalValue),
	code(codeYesNo), code(codeUnknownActivity), code(codeDuplicate), code(codeMissingRecord), code(codeTooManyErrors),
}

// errorList collects problems in file order.
type errorList struct{ list []CellError }

// add lists a problem whose message is the catalogue's id with data.
func (e *errorList) add(row int, column, code, id string, data map[string]any) {
	e.list = append(e.list, CellError{Row: row, Column: column, Code: code, Message: i18n.Text(i18n.English, id, data), ID: id, Data: data})
}
