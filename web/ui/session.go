package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/archipel-social/archipel/store"
)

// Sessions live server-side in PostgreSQL; the cookie carries a random token
// whose hash is the session's key.
const (
	sessionCookie   = "archipel_session"
	sessionLifetime = 30 * 24 * time.Hour
	tokenBytes      = 32
)

type sessionKey struct{}

// session is the signed-in reader of a request.
type session struct {
	Account *store.Account
	Actor   *store.Actor
	CSRF    string
	hash    []byte
}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

func randomToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// withSession loads the session of the cookie, when there is a live one.
func (u *UI) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || len(c.Value) > 100 {
			next.ServeHTTP(w, r)
			return
		}
		s, err := u.loadSession(r.Context(), hashToken(c.Value))
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				u.Log.Error("load session", "err", err)
			}
			u.clearSessionCookie(w)
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

func (u *UI) loadSession(ctx context.Context, hash []byte) (*session, error) {
	se, err := u.Store.SessionByTokenHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	acct, err := u.Store.AccountByID(ctx, se.AccountID)
	if err != nil {
		return nil, err
	}
	actor, err := u.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return nil, err
	}
	return &session{Account: acct, Actor: actor, CSRF: se.CSRFToken, hash: hash}, nil
}

// startSession signs an account in: a new session row and its cookie.
func (u *UI) startSession(w http.ResponseWriter, r *http.Request, acct *store.Account) error {
	return u.startSessionWith(w, r, acct, "")
}

// startSessionWith is startSession keeping a single sign-on's ID token,
// which the provider's logout wants back.
func (u *UI) startSessionWith(w http.ResponseWriter, r *http.Request, acct *store.Account, idToken string) error {
	tok := randomToken()
	expires := time.Now().Add(sessionLifetime)
	// The User-Agent is only a hint shown on the security page: it is kept
	// as valid UTF-8 (headers may carry any byte, PostgreSQL's text may
	// not), cut to 300 bytes on a character's edge. A strange one never
	// stops a sign-in.
	ua := strings.ToValidUTF8(strings.ReplaceAll(r.UserAgent(), "\x00", ""), "")
	if len(ua) > 300 {
		ua = strings.ToValidUTF8(ua[:300], "")
	}
	ip := clientIP(r)
	if err := u.Store.CreateSessionFrom(r.Context(), hashToken(tok), acct.ID, randomToken(), expires, ip, ua, idToken); err != nil {
		return err
	}
	if err := u.Accounts.NoteSignIn(r.Context(), acct, ip); err != nil {
		return err
	}
	_ = u.Store.DeleteExpiredSessions(r.Context())
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", Expires: expires,
		HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func (u *UI) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
}

// checkCSRF wants the session's token in every form a signed-in reader
// posts, on top of the cross-origin check.
func (u *UI) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sessionOf(r)
		if r.Method == http.MethodPost && s != nil {
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
				u.errorPage(w, r, http.StatusForbidden, "err.csrf", "hint.reload")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// clientIP is the reader's address, as the router found it (the TCP peer,
// or what trusted proxies say).
func clientIP(r *http.Request) string { return middleware.GetClientIP(r.Context()) }

// requireLogin sends anonymous readers to the login page, and back after;
// an account that may not act yet (unconfirmed, awaiting approval) sees
// only the page that says so.
func (u *UI) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := sessionOf(r); s != nil && !s.Account.Active() {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/confirm", http.StatusSeeOther)
				return
			}
			u.errorPage(w, r, http.StatusForbidden, "err.not_active", "hint.confirm")
			return
		}
		if sessionOf(r) == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			u.errorPage(w, r, http.StatusUnauthorized, "err.login_needed", "hint.login")
			return
		}
		next.ServeHTTP(w, r)
	})
}
