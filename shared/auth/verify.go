package auth

import (
	"context"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/region"
)

// Algorithms are the only signing algorithms accepted (RFC 8725: an explicit list).
var Algorithms = []string{"RS256", "ES256"}

// MaxTokenBytes bounds a token before any parsing: real tokens are under 2 KB.
const MaxTokenBytes = 8 * 1024

// Leeway allows for clock skew between the issuer and the service.
const Leeway = 30 * time.Second

// Claims are the token's claims the product relies on.
type Claims struct {
	jwt.RegisteredClaims
	Region  string `json:"region"`
	Partner string `json:"partner,omitempty"`
	Name    string `json:"name,omitempty"`
	Scope   string `json:"scope"`
}

// KeySource finds the verification key for a token (by its kid).
type KeySource func(ctx context.Context) jwt.Keyfunc

// Verifier checks bearer tokens.
type Verifier struct {
	keys    KeySource
	parser  *jwt.Parser
	regions *region.Registry
}

// NewVerifier verifies tokens signed by keys, issued by issuer for audience.
func NewVerifier(keys KeySource, issuer, audience string, regions *region.Registry) *Verifier {
	return &Verifier{
		keys:    keys,
		regions: regions,
		parser: jwt.NewParser(
			jwt.WithValidMethods(Algorithms),
			jwt.WithExpirationRequired(),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
			jwt.WithJSONNumber(),
			// Unused trailing bits of a segment must be zero, so that one
			// token has one spelling.
			jwt.WithStrictDecoding(),
		),
	}
}

// Verify checks a token and returns its principal, or an Unauthenticated error.
func (v *Verifier) Verify(ctx context.Context, token string) (*Principal, error) {
	p, _, _, _, _, err := v.verify(ctx, token)
	return p, err
}

// verify is Verify, also returning when the token expires and the kid,
// algorithm and key that verified it (for a Memo).
func (v *Verifier) verify(ctx context.Context, token string) (p *Principal, expires time.Time, kid, alg string, key any, err error) {
	if len(token) > MaxTokenBytes {
		return nil, expires, "", "", nil, unauthenticated("auth.token.too-large", nil)
	}
	if !compactJWS(token) {
		return nil, expires, "", "", nil, unauthenticated("auth.token.malformed", nil)
	}
	var c Claims
	keyfunc := v.keys(ctx)
	_, err = v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if kid, ok := t.Header["kid"].(string); !ok || kid == "" {
			return nil, errors.New("the token has no key id (kid)")
		}
		// RFC 7515 §4.1.11: a JWS whose crit names extensions the recipient
		// does not understand is invalid; this service understands none.
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("the token has critical header parameters (crit)")
		}
		if t.Method.Alg() == "ES256" && highS(t.Signature) {
			return nil, &ruleError{RuleSignatureNotCanonical}
		}
		k, err := keyfunc(t)
		kid, alg, key = t.Header["kid"].(string), t.Method.Alg(), k
		return k, err
	})
	var re *ruleError
	switch {
	case errors.As(err, &re):
		return nil, expires, "", "", nil, refused(re.rule)
	case err != nil:
		return nil, expires, "", "", nil, unauthenticated(reason(err), err)
	}
	// Only a token the issuer signed is read again, so a stranger's garbage
	// costs no second parse.
	if r := oneReading(token); r != nil {
		return nil, expires, "", "", nil, refused(*r)
	}
	if p, err = v.principal(&c); err != nil {
		return nil, expires, "", "", nil, err
	}
	return p, c.ExpiresAt.Time, kid, alg, key, nil
}

// compactJWS reports whether token has only base64url characters and dots
// (RFC 7515 §7.1). The base64 decoder skips CR and LF, which would let one
// token be written many ways.
func compactJWS(token string) bool {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (v *Verifier) principal(c *Claims) (*Principal, error) {
	if c.Subject == "" {
		return nil, unauthenticated("auth.token.no-subject", nil)
	}
	scopes, ok := parseScopes(c.Scope)
	if !ok {
		return nil, unauthenticated("auth.token.scopes", nil)
	}
	if c.Region != AllRegions {
		reg, ok := v.regions.Get(c.Region)
		if !ok {
			return nil, unauthenticated("auth.token.region", nil)
		}
		if _, ok := reg.Partner(c.Partner); c.Partner != "" && !ok {
			return nil, unauthenticated("auth.token.partner", nil)
		}
	} else if c.Partner != "" {
		return nil, unauthenticated("auth.token.every-region-partner", nil)
	}
	if !fitsShape(scopes, c.Region, c.Partner) {
		return nil, unauthenticated("auth.token.shape", nil)
	}
	return &Principal{Subject: c.Subject, Name: c.Name, Region: c.Region, Partner: c.Partner, Scopes: scopes}, nil
}

// reason turns a parser error into a short, fixed phrase for the caller:
// its id in the message catalogue.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "auth.token.expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "auth.token.not-yet-valid"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "auth.token.claim-missing"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "auth.token.issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "auth.token.audience"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "auth.token.malformed"
	}
	return "auth.token.unverified"
}

// ruleError carries a broken TokenRule out of the JWT library's parse.
type ruleError struct{ rule TokenRule }

func (e *ruleError) Error() string { return e.rule.Code }

// refused is the 401 of a token that breaks one of the TokenRules, naming
// its code against the Authorization header.
func refused(r TokenRule) error {
	return apperr.Localized(apperr.Unauthenticated, "auth.token.breaks", map[string]any{"Code": r.Code}).
		WithFields(apperr.FieldError{Code: r.Code, Header: "Authorization"}.Localize(r.MessageID(), nil))
}

// unauthenticated is the 401 whose detail is the catalogue's message id.
func unauthenticated(id string, cause error) error {
	e := apperr.Localized(apperr.Unauthenticated, id, nil)
	e.Err = cause
	return e
}
