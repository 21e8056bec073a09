package receipt

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Signer signs with the service's current receipt key: in AWS a KMS key,
// locally a key file. Sign returns JOSE's ES256 signature of input (the
// 64 bytes r||s of an ECDSA P-256 signature over its SHA-256).
type Signer interface {
	// KeyID is the key's kid: its RFC 7638 thumbprint.
	KeyID(ctx context.Context) (string, error)
	Sign(ctx context.Context, input []byte) ([]byte, error)
	// Public is the key's public half, for the published JWK set.
	Public(ctx context.Context) (*ecdsa.PublicKey, error)
}

// header is a receipt's protected header; its members are written in a
// fixed order, so the same key and type always give the same bytes.
type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

var b64 = base64.RawURLEncoding

// Sign makes a compact JWS of payload: ES256 under signer's key, typ in
// the header.
func Sign(ctx context.Context, signer Signer, typ string, payload []byte) (string, error) {
	kid, err := signer.KeyID(ctx)
	if err != nil {
		return "", fmt.Errorf("receipt key: %w", err)
	}
	h, _ := json.Marshal(header{Alg: "ES256", Kid: kid, Typ: typ})
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
	sig, err := signer.Sign(ctx, []byte(input))
	if err != nil {
		return "", fmt.Errorf("sign receipt: %w", err)
	}
	if len(sig) != 64 {
		return "", fmt.Errorf("sign receipt: a %d-byte signature is not ES256's r||s", len(sig))
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// Issue signs a statement: the compact JWS of its canonical form.
func Issue(ctx context.Context, signer Signer, st Statement) (string, error) {
	payload, err := Canonical(st)
	if err != nil {
		return "", err
	}
	return Sign(ctx, signer, TypeReceipt, payload)
}

// Reason names a kind of failure a verifier reports.
type Reason string

// The reasons a check fails. Each is a verdict on what was checked
// ("invalid"), except ReasonCannotCheck, which says it could not be.
const (
	ReasonMalformed       Reason = "malformed"           // not a compact JWS, or its parts are not what they should be
	ReasonAlgorithm       Reason = "algorithm-refused"   // alg is not ES256 (none, HS256, ...)
	ReasonUnknownKey      Reason = "unknown-key"         // kid names no key of the set
	ReasonSignature       Reason = "bad-signature"       // the signature does not verify under the named key
	ReasonWrongType       Reason = "wrong-type"          // typ is not what was expected (a manifest given as a receipt)
	ReasonContent         Reason = "content-mismatch"    // the document's canonical SHA-256 is not the receipt's
	ReasonRaw             Reason = "raw-mismatch"        // the bytes' SHA-256 is not the receipt's
	ReasonChainBroken     Reason = "chain-broken"        // prev is not the hash of the record or receipt before
	ReasonSequence        Reason = "sequence-gap"        // seq does not follow on (removed, inserted or reordered)
	ReasonOtherChain      Reason = "other-chain"         // the series mixes chains
	ReasonRecordEdited    Reason = "record-edited"       // a record's hash is not the hash of its content
	ReasonHeadMismatch    Reason = "head-mismatch"       // the signed head does not name the last record
	ReasonFileMissing     Reason = "file-missing"        // a file the manifest lists is absent
	ReasonFileChanged     Reason = "file-changed"        // a file's SHA-256 or size is not the manifest's
	ReasonFileUnlisted    Reason = "file-unlisted"       // a file in the folder is not in the manifest
	ReasonCannotCheck     Reason = "cannot-check"        // the inputs could not be read
	ReasonNotCanonicalise Reason = "not-canonicalisable" // the document is not JSON that can be canonicalised
)

// Error is a failed check: its reason and what it found.
type Error struct {
	Reason Reason
	Detail string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Detail }

func fail(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf is err's reason, ReasonCannotCheck for an error of another kind.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonCannotCheck
}

// Verified is a JWS whose signature held: its header and payload.
type Verified struct {
	Kid, Typ string
	Payload  []byte
}

// Verify checks a compact JWS against the key set: ES256 only (alg none,
// HS256 and every other algorithm are refused before any key is looked
// at), a kid the set holds, and a signature that verifies under it.
func Verify(jws string, keys *KeySet) (*Verified, error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return nil, fail(ReasonMalformed, "a compact JWS has three parts separated by dots; this has %d", len(parts))
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fail(ReasonMalformed, "the header is not base64url: %v", err)
	}
	var h struct {
		Alg  string          `json:"alg"`
		Kid  string          `json:"kid"`
		Typ  string          `json:"typ"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fail(ReasonMalformed, "the header is not a JSON object: %v", err)
	}
	if h.Alg != "ES256" {
		return nil, fail(ReasonAlgorithm, "alg is %q; only ES256 is accepted", h.Alg)
	}
	if h.Crit != nil {
		return nil, fail(ReasonMalformed, "the header has crit, which no receipt uses")
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fail(ReasonMalformed, "the payload is not base64url: %v", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, fail(ReasonSignature, "the signature is not 64 bytes of base64url (ES256's r||s)")
	}
	pub := keys.Key(h.Kid)
	if pub == nil {
		return nil, fail(ReasonUnknownKey, "kid %q is not in the key set", h.Kid)
	}
	if err := jwt.SigningMethodES256.Verify(parts[0]+"."+parts[1], sig, pub); err != nil {
		return nil, fail(ReasonSignature, "the signature does not verify under key %q", h.Kid)
	}
	return &Verified{Kid: h.Kid, Typ: h.Typ, Payload: payload}, nil
}

// VerifyStatement verifies a receipt and reads its statement.
func VerifyStatement(jws string, keys *KeySet) (*Statement, error) {
	v, err := Verify(jws, keys)
	if err != nil {
		return nil, err
	}
	if v.Typ != TypeReceipt {
		return nil, fail(ReasonWrongType, "typ is %q, not a receipt's %q", v.Typ, TypeReceipt)
	}
	var st Statement
	if err := json.Unmarshal(v.Payload, &st); err != nil {
		return nil, fail(ReasonMalformed, "the payload is not a receipt statement: %v", err)
	}
	return &st, nil
}
