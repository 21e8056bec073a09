package receipt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// AuditExport is what a verified audit export holds: its signed head and
// how many records lead up to it.
type AuditExport struct {
	Head    Head
	Kid     string
	Records int64
}

// VerifyAuditExport checks an audit export (GET .../audit/export): JSON
// lines, one stored record per line in chain order, then a last line
// {"head": <compact JWS of the chain's signed Head>}. Each record's hash
// must be the hash of its content, its chain the first record's, its seq
// one more than the line before (from 1) and its prevHash the hash of the
// line before ("" for the first). The head must verify and name the last
// record's chain, seq and hash. So a record edited, removed, inserted or
// moved is found where the chain breaks, and one cut from the end (or a
// head cut off) because the head no longer names the last record.
func VerifyAuditExport(r io.Reader, keys *KeySet) (*AuditExport, error) {
	br := bufio.NewReader(r)
	var last Link
	var head *string
	for n := 1; ; n++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, fail(ReasonCannotCheck, "reading line %d: %v", n, rerr)
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if head != nil {
				return nil, fail(ReasonHeadMismatch, "line %d follows the signed head, which must be the last line", n)
			}
			rec, h, err := auditLine(line, last, n)
			if err != nil {
				return nil, err
			}
			if h != nil {
				head = h
			} else {
				last = *rec
			}
		}
		if rerr != nil {
			break
		}
	}
	if head == nil {
		return nil, fail(ReasonHeadMismatch, "the export does not end with a signed head, so records cut from its end could not be detected")
	}
	v, err := Verify(*head, keys)
	if err != nil {
		return nil, within("the signed head", err)
	}
	if v.Typ != TypeHead {
		return nil, fail(ReasonWrongType, "the signed head's typ is %q, not %q", v.Typ, TypeHead)
	}
	var h Head
	if err := json.Unmarshal(v.Payload, &h); err != nil {
		return nil, fail(ReasonMalformed, "the signed head is not a chain head: %v", err)
	}
	if (last.Seq > 0 && h.Chain != last.Chain) || h.Seq != last.Seq || h.Hash != last.Hash {
		return nil, fail(ReasonHeadMismatch, "the signed head names chain %q seq %d hash %s, but the last record is chain %q seq %d hash %s",
			h.Chain, h.Seq, h.Hash, last.Chain, last.Seq, last.Hash)
	}
	return &AuditExport{Head: h, Kid: v.Kid, Records: last.Seq}, nil
}

// auditLine reads line n: the signed head's JWS when it is the head, else
// the record, checked against the one before it.
func auditLine(line []byte, before Link, n int) (*Link, *string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(line, &members); err != nil {
		return nil, nil, fail(ReasonMalformed, "line %d is not a JSON object: %v", n, err)
	}
	if raw, ok := members["head"]; ok && len(members) == 1 {
		var head string
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, nil, fail(ReasonMalformed, "line %d: the head is not a string", n)
		}
		return nil, &head, nil
	}
	var l Link
	if err := json.Unmarshal(line, &l); err != nil || l.Chain == "" || l.Hash == "" {
		return nil, nil, fail(ReasonMalformed, "line %d is not an audit record with chain, seq, prevHash and hash", n)
	}
	hash, err := RecordHash(line)
	if err != nil {
		return nil, nil, fail(ReasonMalformed, "line %d: %v", n, err)
	}
	where := fmt.Sprintf("line %d (seq %d)", n, l.Seq)
	switch {
	case hash != l.Hash:
		return nil, nil, fail(ReasonRecordEdited, "%s: the record's content hashes to %s, not its hash %s", where, hash, l.Hash)
	case before.Seq > 0 && l.Chain != before.Chain:
		return nil, nil, fail(ReasonOtherChain, "%s is of chain %q, not %q like the records before it", where, l.Chain, before.Chain)
	case before.Seq == 0 && l.Seq != 1:
		return nil, nil, fail(ReasonSequence, "%s: the first record should be seq 1", where)
	case l.Seq != before.Seq+1:
		return nil, nil, fail(ReasonSequence, "%s: after seq %d it should be seq %d", where, before.Seq, before.Seq+1)
	case l.Prev != before.Hash:
		return nil, nil, fail(ReasonChainBroken, "%s: its prevHash %q is not the hash of the record before it, %q", where, l.Prev, before.Hash)
	}
	return &l, nil, nil
}
