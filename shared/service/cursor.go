package service

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Page limits of every list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// PageRequest is a list request's paging.
type PageRequest struct {
	Limit  int
	Cursor string
}

// CursorBinding ties a cursor to the caller and to what it lists.
func CursorBinding(p *auth.Principal, parts ...string) string {
	return strings.Join(append([]string{p.Subject, p.Region, p.Partner}, parts...), "\x00")
}

// EncodeCursor makes an opaque, tamper-evident cursor: the sort key to
// continue after, and an HMAC over it and the binding.
func (s *Service) EncodeCursor(binding, after string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(after))
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.cursorMAC(binding, payload))
}

func (s *Service) cursorMAC(binding, payload string) []byte {
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// DecodeCursor returns the sort key a cursor continues after ("" for none).
func (s *Service) DecodeCursor(binding, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	payload, mac, ok := strings.Cut(cursor, ".")
	got, err1 := base64.RawURLEncoding.DecodeString(mac)
	after, err2 := base64.RawURLEncoding.DecodeString(payload)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(got, s.cursorMAC(binding, payload)) {
		return "", apperr.Validation([]apperr.FieldError{apperr.Field(submission.RuleCursorInvalid.Code, "finding.cursor-invalid", nil).AtParameter("cursor")})
	}
	return string(after), nil
}
