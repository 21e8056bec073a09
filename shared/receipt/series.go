package receipt

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// VerifyChain checks a series of receipts, in the order given, for an
// unbroken run of one chain: each verifies as a receipt, all name the same
// chain, each seq is one more than the one before, and each prev is the
// hash of the receipt before it (a first receipt of seq 1 has prev "").
// The series may start after seq 1 (a partner keeping only recent
// receipts); what came before it is then not checked. The first broken
// place is reported, counting receipts from 1 in the order given.
func VerifyChain(receipts []string, keys *KeySet) ([]*Statement, error) {
	if len(receipts) == 0 {
		return nil, fail(ReasonCannotCheck, "no receipts were given")
	}
	sts := make([]*Statement, len(receipts))
	for i, jws := range receipts {
		jws = strings.TrimSpace(jws)
		st, err := VerifyStatement(jws, keys)
		if err != nil {
			return nil, within(fmt.Sprintf("receipt %d", i+1), err)
		}
		sts[i] = st
		if i == 0 {
			switch {
			case st.Seq < 1:
				return nil, fail(ReasonSequence, "receipt 1 has seq %d; a chain counts from 1", st.Seq)
			case st.Seq == 1 && st.Prev != "":
				return nil, fail(ReasonChainBroken, "receipt 1 is the first of its chain (seq 1) but names a receipt before it")
			}
			continue
		}
		before := sts[i-1]
		switch {
		case st.Chain != sts[0].Chain:
			return nil, fail(ReasonOtherChain, "receipt %d is of chain %q, not %q like receipt 1", i+1, st.Chain, sts[0].Chain)
		case st.Seq != before.Seq+1:
			return nil, fail(ReasonSequence, "receipt %d has seq %d; after seq %d it should be %d", i+1, st.Seq, before.Seq, before.Seq+1)
		case st.Prev != Hash([]byte(strings.TrimSpace(receipts[i-1]))):
			return nil, fail(ReasonChainBroken, "receipt %d (seq %d) does not name receipt %d as the one before it: its prev is %q", i+1, st.Seq, i, st.Prev)
		}
	}
	return sts, nil
}

// ReadReceiptDir reads every .jws file in dir, in the order of the seq
// each says it has (then by name): a folder of saved receipts has no order
// of its own. The order is read before any receipt is verified, so
// VerifyChain must still check them all. It also gives the files' names.
func ReadReceiptDir(dir string) (receipts, names []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fail(ReasonCannotCheck, "the folder of receipts cannot be read: %v", err)
	}
	type saved struct {
		name, jws string
		seq       int64
	}
	var all []saved
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".jws" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, fail(ReasonCannotCheck, "%s cannot be read: %v", e.Name(), err)
		}
		all = append(all, saved{name: e.Name(), jws: strings.TrimSpace(string(b)), seq: claimedSeq(string(b))})
	}
	slices.SortStableFunc(all, func(a, b saved) int { return cmp.Compare(a.seq, b.seq) })
	for _, s := range all {
		receipts, names = append(receipts, s.jws), append(names, s.name)
	}
	return receipts, names, nil
}

// claimedSeq is the seq a receipt's payload says, unverified; 0 when it
// cannot be read.
func claimedSeq(jws string) int64 {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	var st struct {
		Seq int64 `json:"seq"`
	}
	if len(parts) == 3 {
		if b, err := b64.DecodeString(parts[1]); err == nil {
			json.Unmarshal(b, &st)
		}
	}
	return st.Seq
}
