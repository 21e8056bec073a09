package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/submissions"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// receipt proves what a partner sent and when.
type receipt struct {
	ReceiptID  string    `json:"receiptId"`
	ReceivedAt time.Time `json:"receivedAt"`
	SHA256     string    `json:"sha256"`
	// JWS is the signed receipt: a compact JWS of the receipt statement,
	// verifiable with GET /v1/receipt-keys alone.
	JWS string `json:"jws,omitempty"`
}

// envelope is a version as the API returns it. Lists leave Document out.
type envelope struct {
	Region     string               `json:"region"`
	Partner    string               `json:"partner"`
	Kind       submission.Kind      `json:"kind"`
	Key        map[string]any       `json:"key"`
	Version    int                  `json:"version"`
	ReceivedAt time.Time            `json:"receivedAt"`
	ReceivedBy service.Actor        `json:"receivedBy"`
	SHA256     string               `json:"sha256"`
	Warnings   []submission.Warning `json:"warnings"`
	SignOff    *service.SignOff     `json:"signOff"`
	Receipt    receipt              `json:"receipt"`
	Document   json.RawMessage      `json:"document,omitempty"`
}

// keyFields is a stored key as the JSON object the API shows.
func keyFields(kind submission.Kind, values [2]string) map[string]any {
	key, _ := submission.KeyOf(kind, values) // stored keys always parse
	return key.Fields()
}

// envelopeOf is a version as the API returns it to a reader in lang: its
// stored warnings in that language.
func envelopeOf(rec service.VersionRecord, doc json.RawMessage, lang i18n.Lang) envelope {
	warnings := submission.WarningsIn(rec.Warnings, lang)
	return envelope{
		Region: rec.Region, Partner: rec.Partner, Kind: rec.Kind, Key: keyFields(rec.Kind, rec.KeyValues), Version: rec.Version,
		ReceivedAt: rec.ReceivedAt, ReceivedBy: rec.ReceivedBy, SHA256: rec.SHA256, Warnings: warnings,
		SignOff: rec.SignOff, Receipt: receipt{ReceiptID: rec.ReceiptID, ReceivedAt: rec.ReceivedAt, SHA256: rec.SHA256, JWS: rec.Receipt},
		Document: doc,
	}
}

// versionSummary is one entry of a key's version history.
type versionSummary struct {
	Version    int                  `json:"version"`
	ReceivedAt time.Time            `json:"receivedAt"`
	ReceivedBy service.Actor        `json:"receivedBy"`
	SHA256     string               `json:"sha256"`
	Warnings   []submission.Warning `json:"warnings"`
	SignOff    *service.SignOff     `json:"signOff"`
	Receipt    receipt              `json:"receipt"`
}

// versionURL is where a version can be read again.
func versionURL(rec service.VersionRecord) string {
	p := rec.Kind.KeyParams()
	return pathOf(versionPath(rec.Kind), map[string]string{"region": rec.Region, "partner": rec.Partner,
		p[0]: rec.KeyValues[0], p[1]: rec.KeyValues[1], "version": strconv.Itoa(rec.Version)})
}

// versionResponse is a version's envelope, to a reader in lang, with its ETag (and Location for a
// new one).
func versionResponse(status int, v *submissions.Version, lang i18n.Lang) *response {
	res := jsonResponse(status, envelopeOf(v.Record, nil, lang))
	// The stored canonical document is valid JSON already: splice it in
	// rather than have encoding/json check and copy it again.
	body := make([]byte, 0, len(res.body)+len(v.Document)+16)
	body = append(append(body, res.body[:len(res.body)-1]...), `,"document":`...)
	res.body = append(append(body, v.Document...), '}')
	res.header.Set("ETag", submissions.ETag(v.Record.Version))
	if status == http.StatusCreated {
		res.header.Set("Location", versionURL(v.Record))
	}
	return res
}

// page is every list's answer.
type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func pageOf[T any](items []T, next string) page[T] {
	p := page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}
