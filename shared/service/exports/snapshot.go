package exports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regional-data-exchange/rdx/shared/period"
	"github.com/regional-data-exchange/rdx/shared/region"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// snapshot is everything an export is drawn from, read before any file is
// written: the version records it includes (read once, so every table, the
// positions, the aggregates and the manifest's as-at point are made of the
// same versions however many writes land meanwhile), the consents its
// positions use, and each version's document, read once. Versions are
// immutable and documents content-addressed, so what was read stays true of
// the versions named; a version written after its partner was read is simply
// not in this export. Everything is held in memory: one region's financial
// year, a few hundred small documents at most.
type snapshot struct {
	reg  *region.Region
	year period.FinancialYear
	// versions are, per kind, the versions included, partner by partner
	// in the region's order, each partner's in key order.
	versions map[submission.Kind][]service.VersionRecord
	// consents are each fund's consents for the year, by fund.
	consents map[string][]regionview.ConsentRecord
	// docs are the canonical documents by SHA-256; decoded caches what a
	// table has decoded, for the next table of the same kind.
	docs    map[string][]byte
	decoded map[string]any
	// asAt is the newest moment of the versions: received or signed off
	// (the year's first moment when there is none).
	asAt time.Time
	// seq is the event of the region's changes feed the snapshot is as at:
	// as asked, or the newest its records reflect (see takeSnapshot).
	seq int64
}

// takeSnapshot reads an export's versions, consents and documents as the
// region stood after event *asOf or (nil) its last, read first: every
// record is read as at that event (see service/asof.go), so the snapshot
// is exactly the state the feed reaches at it, however many writes land
// meanwhile. Not asked, the snapshot states the newest event its records
// reflect (a version, a sign-off, a consent given or withdrawn), as asAt
// states the newest moment, never the clock: the export's data is the
// same as at that event as at the last, so the feed after it gives every
// change to them, and the same data gives the same manifest however many
// other events (an export built, another year's return) came since.
func (s *Service) takeSnapshot(ctx context.Context, reg *region.Region, year period.FinancialYear, asOf *int64) (*snapshot, error) {
	x := &snapshot{reg: reg, year: year, versions: map[submission.Kind][]service.VersionRecord{}, consents: map[string][]regionview.ConsentRecord{},
		decoded: map[string]any{}, asAt: year.FirstDay().Time(reg.Location()).UTC()}
	sq, err := s.ReadSequenceState(ctx, reg.ID)
	if err != nil {
		return nil, err
	}
	n := sq.Last
	if asOf != nil {
		n = *asOf
	}
	newest := sq.Floor() // records older than the history are as they were then
	x.seq = n
	// Every partner's versions and every fund's consents, read together.
	versions := make([][]service.VersionRecord, len(reg.Partners))
	consents := make([][]regionview.ConsentRecord, len(reg.Funds))
	changed := make([]int64, len(reg.Funds))
	errs := make([]error, len(reg.Partners)+len(reg.Funds))
	var wg sync.WaitGroup
	for i, p := range reg.Partners {
		wg.Go(func() {
			versions[i], errs[i] = s.VersionsAsOf(ctx, service.PartnerPK(reg.ID, p.ID), service.VersionAny, n)
		})
	}
	for i := range reg.Funds {
		if f := &reg.Funds[i]; f.HasYear(year) {
			wg.Go(func() { consents[i], changed[i], errs[len(reg.Partners)+i] = s.view.ConsentsAsOf(ctx, reg, f, year, n) })
		}
	}
	wg.Wait()
	if err := cmp.Or(errs...); err != nil {
		return nil, err
	}
	for _, recs := range versions {
		x.keepPartner(recs)
	}
	for i := range reg.Funds {
		if reg.Funds[i].HasYear(year) {
			x.consents[reg.Funds[i].ID], newest = consents[i], max(newest, changed[i])
		}
	}
	for _, k := range submission.Kinds {
		for _, r := range x.versions[k] {
			x.asAt = latest(x.asAt, r.ReceivedAt)
			if r.SignOff != nil {
				x.asAt = latest(x.asAt, r.SignOff.At)
			}
			newest = max(newest, r.Seq, r.SignOffSeq)
		}
	}
	if asOf == nil {
		x.seq = min(newest, n)
	}
	docs, err := s.readDocuments(ctx, x.shas())
	x.docs = docs
	return x, err
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// keepPartner keeps, of a partner's versions of every kind as they stood
// at the snapshot's event (read in one range read), those the export
// includes: the year's contributions, returns and statements, and per area
// the population assessment with the latest assessment year not after the
// year's start.
func (x *snapshot) keepPartner(recs []service.VersionRecord) {
	fy := x.year.String()
	var population []service.VersionRecord // the last kept per area, in key order
	for _, r := range recs {
		x.keep(r, fy, &population)
	}
	x.versions[submission.PopulationAssessments] = append(x.versions[submission.PopulationAssessments], population...)
}

// keep adds r to the snapshot if the export includes it (population: the
// latest per area so far).
func (x *snapshot) keep(r service.VersionRecord, fy string, population *[]service.VersionRecord) {
	switch r.Kind {
	case submission.PopulationAssessments:
		if y, _ := strconv.Atoi(r.KeyValues[1]); y <= x.year.Start {
			if n := len(*population); n > 0 && (*population)[n-1].KeyValues[0] == r.KeyValues[0] {
				(*population)[n-1] = r
			} else {
				*population = append(*population, r)
			}
		}
		return
	case submission.QuarterlyReturns:
		if !strings.HasPrefix(r.KeyValues[1], fy+"-Q") {
			return
		}
	default:
		if r.KeyValues[1] != fy {
			return
		}
	}
	x.versions[r.Kind] = append(x.versions[r.Kind], r)
}

// shas are the documents of every version included, each once.
func (x *snapshot) shas() []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range submission.Kinds {
		for _, r := range x.versions[k] {
			if !seen[r.SHA256] {
				seen[r.SHA256] = true
				out = append(out, r.SHA256)
			}
		}
	}
	return out
}

// readDocuments reads each document once, a few at a time.
func (s *Service) readDocuments(ctx context.Context, shas []string) (map[string][]byte, error) {
	docs := make([][]byte, len(shas))
	errs := make([]error, len(shas))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, sha := range shas {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			docs[i], errs[i] = s.Document(ctx, sha)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, service.StoreErr(err, "read document")
	}
	out := make(map[string][]byte, len(shas))
	for i, sha := range shas {
		out[sha] = docs[i]
	}
	return out, nil
}

// document is a version's document, read in the snapshot.
func (x *snapshot) document(_ context.Context, sha string) ([]byte, error) {
	d, ok := x.docs[sha]
	if !ok {
		return nil, fmt.Errorf("document %s is not in the export's snapshot", sha)
	}
	return d, nil
}

// byPartner is the versions of a kind by partner, for the aggregates.
func (x *snapshot) byPartner(kind submission.Kind) map[string][]service.VersionRecord {
	out := map[string][]service.VersionRecord{}
	for _, r := range x.versions[kind] {
		out[r.Partner] = append(out[r.Partner], r)
	}
	return out
}

// current is every version included, of every kind.
func (x *snapshot) current() []service.VersionRecord {
	var out []service.VersionRecord
	for _, k := range submission.Kinds {
		out = append(out, x.versions[k]...)
	}
	return out
}

// decode reads a version's document as T, decoding it once for every table.
func decode[T any](x *snapshot, r service.VersionRecord) (T, error) {
	if d, ok := x.decoded[r.SHA256].(T); ok {
		return d, nil
	}
	data, err := x.document(context.Background(), r.SHA256)
	if err != nil {
		return *new(T), err
	}
	d, err := submission.ReadDocument[T](data)
	if err != nil {
		return d, err
	}
	x.decoded[r.SHA256] = d
	return d, nil
}
