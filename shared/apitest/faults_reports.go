package apitest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/faults"
)

// reportSignOffSteps are the calls of a report's sign-off: the report's
// records, the locks and the fund-year are read together, then one
// transaction writes the signature and its audit records.
var reportSignOffSteps = []faultStep{
	{name: "report records read", when: func(k faultKey) faults.Match {
		return faults.Item(faults.Query, faultRegionPK, "REPORT#"+Fund+"#"+k.quarter+"#")
	}},
	{name: "quarter lock read", when: func(k faultKey) faults.Match { return faults.Key(faultRegionPK, faultLockSK(Fund, k.quarter)) }},
	{name: "fund-year read", when: func(k faultKey) faults.Match { return faults.Item(faults.Query, "F#"+WW+"#"+Fund+"#"+k.year(), "") }},
	{name: "transaction", when: func(faultKey) faults.Match { return faults.Item(faults.Transact, faultRegionPK, "REPORT#") }, lands: true},
}

// testFaultsDuringReportSignOff: a fault at any step of a report's
// sign-off leaves it signed, with its audit record, or not at all (signed
// only when the transaction's answer was lost), and a retry with the same
// Idempotency-Key leaves exactly one signature.
func testFaultsDuringReportSignOff(t *testing.T, e *Env) {
	qs := fundQuarters()
	eachStepFault(t, reportSignOffSteps, func(t *testing.T, i int, st faultStep, f faults.Fault) string {
		k := faultKey{partner: Carm, quarter: qs[i]}
		fe, clean, plan := faultEnvs(t, e.Backend)
		tok := clean.PartnerToken(WW, k.partner)
		path := "/v1/regions/" + WW + "/funds/" + Fund + "/reports/" + k.quarter
		first := clean.Get(path, tok)
		expectStatus(t, first, 200)
		sign := func() *Resp {
			return fe.Do(Req{Method: "POST", Path: path + "/signoffs", Token: tok, Body: []byte(`{"signatory":"Jane Jones","role":"chief-finance-officer"}`),
				Header: map[string]string{"If-Match": first.Header.Get("ETag"), "Idempotency-Key": "report-" + k.quarter}})
		}
		// signed is how many signatures the report lists and how many
		// report.signed records the partner's audit trail holds of it.
		signed := func() (listed, audited int) {
			var d struct{ SignOffs []any }
			r := clean.Get(path, tok)
			expectStatus(t, r, 200)
			if err := json.Unmarshal(r.Body, &d); err != nil {
				t.Fatal(err)
			}
			for _, a := range auditTrail(t, clean, tok) {
				if a.Action == "report.signed" && a.Target.Quarter == k.quarter {
					audited++
				}
			}
			return len(d.SignOffs), audited
		}
		r, landed := injectOnce(t, plan, st, k, f, sign)
		want := 0
		if landed {
			want = 1
		}
		if listed, audited := signed(); listed != want || audited != want {
			t.Errorf("after the fault: %d signatures listed, %d audited; want %d\n%s", listed, audited, want, plan.Log())
		}
		retry := sign()
		switch {
		case retry.Status == 201:
		case retry.Status == 409 && landed: // it was signed: the retry is told so
		default:
			t.Errorf("retry: %d %s", retry.Status, retry.Body)
		}
		if listed, audited := signed(); listed != 1 || audited != 1 {
			t.Errorf("after the retry: %d signatures listed, %d audited", listed, audited)
		}
		return fmt.Sprintf("%-26s %-26s %-12s → %s; retry %s", "report sign-off", st.name, f.Kind, answerLabel(r), answerLabel(retry))
	})
}
