package receipt

import (
	"encoding/json"
	"fmt"
)

// Link is what makes a record one of a hash chain: the chain it belongs to,
// its place in it from 1, the hash of the record before ("" for the first)
// and its own hash.
type Link struct {
	Chain string `json:"chain"`
	Seq   int64  `json:"seq"`
	Prev  string `json:"prevHash"`
	Hash  string `json:"hash"`
}

// RecordHash is an audit record's own hash: the SHA-256 (hex) of the RFC
// 8785 form of the record as a JSON object without its "hash" member. The
// record's chain, seq and prevHash are inside what is hashed, so a record
// cannot be moved to another place or chain without its hash changing.
func RecordHash(record []byte) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(record, &m); err != nil {
		return "", fmt.Errorf("an audit record is a JSON object: %w", err)
	}
	delete(m, "hash")
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	c, err := CanonicalJSON(b)
	if err != nil {
		return "", err
	}
	return Hash(c), nil
}

// Head is a chain's signed head: its last record's place and hash when the
// head was read. An audit export ends with one, so a record cut from the
// end is detected like any other.
type Head struct {
	Region string `json:"region"`
	Chain  string `json:"chain"`
	Seq    int64  `json:"seq"`
	Hash   string `json:"hash"`
	At     string `json:"at"`
}
