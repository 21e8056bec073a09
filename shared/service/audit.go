package service

import (
	"time"

	"github.com/regional-data-exchange/rdx/shared/store"
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
}

// AuditOps appends a record to the region's trail and, when it concerns a
// partner, to that partner's; both must not exist yet, so nothing is ever
// overwritten.
func AuditOps(rec AuditRecord) []store.Op {
	sk := AuditSK(rec.At, rec.ID)
	data := Encode(rec)
	ops := []store.Op{store.PutOp(store.Item{PK: AuditPK(rec.Region), SK: sk, Version: 1, Data: data}, store.IfNotExists())}
	if rec.Partner != "" {
		ops = append(ops, store.PutOp(store.Item{PK: PartnerAuditPK(rec.Region, rec.Partner), SK: sk, Version: 1, Data: data}, store.IfNotExists()))
	}
	return ops
}
