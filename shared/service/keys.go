package service

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Storage keys. One table holds everything; every read is by key or by a
// partition query, never a scan.
//
//	P#{region}#{partner}   CUR#{kind}#{a}#{b}          the current version of a key (denormalised)
//	                       VER#{kind}#{a}#{b}#{n:08}   every version, immutable but for sign-off
//	F#{region}#{fund}#{fy} C#{partner}, Q#{partner}#{q} copies of the fund-year's current contributions and returns (fundyear.go)
//	R#{region}             LOCK#{fund}#{period}        period locks (and other region records)
//	A#{region}             {time}#{id}                 the region's audit trail
//	AP#{region}#{partner}  {time}#{id}                 the same records, by partner
//	I#{...}                I                           idempotency records (24 h TTL)
//
// The audit trail is written twice (region and partner partitions) in the
// same transaction so that both the RCU's and a partner's query are a single
// partition range read with a time bound; at the region's scale (a handful of
// partners writing at finance-team pace) one partition per region is far
// below DynamoDB's per-partition throughput.
func partnerPK(region, partner string) string { return "P#" + region + "#" + partner }
func regionPK(region string) string           { return "R#" + region }
func auditPK(region string) string            { return "A#" + region }
func partnerAuditPK(region, partner string) string {
	return "AP#" + region + "#" + partner
}

func keyPart(k submission.Key) string {
	v := k.Values()
	return v[0] + "#" + v[1]
}

func currentSK(k submission.Key) string { return "CUR#" + string(k.Kind) + "#" + keyPart(k) }
func versionPrefix(k submission.Key) string {
	return "VER#" + string(k.Kind) + "#" + keyPart(k) + "#"
}
func versionSK(k submission.Key, n int) string  { return fmt.Sprintf("%s%08d", versionPrefix(k), n) }
func currentPrefix(kind submission.Kind) string { return "CUR#" + string(kind) + "#" }

// auditSK orders audit records by time, then by id.
func auditSK(at time.Time, id string) string {
	return at.UTC().Format("2006-01-02T15:04:05.000Z") + "#" + id
}

// idempotencyPK scopes a key to the token's subject and the partner (or
// region) it acts for; subject and key are caller text, so they are encoded.
func idempotencyPK(scope, subject, key string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return "I#" + scope + "#" + enc([]byte(subject)) + "#" + enc([]byte(key))
}

// Blob keys: content-addressed, so a failed write leaves only an
// unreferenced object and a retry rewrites the same bytes.
func documentBlob(sha string) string { return "documents/" + sha + ".json" }
func rawBlob(sha string) string      { return "raw/" + sha }
func responseBlob(sha string) string { return "responses/" + sha }

func lockSK(fund, period string) string { return "LOCK#" + fund + "#" + period }

// splitKeyPart reverses keyPart for a CUR sort key.
func splitCurrentSK(sk string) (kind string, a, b string, ok bool) {
	parts := strings.Split(sk, "#")
	if len(parts) != 4 || parts[0] != "CUR" {
		return "", "", "", false
	}
	return parts[1], parts[2], parts[3], true
}
