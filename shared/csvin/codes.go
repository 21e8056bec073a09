package csvin

// Code is a rejection code with its general meaning, as the service
// publishes it; each CellError's message is the specific case.
type Code struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

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
	{codeEmpty, "The file is empty: it needs a header row and data rows."},
	{codeUTF16, "The file is UTF-16 text: save it as CSV UTF-8."},
	{codeEncoding, "A cell is not valid UTF-8: save the file as CSV UTF-8."},
	{codeTooLarge, "The file is larger than the upload limit."},
	{codeMalformed, "The file is not valid CSV (RFC 4180): a quote is misplaced or never closed."},
	{codeRaggedRow, "The row has a different number of cells from the header row."},
	{codeHeader, "The header row must name each documented column exactly once, and no other."},
	{codeTooManyRows, "The file has more data rows than the limit; reading stopped there."},
	{codeCellTooLong, "The cell is longer than the limit."},
	{codeFormula, "A text cell starts, after any white space, with =, +, -, @, a tab or a carriage return, which a spreadsheet would run as a formula."},
	{codeUnknownRecord, "The record column holds a value this form does not know."},
	{codeCellRequired, "The record type of the row needs this cell filled."},
	{codeCellNotAllowed, "The record type of the row does not use this cell: leave it empty."},
	{codeNotANumber, "The cell must be a whole number: digits only, no decimals or exponent."},
	{codeFinalValue, "A final row's value must be true."},
	{codeYesNo, "An assurance row's value is yes or no (or TRUE or FALSE, as a spreadsheet writes them)."},
	{codeUnknownActivity, "An activity row's code is not one of the four activity codes."},
	{codeDuplicate, "The record (or activity code) may appear only once in a file."},
	{codeMissingRecord, "A record the form requires (or one of the four activity codes) is missing."},
	{codeTooManyErrors, "The file has so many problems that reading stopped; fix those listed and send it again."},
}

// errorList collects problems in file order.
type errorList struct{ list []CellError }

func (e *errorList) add(row int, column, code, msg string) {
	e.list = append(e.list, CellError{Row: row, Column: column, Code: code, Message: msg})
}
