package service

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/submission"
)

// Storage keys. One table holds everything; every read is by key or by a
// partition query, never a scan. The capabilities' own records are keyed
// beside their code (consents in regionview, exports in exports).
//
//	P#{region}#{partner}   CUR#{kind}#{a}#{b}          the current version of a key (denormalised)
//	                       VER#{kind}#{a}#{b}#{n:08}   every version, immutable but for sign-off
//	                       UPLOAD#{id}                 the partner's uploads
//	F#{region}#{fund}#{fy} C#{partner}, Q#{partner}#{q} copies of the fund-year's current contributions and returns (fundyear.go)
//	R#{region}             LOCK#{fund}#{period}        period locks
//	                       CONSENT#{fund}#{fy}#{partner} pooling consents
//	A#{region}             {time}#{id}                 the region's audit trail
//	AP#{region}#{partner}  {time}#{id}                 the same records, by partner
//	X#{id}                 EXPORT                      an export and its manifest
//	I#{...}                I                           idempotency records (24 h TTL)
//
// The audit trail is written twice (region and partner partitions) in the
// same transaction so that both the RCU's and a partner's query are a single
// partition range read with a time bound; at the region's scale (a handful of
// partners writing at finance-team pace) one partition per region is far
// below DynamoDB's per-partition throughput.

// PartnerPK is a partner's partition: its submissions and uploads.
func PartnerPK(region, partner string) string { return "P#" + region + "#" + partner }

// RegionPK is a region's partition: its locks and consents.
func RegionPK(region string) string { return "R#" + region }

// AuditPK is the region's audit trail.
func AuditPK(region string) string { return "A#" + region }

// PartnerAuditPK is the audit trail of one partner.
func PartnerAuditPK(region, partner string) string {
	return "AP#" + region + "#" + partner
}

func keyPart(k submission.Key) string {
	v := k.Values()
	return v[0] + "#" + v[1]
}

// CurrentSK is a key's current version.
func CurrentSK(k submission.Key) string { return "CUR#" + string(k.Kind) + "#" + keyPart(k) }

// CurrentPrefix starts the current versions of every key of a kind.
func CurrentPrefix(kind submission.Kind) string { return "CUR#" + string(kind) + "#" }

// CurrentAny starts the current versions of every key of every kind.
const CurrentAny = "CUR#"

// VersionPrefix starts every version of a key, oldest first.
func VersionPrefix(k submission.Key) string {
	return VersionPrefixAny(k.Kind) + keyPart(k) + "#"
}

// VersionAny starts every version of every key of every kind.
const VersionAny = "VER#"

// VersionPrefixAny starts every version of every key of a kind.
func VersionPrefixAny(kind submission.Kind) string { return VersionAny + string(kind) + "#" }

// VersionSK is version n of a key.
func VersionSK(k submission.Key, n int) string { return fmt.Sprintf("%s%08d", VersionPrefix(k), n) }

// AuditSK orders audit records by time, then by id.
func AuditSK(at time.Time, id string) string {
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

// DocumentBlob is a canonical document, by the SHA-256 of its bytes.
func DocumentBlob(sha string) string { return "documents/" + sha + ".json" }

// RawBlob is a body as it was received, by the SHA-256 of its bytes.
func RawBlob(sha string) string { return "raw/" + sha }

func responseBlob(sha string) string { return "responses/" + sha }

// LockSK is a period lock's sort key in the region partition.
func LockSK(fund, period string) string { return "LOCK#" + fund + "#" + period }

// UploadSK is an upload's sort key in its partner's partition.
func UploadSK(id string) string { return "UPLOAD#" + id }

// splitKeyPart reverses keyPart for a CUR sort key.
func splitCurrentSK(sk string) (kind string, a, b string, ok bool) {
	parts := strings.Split(sk, "#")
	if len(parts) != 4 || parts[0] != "CUR" {
		return "", "", "", false
	}
	return parts[1], parts[2], parts[3], true
}
