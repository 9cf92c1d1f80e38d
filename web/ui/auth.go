package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/accounts"

	"github.com/archipel-social/archipel/web/redirect"
)

func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	if sessionOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := u.newView(r, "title.login", "login")
	v.Form = r.URL.Query()
	v.Data = u.loginData()
	u.render(w, http.StatusOK, "login", v)
}

type loginData struct {
	PasswordLogin bool
	SSOName       string // "" without single sign-on
}

func (u *UI) loginData() loginData {
	d := loginData{PasswordLogin: !u.Accounts.PasswordLoginOff}
	if u.SSO != nil {
		d.SSOName = u.SSOName
	}
	return d
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	login := strings.TrimSpace(r.PostFormValue("login"))
	acct, err := u.Accounts.LoginFrom(r.Context(), login, r.PostFormValue("password"), clientIP(r))
	if err != nil {
		var throttled *accounts.ThrottledError
		v := u.newView(r, "title.login", "login")
		v.Form = r.PostForm
		v.Form.Del("password")
		v.Data = u.loginData()
		switch {
		case errors.As(err, &throttled):
			w.Header().Set("Retry-After", strconv.Itoa(throttled.RetryAfterSeconds()))
			v.Errors["password"] = v.TN("err.throttled", throttled.RetryAfterSeconds(), throttled.RetryAfterSeconds())
			u.render(w, http.StatusTooManyRequests, "login", v)
		case errors.Is(err, accounts.ErrUnauthenticated):
			v.Errors["password"] = v.T("err.wrong_credentials")
			u.render(w, http.StatusUnauthorized, "login", v)
		case errors.Is(err, accounts.ErrPasswordLoginOff):
			u.render(w, http.StatusForbidden, "login", v)
		default:
			u.fail(w, r, err)
		}
		return
	}
	if err := u.startSession(w, r, acct); err != nil {
		u.fail(w, r, err)
		return
	}
	if !acct.Active() {
		http.Redirect(w, r, "/confirm", http.StatusSeeOther)
		return
	}
	redirect.To(w, r, r.PostFormValue("next"), http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	back := "/?notice=logged_out"
	if s := sessionOf(r); s != nil {
		idToken, _ := u.Store.SessionIDToken(r.Context(), s.hash)
		if err := u.Store.DeleteSession(r.Context(), s.hash); err != nil {
			u.fail(w, r, err)
			return
		}
		// A single sign-on ends at the provider too.
		if u.SSO != nil && idToken != "" {
			if end, ok := u.SSO.LogoutURL(r.Context(), idToken, u.Links.Base+"/"); ok {
				back = end
			}
		}
	}
	u.clearSessionCookie(w)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (u *UI) signupForm(w http.ResponseWriter, r *http.Request) {
	if sessionOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := u.newView(r, "title.signup", "signup")
	v.Data = u.signupData()
	u.render(w, http.StatusOK, "signup", v)
}

type signupData struct {
	Mode          string
	PasswordLogin bool
}

func (u *UI) signupData() signupData {
	return signupData{Mode: u.Accounts.RegistrationMode(), PasswordLogin: !u.Accounts.PasswordLoginOff}
}

// signup creates an unconfirmed account and mails its confirmation link;
// the tier comes from the address's domain once the link is followed.
func (u *UI) signup(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	v := u.newView(r, "title.signup", "signup")
	v.Form = f
	v.Data = u.signupData()
	if f.Get("password") != f.Get("password_confirm") {
		v.Errors["password_confirm"] = v.T("rule.password_confirm")
	}
	if len(v.Errors) == 0 {
		acct, err := u.Accounts.SignUp(r.Context(), accounts.SignUp{Username: f.Get("username"), Email: f.Get("email"),
			Password: f.Get("password"), DisplayName: strings.TrimSpace(f.Get("display_name")), Lang: v.Lang,
			Reason: f.Get("reason")})
		if err == nil {
			if err := u.startSession(w, r, acct); err != nil {
				u.fail(w, r, err)
				return
			}
			http.Redirect(w, r, "/confirm", http.StatusSeeOther)
			return
		}
		if errors.Is(err, accounts.ErrRegistrationsClosed) {
			u.errorPage(w, r, http.StatusForbidden, "err.registrations_closed", "hint.ask_admin")
			return
		}
		errs, ok := fieldErrors(v.Lang, err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		v.Errors = errs
	}
	v.Form.Del("password")
	v.Form.Del("password_confirm")
	u.render(w, http.StatusUnprocessableEntity, "signup", v)
}

func (u *UI) passwordForm(w http.ResponseWriter, r *http.Request) {
	u.render(w, http.StatusOK, "password", u.newView(r, "title.password", "me"))
}

// changePassword sets a new password and signs out the other browsers.
func (u *UI) changePassword(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := u.newView(r, "title.password", "me")
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		v.Errors["password_confirm"] = v.T("rule.password_confirm")
		u.render(w, http.StatusUnprocessableEntity, "password", v)
		return
	}
	err := u.Accounts.ChangePassword(r.Context(), s.Account, r.PostFormValue("current_password"), r.PostFormValue("password"))
	if err != nil {
		u.refuseForm(w, r, v, "password", err)
		return
	}
	if err := u.Store.DeleteOtherSessions(r.Context(), s.Account.ID, s.hash); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/password?notice=password_changed", http.StatusSeeOther)
}
