package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// receiptKeys fetches the published JWK set as a partner would, without a
// token, and checks it may be cached.
func receiptKeys(t *testing.T, e *Env) *receipt.KeySet {
	t.Helper()
	r := e.Get("/v1/receipt-keys", "")
	expectStatus(t, r, 200)
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") || strings.Contains(cc, "no-store") {
		t.Errorf("receipt keys Cache-Control %q: want them cacheable", cc)
	}
	ks, err := receipt.ParseKeySet(r.Body)
	if err != nil {
		t.Fatalf("receipt keys: %v: %s", err, r.Body)
	}
	return ks
}

// receiptOf is a write's answer's receipt: the version's receipt.jws, or
// the record's receipt.
func receiptOf(t *testing.T, r *Resp) string {
	t.Helper()
	var v struct {
		Receipt json.RawMessage `json:"receipt"`
		SignOff *struct {
			Receipt string `json:"receipt"`
		} `json:"signOff"`
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("answer: %v: %s", err, r.Body)
	}
	if v.SignOff != nil && v.SignOff.Receipt != "" {
		return v.SignOff.Receipt
	}
	var jws string
	if json.Unmarshal(v.Receipt, &jws) == nil && jws != "" {
		return jws
	}
	var obj struct{ JWS string }
	json.Unmarshal(v.Receipt, &obj)
	if obj.JWS == "" {
		t.Fatalf("no receipt in the answer: %s", r.Body)
	}
	return obj.JWS
}

func statementOf(t *testing.T, jws string, keys *receipt.KeySet) *receipt.Statement {
	t.Helper()
	st, err := receipt.VerifyStatement(jws, keys)
	if err != nil {
		t.Fatalf("receipt does not verify: %v", err)
	}
	return st
}

// testReceiptsVerifyOffline: a receipt from a real PUT verifies with only
// the published JWK set and the body the partner sent; one byte changed in
// either and it fails; later reads return it; each write's receipt names
// the one before; sign-offs, locks and unlocks are receipted too.
func testReceiptsVerifyOffline(t *testing.T, e *Env) {
	carm := e.PartnerToken(WW, Carm)
	body := withCommentary(t, "receipted")
	put := e.Put(QRPath, carm, body)
	expectStatus(t, put, 201)
	keys := receiptKeys(t, e)
	jws := receiptOf(t, put)
	st := statementOf(t, jws, keys)
	if st.Region != WW || st.Partner != Carm || st.Action != "submission.version-created" || st.Chain != "partner:"+Carm ||
		st.About["kind"] != "quarterly-returns" || st.About["version"] != float64(1) || st.By.Sub == "" {
		t.Errorf("statement %+v does not say what was received from whom", st)
	}
	if st.RawSHA256 != receipt.Hash(body) {
		t.Errorf("rawSha256 %s is not the SHA-256 of the bytes sent", st.RawSHA256)
	}
	tampered := bytes.Replace(body, []byte("receipted"), []byte("receipteD"), 1)
	if st.RawSHA256 == receipt.Hash(tampered) {
		t.Errorf("a changed byte of the body still matches the receipt")
	}
	var got struct {
		Document json.RawMessage
		SHA256   string
	}
	get := e.Get(QRPath, carm)
	json.Unmarshal(get.Body, &got)
	canon, err := receipt.CanonicalJSON(got.Document)
	if err != nil || st.ContentSHA256 != receipt.Hash(canon) || st.ContentSHA256 != got.SHA256 {
		t.Errorf("contentSha256 %s is not the SHA-256 of the canonical document (%v)", st.ContentSHA256, err)
	}
	if later := receiptOf(t, get); later != jws {
		t.Errorf("a later read returns another receipt")
	}
	parts := strings.Split(jws, ".")
	for i, part := range parts {
		b := []byte(part)
		b[len(b)/2] ^= 1
		if b[len(b)/2] == '.' || b[len(b)/2] > 'z' {
			b[len(b)/2] = 'A'
		}
		changed := slices.Clone(parts)
		changed[i] = string(b)
		if _, err := receipt.Verify(strings.Join(changed, "."), keys); err == nil {
			t.Errorf("a receipt with part %d changed still verifies", i)
		}
	}

	next := e.Put(QRPath, carm, withCommentary(t, "receipted again"))
	expectStatus(t, next, 201)
	st2 := statementOf(t, receiptOf(t, next), keys)
	if st2.Seq != st.Seq+1 || st2.Prev != receipt.Hash([]byte(jws)) {
		t.Errorf("the next receipt (seq %d, prev %s) does not follow the first (seq %d, hash %s)", st2.Seq, st2.Prev, st.Seq, receipt.Hash([]byte(jws)))
	}
	signed := e.Do(Req{Method: "POST", Path: QRPath + "/signoff", Token: carm,
		Body: []byte(`{"signatory":"Jane Jones","role":"Chief Finance Officer (S151)"}`), Header: map[string]string{"If-Match": `"2"`}})
	expectStatus(t, signed, 200)
	so := statementOf(t, receiptOf(t, signed), keys)
	if so.Action != "quarterly-return.signed-off" || so.Seq != st2.Seq+1 || so.ContentSHA256 != st2.ContentSHA256 {
		t.Errorf("sign-off receipt %+v", so)
	}

	rcu := e.RCUToken(WW)
	lockPath := "/v1/regions/west-wales/funds/care-homes-older-people/periods/2018-19-Q4/lock"
	lock := e.Do(Req{Method: "PUT", Path: lockPath, Token: rcu})
	expectStatus(t, lock, 201)
	unlock := e.Do(Req{Method: "DELETE", Path: lockPath, Token: rcu, Header: map[string]string{"Reason": "receipts"}})
	expectStatus(t, unlock, 200)
	ls, us := statementOf(t, receiptOf(t, lock), keys), statementOf(t, receiptOf(t, unlock), keys)
	if ls.Chain != receipt.RegionChain || ls.Partner != "" || us.Action != "period.unlocked" || us.Prev != receipt.Hash([]byte(receiptOf(t, lock))) {
		t.Errorf("lock %+v and unlock %+v receipts are not the region's, one after the other", ls, us)
	}
}

// testAuditChainExport: a partner's and the region's audit exports are
// unbroken chains ending in a signed head, and every kind of tampering
// breaks them.
func testAuditChainExport(t *testing.T, e *Env) {
	carm := e.PartnerToken(WW, Carm)
	for i := range 3 {
		expectStatus(t, e.Put(QRPath, carm, withCommentary(t, fmt.Sprint("chain ", i))), 201)
	}
	rcu := e.RCUToken(WW)
	expectStatus(t, e.Do(Req{Method: "PUT", Path: "/v1/regions/west-wales/funds/care-homes-older-people/periods/2018-19-Q4/lock", Token: rcu}), 201)
	keys := receiptKeys(t, e)

	own := e.Get("/v1/regions/west-wales/audit/export", carm)
	expectStatus(t, own, 200)
	if ct := own.Header.Get("Content-Type"); ct != "application/jsonl" {
		t.Errorf("Content-Type %q", ct)
	}
	lines := auditLines(own.Body)
	if len(lines) != 4 {
		t.Fatalf("partner's export has %d lines, want 3 records and a head: %s", len(lines), own.Body)
	}
	if err := checkAuditExport(lines, keys); err != nil {
		t.Errorf("the partner's export does not verify: %v", err)
	}
	region := e.Get("/v1/regions/west-wales/audit/export", rcu)
	if err := checkAuditExport(auditLines(region.Body), keys); err != nil || !strings.Contains(string(region.Body), "period.locked") ||
		strings.Contains(string(region.Body), "version-created") {
		t.Errorf("the region's export (its own records) does not verify (%v): %s", err, region.Body)
	}
	expectStatus(t, e.Get("/v1/regions/west-wales/audit/export?partner=ceredigion", carm), 403)
	expectStatus(t, e.Get("/v1/regions/cheshire-west/audit/export", rcu), 403)

	tampers := map[string]func([][]byte) [][]byte{
		"one byte edited": func(l [][]byte) [][]byte {
			l[1] = bytes.Replace(l[1], []byte("version-created"), []byte("version-createD"), 1)
			return l
		},
		"a record removed":    func(l [][]byte) [][]byte { return slices.Delete(l, 1, 2) },
		"a record repeated":   func(l [][]byte) [][]byte { return slices.Insert(l, 1, l[1]) },
		"two records swapped": func(l [][]byte) [][]byte { l[0], l[1] = l[1], l[0]; return l },
		"the last record cut": func(l [][]byte) [][]byte { return slices.Delete(l, 2, 3) },
		"the head removed":    func(l [][]byte) [][]byte { return l[:3] },
	}
	for name, tamper := range tampers {
		if err := checkAuditExport(tamper(auditLines(own.Body)), keys); err == nil {
			t.Errorf("%s: the export still verifies", name)
		}
	}
}

// testConcurrentChain: 50 writers of one partner at once leave one
// unbroken chain of records and of receipts.
func testConcurrentChain(t *testing.T, e *Env) {
	const n = 50
	carm := e.PartnerToken(WW, Carm)
	jws := putAtOnce(t, n, func(i int) (*Env, string, []byte) {
		return e, QRPath, withCommentary(t, fmt.Sprint("writer ", i))
	}, carm)
	keys := receiptKeys(t, e)
	checkSeries(t, jws, keys)
	lines := auditLines(e.Get("/v1/regions/west-wales/audit/export", carm).Body)
	if len(lines) != n+1 {
		t.Errorf("export has %d lines, want %d records and a head", len(lines), n)
	}
	if err := checkAuditExport(lines, keys); err != nil {
		t.Errorf("after %d concurrent writers: %v", n, err)
	}
}

// testBurstTakesTurns: a burst of one partner's writes, each to its own
// return, runs one transaction each: a writer waits for the one before it
// and links to the head it moved, rather than signing against a head that
// is gone, losing the race and running again.
func testBurstTakesTurns(t *testing.T, e *Env) {
	carm := e.PartnerToken(WW, Carm)
	quarters := []string{"2018-19-Q1", "2018-19-Q2", "2018-19-Q3", "2018-19-Q4", "2019-20-Q1", "2019-20-Q2", "2019-20-Q3", "2019-20-Q4"}
	before := e.Calls.Transactions()
	jws := putAtOnce(t, len(quarters), func(i int) (*Env, string, []byte) {
		q := quarters[i]
		return e, QRPath[:strings.LastIndex(QRPath, "/")+1] + q, Edit(t, withCommentary(t, q), func(m map[string]any) { m["quarter"] = q })
	}, carm)
	if got := e.Calls.Transactions() - before; got != int64(len(quarters)) {
		t.Errorf("%d writes ran %d transactions: writers raced at the chain instead of taking turns", len(quarters), got)
	}
	checkSeries(t, jws, receiptKeys(t, e))
}

// testTwoProcessesOneChain: writers of one partner split between two
// processes of the deployment (which take no turns with each other) still
// leave one unbroken chain: the head's condition decides, and a head handed
// on within a process is used only when it is newer than the one read.
func testTwoProcessesOneChain(t *testing.T, e *Env) {
	const n = 24
	twin := e.Twin()
	carm := e.PartnerToken(WW, Carm)
	jws := putAtOnce(t, n, func(i int) (*Env, string, []byte) {
		if i%2 == 1 {
			return twin, QRPath, withCommentary(t, fmt.Sprint("writer ", i))
		}
		return e, QRPath, withCommentary(t, fmt.Sprint("writer ", i))
	}, carm)
	keys := receiptKeys(t, e)
	checkSeries(t, jws, keys)
	if err := checkAuditExport(auditLines(e.Get("/v1/regions/west-wales/audit/export", carm).Body), keys); err != nil {
		t.Errorf("after writers in two processes: %v", err)
	}
}

// putAtOnce sends n PUTs at once, the i-th where, at the path and with the
// body write(i) says, and answers each one's receipt ("" for one refused,
// which fails the test).
func putAtOnce(t *testing.T, n int, write func(i int) (*Env, string, []byte), token string) []string {
	t.Helper()
	jws := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			on, path, body := write(i)
			r := on.Put(path, token, body)
			if r.Status != 201 {
				t.Errorf("writer %d: %d %s", i, r.Status, r.Body)
				return
			}
			jws[i] = receiptOf(t, r)
		})
	}
	wg.Wait()
	return jws
}

// checkSeries: the receipts, in any order, are one series: seq 1 to n, each
// naming the one before it.
func checkSeries(t *testing.T, jws []string, keys *receipt.KeySet) {
	t.Helper()
	bySeq := map[int64]string{}
	for _, j := range jws {
		if j == "" {
			continue
		}
		st := statementOf(t, j, keys)
		if _, dup := bySeq[st.Seq]; dup {
			t.Errorf("two receipts with seq %d: the chain forked", st.Seq)
		}
		bySeq[st.Seq] = j
	}
	for seq := int64(2); seq <= int64(len(jws)); seq++ {
		if bySeq[seq] == "" || bySeq[seq-1] == "" {
			t.Errorf("no receipt with seq %d or %d", seq-1, seq)
			continue
		}
		if statementOf(t, bySeq[seq], keys).Prev != receipt.Hash([]byte(bySeq[seq-1])) {
			t.Errorf("receipt %d does not name receipt %d", seq, seq-1)
		}
	}
}

func auditLines(body []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		out = append(out, slices.Clone(l))
	}
	return out
}

// checkAuditExport checks an audit export's lines as a third party
// would, with the offline verifier's own check.
func checkAuditExport(lines [][]byte, keys *receipt.KeySet) error {
	_, err := receipt.VerifyAuditExport(bytes.NewReader(append(bytes.Join(lines, []byte("\n")), '\n')), keys)
	return err
}
