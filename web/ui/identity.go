package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

// confirmPending is the one page an account that may not act yet sees:
// confirm the address (with a resend button), or wait for an admin.
func (u *UI) confirmPending(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if s == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if s.Account.Active() && s.Account.PendingEmail == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := u.newView(r, "title.confirm", "me")
	u.render(w, http.StatusOK, "confirm", v)
}

// resendConfirmation mails a new link, within the resend limits.
func (u *UI) resendConfirmation(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if s == nil {
		u.errorPage(w, r, http.StatusUnauthorized, "err.login_needed", "hint.login")
		return
	}
	err := u.Accounts.ResendConfirmation(r.Context(), s.Account)
	var tooSoon *accounts.TooSoonError
	switch {
	case errors.As(err, &tooSoon):
		v := u.newView(r, "title.confirm", "me")
		w.Header().Set("Retry-After", strconv.Itoa(int(tooSoon.RetryAfter.Seconds())+1))
		v.Errors["resend"] = v.TN("err.too_soon", int(tooSoon.RetryAfter.Seconds())+1, int(tooSoon.RetryAfter.Seconds())+1)
		u.render(w, http.StatusTooManyRequests, "confirm", v)
	case errors.Is(err, accounts.ErrNothingToConfirm):
		http.Redirect(w, r, "/", http.StatusSeeOther)
	case err != nil:
		u.fail(w, r, err)
	default:
		http.Redirect(w, r, "/confirm?notice=mail_sent", http.StatusSeeOther)
	}
}

// confirmLink follows the link of a confirmation mail. It does not sign
// anyone in: a mailed link proves the mailbox, not who clicks.
func (u *UI) confirmLink(w http.ResponseWriter, r *http.Request) {
	acct, err := u.Accounts.ConfirmAddress(r.Context(), chi.URLParam(r, "token"))
	if errors.Is(err, accounts.ErrLinkInvalid) {
		u.errorPage(w, r, http.StatusGone, "err.link_invalid", "hint.link_invalid")
		return
	} else if err != nil {
		u.fail(w, r, err)
		return
	}
	if s := sessionOf(r); s != nil && s.Account.ID == acct.ID {
		if !acct.Active() {
			http.Redirect(w, r, "/confirm?notice=confirmed", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/settings/profile?notice=welcome_"+acct.Tier+"#profile-form", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login?notice=confirmed", http.StatusSeeOther)
}

func (u *UI) forgotForm(w http.ResponseWriter, r *http.Request) {
	u.render(w, http.StatusOK, "forgot", u.newView(r, "title.forgot", "login"))
}

// forgot mails a reset link; the answer is the same whether or not the
// address has an account.
func (u *UI) forgot(w http.ResponseWriter, r *http.Request) {
	if err := u.Accounts.RequestPasswordReset(r.Context(), r.PostFormValue("email")); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/password/forgot?notice=reset_sent", http.StatusSeeOther)
}

func (u *UI) resetForm(w http.ResponseWriter, r *http.Request) {
	if err := u.Accounts.CheckResetLink(r.Context(), chi.URLParam(r, "token")); errors.Is(err, accounts.ErrLinkInvalid) {
		u.errorPage(w, r, http.StatusGone, "err.link_invalid", "hint.link_invalid")
		return
	} else if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.reset", "login")
	v.Data = chi.URLParam(r, "token")
	u.render(w, http.StatusOK, "reset", v)
}

// reset sets the new password, which signs out every session (this
// browser's too) and revokes every token.
func (u *UI) reset(w http.ResponseWriter, r *http.Request) {
	tok := chi.URLParam(r, "token")
	v := u.newView(r, "title.reset", "login")
	v.Data = tok
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		v.Errors["password_confirm"] = v.T("rule.password_confirm")
		u.render(w, http.StatusUnprocessableEntity, "reset", v)
		return
	}
	_, err := u.Accounts.ResetPassword(r.Context(), tok, r.PostFormValue("password"))
	if errors.Is(err, accounts.ErrLinkInvalid) {
		u.errorPage(w, r, http.StatusGone, "err.link_invalid", "hint.link_invalid")
		return
	} else if err != nil {
		u.refuseForm(w, r, v, "reset", err)
		return
	}
	u.clearSessionCookie(w)
	http.Redirect(w, r, "/login?notice=password_reset", http.StatusSeeOther)
}

func (u *UI) emailForm(w http.ResponseWriter, r *http.Request) {
	u.render(w, http.StatusOK, "email", u.newView(r, "title.email", "me"))
}

// changeEmail mails a link to the new address; a lower tier applies at once.
func (u *UI) changeEmail(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := u.newView(r, "title.email", "me")
	v.Form = r.PostForm
	err := u.Accounts.ChangeEmail(r.Context(), s.Account, r.PostFormValue("email"), r.PostFormValue("current_password"))
	var tooSoon *accounts.TooSoonError
	if errors.As(err, &tooSoon) {
		v.Errors["email"] = v.TN("err.too_soon", int(tooSoon.RetryAfter.Seconds())+1, int(tooSoon.RetryAfter.Seconds())+1)
		u.render(w, http.StatusTooManyRequests, "email", v)
		return
	} else if err != nil {
		v.Form.Del("current_password")
		u.refuseForm(w, r, v, "email", err)
		return
	}
	http.Redirect(w, r, "/settings/email?notice=email_sent", http.StatusSeeOther)
}

type securityData struct {
	Sessions []store.SessionInfo
	Tokens   []*store.Token
}

// security lists the reader's sessions, apps and tokens, each of which can
// be ended.
func (u *UI) security(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	sessions, err := u.Store.AccountSessions(r.Context(), s.Account.ID, s.hash)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	tokens, err := u.Store.AccountTokens(r.Context(), s.Account.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.security", "me")
	v.Data = securityData{Sessions: sessions, Tokens: tokens}
	u.render(w, http.StatusOK, "security", v)
}

func (u *UI) endSession(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	if ok, err := u.Store.DeleteAccountSession(r.Context(), sessionOf(r).Account.ID, id); err != nil {
		u.fail(w, r, err)
		return
	} else if !ok {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	http.Redirect(w, r, "/settings/security?notice=session_ended", http.StatusSeeOther)
}

// revokeToken ends one token, or with app=1 every token of its app (the
// app loses its access).
func (u *UI) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	acct := sessionOf(r).Account
	if appID, err := strconv.ParseInt(r.PostFormValue("app"), 10, 64); err == nil {
		err = u.OAuth.RevokeApp(r.Context(), acct, appID)
		if err != nil {
			u.fail(w, r, err)
			return
		}
	} else if err := u.OAuth.RevokeToken(r.Context(), acct, id); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/security?notice=token_revoked", http.StatusSeeOther)
}
