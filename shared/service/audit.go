package service

import (
	"time"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// AuditRecord is one entry of the append-only audit trail.
type AuditRecord struct {
	ID        string            `json:"id"`
	At        time.Time         `json:"at"`
	Region    string            `json:"region"`
	Partner   string            `json:"partner,omitempty"`
	Actor     Actor             `json:"actor"`
	Action    string            `json:"action"`
	Target    map[string]any    `json:"target"`
	SHA256    string            `json:"sha256,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
	// ReceiptSHA256 is the hash of the write's receipt, when it has one.
	ReceiptSHA256 string `json:"receiptSha256,omitempty"`
	// Link places the record in its chain (the region's or a partner's):
	// each copy of a record has its own.
	receipt.Link
}
