// Package web is the pages people use, under /app/: a region's view of its
// pooled funds and a partner's returns, rendered on the server with
// html/template, complete without script, in Welsh and English.
//
// The pages are mounted in the API's own handler (httpapi.Deps.Extra), so
// they are served by the same function locally and on Lambda, behind the
// same request ids, logs, traces and language negotiation. Each page calls
// the service methods the API route it stands for calls, with the principal
// of the signed-in person's token, verified on every request as an API
// call's is (remembered, once verified, until it expires and while its key
// is the issuer's: auth.Memo): what a person may see and do is exactly what
// their token may.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
)

// Prefix is where the pages are mounted.
const Prefix = "/app/"

// Config is what a composition root decides about the pages.
type Config struct {
	// SessionKey seals the session and CSRF cookies (at least 32 bytes,
	// shared by every instance); the cookies' own keys are derived from it.
	SessionKey []byte
	// PlainHTTP is set by the local run, served over http on loopback: the
	// cookies go without Secure (and so without the __Host- prefix), and
	// forms are not asked for an HTTPS Referer. Deployed, it is never set.
	PlainHTTP bool
	// DevSignIn, set only by the local composition root, offers the
	// development roles (auth.DevRoles) at /app/sign-in and signs a person
	// in with a token minted by this key. Without it there is no such
	// sign-in; app.Build refuses it on Lambda.
	DevSignIn *auth.DevKey
	// OIDC, set deployed, signs people in through the region's identity
	// provider. Without it (and without DevSignIn) the sign-in page says
	// sign-in is not set up.
	OIDC *OIDC
}

// Deps are what the pages serve: the same use cases as the API and its
// token verifier.
type Deps struct {
	Config
	httpapi.UseCases
	Verifier *auth.Verifier
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
}

type site struct {
	Deps
	cookies  *cookies
	tokens   *auth.Memo // the sessions' tokens, verified
	provider *provider  // nil: no OpenID Connect sign-in
	pages    templates
	mux      *http.ServeMux
}

// New builds the pages' handler, to be mounted at Prefix.
func New(d Deps) (http.Handler, error) {
	if len(d.SessionKey) < 32 {
		return nil, errors.New("web: the session key must be at least 32 bytes")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	c, err := newCookies(d.SessionKey, !d.PlainHTTP)
	if err != nil {
		return nil, err
	}
	s := &site{Deps: d, cookies: c, tokens: auth.NewMemo(d.Verifier, maxSessionTokens), pages: pages, mux: http.NewServeMux()}
	if d.OIDC != nil {
		if d.DevSignIn != nil {
			return nil, errors.New("web: development sign-in and OpenID Connect are not offered together")
		}
		if s.provider, err = newProvider(*d.OIDC, d.Log); err != nil {
			return nil, err
		}
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.endpoint(rt))
	}
	s.mux.Handle(Prefix, s.endpoint(route{pattern: Prefix, serve: s.notFound}))
	forms := s.protect(s.mux)
	outer := http.NewServeMux()
	outer.Handle("GET "+staticPath, http.HandlerFunc(serveCSS))
	outer.Handle(Prefix, forms)
	return headers(!d.PlainHTTP, outer), nil
}

// route is one page or form.
type route struct {
	pattern string
	public  bool // served to a person not signed in
	serve   func(v *visit) error
}

// slicePath is a partner's pages, as the API's slice of a region.
const slicePath = Prefix + "regions/{region}/partners/{partner}/"

// regionPath is a region's own pages.
const regionPath = Prefix + "regions/{region}/"

// fundPath is a fund's pages for its region.
const fundPath = Prefix + "regions/{region}/funds/{fundId}/"

// routes lists every page and form.
func (s *site) routes() []route {
	return []route{
		{pattern: "GET " + Prefix + "{$}", serve: s.home},
		{pattern: "GET " + signInPath, public: true, serve: s.signInPage},
		{pattern: "POST " + signInPath, public: true, serve: s.signIn},
		{pattern: "POST " + signOutPath, public: true, serve: s.signOut},
		{pattern: "GET " + fundPath + "position", serve: s.position},
		{pattern: "GET " + fundPath + "position.csv", serve: s.positionCSV},
		{pattern: "GET " + fundPath + "completeness", serve: s.completeness},
		{pattern: "GET " + Prefix + "regions/{region}/obligations", serve: s.regionObligations},
		{pattern: "GET " + slicePath + "{$}", serve: s.partnerHome},
		{pattern: "GET " + slicePath + "obligations", serve: s.partnerObligations},
		{pattern: "GET " + slicePath + "uploads", serve: s.findUpload},
		{pattern: "GET " + slicePath + "uploads/{uploadId}", serve: s.upload},
		{pattern: "GET " + slicePath + "funds/{fundId}/pooling-consent", serve: s.consentPage},
		{pattern: "POST " + slicePath + "funds/{fundId}/pooling-consent", serve: s.consent},
		{pattern: "GET " + slicePath + "{kind}", serve: s.kindList},
		{pattern: "GET " + slicePath + "{kind}/{a}/{b}", serve: s.submission},
		{pattern: "GET " + slicePath + "{kind}/{a}/{b}/versions/{version}", serve: s.version},
		{pattern: "POST " + slicePath + "{kind}/{a}/{b}/signoff", serve: s.signOff},
		// The region's pages: fund reports and their sign-offs, period
		// locks, aggregates, the audit trail and exports (regionpages16).
		{pattern: "GET " + fundPath + "reports", serve: s.reports},
		{pattern: "GET " + fundPath + "reports/{quarter}", serve: s.report},
		{pattern: "POST " + fundPath + "reports/{quarter}/signoffs", serve: s.signReport},
		{pattern: "POST " + fundPath + "reports/{quarter}/approval", serve: s.approveReport},
		{pattern: "GET " + fundPath + "periods", serve: s.periods},
		{pattern: "POST " + fundPath + "periods/{period}/lock", serve: s.lockPeriod},
		{pattern: "POST " + fundPath + "periods/{period}/unlock", serve: s.unlockPeriod},
		{pattern: "GET " + regionPath + "aggregates/population", serve: s.population},
		{pattern: "GET " + regionPath + "aggregates/market", serve: s.market},
		{pattern: "GET " + regionPath + "audit", serve: s.audit},
		{pattern: "GET " + regionPath + "audit/export.jsonl", serve: s.auditExport},
		{pattern: "GET " + regionPath + "exports", serve: s.exportList},
		{pattern: "POST " + regionPath + "exports", serve: s.requestExport},
		{pattern: "GET " + regionPath + "exports/{exportId}", serve: s.exportPage},
		{pattern: "GET " + regionPath + "exports/{exportId}/files/{name}", serve: s.exportFile},
		// A partner's pages: each version's receipt and document to keep, and
		// uploads from the page (partnerpages16).
		{pattern: "GET " + slicePath + "{kind}/{a}/{b}/versions/{version}/receipt.jws", serve: s.versionReceiptFile},
		{pattern: "GET " + slicePath + "{kind}/{a}/{b}/versions/{version}/document.json", serve: s.versionDocumentFile},
		{pattern: "GET " + slicePath + "uploads/new", serve: s.uploadForm},
		{pattern: "POST " + slicePath + "uploads", serve: s.uploadFile},
		{pattern: "GET " + slicePath + "uploads/{uploadId}/receipt.jws", serve: s.uploadReceiptFile},
		// Deployed sign-in: OpenID Connect (oidc.go).
		{pattern: "GET " + callbackPath, public: true, serve: s.providerCallback},
	}
}

// endpoint names the route in the request's log line and span, signs the
// person in from their session (or sends them to sign in), and turns an
// error into its page.
func (s *site) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.Routed(r.Context(), rt.pattern)
		v := s.newVisit(w, r)
		if s.provider != nil {
			s.provider.allowForms(v)
		}
		if !rt.public {
			ok, err := s.authenticate(v)
			if err != nil {
				s.fail(v, err)
				return
			}
			if !ok {
				return // sent to sign in
			}
		}
		if err := rt.serve(v); err != nil {
			s.fail(v, err)
		}
	})
}
