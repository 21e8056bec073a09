package service

import (
	"time"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// The upload record is written by the files capability and read by
// submissions too: a market position statement names an accepted document
// upload of its partner.

// Upload purposes and what each becomes.
const (
	PurposePopulationCSV = "population-assessment-csv"
	PurposeReturnCSV     = "quarterly-return-csv"
	PurposeContribCSV    = "pool-contribution-csv"
	PurposeDocument      = "market-position-document"
)

// Upload states.
const (
	UploadPending    = "pending"
	UploadValidating = "validating"
	UploadAccepted   = "accepted"
	UploadRejected   = "rejected"
	// UploadFailed: validation never came to a decision (the file did not
	// arrive, or every attempt stopped short); Failure says why.
	UploadFailed = "failed"
)

// UploadError is one problem of a rejected file, at its row and column.
type UploadError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Text is Message as the catalogue's id and values, kept so that each
	// reader sees it in their own language. An error stored before it has
	// its English Message only.
	Text *i18n.Message `json:"text,omitempty"`
}

// NewUploadError is the problem code at row and column whose message is the
// catalogue's id with data filled in.
func NewUploadError(row int, column, code, id string, data map[string]any) UploadError {
	m := i18n.NewMessage(id, data)
	return UploadError{Row: row, Column: column, Code: code, Message: m.In(i18n.English), Text: m}
}

// In is the error as a reader in lang is shown it, without the stored Text:
// its message in lang, or for one stored in English only, the general
// meaning of its code (rule.<code>, code.<code>) where the catalogue has it.
func (e UploadError) In(lang i18n.Lang) UploadError {
	switch {
	case e.Text != nil:
		e.Message = e.Text.In(lang)
	case lang != i18n.English:
		if m, ok := i18n.Lookup(lang, "rule."+e.Code, nil); ok {
			e.Message = m
		} else if m, ok := i18n.Lookup(lang, "code."+e.Code, nil); ok {
			e.Message = m
		}
	}
	e.Text = nil
	return e
}

// UploadRecord is a file a partner uploads through a presigned URL.
type UploadRecord struct {
	ID        string          `json:"uploadId"`
	Purpose   string          `json:"purpose"`
	State     string          `json:"state"`
	Region    string          `json:"region"`
	Partner   string          `json:"partner"`
	Kind      submission.Kind `json:"kind"`
	KeyValues [2]string       `json:"keyValues"`
	SizeBytes int64           `json:"sizeBytes"`
	SHA256    string          `json:"sha256"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
	CreatedBy Actor           `json:"createdBy"`
	Errors    []UploadError   `json:"errors"`
	Version   *VersionRef     `json:"version,omitempty"`
	Failure   string          `json:"failure,omitempty"`
	// FailureText is Failure as the catalogue's id and values (an upload
	// failed before it was kept has the English Failure only).
	FailureText *i18n.Message `json:"failureText,omitempty"`
	// Receipt is the signed receipt of the upload's outcome, once it is
	// accepted or rejected (a compact JWS).
	Receipt string `json:"receipt,omitempty"`
	// Lease is the validation's hold and attempts (work.go).
	Lease
}

// Final reports whether the upload has reached a state it never leaves.
func (u UploadRecord) Final() bool {
	return u.State == UploadAccepted || u.State == UploadRejected || u.State == UploadFailed
}
