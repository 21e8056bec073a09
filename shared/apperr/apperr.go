// Package apperr is the product's one error type: a code that says what kind
// of failure it is (and so which HTTP status it becomes), a message safe to
// show the caller, and the field errors behind a rejection. Every message is
// the catalogue's (shared/i18n), by id with its values, so that a problem is
// shown in the caller's language: there is no constructor that takes words.
package apperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/regional-data-exchange/rdx/shared/i18n"
)

// Code classifies an error.
type Code string

// The codes; httpapi maps each to one status.
const (
	Malformed        Code = "malformed"              // 400
	Unauthenticated  Code = "unauthenticated"        // 401
	Forbidden        Code = "forbidden"              // 403
	NotFound         Code = "not-found"              // 404
	MethodNotAllowed Code = "method-not-allowed"     // 405
	Conflict         Code = "conflict"               // 409
	Locked           Code = "locked"                 // 409
	Gone             Code = "gone"                   // 410
	PreconditionFail Code = "precondition-failed"    // 412
	TooLarge         Code = "too-large"              // 413
	UnsupportedMedia Code = "unsupported-media-type" // 415
	Invalid          Code = "validation"             // 422
	Unavailable      Code = "unavailable"            // 503
	Internal         Code = "internal"               // 500
)

// FieldError names one failing input: exactly one of Pointer (a JSON Pointer
// into the body), Parameter (a path or query parameter) or Header.
type FieldError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Header    string `json:"header,omitempty"`
	// MessageID, when set, is Message's id in the catalogue (shared/i18n) and
	// MessageData its values: a problem shows it in the request's language.
	MessageID   string         `json:"-"`
	MessageData map[string]any `json:"-"`
	// FallbackID, for a Message written in English only, is the catalogue's
	// general text of the rule, shown in any other language.
	FallbackID string `json:"-"`
}

// In is the field error with its message in lang; code and place stay.
func (f FieldError) In(lang i18n.Lang) FieldError {
	switch {
	case f.MessageID != "":
		f.Message = i18n.Text(lang, f.MessageID, f.MessageData)
	case f.FallbackID != "" && lang != i18n.English:
		f.Message = i18n.Text(lang, f.FallbackID, nil)
	}
	return f
}

// Field is a field error of code whose message is the catalogue's id with
// data filled in; the caller names its place (AtPointer, AtParameter,
// AtHeader).
func Field(code, id string, data map[string]any) FieldError {
	return FieldError{Code: code}.Localize(id, data)
}

// AtPointer is the field error about a place in the body.
func (f FieldError) AtPointer(ptr string) FieldError { f.Pointer = ptr; return f }

// AtHeader is the field error about a header.
func (f FieldError) AtHeader(name string) FieldError { f.Header = name; return f }

// AtParameter is the field error about a path or query parameter.
func (f FieldError) AtParameter(name string) FieldError { f.Parameter = name; return f }

// Localize gives the field error the catalogue's message id with data filled
// in: English now, the request's language in the problem.
func (f FieldError) Localize(id string, data map[string]any) FieldError {
	f.MessageID, f.MessageData = id, data
	f.Message = i18n.Text(i18n.English, id, data)
	return f
}

// MarshalJSON always names a place: a field error with neither parameter nor
// header is about the body, and its pointer "" means the whole body.
func (f FieldError) MarshalJSON() ([]byte, error) {
	type plain FieldError
	if f.Parameter != "" || f.Header != "" || f.Pointer != "" {
		return json.Marshal(plain(f))
	}
	return json.Marshal(struct {
		plain
		Pointer string `json:"pointer"`
	}{plain(f), ""})
}

// Lock describes the lock behind a Locked error.
type Lock struct {
	Period   string    `json:"period"`
	LockedAt time.Time `json:"lockedAt"`
	LockedBy string    `json:"lockedBy"`
}

// Error is the product's error.
type Error struct {
	Code   Code
	Title  string // short, fixed per problem type
	Detail string // safe to show the caller
	Fields []FieldError
	Lock   *Lock
	// RetryAfter, for Unavailable, is how long the caller should wait.
	RetryAfter time.Duration
	// Allow, for MethodNotAllowed, lists the methods the route accepts.
	Allow []string
	// Err is the cause, logged but never shown.
	Err error
	// DetailID, when set, is Detail's message in the catalogue (shared/i18n),
	// with DetailData its values: the problem shows it in the request's language.
	DetailID   string
	DetailData map[string]any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Localized builds an error whose detail is the catalogue's message id with
// data filled in: English in logs, the request's language in the problem.
func Localized(code Code, id string, data map[string]any) *Error {
	return (&Error{Code: code}).Saying(id, data)
}

// Saying gives the error the catalogue's message id, with data filled in,
// as its detail.
func (e *Error) Saying(id string, data map[string]any) *Error {
	e.Detail, e.DetailID, e.DetailData = i18n.Text(i18n.English, id, data), id, data
	return e
}

// DetailIn is the error's detail in lang.
func (e *Error) DetailIn(lang i18n.Lang) string {
	if e.DetailID == "" {
		return e.Detail
	}
	return i18n.Text(lang, e.DetailID, e.DetailData)
}

// WithFields adds field errors.
func (e *Error) WithFields(fs ...FieldError) *Error {
	e.Fields = append(e.Fields, fs...)
	return e
}

// Validation is a 422 naming every failing field.
func Validation(fs []FieldError) *Error {
	e := Localized(Invalid, "problem.validation.detail", map[string]any{"Count": len(fs)})
	e.Fields = fs
	return e
}

// CodeOf returns err's code; an uncoded error is Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as an *Error, wrapping an uncoded error as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	e = Localized(Internal, "problem.internal.detail", nil)
	e.Err = err
	return e
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Because keeps err as the error's hidden cause.
func (e *Error) Because(err error) *Error {
	e.Err = err
	return e
}
