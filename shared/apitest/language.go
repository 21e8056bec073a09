package apitest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func places(p problemParts) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Code+" "+e.Pointer+e.Parameter+e.Header)
	}
	slices.Sort(out)
	return out
}

func expectLanguage(t *testing.T, r *Resp, want string) {
	t.Helper()
	if got := r.Header.Get("Content-Language"); got != want {
		t.Errorf("Content-Language %q, want %q: %s", got, want, r.Body)
	}
	if !slices.Contains(r.Header.Values("Vary"), "Accept-Language") {
		t.Errorf("Vary %q does not name Accept-Language", r.Header.Values("Vary"))
	}
}

// Every answer in words says its language; a problem asked in Welsh has
// Welsh words and the same type, status, codes and places as in English.
func testLanguages(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	wrongKind := Req{Method: "PUT", Path: QRPath, Token: tok, Body: Example(t, "pool-contribution.json")}
	en, cy := e.Do(wrongKind), e.Do(welsh(wrongKind))
	expectStatus(t, en, 422)
	expectStatus(t, cy, 422)
	expectLanguage(t, en, "en")
	expectLanguage(t, cy, "cy")
	var pe, pc problemParts
	decode(t, en, &pe)
	decode(t, cy, &pc)
	if pe.Type != pc.Type || pe.Status != pc.Status || !slices.Equal(places(pe), places(pc)) {
		t.Errorf("the Welsh problem differs from the English in more than words:\n en %+v\n cy %+v", pe, pc)
	}
	if pc.Title != "Methodd y dilysu" || pc.Title == pe.Title || pc.Detail == pe.Detail {
		t.Errorf("the Welsh problem's words are not Welsh: title %q, detail %q", pc.Title, pc.Detail)
	}
	// Every failing field is named with a Welsh message, none left as the English.
	for i := range pc.Errors {
		if m := pc.Errors[i].Message; m == "" || m == pe.Errors[i].Message {
			t.Errorf("%s at %s%s has no Welsh message: %q", pc.Errors[i].Code, pc.Errors[i].Pointer, pc.Errors[i].Parameter, m)
		}
	}
	// A message with values keeps them: the field's name in the Welsh as in the English.
	missing := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { delete(m, "riskRating") })
	r := e.Do(Req{Method: "PUT", Path: QRPath + "?lang=cy", Token: tok, Body: missing})
	expectError(t, r, "field.required", "/riskRating")
	if !strings.Contains(string(r.Body), "Mae angen riskRating.") {
		t.Errorf("the Welsh message does not name the field: %s", r.Body)
	}

	// A path parameter's finding in Welsh keeps the value given.
	r = e.Do(Req{Method: "PUT", Path: SlicePath(WW, Carm) + "/quarterly-returns/no-such-fund/2018-19-Q2?lang=cy", Token: tok, Body: Example(t, "quarterly-return.json")})
	expectError(t, r, "fund.unknown", "fundId")
	if !strings.Contains(string(r.Body), `Nid yw \"no-such-fund\" yn un o gronfeydd cyfun west-wales.`) {
		t.Errorf("the Welsh message does not name the fund: %s", r.Body)
	}

	// A body that is not JSON: where the scanner stopped, in Welsh (and, by
	// the Welsh sweep, every other problem of the suite).
	r = e.Do(Req{Method: "PUT", Path: QRPath + "?lang=cy", Token: tok, Body: []byte(`{'riskRating': "red"}`)})
	expectStatus(t, r, 400)
	if !strings.Contains(string(r.Body), `nod annilys '\\'' wrth chwilio am ddechrau llinyn allwedd gwrthrych`) {
		t.Errorf("a malformed body in Welsh: %s", r.Body)
	}

	// The rule catalogue in Welsh: every rule, the same codes, Welsh messages.
	var rulesEn, rulesCy struct {
		Rules []struct{ Code, Message string }
	}
	decode(t, e.Get("/v1/rules", tok), &rulesEn)
	rc := e.Get("/v1/rules?lang=cy", tok)
	expectLanguage(t, rc, "cy")
	decode(t, rc, &rulesCy)
	if len(rulesCy.Rules) != len(rulesEn.Rules) || len(rulesEn.Rules) == 0 {
		t.Fatalf("%d rules in Welsh, %d in English", len(rulesCy.Rules), len(rulesEn.Rules))
	}
	for i, ru := range rulesCy.Rules {
		if ru.Code != rulesEn.Rules[i].Code || ru.Message == rulesEn.Rules[i].Message || ru.Message == "" {
			t.Errorf("rule %s in Welsh: %q (English %q)", ru.Code, ru.Message, rulesEn.Rules[i].Message)
		}
	}

	// The common problems, each in Welsh: no token, no route, wrong method.
	for _, r := range []Req{
		{Method: "GET", Path: "/v1/me"},
		{Method: "GET", Path: "/v1/nowhere", Token: tok},
		{Method: "PATCH", Path: QRPath, Token: tok},
	} {
		en, cy := e.Do(r), e.Do(welsh(r))
		expectLanguage(t, cy, "cy")
		var pe, pc problemParts
		decode(t, en, &pe)
		decode(t, cy, &pc)
		if en.Status != cy.Status || pe.Type != pc.Type || pc.Title == pe.Title || pc.Detail == pe.Detail {
			t.Errorf("%s %s in Welsh: %d %s; in English: %d %s", r.Method, r.Path, cy.Status, cy.Body, en.Status, en.Body)
		}
	}

	// lang wins over Accept-Language; q-values choose; nothing asked is English.
	for _, c := range []struct{ path, accept, want string }{
		{"/v1/me?lang=cy", "en", "cy"},
		{"/v1/me?lang=en", "cy", "en"},
		{"/v1/me", "en;q=0.3, cy-GB;q=0.8", "cy"},
		{"/v1/me", "cy;q=0.3, en-GB;q=0.8", "en"},
		{"/v1/me", "fr", "en"},
		{"/v1/me", "", "en"},
	} {
		r := e.Do(Req{Method: "GET", Path: c.path, Token: tok, Header: map[string]string{"Accept-Language": c.accept}})
		expectStatus(t, r, 200)
		expectLanguage(t, r, c.want)
	}
	// A language not served is refused by name, in English.
	r = e.Get("/v1/me?lang="+url.QueryEscape("fr"), tok)
	expectError(t, r, "query.invalid", "lang")
	expectLanguage(t, r, "en")
	var pl problemParts
	decode(t, r, &pl)
	if len(pl.Errors) != 1 || !strings.Contains(pl.Errors[0].Message, `"fr"`) {
		t.Errorf("the refusal does not name the value given: %s", r.Body)
	}
}

// A replayed answer says the language of its stored words, whatever its
// retry asks for; a version's answer is rendered again, in the retry's
// language, its warnings too.
func testReplayLanguage(t *testing.T, e *Env) {
	tok := e.PartnerToken(WW, Carm)
	wrongKind := Req{Method: "PUT", Path: QRPath, Token: tok, Body: Example(t, "pool-contribution.json"), Header: map[string]string{"Idempotency-Key": "replay-en"}}
	first := e.Do(wrongKind)
	expectStatus(t, first, 422)
	expectLanguage(t, first, "en")
	again := e.Do(welsh(wrongKind))
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("not the stored answer: %s %s", again.Header, again.Body)
	}
	expectLanguage(t, again, "en")

	wrongKind.Header = map[string]string{"Idempotency-Key": "replay-cy", "Accept-Language": "cy"}
	first = e.Do(wrongKind)
	expectLanguage(t, first, "cy")
	wrongKind.Header["Accept-Language"] = "en"
	again = e.Do(wrongKind)
	if again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("not the stored answer: %s %s", again.Header, again.Body)
	}
	expectLanguage(t, again, "cy")

	// A new version with warnings, replayed in Welsh: its warnings in Welsh.
	q1 := SlicePath(WW, Carm) + "/quarterly-returns/care-homes-older-people/2018-19-Q1"
	expectStatus(t, e.Put(q1, tok, Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) { delete(m, "quarter") })), 201)
	lower := Edit(t, Example(t, "quarterly-return.json"), func(m map[string]any) {
		m["spend"].([]any)[0].(map[string]any)["actualToDate"] = "4000000.00" // lower than Q1's
	})
	created := e.Put(QRPath, tok, lower, "Idempotency-Key", "replay-201")
	expectStatus(t, created, 201)
	replay := e.Put(QRPath, tok, lower, "Idempotency-Key", "replay-201", "Accept-Language", "cy")
	expectStatus(t, replay, 201)
	expectLanguage(t, replay, "cy")
	we, wc := warnings(t, created), warnings(t, replay)
	if len(we) == 0 || len(we) != len(wc) {
		t.Fatalf("warnings: English %v, Welsh %v", we, wc)
	}
	for i := range we {
		if we[i].Code != wc[i].Code || we[i].Pointer != wc[i].Pointer || we[i].Message == wc[i].Message || !strings.Contains(wc[i].Message, "4000000.00") {
			t.Errorf("the Welsh warning %+v is not the English %+v in Welsh", wc[i], we[i])
		}
	}
	// Read back in Welsh, from the store: the same Welsh words.
	if got := warnings(t, e.Do(Req{Method: "GET", Path: QRPath + "?lang=cy", Token: tok})); !slices.Equal(got, wc) {
		t.Errorf("stored warnings in Welsh %v, want %v", got, wc)
	}
}

type warning struct{ Code, Pointer, Message string }

func warnings(t *testing.T, r *Resp) []warning {
	t.Helper()
	var v struct{ Warnings []warning }
	decode(t, r, &v)
	return v.Warnings
}

func decode(t *testing.T, r *Resp, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, r.Body)
	}
}

// expectOnlyWordsDiffer fails when an answer asked in Welsh differs from the
// English one in more than its words: the status; for a problem every part
// but its title, detail and messages (and its words must be Welsh); for any
// other JSON answer everything but its names and messages, and its ETag (a
// report's names its content in every language).
func expectOnlyWordsDiffer(t *testing.T, label string, en, cy *Resp) {
	t.Helper()
	if en.Status != cy.Status {
		t.Errorf("%s: %d in English, %d in Welsh", label, en.Status, cy.Status)
		return
	}
	if en.Header.Get("Content-Type") == "application/json" {
		expectLanguage(t, cy, "cy")
		if a, b := nameless(t, without(decodeAny(t, en.Body), "message")), nameless(t, without(decodeAny(t, cy.Body), "message")); a != b {
			t.Errorf("%s: the Welsh answer differs in more than words:\n en %.600s\n cy %.600s", label, a, b)
		}
		if en.Header.Get("ETag") != cy.Header.Get("ETag") {
			t.Errorf("%s: ETag %s in English, %s in Welsh", label, en.Header.Get("ETag"), cy.Header.Get("ETag"))
		}
		return
	}
	if isProblem(en) {
		expectWelshWords(t, label, en, cy)
	}
}

// wordless is a problem without its words and what differs between any two
// answers (its request's id).
func wordless(t *testing.T, body []byte) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	delete(p, "title")
	delete(p, "detail")
	delete(p, "requestId")
	if errs, ok := p["errors"].([]any); ok {
		for _, e := range errs {
			delete(e.(map[string]any), "message")
		}
	}
	b, _ := json.Marshal(p)
	return string(b)
}
