package service

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Version records are stored as JSON, like every other record, so that a
// person can read them in the DynamoDB console, in a point-in-time-recovery
// export or in the bbolt file. Records written before that, in a compact
// positional binary form whose first byte is legacyRecordFormat, are still
// read (decodeLegacyRecord); nothing writes that form any more.
const legacyRecordFormat byte = 1

var errRecordCodec = errors.New("version record: corrupt encoding")

// EncodeRecord is a version record's stored form.
func EncodeRecord(r VersionRecord) []byte { return Encode(r) }

// decodeRecord reads a version record in either stored form.
func decodeRecord(data []byte) (VersionRecord, error) {
	if len(data) > 0 && data[0] == legacyRecordFormat {
		return decodeLegacyRecord(data[1:])
	}
	var r VersionRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%w: %v", errRecordCodec, err)
	}
	return r, nil
}

// PositionRecord is what the fund position needs of a version record:
// what the fund-year partition keeps of each current contribution and
// return (fundyear.go), a small JSON record read on every position request.
type PositionRecord struct {
	Partner   string                   `json:"partner"`
	KeyValues [2]string                `json:"keyValues"`
	Version   int                      `json:"version"`
	SignedOff bool                     `json:"signedOff,omitempty"`
	Cells     []submission.SummaryCell `json:"cells,omitempty"`
	Final     bool                     `json:"final,omitempty"`
	// SHA256 is the version's canonical document's (a fund report names the
	// versions it uses by it).
	SHA256 string `json:"sha256,omitempty"`
	// What the fund's quarterly report shows beside the position: a return's
	// KPI values and (the host's) assurance answers, a contribution's KPI
	// plans.
	KPIs       []submission.SummaryKPI       `json:"kpis,omitempty"`
	Assurances []submission.SummaryAssurance `json:"assurances,omitempty"`
	KPIPlans   []submission.SummaryKPI       `json:"kpiPlans,omitempty"`
}

// PositionRecordOf is what the position needs of a version record: the
// fund-year copy, or (an export) the same taken from a record in hand.
func PositionRecordOf(r VersionRecord) PositionRecord {
	p := PositionRecord{Partner: r.Partner, KeyValues: r.KeyValues, Version: r.Version, SignedOff: r.SignOff != nil, SHA256: r.SHA256}
	if r.Summary != nil {
		p.Cells, p.Final = r.Summary.Cells, r.Summary.Final
		p.KPIs, p.Assurances, p.KPIPlans = r.Summary.KPIs, r.Summary.Assurances, r.Summary.KPIPlans
	}
	return p
}

// DecodePositionRecord reads a fund-year copy.
func DecodePositionRecord(data []byte) (PositionRecord, error) {
	var p PositionRecord
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("%w: %v", errRecordCodec, err)
	}
	return p, nil
}

// decodeLegacyRecord reads the binary form (after its format byte): fields
// in a fixed order, strings as a uvarint length and bytes, integers as
// varints, times as Unix milliseconds, optional parts behind a 0/1 flag.
func decodeLegacyRecord(data []byte) (VersionRecord, error) {
	var r VersionRecord
	d := legacyReader{buf: data}
	var kind string
	d.str(&r.Region, &r.Partner, &kind, &r.KeyValues[0], &r.KeyValues[1])
	r.Kind = submission.Kind(kind)
	r.Version = int(d.int())
	r.ReceivedAt = d.time()
	d.str(&r.ReceivedBy.Sub, &r.ReceivedBy.Name, &r.SHA256, &r.RawSHA256, &r.ReceiptID, &r.RequestID)
	r.FirstReceivedAt = d.time()
	r.Warnings = make([]submission.Warning, d.count())
	for i := range r.Warnings {
		d.str(&r.Warnings[i].Code, &r.Warnings[i].Message, &r.Warnings[i].Pointer)
	}
	if d.flag() {
		s := &SignOff{}
		d.str(&s.Signatory, &s.Role, &s.By.Sub, &s.By.Name)
		s.At = d.time()
		r.SignOff = s
	}
	if d.flag() {
		r.Summary = d.summary()
	}
	if d.err != nil || len(d.buf) != 0 {
		return VersionRecord{}, errRecordCodec
	}
	return r, nil
}

// legacyReader reads the binary form; the first fault sticks.
type legacyReader struct {
	buf []byte
	err error
}

func (d *legacyReader) summary() *submission.Summary {
	s := &submission.Summary{}
	s.Cells = make([]submission.SummaryCell, d.count())
	for i := range s.Cells {
		c := &s.Cells[i]
		d.str(&c.Discipline, &c.AreaCode)
		c.Amount, c.Actual, c.Forecast = money.Pence(d.int()), money.Pence(d.int()), money.Pence(d.int())
	}
	if len(s.Cells) == 0 {
		s.Cells = nil
	}
	s.Final = d.flag()
	if n := d.count(); n > 0 {
		s.Actuals = make(map[string]money.Pence, n)
		for range n {
			var k string
			d.str(&k)
			s.Actuals[k] = money.Pence(d.int())
		}
	}
	return s
}

func (d *legacyReader) str(ps ...*string) {
	for _, p := range ps {
		n, k := binary.Uvarint(d.buf)
		if k <= 0 || uint64(len(d.buf)-k) < n {
			d.err, d.buf = errRecordCodec, nil
			return
		}
		*p = string(d.buf[k : k+int(n)])
		d.buf = d.buf[k+int(n):]
	}
}

func (d *legacyReader) int() int64 {
	v, k := binary.Varint(d.buf)
	if k <= 0 {
		d.err, d.buf = errRecordCodec, nil
		return 0
	}
	d.buf = d.buf[k:]
	return v
}

// count reads a length, refusing one the remaining bytes cannot hold.
func (d *legacyReader) count() int {
	n := d.int()
	if n < 0 || n > int64(len(d.buf)) {
		d.err, d.buf = errRecordCodec, nil
		return 0
	}
	return int(n)
}

func (d *legacyReader) time() time.Time { return time.UnixMilli(d.int()).UTC() }

func (d *legacyReader) flag() bool {
	if len(d.buf) == 0 {
		d.err = errRecordCodec
		return false
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b == 1
}
