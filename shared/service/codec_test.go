package service

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
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

// Every record reads back as written, and means the same as its JSON.
func TestRecordCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 2000 {
		r := randomRecord(rng)
		got, err := decodeRecord(encodeRecord(r))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Fatalf("case %d:\n wrote %s\n  read %s", i, a, b)
		}
	}
}

// A record stored as JSON still reads; a damaged one is an error, not a panic.
func TestRecordCodecRefusesDamage(t *testing.T) {
	r := randomRecord(rand.New(rand.NewPCG(1, 1)))
	js, _ := json.Marshal(r)
	if got, err := decodeRecord(js); err != nil || !reflect.DeepEqual(mustJSON(got), mustJSON(r)) {
		t.Fatalf("JSON record: %v", err)
	}
	data := encodeRecord(r)
	for cut := range len(data) {
		if _, err := decodeRecord(data[:cut]); err == nil {
			t.Errorf("a record cut to %d of %d bytes decoded", cut, len(data))
		}
	}
	if _, err := decodeRecord(append(append([]byte{}, data...), 0)); err == nil {
		t.Error("trailing bytes accepted")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(randomRecord(rand.New(rand.NewPCG(2, 3)))))
	f.Add([]byte{recordFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeRecord(data) // never panics, never allocates beyond its input's promise
	})
}

// The position's partial read agrees with the whole record.
func TestPositionRecordAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for i := range 2000 {
		r := randomRecord(rng)
		got, err := decodePositionRecord(encodeRecord(r))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if mustJSON(got) != mustJSON(positionOf(r)) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, mustJSON(got), mustJSON(positionOf(r)))
		}
	}
}
