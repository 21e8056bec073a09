package receipt

import "errors"

// ReasonVersionMismatch: a receipt an export manifest lists with a version
// is the receipt of another version, partner or region, or of other
// content.
const ReasonVersionMismatch Reason = "version-mismatch"

// within says where a failed check failed: err's reason, with where before
// its detail. An error that is not a check's failure could not be checked.
func within(where string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Reason: e.Reason, Detail: where + ": " + e.Detail}
	}
	return fail(ReasonCannotCheck, "%s: %v", where, err)
}
