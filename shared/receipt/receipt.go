// Package receipt is the service's proof: receipt statements, their
// canonical form (RFC 8785), compact JWS signatures over them (RFC 7515,
// ES256), the JWK set that verifies them, the hash chains receipts and
// audit records form, and the checks a verifier makes. It knows no store
// and no HTTP: the service issues receipts through it and the offline
// verifier (infra/verify) checks them with it and nothing else.
package receipt

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// Type is what a compact JWS of this service says it is, in its "typ" header.
const (
	TypeReceipt  = "rdx-receipt+jws"
	TypeManifest = "rdx-export-manifest+jws"
	TypeHead     = "rdx-audit-head+jws"
)

// Actor is who made the write, as the verified token named them.
type Actor struct {
	Sub  string `json:"sub"`
	Name string `json:"name,omitempty"`
}

// Statement is what a receipt says. Its canonical form (RFC 8785) is the
// JWS payload, so a verifier reads back exactly what was signed.
type Statement struct {
	// ID is the receipt's own id (a ULID).
	ID string `json:"id"`
	// Action is what was accepted: "submission.version-created",
	// "return.signed-off", "period.locked", "export.built" and so on (the
	// audit record's action).
	Action  string `json:"action"`
	Region  string `json:"region"`
	Partner string `json:"partner,omitempty"`
	// About names the record: kind and key with version, a report's fund
	// and quarter, an upload's or an export's id.
	About map[string]any `json:"about"`
	// ContentSHA256 is the SHA-256 (hex) of the canonical content;
	// RawSHA256 of the bytes as received, when they differ in kind.
	ContentSHA256 string `json:"contentSha256,omitempty"`
	RawSHA256     string `json:"rawSha256,omitempty"`
	// At is when the write was accepted (RFC 3339, UTC, milliseconds).
	At string `json:"at"`
	By Actor  `json:"by"`
	// Chain names the series this receipt belongs to: the partner's
	// ("partner:{id}") or, for the region's own writes, "region".
	Chain string `json:"chain"`
	// Seq counts the chain's receipts from 1; Prev is the SHA-256 (hex) of
	// the compact JWS of receipt Seq-1 ("" for the first).
	Seq  int64  `json:"seq"`
	Prev string `json:"prev"`
}

// PartnerChain and RegionChain name the series a receipt or audit record
// belongs to.
func PartnerChain(partner string) string { return "partner:" + partner }

// RegionChain is the region's own series.
const RegionChain = "region"

// Canonical is v's RFC 8785 form: v is marshalled by encoding/json, read
// back as a tree and written canonically.
func Canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return CanonicalJSON(b)
}

// CanonicalJSON is a JSON text's RFC 8785 form.
func CanonicalJSON(b []byte) ([]byte, error) {
	tree, problems, err := jsonx.Decode(b)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("not canonicalisable JSON: %s", problems[0].Kind+" at "+problems[0].Pointer)
	}
	return jsonx.Canonical(tree)
}

// Hash is the SHA-256 (hex) of b: of a compact JWS, it is what the next
// receipt of its chain carries as prev.
func Hash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
