package auth

import (
	"crypto/elliptic"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// ECDSA signatures are malleable: (r, s) and (r, n−s) verify alike, so one
// token could be spelled two ways. Only the low-s form is accepted (as
// Bitcoin and Ethereum require), and the development issuer signs in it.
var (
	p256N     = elliptic.P256().Params().N
	p256HalfN = new(big.Int).Rsh(p256N, 1)
)

// ES256 signs as jwt.SigningMethodES256 does, with s put in the lower half
// of the curve order: the one form the verifier accepts.
var ES256 jwt.SigningMethod = lowS{jwt.SigningMethodES256}

type lowS struct{ *jwt.SigningMethodECDSA }

func (m lowS) Sign(signingString string, key any) ([]byte, error) {
	sig, err := m.SigningMethodECDSA.Sign(signingString, key)
	if err != nil {
		return nil, err
	}
	if s := new(big.Int).SetBytes(sig[32:]); s.Cmp(p256HalfN) > 0 {
		s.Sub(p256N, s).FillBytes(sig[32:])
	}
	return sig, nil
}

// highS reports an ES256 signature (r||s, 32 bytes each) whose s is in the
// upper half of the order. A signature of another length is left to the
// verification, which refuses it.
func highS(sig []byte) bool {
	return len(sig) == 64 && new(big.Int).SetBytes(sig[32:]).Cmp(p256HalfN) > 0
}
