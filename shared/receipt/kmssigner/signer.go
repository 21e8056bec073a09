// Package kmssigner signs receipts with an AWS KMS key: an asymmetric
// ECC_NIST_P256 key whose usage is SIGN_VERIFY, and whose private half never
// leaves KMS. It is the receipt.Signer of the functions deployed (and of the
// local AWS-shaped run, against local-kms).
//
// The input is hashed here (SHA-256) and KMS signs the digest, so a receipt
// of any size is one Sign call of 32 bytes; KMS answers with an ASN.1 DER
// signature, which receipt.FromDER turns into JOSE's fixed-width r||s. The
// key's public half, and with it the kid, is read from KMS (GetPublicKey)
// once per process, on first use.
package kmssigner

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// Client is what the signer needs of KMS; *kms.Client is one, and tests
// give it others that fail.
type Client interface {
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// Signer signs with one KMS key. It is safe for concurrent use.
type Signer struct {
	client Client
	keyID  string
	// key is the key as KMS described it, once read; a failed read is not
	// kept, so the next call tries again.
	key atomic.Pointer[key]
	// fetch lets one caller at a time read the key; the others wait for it
	// (or for their own context to end) and then find it kept.
	fetch chan struct{}
}

type key struct {
	arn string // the key's ARN, as GetPublicKey named it: what Sign signs with
	pub *ecdsa.PublicKey
	kid string
}

// New signs with the KMS key keyID (its id, ARN, alias name or alias ARN).
// Nothing is asked of KMS until the signer is first used.
func New(client Client, keyID string) *Signer {
	return &Signer{client: client, keyID: keyID, fetch: make(chan struct{}, 1)}
}

// KeyID is the key's kid: the RFC 7638 thumbprint of its public half.
func (s *Signer) KeyID(ctx context.Context) (string, error) {
	k, err := s.load(ctx)
	if err != nil {
		return "", err
	}
	return k.kid, nil
}

// Public is the key's public half.
func (s *Signer) Public(ctx context.Context) (*ecdsa.PublicKey, error) {
	k, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return k.pub, nil
}

// Sign is ES256's signature of input: KMS signs its SHA-256 (MessageType
// DIGEST, ECDSA_SHA_256) with the key the kid names — the ARN GetPublicKey
// answered with, so an alias moved to another key meanwhile cannot make a
// receipt whose kid names one key and whose signature is another's.
func (s *Signer) Sign(ctx context.Context, input []byte) ([]byte, error) {
	k, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(input)
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(k.arn),
		Message:          digest[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("kms sign with %s: %w", k.arn, err)
	}
	sig, err := receipt.FromDER(out.Signature)
	if err != nil {
		return nil, fmt.Errorf("kms sign with %s: %w", k.arn, err)
	}
	return sig, nil
}

// load returns the key, reading it from KMS if no call has yet.
func (s *Signer) load(ctx context.Context) (*key, error) {
	if k := s.key.Load(); k != nil {
		return k, nil
	}
	select {
	case s.fetch <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("receipt key %s: %w", s.keyID, context.Cause(ctx))
	}
	defer func() { <-s.fetch }()
	if k := s.key.Load(); k != nil { // read by the caller this one waited for
		return k, nil
	}
	k, err := s.read(ctx)
	if err != nil {
		return nil, fmt.Errorf("receipt key %s: %w", s.keyID, err)
	}
	s.key.Store(k)
	return k, nil
}

func (s *Signer) read(ctx context.Context) (*key, error) {
	out, err := s.client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.keyID)})
	if err != nil {
		return nil, err
	}
	if out.KeyUsage != "" && out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("the key's usage is %s, not SIGN_VERIFY", out.KeyUsage)
	}
	parsed, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("the public key KMS returned: %w", err)
	}
	pub, ok := parsed.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("the key is not an ECC_NIST_P256 key (receipts are ES256)")
	}
	arn := aws.ToString(out.KeyId)
	if arn == "" {
		arn = s.keyID
	}
	return &key{arn: arn, pub: pub, kid: receipt.Thumbprint(pub)}, nil
}
