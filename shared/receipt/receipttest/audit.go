package receipttest

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// auditRecord is a stored audit record as the export gives it: the
// service's record with its place in the chain.
type auditRecord struct {
	ID        string         `json:"id"`
	At        string         `json:"at"`
	Region    string         `json:"region"`
	Partner   string         `json:"partner,omitempty"`
	Actor     receipt.Actor  `json:"actor"`
	Action    string         `json:"action"`
	Target    map[string]any `json:"target"`
	SHA256    string         `json:"sha256,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	receipt.Link
}

// line is rec after before in its chain (before nil for the first), as one
// line of the export, with its hash.
func line(rec auditRecord, before *auditRecord) (auditRecord, []byte) {
	rec.Chain, rec.Seq, rec.Prev = chainID, 1, ""
	if before != nil {
		rec.Chain, rec.Seq, rec.Prev = before.Chain, before.Seq+1, before.Hash
	}
	rec.Hash = ""
	rec.Hash = must(receipt.RecordHash(must(json.Marshal(rec))))
	return rec, must(json.Marshal(rec))
}

// headLine is the export's last line: the chain's head, signed by s.
func headLine(s signer, typ string, last auditRecord) []byte {
	h := receipt.Head{Region: region, Chain: last.Chain, Seq: last.Seq, Hash: last.Hash, At: "2018-11-05T00:00:00.000Z"}
	return must(json.Marshal(map[string]string{"head": s.sign(typ, must(receipt.Canonical(h)))}))
}

// audit writes the partner's audit export and its tampered variants.
func (g *gen) audit() {
	target := func(kind, key string, version int) map[string]any {
		return map[string]any{"kind": kind, "key": key, "version": version}
	}
	records := []auditRecord{
		{ID: "01CT7ZKX9W3F6ZB0Q8M4H2N5TD", At: "2018-10-29T10:15:02.113Z", Actor: system, Action: "submission.version-created",
			Target: target("quarterly-returns", qrKey, 1), SHA256: g.st["qr-v1.jws"].ContentSHA256},
		{ID: "01CTG3V5Q8A1B2C3D4E5F6G7H8", At: "2018-11-02T09:01:44.507Z", Actor: system, Action: "submission.version-created",
			Target: target("quarterly-returns", qrKey, 2), SHA256: g.st["qr-v2.jws"].ContentSHA256},
		{ID: "01CTJ8R2M5N7P9Q1S3T5V7X9Z1", At: "2018-11-02T15:30:00.000Z", Actor: officer, Action: "quarterly-return.signed-off",
			Target: target("quarterly-returns", qrKey, 2)},
		{ID: "01CTKA0B1C2D3E4F5G6H7J8K9M", At: "2018-11-03T11:00:00.250Z", Actor: system, Action: "submission.version-created",
			Target: target("pool-contributions", pcKey, 1), SHA256: g.st["pc-v1.jws"].ContentSHA256},
		{ID: "01CTKB5D7F9H1K3M5P7R9T1V3X", At: "2018-11-03T11:05:10.000Z", Actor: officer, Action: "pooling-consent.given",
			Target: map[string]any{"fund": "example-pooled-fund", "financialYear": "2018-19"}},
	}
	var lines [][]byte
	for i := range records {
		records[i].Region, records[i].Partner, records[i].RequestID = region, partner, "req-"+records[i].ID[18:]
		var before *auditRecord
		if i > 0 {
			before = &records[i-1]
		}
		var l []byte
		records[i], l = line(records[i], before)
		lines = append(lines, l)
	}
	last := records[len(records)-1]
	head := headLine(g.current, receipt.TypeHead, last)

	// A record edited and given its new hash, a record slipped in after
	// record 2 with a hash of its own, and a record of another chain.
	edited := records[2]
	edited.Actor = system
	_, rehashed := line(edited, &records[1])
	extra := records[2]
	extra.ID, extra.Action = "01CTJ0000000000000000INSRT", "quarterly-return.signed-off"
	_, inserted := line(extra, &records[1])
	other := records[2]
	other.Chain = receipt.PartnerChain("example-health-board")
	other.Hash = ""
	other.Hash = must(receipt.RecordHash(must(json.Marshal(other))))
	otherLine := must(json.Marshal(other))

	with := func(ls ...[]byte) [][]byte { return ls }
	for _, c := range []struct {
		v     Vector
		lines [][]byte
	}{
		{Vector{Name: "audit-valid", About: "a partner's five audit records and the signed head"}, append(slices.Clone(lines), head)},
		{Vector{Name: "audit-record-byte-changed", About: "one byte of record 3 changed (its actor), its hash left", Exit: 1, Reason: "record-edited"},
			with(lines[0], lines[1], changeByte(lines[2], "jjones@", "jjonas@"), lines[3], lines[4], head)},
		{Vector{Name: "audit-record-edited-rehashed", About: "record 3 edited and its hash made again: record 4 no longer follows it", Exit: 1, Reason: "chain-broken"},
			with(lines[0], lines[1], rehashed, lines[3], lines[4], head)},
		{Vector{Name: "audit-record-removed", About: "record 3 removed", Exit: 1, Reason: "sequence-gap"},
			with(lines[0], lines[1], lines[3], lines[4], head)},
		{Vector{Name: "audit-first-record-removed", About: "record 1 removed", Exit: 1, Reason: "sequence-gap"},
			with(lines[1], lines[2], lines[3], lines[4], head)},
		{Vector{Name: "audit-record-inserted", About: "a record slipped in after record 2, with a hash of its own", Exit: 1, Reason: "sequence-gap"},
			with(lines[0], lines[1], inserted, lines[2], lines[3], lines[4], head)},
		{Vector{Name: "audit-records-reordered", About: "records 3 and 4 swapped", Exit: 1, Reason: "sequence-gap"},
			with(lines[0], lines[1], lines[3], lines[2], lines[4], head)},
		{Vector{Name: "audit-other-chain", About: "record 3 replaced by one of another partner's chain", Exit: 1, Reason: "other-chain"},
			with(lines[0], lines[1], otherLine, lines[3], lines[4], head)},
		{Vector{Name: "audit-tail-cut", About: "the last record cut, the signed head kept", Exit: 1, Reason: "head-mismatch"},
			with(lines[0], lines[1], lines[2], lines[3], head)},
		{Vector{Name: "audit-tail-and-head-cut", About: "the last record and the signed head cut", Exit: 1, Reason: "head-mismatch"},
			with(lines[0], lines[1], lines[2], lines[3])},
		{Vector{Name: "audit-head-swapped-key", About: "the head signed by a key not in the set", Exit: 1, Reason: "unknown-key"},
			append(slices.Clone(lines), headLine(g.intruder, receipt.TypeHead, last))},
		{Vector{Name: "audit-head-typ-receipt", About: "the head signed as a receipt", Exit: 1, Reason: "wrong-type"},
			append(slices.Clone(lines), headLine(g.current, receipt.TypeReceipt, last))},
	} {
		name := "audit/" + c.v.Name[len("audit-"):] + ".jsonl"
		g.write(name, append(bytes.Join(c.lines, []byte("\n")), '\n'))
		c.v.Command, c.v.Files = "audit", []string{name}
		g.add(c.v)
	}
	g.add(Vector{Name: "audit-file-absent", About: "the export file is not there", Command: "audit",
		Files: []string{"audit/absent.jsonl"}, Exit: 2, Reason: "cannot-check"})
}
