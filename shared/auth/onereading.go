package auth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/regional-data-exchange/rdx/shared/jsonx"
)

// TokenRule is a rule a refused token breaks: a stable code, published in
// the rule catalogue (GET /v1/rules) and named in the 401 problem against the
// Authorization header. What it means is rule.<code> in the message
// catalogue (shared/i18n).
type TokenRule struct{ Code string }

// MessageID is the rule's message in the catalogue.
func (r TokenRule) MessageID() string { return "rule." + r.Code }

// The rules of a token's form, beyond a valid signature and claims.
var (
	RuleClaimRepeated         = TokenRule{"token.claim-repeated"}
	RuleClaimCase             = TokenRule{"token.claim-case"}
	RuleTimeNotNumber         = TokenRule{"token.time-not-number"}
	RuleSignatureNotCanonical = TokenRule{"token.signature-not-canonical"}
)

// TokenRules lists them, for the catalogue.
var TokenRules = []TokenRule{RuleClaimRepeated, RuleClaimCase, RuleTimeNotNumber, RuleSignatureNotCanonical}

// claimNames are the claims the service reads (Claims' JSON names).
var claimNames = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "region", "partner", "name", "scope"}

// timeClaims are the NumericDate claims (RFC 7519 §2: a JSON number).
var timeClaims = []string{"exp", "nbf", "iat"}

// oneReading refuses a header or claims set that the JWT library would read
// in one of several ways: encoding/json takes the last of a repeated name,
// matches a field's name in any case, and reads a time given as a string of
// digits as the number. Segments that are not a JSON object are left to the
// library, which refuses them.
func oneReading(token string) *TokenRule {
	header, payload, ok := segments(token)
	if !ok {
		return nil
	}
	for i, seg := range [][]byte{header, payload} {
		v, problems, err := jsonx.Decode(seg)
		m, isObject := v.(map[string]any)
		if err != nil || !isObject {
			return nil
		}
		for _, p := range problems {
			if p.Kind == jsonx.DuplicateField {
				return &RuleClaimRepeated
			}
		}
		if foldCollision(m) {
			return &RuleClaimRepeated
		}
		if i == 0 {
			continue
		}
		for name := range m {
			for _, c := range claimNames {
				if name != c && strings.EqualFold(name, c) {
					return &RuleClaimCase
				}
			}
		}
		for _, c := range timeClaims {
			if v, ok := m[c]; ok {
				if _, isNumber := v.(json.Number); !isNumber {
					return &RuleTimeNotNumber
				}
			}
		}
	}
	return nil
}

// segments decodes a compact JWS's header and payload.
func segments(token string) (header, payload []byte, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, false
	}
	enc := base64.RawURLEncoding.Strict()
	header, err1 := enc.DecodeString(parts[0])
	payload, err2 := enc.DecodeString(parts[1])
	return header, payload, err1 == nil && err2 == nil
}

// foldCollision reports two names that differ only in case (by Unicode's
// simple case folding, as strings.EqualFold and encoding/json compare).
func foldCollision(m map[string]any) bool {
	seen := make(map[string]bool, len(m))
	for name := range m {
		k := foldKey(name)
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

// foldKey maps each rune to the least of its case-folding orbit, so names
// equal under strings.EqualFold have one key.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
