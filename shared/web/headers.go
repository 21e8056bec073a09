package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"

	"github.com/regional-data-exchange/rdx/shared/httpapi"
)

// contentSecurityPolicy allows nothing but the service's own files: no
// inline script or style (the pages have none, and need no style
// attribute), no plugin, no framing, forms posted only back here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers gives every answer under /app/ the pages' security headers. Pages
// are private and change: none is stored (the stylesheet says otherwise).
func headers(secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		// same-origin: a form's Referer reaches this service (the CSRF check
		// reads it over HTTPS) and no address of a page leaves it.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// The stylesheet: one small file, named in every page with its hash, so a
// browser keeps it until it changes.
var (
	//go:embed static/app.css
	css     []byte
	cssHash = func() string { s := sha256.Sum256(css); return hex.EncodeToString(s[:8]) }()
)

const staticPath = Prefix + "static/app.css"

// stylesheet is the stylesheet's address in a page.
var stylesheet = staticPath + "?v=" + cssHash

func serveCSS(w http.ResponseWriter, r *http.Request) {
	httpapi.Routed(r.Context(), "GET "+staticPath)
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+cssHash+`"`)
	if r.Header.Get("If-None-Match") == `"`+cssHash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(css)
}
