package receipttest

// chain writes a folder of the chain's receipts (their names in another
// order than their seqs) and the series' vectors.
func (g *gen) chain() {
	r := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = "receipts/" + n + ".jws"
		}
		return out
	}
	for _, n := range []string{"qr-v1", "qr-v2", "qr-signoff", "pc-v1"} {
		g.write("chain/"+n+".jws", []byte(g.r[n+".jws"]))
		if n != "qr-signoff" {
			g.write("chain-gap/"+n+".jws", []byte(g.r[n+".jws"]))
		}
	}
	for _, v := range []Vector{
		{Name: "chain-valid", About: "four receipts of one partner's chain, the first signed before the key was rotated",
			Files: r("qr-v1", "qr-v2", "qr-signoff", "pc-v1")},
		{Name: "chain-folder", About: "the same receipts as a folder, put in order by their seq",
			Files: []string{"chain"}},
		{Name: "chain-from-the-middle", About: "a partner keeping only its later receipts: the series starts at seq 2",
			Files: r("qr-v2", "qr-signoff", "pc-v1")},
		{Name: "chain-removed", About: "receipt 3 of 4 left out",
			Files: r("qr-v1", "qr-v2", "pc-v1"), Exit: 1, Reason: "sequence-gap"},
		{Name: "chain-folder-removed", About: "a folder from which receipt 3 was removed",
			Files: []string{"chain-gap"}, Exit: 1, Reason: "sequence-gap"},
		{Name: "chain-reordered", About: "receipts 2 and 3 swapped",
			Files: r("qr-v1", "qr-signoff", "qr-v2", "pc-v1"), Exit: 1, Reason: "sequence-gap"},
		{Name: "chain-inserted", About: "a receipt of the region's own chain put in the partner's",
			Files: r("qr-v1", "qr-v2", "region-lock", "qr-signoff"), Exit: 1, Reason: "other-chain"},
		{Name: "chain-forked", About: "another receipt 2, validly signed: receipt 3 does not follow on from it",
			Files: r("qr-v1", "qr-v2-fork", "qr-signoff"), Exit: 1, Reason: "chain-broken"},
		{Name: "chain-tampered-receipt", About: "one byte of receipt 2's statement changed",
			Files: r("qr-v1", "qr-v2.payload-byte-changed", "qr-signoff"), Exit: 1, Reason: "bad-signature"},
		{Name: "chain-swapped-key", About: "receipt 2 signed by a key not in the set",
			Files: r("qr-v1", "qr-v2.swapped-key"), Exit: 1, Reason: "unknown-key"},
	} {
		v.Command = "chain"
		g.add(v)
	}
}
