package ui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/archipel-social/archipel/oauth"
)

// authorizeData is what the consent page shows and posts back.
type authorizeData struct {
	App     string
	Website string
	Scopes  []string
	Params  url.Values
	Code    string // the code to copy, for out-of-band apps
}

// authorizeParams are the request's parameters the consent form carries.
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"}

func (u *UI) checkAuthorization(r *http.Request, q url.Values) (*oauth.Authorization, error) {
	return u.OAuth.CheckAuthorization(r.Context(), q.Get("client_id"), q.Get("redirect_uri"), q.Get("response_type"),
		q.Get("scope"), q.Get("code_challenge"), q.Get("code_challenge_method"), q.Get("state"))
}

// authorize is OAuth's authorization endpoint: the reader signs in (with a
// password or single sign-on), then consents on a page that names the app
// and the scopes it asks for.
func (u *UI) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a, err := u.checkAuthorization(r, q)
	if err != nil {
		u.authorizeRefused(w, r, a, err)
		return
	}
	s := sessionOf(r)
	if s == nil || q.Get("force_login") == "true" && q.Get("signed_in") == "" {
		next := *r.URL
		if s != nil {
			// Asked to sign in again: once signed in, do not ask twice.
			nq := next.Query()
			nq.Set("signed_in", "1")
			next.RawQuery = nq.Encode()
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next.RequestURI()), http.StatusSeeOther)
		return
	}
	if !s.Account.Active() {
		http.Redirect(w, r, "/confirm", http.StatusSeeOther)
		return
	}
	v := u.newView(r, "title.authorize", "me")
	params := url.Values{}
	for _, k := range authorizeParams {
		if x := q.Get(k); x != "" {
			params.Set(k, x)
		}
	}
	v.Data = authorizeData{App: a.App.Name, Website: a.App.Website, Scopes: a.Scopes, Params: params}
	u.render(w, http.StatusOK, "authorize", v)
}

// authorizeAnswer is the consent form's answer: a code for the app, sent to
// its redirect URI (or shown, out of band), or access_denied.
func (u *UI) authorizeAnswer(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if s == nil {
		u.errorPage(w, r, http.StatusUnauthorized, "err.login_needed", "hint.login")
		return
	}
	a, err := u.checkAuthorization(r, r.PostForm)
	if err != nil {
		u.authorizeRefused(w, r, a, err)
		return
	}
	if r.PostFormValue("answer") != "approve" {
		u.authorizeRefused(w, r, a, &oauth.Error{Code: "access_denied", Description: "the user refused"})
		return
	}
	code, err := u.OAuth.IssueCode(r.Context(), a, s.Account)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if a.RedirectURI == oauth.OOB {
		v := u.newView(r, "title.authorize", "me")
		v.Data = authorizeData{App: a.App.Name, Code: code}
		u.render(w, http.StatusOK, "authorize", v)
		return
	}
	back := url.Values{"code": {code}}
	if a.State != "" {
		back.Set("state", a.State)
	}
	http.Redirect(w, r, withQuery(a.RedirectURI, back), http.StatusSeeOther)
}

// authorizeRefused answers a bad authorization request: to the app's
// redirect URI when it is one the app registered (RFC 6749 §4.1.2.1), on
// an error page otherwise (never to a URI the app did not register).
func (u *UI) authorizeRefused(w http.ResponseWriter, r *http.Request, a *oauth.Authorization, err error) {
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		u.fail(w, r, err)
		return
	}
	if a == nil || a.RedirectURI == oauth.OOB {
		v := u.newView(r, "title.error", "")
		v.Data = errorData{Message: v.T("err.oauth", oe.Description), Hint: v.T("hint.oauth"), Status: http.StatusBadRequest}
		u.render(w, http.StatusBadRequest, "error", v)
		return
	}
	back := url.Values{"error": {oe.Code}, "error_description": {oe.Description}}
	if a.State != "" {
		back.Set("state", a.State)
	}
	http.Redirect(w, r, withQuery(a.RedirectURI, back), http.StatusSeeOther)
}

// withQuery adds parameters to a registered redirect URI, keeping its own.
func withQuery(uri string, add url.Values) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	for k, vs := range add {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
