package service

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func randomRecord(rng *rand.Rand) VersionRecord {
	text := func() string {
		return []string{"", "west-wales", "é 日本 🙂", "a\x00b", "quote \" and \\"}[rng.IntN(5)]
	}
	at := func() time.Time { return time.UnixMilli(rng.Int64N(4e12)).UTC() }
	r := VersionRecord{Region: text(), Partner: text(), Kind: submission.Kinds[rng.IntN(4)], KeyValues: [2]string{text(), text()},
		Version: rng.IntN(1 << 30), ReceivedAt: at(), ReceivedBy: Actor{Sub: text(), Name: text()}, SHA256: text(), RawSHA256: text(),
		ReceiptID: text(), RequestID: text(), FirstReceivedAt: at(), Warnings: []submission.Warning{}}
	for range rng.IntN(3) {
		r.Warnings = append(r.Warnings, submission.Warning{Code: text(), Message: text(), Pointer: text()})
	}
	if rng.IntN(2) == 0 {
		r.SignOff = &SignOff{Signatory: text(), Role: text(), At: at(), By: Actor{Sub: text(), Name: text()}}
	}
	if rng.IntN(2) == 0 {
		s := &submission.Summary{Final: rng.IntN(2) == 0}
		for range rng.IntN(3) {
			s.Cells = append(s.Cells, submission.SummaryCell{Discipline: text(), AreaCode: text(),
				Amount: money.Pence(rng.Int64() - rng.Int64()), Actual: money.Pence(rng.Int64N(1e12)), Forecast: -money.Pence(rng.Int64N(1e12))})
		}
		if rng.IntN(2) == 0 {
			s.Actuals = map[string]money.Pence{text() + "x": money.Pence(rng.Int64N(1e12)), "y": 0}
		}
		r.Summary = s
	}
	return r
}

// Every record reads back as written, and is stored as JSON a person can
// read (the DynamoDB console, a point-in-time-recovery export).
func TestRecordRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 2000 {
		r := randomRecord(rng)
		data := EncodeRecord(r)
		if !json.Valid(data) || data[0] != '{' {
			t.Fatalf("case %d: stored form is not a JSON object: %q", i, data)
		}
		got, err := decodeRecord(data)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if mustJSON(got) != mustJSON(r) {
			t.Fatalf("case %d:\n wrote %s\n  read %s", i, mustJSON(r), mustJSON(got))
		}
	}
}

// A stored record's money and figures are readable text in its JSON.
func TestRecordIsReadable(t *testing.T) {
	r := VersionRecord{Region: "r", Partner: "p", Kind: submission.QuarterlyReturns, KeyValues: [2]string{"f", "2019-20-Q1"}, Version: 3,
		Summary: &submission.Summary{Cells: []submission.SummaryCell{{Discipline: "d", AreaCode: "a", Actual: 1234567}}}}
	s := string(EncodeRecord(r))
	for _, want := range []string{`"partner":"p"`, `"version":3`, `"keyValues":["f","2019-20-Q1"]`, `"actual":"12345.67"`} {
		if !strings.Contains(s, want) {
			t.Errorf("stored record %s lacks %s", s, want)
		}
	}
}

// Records written in the earlier binary form still read, as they were.
func TestLegacyBinaryRecordsRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 2000 {
		r := randomRecord(rng)
		got, err := decodeRecord(encodeLegacy(r))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if mustJSON(got) != mustJSON(r) {
			t.Fatalf("case %d:\n wrote %s\n  read %s", i, mustJSON(r), mustJSON(got))
		}
	}
}

// A damaged record is an error, not a panic, in either form.
func TestRecordRefusesDamage(t *testing.T) {
	r := randomRecord(rand.New(rand.NewPCG(1, 1)))
	for _, data := range [][]byte{EncodeRecord(r), encodeLegacy(r)} {
		for cut := range len(data) {
			if _, err := decodeRecord(data[:cut]); err == nil {
				t.Errorf("a record cut to %d of %d bytes decoded", cut, len(data))
			}
		}
	}
	if _, err := decodeRecord(append(encodeLegacy(r), 0)); err == nil {
		t.Error("trailing bytes accepted")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(EncodeRecord(randomRecord(rand.New(rand.NewPCG(2, 3)))))
	f.Add(encodeLegacy(randomRecord(rand.New(rand.NewPCG(2, 3)))))
	f.Add([]byte{legacyRecordFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeRecord(data) // never panics, never allocates beyond its input's promise
	})
}

// What the fund-year partition keeps of a record reads back as the
// position needs it, from records in either stored form.
func TestPositionRecordAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for i := range 2000 {
		r := randomRecord(rng)
		for _, data := range [][]byte{EncodeRecord(r), encodeLegacy(r)} {
			rec, err := decodeRecord(data)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			got, err := DecodePositionRecord(Encode(PositionRecordOf(rec)))
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			if mustJSON(got) != mustJSON(PositionRecordOf(r)) {
				t.Fatalf("case %d:\n got %s\nwant %s", i, mustJSON(got), mustJSON(PositionRecordOf(r)))
			}
		}
	}
}

// encodeLegacy writes the binary form records had before they were stored as
// JSON, as the code of that time wrote it, so that the reader of old records
// is tested against what is really in tables.
func encodeLegacy(r VersionRecord) []byte {
	buf := []byte{legacyRecordFormat}
	str := func(ss ...string) {
		for _, s := range ss {
			buf = binary.AppendUvarint(buf, uint64(len(s)))
			buf = append(buf, s...)
		}
	}
	num := func(is ...int64) {
		for _, i := range is {
			buf = binary.AppendVarint(buf, i)
		}
	}
	flag := func(b bool) {
		if b {
			buf = append(buf, 1)
		} else {
			buf = append(buf, 0)
		}
	}
	str(r.Region, r.Partner, string(r.Kind), r.KeyValues[0], r.KeyValues[1])
	num(int64(r.Version), r.ReceivedAt.UnixMilli())
	str(r.ReceivedBy.Sub, r.ReceivedBy.Name, r.SHA256, r.RawSHA256, r.ReceiptID, r.RequestID)
	num(r.FirstReceivedAt.UnixMilli(), int64(len(r.Warnings)))
	for _, x := range r.Warnings {
		str(x.Code, x.Message, x.Pointer)
	}
	flag(r.SignOff != nil)
	if s := r.SignOff; s != nil {
		str(s.Signatory, s.Role, s.By.Sub, s.By.Name)
		num(s.At.UnixMilli())
	}
	flag(r.Summary != nil)
	if s := r.Summary; s != nil {
		num(int64(len(s.Cells)))
		for _, c := range s.Cells {
			str(c.Discipline, c.AreaCode)
			num(int64(c.Amount), int64(c.Actual), int64(c.Forecast))
		}
		flag(s.Final)
		keys := make([]string, 0, len(s.Actuals))
		for k := range s.Actuals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		num(int64(len(keys)))
		for _, k := range keys {
			str(k)
			num(int64(s.Actuals[k]))
		}
	}
	return buf
}
