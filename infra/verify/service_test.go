package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apitest"
)

// What the service itself gives a partner, an RCU and government — its
// key set, receipts of real writes, audit exports, exports in every format
// — verifies with the verifier alone, saved to files as a partner would
// save them; a byte changed in any of them does not.
func TestTheServicesOwnOutputsVerify(t *testing.T) {
	e := apitest.NewEnv(t, apitest.Embedded(t, t.TempDir()))
	dir := t.TempDir()
	save := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	verify := func(want int, says string, args ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		args = append(args, "--keys", filepath.Join(dir, "jwks.json"))
		if code := run(args, &out, &errOut); code != want || !strings.Contains(out.String(), says) {
			t.Errorf("verify %s: exit %d, want %d saying %q:\n%s%s", strings.Join(args, " "), code, want, says, out.String(), errOut.String())
		}
	}
	keys := e.Get("/v1/receipt-keys", "")
	if keys.Status != 200 {
		t.Fatalf("receipt keys: %d %s", keys.Status, keys.Body)
	}
	save("jwks.json", keys.Body)

	carm := e.PartnerToken(apitest.WW, apitest.Carm)
	sent := apitest.Example(t, "quarterly-return.json")
	var chain []string
	for i, body := range [][]byte{sent, apitest.Edit(t, sent, func(m map[string]any) { m["commentary"] = "corrected" })} {
		r := e.Put(apitest.QRPath, carm, body)
		if r.Status != 201 {
			t.Fatalf("PUT: %d %s", r.Status, r.Body)
		}
		var answer struct{ Receipt struct{ JWS string } }
		if json.Unmarshal(r.Body, &answer); answer.Receipt.JWS == "" {
			t.Fatalf("no receipt.jws in the answer: %s", r.Body)
		}
		chain = append(chain, save("receipts/"+string(rune('1'+i))+".jws", []byte(answer.Receipt.JWS)))
	}
	verify(exitValid, "by its exact bytes", "receipt", "--receipt", chain[0], "--document", save("sent.json", sent))
	verify(exitInvalid, "INVALID (content-mismatch)", "receipt", "--receipt", chain[0],
		"--document", save("sent-changed.json", bytes.Replace(sent, []byte("Llanelli"), []byte("Llaneli "), 1)))
	var read struct{ Document json.RawMessage }
	json.Unmarshal(e.Get(apitest.QRPath+"/versions/2", carm).Body, &read)
	if len(read.Document) == 0 {
		t.Fatal("version 2 read back has no document")
	}
	verify(exitValid, "by its content", "receipt", "--receipt", chain[1], "--document", save("read-back.json", read.Document))
	verify(exitValid, "VALID: 2 receipts", "chain", chain[0], chain[1])
	verify(exitValid, "VALID: 2 receipts", "chain", "--dir", filepath.Join(dir, "receipts"))
	verify(exitInvalid, "INVALID (sequence-gap)", "chain", chain[1], chain[0])

	own := e.Get("/v1/regions/west-wales/audit/export", carm)
	verify(exitValid, "VALID: the audit export", "audit", save("audit.jsonl", own.Body))
	lines := bytes.SplitAfter(own.Body, []byte("\n"))
	verify(exitInvalid, "INVALID (head-mismatch)", "audit", save("audit-cut.jsonl", bytes.Join(append(lines[:1:1], lines[2:]...), nil)))
	verify(exitInvalid, "INVALID (record-edited)", "audit", save("audit-edited.jsonl", bytes.Replace(own.Body, []byte("version-created"), []byte("version-createD"), 1)))

	gov := e.GovToken()
	for _, format := range []string{"csv", "json", "xlsx"} {
		folder := filepath.Join("export-"+format, "")
		for name, b := range exportFiles(t, e, gov, format) {
			save(filepath.Join(folder, name), b)
		}
		verify(exitValid, "Receipts: 1 of the 1 versions it includes have one", "export", filepath.Join(dir, folder))
		save(filepath.Join(folder, "notes.txt"), []byte("mine"))
		verify(exitInvalid, "INVALID (file-unlisted)", "export", filepath.Join(dir, folder))
	}
}

// exportFiles asks for West Wales's 2018-19 export in format and downloads
// its files, as government would.
func exportFiles(t *testing.T, e *apitest.Env, token, format string) map[string][]byte {
	t.Helper()
	r := e.Do(apitest.Req{Method: "POST", Path: "/v1/exports", Token: token,
		Body: []byte(`{"region":"west-wales","financialYear":"2018-19","format":"` + format + `"}`)})
	if r.Status != 201 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	var d struct {
		ExportID, State string
		Downloads       []struct{ Name, URL string }
	}
	json.Unmarshal(r.Body, &d)
	for deadline := time.Now().Add(20 * time.Second); d.State != "ready"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("export %s still %s", d.ExportID, d.State)
		}
		json.Unmarshal(e.Get("/v1/exports/"+d.ExportID, token).Body, &d)
	}
	files := map[string][]byte{}
	for _, dl := range d.Downloads {
		status, body := e.SendPresigned("GET", dl.URL, nil, nil)
		if status != 200 {
			t.Fatalf("download %s: %d", dl.Name, status)
		}
		files[dl.Name] = body
	}
	return files
}
