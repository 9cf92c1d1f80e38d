package ui

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/sso"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/redirect"
)

// ssoCookie binds a sign-in under way to the browser that started it.
const ssoCookie = "archipel_sso"

// ssoStart sends the browser to the identity provider.
func (u *UI) ssoStart(w http.ResponseWriter, r *http.Request) {
	if u.SSO == nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	start, err := u.SSO.Begin(r.Context())
	if err != nil {
		u.ssoFailed(w, r, err)
		return
	}
	browser, err := u.Accounts.StartSSO(r.Context(), start.State, start.Nonce, start.Verifier, redirect.Local(r.URL.Query().Get("next")))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: browser, Path: "/login/sso", MaxAge: int(accounts.SSOLoginLifetime.Seconds()),
		HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, start.URL, http.StatusSeeOther)
}

// ssoCallback is where the provider sends the browser back: the state must
// be this browser's, the code is exchanged and the ID token verified; only
// then is the person signed in (or their account made, or linked).
func (u *UI) ssoCallback(w http.ResponseWriter, r *http.Request) {
	if u.SSO == nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	q := r.URL.Query()
	var browser string
	if c, err := r.Cookie(ssoCookie); err == nil {
		browser = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/login/sso", MaxAge: -1, HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
	login, err := u.Accounts.TakeSSO(r.Context(), q.Get("state"), browser)
	if err != nil {
		u.ssoFailed(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" {
		u.ssoFailed(w, r, sso.ErrRefused)
		return
	}
	id, idToken, err := u.SSO.Finish(r.Context(), q.Get("code"), login.Verifier, login.Nonce)
	if err != nil {
		u.ssoFailed(w, r, err)
		return
	}
	acct, linkToken, err := u.Accounts.SignInSSO(r.Context(), id, idToken)
	if errors.Is(err, accounts.ErrLinkNeeded) {
		http.Redirect(w, r, "/login/sso/link/"+linkToken+"?next="+urlQueryEscape(login.Next), http.StatusSeeOther)
		return
	} else if err != nil {
		u.ssoFailed(w, r, err)
		return
	}
	u.signedIn(w, r, acct, idToken, login.Next)
}

// signedIn starts the session of a single sign-on and goes on.
func (u *UI) signedIn(w http.ResponseWriter, r *http.Request, acct *store.Account, idToken, next string) {
	if err := u.startSessionWith(w, r, acct, idToken); err != nil {
		u.fail(w, r, err)
		return
	}
	if !acct.Active() {
		http.Redirect(w, r, "/confirm", http.StatusSeeOther)
		return
	}
	redirect.To(w, r, next, http.StatusSeeOther)
}

func (u *UI) ssoLinkForm(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.sso_link", "login")
	v.Form = r.URL.Query()
	v.Data = chi.URLParam(r, "token")
	u.render(w, http.StatusOK, "sso_link", v)
}

// ssoLink links the identity to the existing account once its password is
// given.
func (u *UI) ssoLink(w http.ResponseWriter, r *http.Request) {
	tok := chi.URLParam(r, "token")
	acct, idToken, err := u.Accounts.LinkSSO(r.Context(), tok, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		var throttled *accounts.ThrottledError
		v := u.newView(r, "title.sso_link", "login")
		v.Data = tok
		v.Form = r.PostForm
		v.Form.Del("password")
		switch {
		case errors.As(err, &throttled):
			v.Errors["password"] = v.TN("err.throttled", throttled.RetryAfterSeconds(), throttled.RetryAfterSeconds())
			u.render(w, http.StatusTooManyRequests, "sso_link", v)
		case errors.Is(err, accounts.ErrUnauthenticated):
			v.Errors["password"] = v.T("err.wrong_credentials")
			u.render(w, http.StatusUnauthorized, "sso_link", v)
		case errors.Is(err, accounts.ErrLinkInvalid):
			u.errorPage(w, r, http.StatusGone, "err.link_invalid", "hint.sso_again")
		default:
			u.fail(w, r, err)
		}
		return
	}
	u.signedIn(w, r, acct, idToken, r.PostFormValue("next"))
}

// ssoFailed explains a failed single sign-on; nothing was created.
func (u *UI) ssoFailed(w http.ResponseWriter, r *http.Request, err error) {
	key, status := "err.sso_failed", http.StatusBadRequest
	switch {
	case errors.Is(err, accounts.ErrBadState):
		key = "err.sso_state"
	case errors.Is(err, sso.ErrProviderDown):
		key, status = "err.sso_down", http.StatusBadGateway
	case errors.Is(err, sso.ErrBadToken):
		key = "err.sso_token"
	case errors.Is(err, sso.ErrEmailUnverified), errors.Is(err, sso.ErrNoEmail):
		key = "err.sso_email"
	case errors.Is(err, sso.ErrRefused):
		key = "err.sso_refused"
	case errors.Is(err, accounts.ErrRegistrationsClosed):
		key, status = "err.registrations_closed", http.StatusForbidden
	default:
		u.fail(w, r, err)
		return
	}
	u.Log.Info("single sign-on refused", "err", err)
	u.errorPage(w, r, status, key, "hint.sso_again")
}
