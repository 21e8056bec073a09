package kmssigner_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/regional-data-exchange/rdx/shared/receipt"
	"github.com/regional-data-exchange/rdx/shared/receipt/kmssigner"
)

const (
	alias = "alias/receipts"
	arn   = "arn:aws:kms:eu-west-2:111122223333:key/5f0c1d1e-0000-4000-8000-000000000001"
)

// fakeKMS answers as KMS does for one P-256 signing key, known by its ARN
// and by alias, and can be made to fail or to shape its signatures.
type fakeKMS struct {
	key *ecdsa.PrivateKey

	mu       sync.Mutex
	reads    int                      // GetPublicKey calls
	failRead int                      // fail this many reads first
	spki     []byte                   // the public key to answer with (nil: the key's)
	usage    types.KeyUsageType       // the usage to answer with ("": SIGN_VERIFY)
	block    chan struct{}            // when set, reads wait for it to close
	shape    func(r, s *big.Int) bool // signatures are made until one has this shape
	der      []byte                   // the signature to answer with (nil: a real one)
	signErr  error                    // Sign fails with this
	lastDER  []byte                   // the last signature answered
	lastSign *kms.SignInput           // the last Sign request
}

func newFake(t *testing.T) *fakeKMS {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKMS{key: k}
}

func (f *fakeKMS) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	f.mu.Lock()
	f.reads++
	block, fail := f.block, f.failRead > 0
	if fail {
		f.failRead--
	}
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if fail {
		return nil, errors.New("throttled")
	}
	if id := aws.ToString(in.KeyId); id != alias && id != arn {
		return nil, &types.NotFoundException{Message: aws.String(id + " not found")}
	}
	spki := f.spki
	if spki == nil {
		spki, _ = x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	}
	usage := f.usage
	if usage == "" {
		usage = types.KeyUsageTypeSignVerify
	}
	return &kms.GetPublicKeyOutput{KeyId: aws.String(arn), PublicKey: spki, KeyUsage: usage, KeySpec: types.KeySpecEccNistP256}, nil
}

func (f *fakeKMS) Sign(ctx context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastSign = in
	if f.signErr != nil {
		return nil, f.signErr
	}
	if id := aws.ToString(in.KeyId); id != alias && id != arn {
		return nil, &types.NotFoundException{Message: aws.String(id + " not found")}
	}
	if in.SigningAlgorithm != types.SigningAlgorithmSpecEcdsaSha256 {
		return nil, &types.InvalidKeyUsageException{Message: aws.String("not for this key")}
	}
	digest := in.Message
	switch in.MessageType {
	case types.MessageTypeDigest:
		if len(digest) != sha256.Size {
			return nil, errors.New("ValidationException: digest is invalid length")
		}
	case types.MessageTypeRaw, "":
		d := sha256.Sum256(in.Message)
		digest = d[:]
	}
	der := f.der
	for der == nil {
		r, s, err := ecdsa.Sign(rand.Reader, f.key, digest)
		if err != nil {
			return nil, err
		}
		if f.shape == nil || f.shape(r, s) {
			der, _ = asn1.Marshal(struct{ R, S *big.Int }{r, s})
		}
	}
	f.lastDER = der
	return &kms.SignOutput{KeyId: aws.String(arn), Signature: der, SigningAlgorithm: in.SigningAlgorithm}, nil
}

func (f *fakeKMS) keySet(t *testing.T) *receipt.KeySet {
	t.Helper()
	ks, err := receipt.NewKeySet(&f.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// KMS's DER integers are as short as their values: an r or s below 2^248
// is 31 bytes or fewer, one with its top bit set is 33 (a 0x00 before it).
// Either way the receipt's r||s is 64 bytes and verifies.
func TestSignatureWidths(t *testing.T) {
	short := func(n *big.Int) bool { return n.BitLen() <= 248 }
	full := func(n *big.Int) bool { return n.BitLen() == 256 }
	for _, tt := range []struct {
		name  string
		shape func(r, s *big.Int) bool
		der   func(n int) bool // the DER's length
	}{
		{"ShortR", func(r, s *big.Int) bool { return short(r) && full(s) }, func(n int) bool { return n < 72 }},
		{"ShortS", func(r, s *big.Int) bool { return full(r) && short(s) }, func(n int) bool { return n < 72 }},
		{"TopBitsSet", func(r, s *big.Int) bool { return full(r) && full(s) }, func(n int) bool { return n == 72 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.shape = tt.shape
			s := kmssigner.New(f, alias)
			jws, err := receipt.Sign(t.Context(), s, receipt.TypeReceipt, []byte(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.der(len(f.lastDER)) {
				t.Fatalf("the fake's DER is %d bytes, not of the shape asked for", len(f.lastDER))
			}
			if _, err := receipt.Verify(jws, f.keySet(t)); err != nil {
				t.Errorf("a %d-byte DER signature: %v", len(f.lastDER), err)
			}
		})
	}
}

// KMS is asked to sign the input's SHA-256 as a digest with ECDSA_SHA_256,
// with the key GetPublicKey named by its ARN: the signer was given an
// alias, and the key its kid names is the key that signs.
func TestSignsTheDigestWithTheKeyItNames(t *testing.T) {
	f := newFake(t)
	s := kmssigner.New(f, alias)
	input := []byte(strings.Repeat("a long receipt ", 1000)) // beyond KMS's 4096-byte message
	sig, err := s.Sign(t.Context(), input)
	if err != nil {
		t.Fatal(err)
	}
	in := f.lastSign
	digest := sha256.Sum256(input)
	if in.MessageType != types.MessageTypeDigest || in.SigningAlgorithm != types.SigningAlgorithmSpecEcdsaSha256 ||
		string(in.Message) != string(digest[:]) || aws.ToString(in.KeyId) != arn {
		t.Errorf("KMS was asked %s %s of %x with %s", in.MessageType, in.SigningAlgorithm, in.Message, aws.ToString(in.KeyId))
	}
	r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&f.key.PublicKey, digest[:], r, ss) {
		t.Error("the r||s does not verify over the input's SHA-256")
	}
}

// The public key is read once per signer however many calls want it at
// once, and then never again.
func TestPublicKeyReadOnce(t *testing.T) {
	f := newFake(t)
	s := kmssigner.New(f, alias)
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = s.KeyID(t.Context())
			case 1:
				_, err = s.Public(t.Context())
			case 2:
				_, err = receipt.Sign(t.Context(), s, receipt.TypeReceipt, []byte(`{}`))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if f.reads != 1 {
		t.Errorf("GetPublicKey called %d times, want once", f.reads)
	}
	kid, _ := s.KeyID(t.Context())
	if kid != receipt.Thumbprint(&f.key.PublicKey) {
		t.Errorf("kid %q is not the key's thumbprint", kid)
	}
}

// A failed read is not kept: the next call reads again, and succeeds.
func TestFailedReadIsRetried(t *testing.T) {
	f := newFake(t)
	f.failRead = 1
	s := kmssigner.New(f, alias)
	if _, err := s.KeyID(t.Context()); err == nil || !strings.Contains(err.Error(), alias) || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("the failed read: %v, want KMS's error naming the key", err)
	}
	if _, err := receipt.Sign(t.Context(), s, receipt.TypeReceipt, []byte(`{}`)); err != nil {
		t.Fatalf("after a failed read: %v", err)
	}
	if f.reads != 2 {
		t.Errorf("GetPublicKey called %d times, want twice (one failure, one success)", f.reads)
	}
}

// A caller waiting for another's read of the key gives up when its own
// context ends, without waiting for the read.
func TestWaitingCallerGivesUp(t *testing.T) {
	f := newFake(t)
	f.block = make(chan struct{})
	s := kmssigner.New(f, alias)
	first := make(chan error, 1)
	go func() { _, err := s.KeyID(context.Background()); first <- err }()
	for {
		f.mu.Lock()
		started := f.reads == 1
		f.mu.Unlock()
		if started {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.KeyID(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the waiting caller: %v, want its deadline", err)
	}
	close(f.block)
	if err := <-first; err != nil {
		t.Fatalf("the first read: %v", err)
	}
	if f.reads != 1 {
		t.Errorf("GetPublicKey called %d times, want once", f.reads)
	}
}

// A key that cannot sign receipts is refused when it is read, saying why.
func TestRefusesOtherKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	spki := func(pub any) []byte {
		b, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tt := range []struct {
		name  string
		spki  []byte
		usage types.KeyUsageType
		want  string
	}{
		{"P384", spki(&p384.PublicKey), "", "not an ECC_NIST_P256 key"},
		{"RSA", spki(&rsaKey.PublicKey), "", "not an ECC_NIST_P256 key"},
		{"NotDER", []byte("not a key"), "", "public key KMS returned"},
		{"EncryptDecrypt", nil, types.KeyUsageTypeEncryptDecrypt, "not SIGN_VERIFY"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.spki, f.usage = tt.spki, tt.usage
			_, err := receipt.Sign(t.Context(), kmssigner.New(f, alias), receipt.TypeReceipt, []byte(`{}`))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v, want %q", err, tt.want)
			}
		})
	}
}

// A failed or malformed signature fails the receipt, with KMS's error.
func TestSignFailures(t *testing.T) {
	throttled := &types.KMSInternalException{Message: aws.String("try again")}
	for _, tt := range []struct {
		name string
		der  []byte
		err  error
		want func(error) bool
	}{
		{"KMSError", nil, throttled, func(err error) bool { return errors.Is(err, throttled) }},
		{"NotDER", []byte{0x30, 0x03, 0x02, 0x01}, nil, func(err error) bool { return strings.Contains(err.Error(), "not a DER ECDSA signature") }},
		{"ZeroR", mustDER(t, big.NewInt(0), big.NewInt(1)), nil, func(err error) bool { return strings.Contains(err.Error(), "out of P-256's range") }},
		{"WideS", mustDER(t, big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 256)), nil, func(err error) bool { return strings.Contains(err.Error(), "out of P-256's range") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.der, f.signErr = tt.der, tt.err
			jws, err := receipt.Sign(t.Context(), kmssigner.New(f, alias), receipt.TypeReceipt, []byte(`{}`))
			if err == nil || !tt.want(err) || !strings.Contains(err.Error(), arn) {
				t.Errorf("got %q, %v", jws, err)
			}
		})
	}
}

// A request given up before the key was read signs nothing.
func TestCancelledBeforeTheKeyIsRead(t *testing.T) {
	f := newFake(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := receipt.Sign(ctx, kmssigner.New(f, alias), receipt.TypeReceipt, []byte(`{}`))
	if !errors.Is(err, context.Canceled) || f.lastSign != nil {
		t.Errorf("%v (KMS asked to sign: %v)", err, f.lastSign != nil)
	}
}

func mustDER(t *testing.T, r, s *big.Int) []byte {
	t.Helper()
	b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		t.Fatal(fmt.Errorf("marshal: %w", err))
	}
	return b
}
