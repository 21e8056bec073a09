package receipttest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gowebpki/jcs"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// The region, partner and people of the vectors (made up: no region's
// configuration is named in code): a pooled fund, a council's finance
// system and its S151 officer.
const (
	region  = "example-region"
	partner = "example-council"
	qrKey   = "example-pooled-fund/2018-19-Q2"
	pcKey   = "example-pooled-fund/2018-19"
)

var (
	system  = receipt.Actor{Sub: "council-finance-system", Name: "The council's finance system"}
	officer = receipt.Actor{Sub: "jjones@council.example", Name: "Jane Jones, S151 officer"}
	chainID = receipt.PartnerChain(partner)
)

// The documents as the partner sent them: indented, members in the
// partner's order, a number with a trailing zero (612.40) and a Welsh
// place name, so the bytes and the canonical form differ.
const (
	qrV1 = `{
  "fundId": "example-pooled-fund",
  "quarter": "2018-19-Q2",
  "spend": [
    {"category": "residential", "actualToDate": "4102337.18", "forecastOutturn": "9450000.00"},
    {"category": "nursing", "actualToDate": "2890110.40", "forecastOutturn": "6500000.00"}
  ],
  "activity": {"placementsAtQuarterEnd": 1130, "newPlacements": 141},
  "kpis": [{"code": "avg-weekly-fee", "value": 612.40, "unit": "GBP"}],
  "commentary": "Nursing placements above plan after two home closures in Llanelli, Sir Gâr."
}
`
	pcV1 = `{
  "fundId": "example-pooled-fund",
  "financialYear": "2018-19",
  "lines": [{"stream": "core", "amount": "10200000.00"}]
}
`
)

// qrV2 corrects version 1's nursing spend.
var qrV2 = strings.NewReplacer(`"2890110.40"`, `"2899110.40"`,
	"Nursing placements above plan after two home closures", "Corrected nursing spend: one invoice was entered twice").Replace(qrV1)

// statement is a receipt statement of the vectors' chain about a document.
func statement(id, action, at string, by receipt.Actor, about map[string]any, doc string) *receipt.Statement {
	canon := must(jcs.Transform([]byte(doc)))
	return &receipt.Statement{ID: id, Action: action, Region: region, Partner: partner, About: about,
		ContentSHA256: receipt.Hash(canon), RawSHA256: receipt.Hash([]byte(doc)), At: at, By: by, Chain: chainID}
}

// issue signs st as the receipt after prev ("" for the first) and keeps it
// as receipts/name.
func (g *gen) issue(s signer, name string, st *receipt.Statement, prev string) string {
	if prev != "" {
		before := g.st[prev]
		st.Seq, st.Prev = before.Seq+1, receipt.Hash([]byte(g.r[prev]))
	} else if st.Seq == 0 {
		st.Seq = 1
	}
	jws := must(receipt.Issue(context.Background(), s, *st))
	g.keep(name, jws)
	g.st[name] = st
	return jws
}

func (g *gen) keep(name, jws string) { g.r[name] = jws; g.write("receipts/"+name, []byte(jws)) }

// receipts writes the chain's receipts, the documents they name, and the
// tampered receipts, with their vectors.
func (g *gen) receipts() {
	g.r, g.st = map[string]string{}, map[string]*receipt.Statement{}
	created := "submission.version-created"
	g.issue(g.retired, "qr-v1.jws", statement("01CT7ZKX9W3F6ZB0Q8M4H2N5TD", created, "2018-10-29T10:15:02.113Z", system,
		map[string]any{"kind": "quarterly-returns", "key": qrKey, "version": 1}, qrV1), "")
	g.issue(g.current, "qr-v2.jws", statement("01CTG3V5Q8A1B2C3D4E5F6G7H8", created, "2018-11-02T09:01:44.507Z", system,
		map[string]any{"kind": "quarterly-returns", "key": qrKey, "version": 2}, qrV2), "qr-v1.jws")
	// A sign-off's receipt names the content of the version signed.
	signed := statement("01CTJ8R2M5N7P9Q1S3T5V7X9Z1", "quarterly-return.signed-off", "2018-11-02T15:30:00.000Z", officer,
		map[string]any{"kind": "quarterly-returns", "key": qrKey, "version": 2}, qrV2)
	signed.RawSHA256 = ""
	g.issue(g.current, "qr-signoff.jws", signed, "qr-v2.jws")
	g.issue(g.current, "pc-v1.jws", statement("01CTKA0B1C2D3E4F5G6H7J8K9M", created, "2018-11-03T11:00:00.250Z", system,
		map[string]any{"kind": "pool-contributions", "key": pcKey, "version": 1}, pcV1), "qr-signoff.jws")
	// Another receipt 2: what a fork of the chain, or a receipt made up
	// after the fact, looks like.
	g.issue(g.current, "qr-v2-fork.jws", statement("01CTG3V5Q8ZZZZZZZZZZZZZZZZ", created, "2018-11-02T09:01:45.000Z", system,
		map[string]any{"kind": "quarterly-returns", "key": qrKey, "version": 2}, qrV1), "qr-v1.jws")
	// The region's own chain: a lock names no document.
	rcu := receipt.Actor{Sub: "rcu-example-region", Name: "Regional collaboration unit"}
	lock := &receipt.Statement{ID: "01CTM0000000000000000LOCK1", Action: "period.locked", Region: region, By: rcu,
		About: map[string]any{"fund": "example-pooled-fund", "quarter": "2018-19-Q2"}, At: "2018-11-04T09:00:00.000Z", Chain: receipt.RegionChain}
	g.issue(g.current, "region-lock.jws", lock, "")

	canonical := must(jcs.Transform([]byte(qrV2)))
	var tree any
	must(0, json.Unmarshal([]byte(qrV2), &tree))
	resaved := must(json.MarshalIndent(tree, "", "    ")) // members sorted, four spaces: another layout, the same content
	docs := map[string][]byte{
		"qr-v1.sent.json": []byte(qrV1), "qr-v2.sent.json": []byte(qrV2), "qr-v2.canonical.json": canonical,
		"qr-v2.resaved.json": resaved, "pc-v1.sent.json": []byte(pcV1),
		"qr-v2.sent.byte-changed.json":      changeByte([]byte(qrV2), "2899110.40", "2899110.41"),
		"qr-v2.canonical.byte-changed.json": changeByte(canonical, "2899110.40", "2899110.41"),
		"qr-v2.sent.csv":                    []byte("category,actualToDate\nnursing,2899110.40\n"),
	}
	for name, b := range docs {
		g.write("documents/"+name, b)
	}

	// The tampered receipts, all of receipt 2's statement.
	v2 := g.r["qr-v2.jws"]
	payload := must(receipt.Canonical(g.st["qr-v2.jws"]))
	header := func(alg, kid, typ string) string {
		return fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":%q}`, alg, kid, typ)
	}
	sig := must(b64.DecodeString(v2[strings.LastIndex(v2, ".")+1:]))
	sig[len(sig)-1] ^= 0x01
	g.keep("qr-v2.payload-byte-changed.jws", changePayloadByte(v2, `"version":2`, `"version":3`))
	g.keep("qr-v2.signature-byte-changed.jws", v2[:strings.LastIndex(v2, ".")+1]+b64.EncodeToString(sig))
	g.keep("qr-v2.swapped-key.jws", g.intruder.sign(receipt.TypeReceipt, payload))
	g.keep("qr-v2.wrong-kid.jws", forge(header("ES256", g.retired.kid(), receipt.TypeReceipt), payload, g.current.es256))
	g.keep("qr-v2.alg-none.jws", forge(header("none", g.current.kid(), receipt.TypeReceipt), payload, func([]byte) []byte { return nil }))
	g.keep("qr-v2.hs256.jws", forge(header("HS256", g.current.kid(), receipt.TypeReceipt), payload, func(input []byte) []byte {
		m := hmac.New(sha256.New, g.current.publicPEM())
		m.Write(input)
		return m.Sum(nil)
	}))
	g.keep("qr-v2.typ-manifest.jws", g.current.sign(receipt.TypeManifest, payload))
	g.keep("not-a-receipt.jws", "this is an e-mail, not a receipt\n")

	for _, v := range []Vector{
		{Name: "receipt-valid", About: "a receipt, checked alone", Files: []string{"receipts/qr-v2.jws"}},
		{Name: "receipt-document-as-sent", About: "a receipt and the exact bytes the partner sent",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v2.sent.json"}, Match: "raw"},
		{Name: "receipt-document-canonical", About: "a receipt and the document in its canonical (RFC 8785) form",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v2.canonical.json"}, Match: "content"},
		{Name: "receipt-document-resaved", About: "a receipt and the document saved again in another layout: the same content",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v2.resaved.json"}, Match: "content"},
		{Name: "receipt-retired-key", About: "a receipt signed by a key since retired, still in the published set",
			Files: []string{"receipts/qr-v1.jws", "documents/qr-v1.sent.json"}, Match: "raw"},
		{Name: "receipt-signoff", About: "a sign-off's receipt and the document of the version signed, as read back",
			Files: []string{"receipts/qr-signoff.jws", "documents/qr-v2.canonical.json"}, Match: "content"},
		{Name: "receipt-signoff-other-version", About: "a sign-off's receipt and the document of another version",
			Files: []string{"receipts/qr-signoff.jws", "documents/qr-v1.sent.json"}, Exit: 1, Reason: "content-mismatch"},
		{Name: "receipt-document-byte-changed", About: "one byte of the document as sent changed",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v2.sent.byte-changed.json"}, Exit: 1, Reason: "content-mismatch"},
		{Name: "receipt-canonical-byte-changed", About: "one byte of the canonical document changed",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v2.canonical.byte-changed.json"}, Exit: 1, Reason: "content-mismatch"},
		{Name: "receipt-other-document", About: "the receipt of version 2 with version 1's document",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v1.sent.json"}, Exit: 1, Reason: "content-mismatch"},
		{Name: "receipt-document-not-json", About: "a document that is neither the bytes sent nor JSON",
			Files: []string{"receipts/qr-v2.jws", "documents/qr-v2.sent.csv"}, Exit: 1, Reason: "content-mismatch"},
		{Name: "receipt-payload-byte-changed", About: "one byte of the receipt's statement changed (version 2 to 3)",
			Files: []string{"receipts/qr-v2.payload-byte-changed.jws"}, Exit: 1, Reason: "bad-signature"},
		{Name: "receipt-signature-byte-changed", About: "one byte of the receipt's signature changed",
			Files: []string{"receipts/qr-v2.signature-byte-changed.jws"}, Exit: 1, Reason: "bad-signature"},
		{Name: "receipt-swapped-key", About: "the statement signed by a key that is not in the set",
			Files: []string{"receipts/qr-v2.swapped-key.jws"}, Exit: 1, Reason: "unknown-key"},
		{Name: "receipt-wrong-kid", About: "signed by the current key, its header naming the retired key",
			Files: []string{"receipts/qr-v2.wrong-kid.jws"}, Exit: 1, Reason: "bad-signature"},
		{Name: "receipt-alg-none", About: `"alg": "none" and no signature`,
			Files: []string{"receipts/qr-v2.alg-none.jws"}, Exit: 1, Reason: "algorithm-refused"},
		{Name: "receipt-hs256", About: "HS256 with the public key's PEM as the HMAC secret (algorithm confusion)",
			Files: []string{"receipts/qr-v2.hs256.jws"}, Exit: 1, Reason: "algorithm-refused"},
		{Name: "receipt-typ-manifest", About: "the statement signed as an export manifest",
			Files: []string{"receipts/qr-v2.typ-manifest.jws"}, Exit: 1, Reason: "wrong-type"},
		{Name: "receipt-not-a-receipt", About: "a file that is not a compact JWS",
			Files: []string{"receipts/not-a-receipt.jws"}, Exit: 1, Reason: "malformed"},
		{Name: "receipt-no-document-named", About: "a lock's receipt names no document, so one cannot be checked against it",
			Files: []string{"receipts/region-lock.jws", "documents/qr-v2.sent.json"}, Exit: 2, Reason: "cannot-check"},
		{Name: "receipt-file-absent", About: "the receipt file is not there",
			Files: []string{"receipts/absent.jws"}, Exit: 2, Reason: "cannot-check"},
		{Name: "receipt-key-set-wrong-kid", About: "a key set naming a key by another key's kid is refused",
			Keys: "jwks-wrong-kid.json", Files: []string{"receipts/qr-v2.jws"}, Exit: 2, Reason: "cannot-check"},
	} {
		v.Command = "receipt"
		g.add(v)
	}
}
