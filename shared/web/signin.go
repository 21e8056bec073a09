package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/apperr"
	"github.com/regional-data-exchange/rdx/shared/auth"
	"github.com/regional-data-exchange/rdx/shared/httpapi"
)

const (
	signInPath  = Prefix + "sign-in"
	signOutPath = Prefix + "sign-out"
)

// devTokenTTL is how long a development sign-in's token lasts: a working
// day. The session ends sooner when left idle (IdleLimit).
const devTokenTTL = 12 * time.Hour

// authenticate signs the visit in from its session cookie: the token it
// holds is verified as an API call's bearer token is, on every request (a
// token verified before is remembered until it expires, while the key that
// verified it is still the issuer's: auth.Memo), and the cookie is sealed
// again, seen now, once a minute has passed since it was last seen, so that
// the idle limit slides. A provider's token about to expire is first
// renewed with its refresh token. Without a session, with one idle too long
// or too old, or with one whose token no longer verifies, the person is
// sent to sign in (false).
func (s *site) authenticate(v *visit) (bool, error) {
	var sess Session
	if !s.cookies.getSession(v.r, &sess) {
		return false, s.toSignIn(v, false)
	}
	now := s.Now()
	if sess.ended(now) {
		s.cookies.endSession(v.w, v.r)
		return false, s.toSignIn(v, true)
	}
	read := sess // a renewed token is sealed at once
	if sess.Via == ViaOIDC && s.provider != nil {
		s.provider.renew(v.r.Context(), &sess, s.Log)
	}
	p, err := s.tokens.Verify(v.r.Context(), sess.Token)
	if apperr.Is(err, apperr.Unauthenticated) {
		s.cookies.endSession(v.w, v.r)
		return false, s.toSignIn(v, true)
	}
	if err != nil {
		return false, err // the issuer's keys cannot be had: 503, not a sign-out
	}
	v.p = p
	httpapi.Identified(v.r.Context(), p.Subject)
	if sess == read && now.Unix()-sess.Seen < resealAfter {
		return true, nil // seen within the minute: the cookie is as it would be
	}
	sess.Seen = now.Unix()
	return true, s.cookies.startSession(v.w, v.r, sess)
}

// resealAfter is how far (in seconds) the time a session was last seen
// moves before its cookie is sealed again: the idle limit slides by the
// minute, and a person reading page after page is not sent a new cookie
// with each.
const resealAfter = 60

// maxSessionTokens bounds the sessions' tokens remembered as verified.
const maxSessionTokens = 10000

// toSignIn sends the person to the sign-in page, and back to the page they
// asked for once signed in (a form's answer is not kept: they send it again).
func (s *site) toSignIn(v *visit, ended bool) error {
	if ended {
		s.leaveFlash(v, flash{Error: true, Text: v.t("page.signin.ended", nil)})
	}
	q := url.Values{}
	if v.r.Method == http.MethodGet && v.r.URL.Path != Prefix {
		q.Set("next", v.r.URL.RequestURI())
	}
	return v.redirect(signInPath, q)
}

// nextPage is where a sign-in goes on to: a page of the service only.
func nextPage(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(u.Path, Prefix) || strings.Contains(u.Path, "..") || strings.ContainsAny(next, "\\") || strings.HasPrefix(next, "//") {
		return Prefix
	}
	return next
}

type signInData struct {
	Offered bool // development roles are offered (the local run)
	// Provider is set when people sign in through the identity provider
	// (deployed): the form is one button.
	Provider bool
	Groups   []roleGroup
	Next     string
	Action   string
}

type roleGroup struct {
	Legend string
	Roles  []roleOption
}

type roleOption struct {
	ID, Label string
}

func (s *site) signInPage(v *visit) error {
	d := signInData{Offered: s.DevSignIn != nil, Provider: s.provider != nil, Next: nextPage(v.r.URL.Query().Get("next")), Action: v.link(signInPath, nil)}
	if d.Offered {
		d.Groups = s.roleGroups(v)
	}
	return s.render(v, http.StatusOK, "sign-in", v.t("page.signin.title", nil), d)
}

// roleGroups are the development roles, a fieldset per region and one for
// government, labelled in the page's language.
func (s *site) roleGroups(v *visit) []roleGroup {
	var out []roleGroup
	for _, r := range auth.DevRoles(s.Service.Regions) {
		var legend, label string
		reg, ok := s.Service.Regions.Get(r.Spec.Region)
		if ok {
			reg = reg.In(v.lang)
			legend = reg.Name
		}
		switch r.Kind {
		case auth.DevPartner:
			p, _ := reg.Partner(r.Spec.Partner)
			label = v.t("page.signin.role.partner", map[string]any{"Partner": p.Name})
		case auth.DevUnit:
			label = v.t("page.signin.role.unit", nil)
		case auth.DevBoard:
			label = v.t("page.signin.role.board", nil)
		default:
			legend, label = v.t("page.signin.government", nil), v.t("page.signin.role.government", nil)
		}
		if len(out) == 0 || out[len(out)-1].Legend != legend {
			out = append(out, roleGroup{Legend: legend})
		}
		g := &out[len(out)-1]
		g.Roles = append(g.Roles, roleOption{ID: r.ID, Label: label})
	}
	return out
}

// signIn signs a person in: deployed, through the identity provider; on
// the local run as the development role they chose. Where neither is set up
// there is no such form (404).
func (s *site) signIn(v *visit) error {
	if s.provider != nil {
		return s.startProviderSignIn(v)
	}
	if s.DevSignIn == nil {
		return errNoPage
	}
	role, ok := auth.DevRoleByID(s.Service.Regions, v.r.PostFormValue("role"))
	if !ok {
		s.leaveFlash(v, flash{Error: true, Text: v.t("page.signin.choose", nil)})
		return v.redirect(signInPath, nil)
	}
	spec := role.Spec
	spec.TTL = devTokenTTL
	tok, err := s.DevSignIn.Mint(spec, s.Now())
	if err != nil {
		return err
	}
	now := s.Now().Unix()
	if err := s.cookies.startSession(v.w, v.r, Session{Token: tok, Via: ViaDevelopment, Started: now, Seen: now}); err != nil {
		return err
	}
	return s.signedIn(v, spec.Name, v.r.PostFormValue("next"))
}

// signedIn goes on, once signed in, to the page the person first asked for.
func (s *site) signedIn(v *visit, name, next string) error {
	s.leaveFlash(v, flash{Text: v.t("page.signin.done", map[string]any{"Name": name})})
	if next := nextPage(next); next != Prefix {
		http.Redirect(v.w, v.r, next, http.StatusSeeOther)
		return nil
	}
	return v.redirect(Prefix, nil)
}

// signOut ends the session: the cookie is gone and the token no longer
// reaches any page from this browser. A person signed in through the
// identity provider is then sent to its sign-out, where it has one, which
// brings them back to the sign-in page.
func (s *site) signOut(v *visit) error {
	var sess Session
	had := s.cookies.getSession(v.r, &sess)
	s.cookies.endSession(v.w, v.r)
	s.leaveFlash(v, flash{Text: v.t("page.signout.done", nil)})
	if had && sess.Via == ViaOIDC && s.provider != nil {
		if to := s.provider.signOutURL(s.base(v) + signInPath); to != "" {
			http.Redirect(v.w, v.r, to, http.StatusSeeOther)
			return nil
		}
	}
	return v.redirect(signInPath, nil)
}
