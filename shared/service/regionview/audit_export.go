package regionview

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/store"
)

// AuditExport is a whole audit chain — the region's own records, or a
// partner's — as JSON lines a third party can check without the service:
// every record as stored, in chain order, then the chain's signed head
// ({"head": compact JWS}). Each record carries its place in the chain, the
// previous record's hash and its own, so an edited, removed, inserted or
// reordered record breaks the chain; the head, read before the records,
// names the last one, so a record cut from the end is caught too. Records
// written before the trail was chained (no place in it) are left out. The
// same access rules hold as for the audit route.
func (s *Service) AuditExport(ctx context.Context, p *auth.Principal, regionID, partner string) ([]byte, error) {
	_, partner, err := s.auditChain(p, regionID, partner)
	if err != nil {
		return nil, err
	}
	head, headJWS, err := s.ChainHead(ctx, regionID, partner)
	if err != nil {
		return nil, err
	}
	pk := service.AuditPK(regionID)
	if partner != "" {
		pk = service.PartnerAuditPK(regionID, partner)
	}
	type line struct {
		seq  int64
		data []byte
	}
	var lines []line
	q := store.Query{PK: pk}
	for {
		page, err := s.Table.Query(ctx, q)
		if err != nil {
			return nil, service.StoreErr(err, "read audit")
		}
		for _, it := range page.Items {
			var link struct {
				Chain string `json:"chain"`
				Seq   int64  `json:"seq"`
			}
			if err := json.Unmarshal(it.Data, &link); err != nil {
				return nil, service.StoreErr(err, "decode audit")
			}
			// The region's trail keeps its partners' records too, each in
			// its own partner's chain: the region's chain is its own records.
			if link.Chain == head.Chain && link.Seq > 0 && link.Seq <= head.Seq {
				lines = append(lines, line{link.Seq, it.Data})
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	// Records are kept by time; the chain's order is its own (clocks of
	// two writers may disagree by a millisecond).
	slices.SortFunc(lines, func(a, b line) int { return cmp.Compare(a.seq, b.seq) })
	var buf bytes.Buffer
	for _, l := range lines {
		buf.Write(l.data)
		buf.WriteByte('\n')
	}
	tail, _ := json.Marshal(map[string]string{"head": headJWS})
	buf.Write(tail)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
