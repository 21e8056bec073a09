package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/jsonx"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

// idempotent runs a write under its Idempotency-Key (callers authorise
// first, so a stored answer is only replayed to a caller allowed to ask): the first request runs
// and its answer (2xx or 4xx) is kept 24 hours; a retry of the same request
// gets that answer again; the key on another request is 422; a key whose
// first request is still running is 409. skip (a dry run) ignores the key.
func (h *handler) idempotent(r *http.Request, body []byte, skip bool, run func(*service.Claim) (*response, error)) (*response, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || skip {
		return run(nil)
	}
	if !validIdempotencyKey(key) {
		return nil, apperr.Validation([]apperr.FieldError{submission.RuleIdemKeyInvalid.FieldError().AtHeader("Idempotency-Key")})
	}
	p := principal(r.Context())
	scope := p.Partner
	if scope == "" {
		scope = p.Region
	}
	claim, replay, err := h.svc.BeginIdempotent(r.Context(), service.IdempotentRequest{
		Scope: scope, Subject: p.Subject, Key: key, Fingerprint: Fingerprint(r.Method, r.URL.Path, body)})
	if err != nil {
		return nil, err
	}
	if replay != nil {
		return h.replayed(r, replay)
	}
	res, err := run(claim)
	if err != nil {
		res = problemResponse(r, h.log, err)
	}
	contentLanguage(res.header, i18n.From(r.Context())) // kept with the answer, for its replays
	switch {
	case claim.Done():
	case res.status >= 500:
		h.release(r, claim)
	default:
		if err := h.svc.CompleteIdempotent(r.Context(), claim, res.status, res.headerMap(), res.body); err != nil {
			h.log.WarnContext(r.Context(), "store idempotent answer", "error", err)
			// Release the key, or a retry would wait out the in-flight lease
			// for an answer that was never kept.
			h.release(r, claim)
		}
	}
	return res, nil
}

// release frees the key for a retry, even if the caller has left, within
// its own time limit.
func (h *handler) release(r *http.Request, claim *service.Claim) {
	ctx, cancel := service.Detached(r.Context(), service.ReleaseTimeLimit)
	defer cancel()
	h.svc.AbandonIdempotent(ctx, claim)
}

// replayed renders a stored answer again.
func (h *handler) replayed(r *http.Request, rp *service.Replay) (*response, error) {
	var res *response
	if rp.Version != nil {
		v, err := h.submissions.ReplayVersion(r.Context(), *rp.Version)
		if err != nil {
			return nil, err
		}
		res = versionResponse(http.StatusCreated, v, i18n.From(r.Context()))
	} else {
		res = &response{status: rp.Status, header: http.Header{}, body: rp.Body}
		for k, v := range rp.Headers {
			res.header.Set(k, v)
		}
		if wordy(res.header) && res.header.Get("Content-Language") == "" {
			res.header.Set("Content-Language", string(storedLanguage(res.header, res.body)))
		}
	}
	res.header.Set("Idempotent-Replayed", "true")
	return res, nil
}

// validIdempotencyKey: 1..100 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) > service.MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Fingerprint identifies a request for its key: method, path and the SHA-256
// of the body's canonical JSON, so formatting differences do not matter.
// Numbers are written exactly (jsonx.CanonicalExact), not through a double:
// bodies whose numbers differ only past a double's 17 digits are different
// requests, and a key sent with both answers the second 422.
func Fingerprint(method, path string, body []byte) string {
	canon := body // not JSON: the request will be refused; its bytes identify it
	if v, _, err := jsonx.Decode(body); err == nil {
		if c, err := jsonx.CanonicalExact(v); err == nil { // a decoded tree always has a canonical form
			canon = c
		}
	}
	sum := sha256.Sum256(canon)
	return method + " " + path + " " + hex.EncodeToString(sum[:])
}
