package service

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"sort"
	"time"
	"unsafe"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Version records are read far more than anything else (every GET, list,
// position and export reads them), so they are stored in a compact binary
// form that decodes in about a microsecond instead of JSON's ten: the
// position's and an export's cost then grows linearly with the data. The
// first byte names the form; a record starting with '{' is JSON.
const recordFormat byte = 1

var errRecordCodec = errors.New("version record: corrupt encoding")

func encodeRecord(r VersionRecord) []byte {
	w := recordWriter{buf: make([]byte, 0, 512)}
	w.buf = append(w.buf, recordFormat)
	w.str(r.Region, r.Partner, string(r.Kind), r.KeyValues[0], r.KeyValues[1])
	w.int(int64(r.Version))
	w.time(r.ReceivedAt)
	w.str(r.ReceivedBy.Sub, r.ReceivedBy.Name, r.SHA256, r.RawSHA256, r.ReceiptID, r.RequestID)
	w.time(r.FirstReceivedAt)
	w.int(int64(len(r.Warnings)))
	for _, x := range r.Warnings {
		w.str(x.Code, x.Message, x.Pointer)
	}
	w.flag(r.SignOff != nil)
	if s := r.SignOff; s != nil {
		w.str(s.Signatory, s.Role, s.By.Sub, s.By.Name)
		w.time(s.At)
	}
	w.flag(r.Summary != nil)
	if s := r.Summary; s != nil {
		w.int(int64(len(s.Cells)))
		for _, c := range s.Cells {
			w.str(c.Discipline, c.AreaCode)
			w.int(int64(c.Amount), int64(c.Actual), int64(c.Forecast))
		}
		w.flag(s.Final)
		keys := make([]string, 0, len(s.Actuals))
		for k := range s.Actuals {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same record always encodes to the same bytes
		w.int(int64(len(keys)))
		for _, k := range keys {
			w.str(k)
			w.int(int64(s.Actuals[k]))
		}
	}
	return w.buf
}

func decodeRecord(data []byte) (VersionRecord, error) {
	var r VersionRecord
	if len(data) > 0 && data[0] == '{' {
		err := json.Unmarshal(data, &r)
		return r, err
	}
	if len(data) == 0 || data[0] != recordFormat {
		return r, errRecordCodec
	}
	d := recordReader{buf: data[1:]}
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

func (d *recordReader) summary() *submission.Summary {
	s := &submission.Summary{}
	s.Cells, s.Final = d.cells()
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

type recordWriter struct{ buf []byte }

func (w *recordWriter) str(ss ...string) {
	for _, s := range ss {
		w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
		w.buf = append(w.buf, s...)
	}
}

func (w *recordWriter) int(is ...int64) {
	for _, i := range is {
		w.buf = binary.AppendVarint(w.buf, i)
	}
}

func (w *recordWriter) time(t time.Time) { w.int(t.UnixMilli()) } // stored times are whole milliseconds

func (w *recordWriter) flag(b bool) {
	if b {
		w.buf = append(w.buf, 1)
	} else {
		w.buf = append(w.buf, 0)
	}
}

// recordReader reads what recordWriter wrote; the first fault sticks.
type recordReader struct {
	buf []byte
	err error
}

// cells reads a summary's cells and its final flag, which come before its
// actuals.
func (d *recordReader) cells() ([]submission.SummaryCell, bool) {
	cells := make([]submission.SummaryCell, d.count())
	for i := range cells {
		c := &cells[i]
		d.str(&c.Discipline, &c.AreaCode)
		c.Amount, c.Actual, c.Forecast = money.Pence(d.int()), money.Pence(d.int()), money.Pence(d.int())
	}
	if len(cells) == 0 {
		cells = nil
	}
	return cells, d.flag()
}

func (d *recordReader) str(ps ...*string) {
	for _, p := range ps {
		n, k := binary.Uvarint(d.buf)
		if k <= 0 || uint64(len(d.buf)-k) < n {
			d.err, d.buf = errRecordCodec, nil
			return
		}
		// The record's bytes are never changed once read from the store, so
		// its strings can share them rather than be copied one by one.
		*p = unsafe.String(unsafe.SliceData(d.buf[k:]), int(n))
		d.buf = d.buf[k+int(n):]
	}
}

func (d *recordReader) int() int64 {
	v, k := binary.Varint(d.buf)
	if k <= 0 {
		d.err, d.buf = errRecordCodec, nil
		return 0
	}
	d.buf = d.buf[k:]
	return v
}

// count reads a length, refusing one the remaining bytes cannot hold.
func (d *recordReader) count() int {
	n := d.int()
	if n < 0 || n > int64(len(d.buf)) {
		d.err, d.buf = errRecordCodec, nil
		return 0
	}
	return int(n)
}

func (d *recordReader) time() time.Time { return time.UnixMilli(d.int()).UTC() }

func (d *recordReader) flag() bool {
	if len(d.buf) == 0 {
		d.err = errRecordCodec
		return false
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b == 1
}

// positionRecord is what the fund position needs of a version record.
type positionRecord struct {
	Partner   string
	KeyValues [2]string
	Version   int
	SignedOff bool
	Cells     []submission.SummaryCell
	Final     bool
}

// decodePositionRecord reads only what the position needs, passing over the
// rest without copying it: the position reads every member's records on each
// request.
func decodePositionRecord(data []byte) (positionRecord, error) {
	if len(data) > 0 && data[0] == '{' {
		r, err := decodeRecord(data)
		return positionOf(r), err
	}
	if len(data) == 0 || data[0] != recordFormat {
		return positionRecord{}, errRecordCodec
	}
	var p positionRecord
	d := recordReader{buf: data[1:]}
	d.skip(1) // region
	d.str(&p.Partner)
	d.skip(1) // kind
	d.str(&p.KeyValues[0], &p.KeyValues[1])
	p.Version = int(d.int())
	d.int()   // received at
	d.skip(6) // received by, hashes, receipt, request
	d.int()   // first received at
	for n := d.count(); n > 0; n-- {
		d.skip(3) // a warning
	}
	if p.SignedOff = d.flag(); p.SignedOff {
		d.skip(4)
		d.int()
	}
	if d.flag() {
		p.Cells, p.Final = d.cells()
		for n := d.count(); n > 0; n-- { // the actuals: the position does not need them
			d.skip(1)
			d.int()
		}
	}
	if d.err != nil || len(d.buf) != 0 {
		return positionRecord{}, errRecordCodec
	}
	return p, nil
}

func positionOf(r VersionRecord) positionRecord {
	p := positionRecord{Partner: r.Partner, KeyValues: r.KeyValues, Version: r.Version, SignedOff: r.SignOff != nil}
	if r.Summary != nil {
		p.Cells, p.Final = r.Summary.Cells, r.Summary.Final
	}
	return p
}

// skip passes over n strings.
func (d *recordReader) skip(n int) {
	for range n {
		l, k := binary.Uvarint(d.buf)
		if k <= 0 || uint64(len(d.buf)-k) < l {
			d.err, d.buf = errRecordCodec, nil
			return
		}
		d.buf = d.buf[k+int(l):]
	}
}
