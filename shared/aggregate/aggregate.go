// Package aggregate builds the region's population and market aggregates from
// partners' current submissions. It is pure: the caller loads the documents,
// this package chooses one per area, parses and sums them exactly.
package aggregate

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// Source is a candidate: one partner's current submission for one area.
type Source struct {
	Partner      string
	PartnerAreas int // how many areas the partner serves
	Version      int
	SHA256       string
	Document     []byte // the canonical JSON document
}

// SourceRef names the submission a figure came from, so a reader can fetch it.
type SourceRef struct {
	Partner string `json:"partner"`
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
}

func refOf(s Source) SourceRef {
	return SourceRef{Partner: s.Partner, Version: s.Version, SHA256: s.SHA256}
}

// ErrOverflow is returned when a count total leaves int64.
var ErrOverflow = errors.New("aggregate: total overflows")

// Choose picks one source per area. The dictionary forbids adding a council's
// and a health board's figures for the same area (they describe the same
// residents), so the most local partner wins: fewer areas served first, then
// partner id, then the newer version and the hash, so the answer never
// depends on the order candidates arrive in.
func Choose(candidates map[string][]Source) map[string]Source {
	out := make(map[string]Source, len(candidates))
	for area, list := range candidates {
		if len(list) == 0 {
			continue
		}
		best := list[0]
		for _, s := range list[1:] {
			if before(s, best) {
				best = s
			}
		}
		out[area] = best
	}
	return out
}

// before reports whether a is preferred to b.
func before(a, b Source) bool {
	if c := cmp.Compare(breadth(a), breadth(b)); c != 0 {
		return c < 0
	}
	if a.Partner != b.Partner {
		return a.Partner < b.Partner
	}
	if a.Version != b.Version {
		return a.Version > b.Version
	}
	return a.SHA256 < b.SHA256
}

// breadth ranks a partner by how many areas it serves; an unset count ranks
// last rather than passing for the most local partner.
func breadth(s Source) int {
	if s.PartnerAreas < 1 {
		return math.MaxInt
	}
	return s.PartnerAreas
}

// addCount is an overflow-checked sum of counts.
func addCount(a, b int64) (int64, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrOverflow
	}
	return a + b, nil
}

// reader converts a document's json.Number fields, keeping the first error so
// the parsing code reads straight through.
type reader struct{ err error }

func (r *reader) fail(field, msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", field, msg)
	}
}

// count reads a non-negative integer; strconv rejects fractions and exponents.
func (r *reader) count(field string, n json.Number) int64 {
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < 0 {
		r.fail(field, fmt.Sprintf("%q is not a count", n))
		return 0
	}
	return v
}

func (r *reader) year(field string, n json.Number) int {
	v, err := strconv.Atoi(n.String())
	if err != nil {
		r.fail(field, fmt.Sprintf("%q is not a year", n))
	}
	return v
}

// money requires the field: a missing fee must not read as £0.00.
func (r *reader) money(field string, p *money.Pence) money.Pence {
	if p == nil {
		r.fail(field, "missing")
		return 0
	}
	return *p
}

func (r *reader) area(want, got string) {
	if got != want {
		r.fail("areaCode", fmt.Sprintf("document is for %q, chosen for %q", got, want))
	}
}

// decode parses a canonical document; json.Number and money.Pence keep every
// number as its text, so nothing passes through a binary float.
func decode(s Source, v any) error {
	if err := json.Unmarshal(s.Document, v); err != nil {
		return fmt.Errorf("document does not parse: %w", err)
	}
	return nil
}

func sourceErr(area string, s Source, err error) error {
	return fmt.Errorf("aggregate: area %s, partner %s version %d: %w", area, s.Partner, s.Version, err)
}

// rank orders enumerations in the dictionary's order; a value the dictionary
// does not know sorts after every known one, by text, so sorting stays total.
func rank(order []string, a, b string) int {
	ia, ib := slices.Index(order, a), slices.Index(order, b)
	if ia < 0 {
		ia = len(order)
	}
	if ib < 0 {
		ib = len(order)
	}
	return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a, b))
}

// sources is the set of partners behind a total, listed sorted.
type sources map[string]bool

func (s sources) list() []string {
	out := make([]string, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// roundHalfUp divides num by den (den > 0), rounding halves away from zero —
// half-up for the non-negative figures aggregated here.
func roundHalfUp(num, den *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	twice := new(big.Int).Lsh(new(big.Int).Abs(r), 1)
	if twice.Cmp(den) >= 0 {
		q.Add(q, big.NewInt(int64(num.Sign())))
	}
	return q
}

// occupancy is occupied/beds to 4 decimal places, half-up, written with all
// four places; nil when there are no beds to be occupied.
func occupancy(occupied, beds int64) *string {
	if beds == 0 {
		return nil
	}
	num := new(big.Int).Mul(big.NewInt(occupied), big.NewInt(10_000))
	q := roundHalfUp(num, big.NewInt(beds))
	whole, frac := new(big.Int).QuoRem(q, big.NewInt(10_000), new(big.Int))
	s := fmt.Sprintf("%s.%04d", whole, frac.Int64())
	return &s
}

// sortUnique sorts rows and refuses two with the same key: validation forbids
// it, and summing both would count the same people or beds twice.
func sortUnique[T any](what string, rows []T, compare func(a, b T) int) error {
	slices.SortFunc(rows, compare)
	for i := 1; i < len(rows); i++ {
		if compare(rows[i-1], rows[i]) == 0 {
			return fmt.Errorf("%s: duplicate row %+v", what, rows[i])
		}
	}
	return nil
}
