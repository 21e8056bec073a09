package apitest

import (
	"testing"
)

// seedWebhooks registers a webhook for each slice, its URL a secret of the
// slice's.
func (s *mxSeed) seedWebhooks(t *testing.T, all []*mxSlice) {
	t.Helper()
	for _, sl := range all {
		owner := mxOwner{region: sl.region, partner: sl.partner}
		url := "http://127.0.0.1:9/" + s.marker(owner, "webhook-url")
		r := s.e.Do(Req{Method: "POST", Path: "/v1/regions/" + sl.region + "/webhooks", Token: sl.token,
			Body: []byte(`{"url":"` + url + `","events":["submission.version-created"]}`)})
		expectStatus(t, r, 201)
		s.hookID[sl.partner] = r.JSON(t)["id"].(string)
		s.secret(owner, "webhook id", s.hookID[sl.partner])
	}
}

// mxWebhook: a webhook is its owner's alone: a partner's (submissions:read)
// or the region's (region:read); in its region, another owner's is 404, as
// a missing one is.
func mxWebhook(s *mxSeed, c mxCaller, tg mxTarget) mxOutcome {
	if mxChanges(s, c, tg) != mxAllow {
		return mxRefuse
	}
	if c.partner != tg.partner || tg.absent {
		return mxNotFound
	}
	return mxAllow
}

// mxWebhookRows are the webhooks' routes; the delete comes last, as it
// removes the webhook the others name.
func mxWebhookRows() []mxRow {
	hooks := func(tg mxTarget) string { return "/v1/regions/" + tg.region + "/webhooks" }
	hook := func(s *mxSeed, tg mxTarget) string { return hooks(tg) + "/" + s.hookID[tg.partner] }
	targets := []string{tgOwn, tgOtherPartner, tgOtherRegion, tgNoRegion}
	return []mxRow{
		{op: "POST /v1/regions/{region}/webhooks", targets: mxRegionTargets, rule: mxChanges, scopes: mxReadScopes, ok: []int{201},
			req: func(_ *mxSeed, tg mxTarget) Req {
				return Req{Method: "POST", Path: hooks(tg), Body: []byte(`{"url":"http://127.0.0.1:9/matrix","events":["period.locked"]}`)}
			}},
		{op: "GET /v1/regions/{region}/webhooks", targets: mxRegionTargets, rule: mxChanges, scopes: mxReadScopes, ok: []int{200},
			req: func(_ *mxSeed, tg mxTarget) Req { return mxGet(hooks(tg)) }},
		{op: "GET /v1/regions/{region}/webhooks/{webhookId}", targets: targets, rule: mxWebhook, scopes: mxReadScopes, ok: []int{200},
			req: func(s *mxSeed, tg mxTarget) Req { return mxGet(hook(s, tg)) }},
		{op: "POST /v1/regions/{region}/webhooks/{webhookId}/rotate", targets: targets, rule: mxWebhook, scopes: mxReadScopes, ok: []int{200},
			req: func(s *mxSeed, tg mxTarget) Req { return Req{Method: "POST", Path: hook(s, tg) + "/rotate"} }},
		{op: "GET /v1/regions/{region}/webhooks/{webhookId}/deliveries", targets: targets, rule: mxWebhook, scopes: mxReadScopes, ok: []int{200},
			req: func(s *mxSeed, tg mxTarget) Req { return mxGet(hook(s, tg) + "/deliveries?state=failed") }},
		// No delivery was attempted: allowed callers get 404.
		{op: "POST /v1/regions/{region}/webhooks/{webhookId}/deliveries/{deliveryId}/replay", targets: targets, rule: mxWebhook, scopes: mxReadScopes, ok: []int{404},
			req: func(s *mxSeed, tg mxTarget) Req {
				return Req{Method: "POST", Path: hook(s, tg) + "/deliveries/msg_" + s.hookID[tg.partner] + "_1/replay"}
			}},
		{op: "DELETE /v1/regions/{region}/webhooks/{webhookId}", targets: targets, rule: mxWebhook, scopes: mxReadScopes, ok: []int{204, 404},
			req: func(s *mxSeed, tg mxTarget) Req { return Req{Method: "DELETE", Path: hook(s, tg)} }},
	}
}
