package receipttest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// Generate writes the vectors into dir, the same bytes every time: the
// keys are derived from fixed strings and ECDSA signs deterministically
// (RFC 6979), so a change to the formats shows as a change to the files.
func Generate(dir string) (err error) {
	defer func() { // the steps below panic on the first error; each is a programming mistake
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
				return
			}
			panic(r)
		}
	}()
	g := &gen{dir: dir, current: testKey("current"), retired: testKey("retired"), intruder: testKey("intruder")}
	g.keys()
	g.receipts()
	g.chain()
	g.audit()
	g.exportFolders()
	g.index()
	return nil
}

// gen holds what the steps share: the keys, the receipts made so far and
// the vectors listed.
type gen struct {
	dir                        string
	current, retired, intruder signer
	r                          map[string]string             // receipts by file name under receipts/
	st                         map[string]*receipt.Statement // their statements
	vectors                    []Vector
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// write puts a file under dir, making its folder.
func (g *gen) write(name string, data []byte) {
	p := filepath.Join(g.dir, filepath.FromSlash(name))
	must(0, os.MkdirAll(filepath.Dir(p), 0o755))
	must(0, os.WriteFile(p, data, 0o644))
}

// add lists a vector; its command line is made from its command and files.
func (g *gen) add(v Vector) {
	if v.Keys == "" {
		v.Keys = "jwks.json"
	}
	v.Args = []string{v.Command, "--keys", v.Keys}
	switch {
	case v.Command == "receipt":
		v.Args = append(v.Args, "--receipt", v.Files[0])
		if len(v.Files) > 1 {
			v.Args = append(v.Args, "--document", v.Files[1])
		}
	case v.Command == "chain" && len(v.Files) == 1 && !strings.HasSuffix(v.Files[0], ".jws"):
		v.Args = append(v.Args, "--dir", v.Files[0])
	default:
		v.Args = append(v.Args, v.Files...)
	}
	g.vectors = append(g.vectors, v)
}

// signer signs with a test key, deterministically (RFC 6979), turning the
// DER signature into JOSE's r||s as the KMS adapter does.
type signer struct{ key *ecdsa.PrivateKey }

// testKey derives a P-256 key from its name: a test key anyone can make,
// and so one nobody may trust.
func testKey(name string) signer {
	seed := sha256.Sum256([]byte("rdx receipt test vectors: a published test key, never to be trusted: " + name))
	return signer{must(ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:]))}
}

func (s signer) kid() string { return receipt.Thumbprint(&s.key.PublicKey) }

func (s signer) KeyID(context.Context) (string, error) { return s.kid(), nil }

func (s signer) Public(context.Context) (*ecdsa.PublicKey, error) { return &s.key.PublicKey, nil }

func (s signer) Sign(_ context.Context, input []byte) ([]byte, error) {
	d := sha256.Sum256(input)
	der, err := s.key.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return receipt.FromDER(der)
}

func (s signer) es256(input []byte) []byte { return must(s.Sign(context.Background(), input)) }

func (s signer) sign(typ string, payload []byte) string {
	return must(receipt.Sign(context.Background(), s, typ, payload))
}

// publicPEM is the key's public half as PEM (SubjectPublicKeyInfo): what
// an attacker would use as an HMAC secret.
func (s signer) publicPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&s.key.PublicKey))})
}

// keys writes the JWK set (the current key and a retired one), one whose
// kid is not its key's, and the test keys' PEMs.
func (g *gen) keys() {
	set := must(receipt.NewKeySet(&g.current.key.PublicKey, &g.retired.key.PublicKey))
	g.write("jwks.json", indentJSON(must(json.Marshal(set))))
	var bad map[string][]map[string]any
	must(0, json.Unmarshal(must(json.Marshal(set)), &bad))
	bad["keys"][0]["kid"] = g.retired.kid()
	g.write("jwks-wrong-kid.json", indentJSON(must(json.Marshal(bad))))
	for name, s := range map[string]signer{"current": g.current, "retired": g.retired, "intruder": g.intruder} {
		der := must(x509.MarshalPKCS8PrivateKey(s.key))
		g.write("keys/"+name+".test-only.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
}

var b64 = base64.RawURLEncoding

// forge makes a compact JWS with any header and signature, as an attacker
// would.
func forge(header string, payload []byte, sign func(input []byte) []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	return input + "." + b64.EncodeToString(sign([]byte(input)))
}

// changeByte is data with the one occurrence of old replaced by new, which
// differs from it in exactly one byte: a tampering of one byte.
func changeByte(data []byte, old, new string) []byte {
	diff := 0
	for i := range len(old) {
		if i < len(new) && old[i] != new[i] {
			diff++
		}
	}
	if len(old) != len(new) || diff != 1 || bytes.Count(data, []byte(old)) != 1 {
		panic(fmt.Errorf("changeByte %q to %q: not one byte of one occurrence", old, new))
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

// changePayloadByte changes one byte of a compact JWS's payload and keeps
// its header and signature.
func changePayloadByte(jws, old, new string) string {
	p := strings.Split(jws, ".")
	payload := changeByte(must(b64.DecodeString(p[1])), old, new)
	return p[0] + "." + b64.EncodeToString(payload) + "." + p[2]
}

func indentJSON(b []byte) []byte {
	var out bytes.Buffer
	must(0, json.Indent(&out, b, "", "  "))
	return append(out.Bytes(), '\n')
}

// index writes vectors.json and the folder's README.
func (g *gen) index() {
	ix := Index{Note: note, Vectors: g.vectors}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	must(0, enc.Encode(ix))
	g.write(IndexFile, b.Bytes())
	g.write("README.md", []byte(readme))
}

const note = "Test vectors for the offline verifier (go run ./infra/verify). Every key here is a TEST KEY derived from a " +
	"published string: never trust it. Made by go run ./shared/receipt/internal/genvectors; do not edit by hand."

const readme = `# Receipt test vectors

Signed receipts with the documents they name, a JWK set, a chain of receipts, an audit export and
export folders, each with tampered variants, and in ` + "`vectors.json`" + ` the verdict the offline
verifier must give for each: its command line (run in this folder as
` + "`go run ./infra/verify <args>`" + `), exit code (0 valid, 1 invalid, 2 cannot check) and reason.

**Every key here is a test key.** The PEMs under ` + "`keys/`" + ` are derived from published strings
so that anyone can make them again: never trust a receipt signed by one, and never use one to sign.
` + "`jwks.json`" + ` holds the current test key and a retired one (the first receipt of the chain was
signed before the rotation); ` + "`keys/intruder.test-only.pem`" + ` is in no set.

Do not edit these files: ` + "`go run ./shared/receipt/internal/genvectors`" + ` writes them again,
byte for byte, and ` + "`go test ./shared/receipt/...`" + ` fails when they are not what it writes.
`
