// Package auth identifies the caller of the client API and runs Mastodon's
// OAuth 2 endpoints: the bearer-token middleware, what the token grants in
// the request's context, the guards that require an account (or the node
// admin) and a scope, app registration, the token and revoke endpoints,
// the server metadata, and CORS for browser clients on other origins.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Authenticator checks the bearer tokens of the client API.
type Authenticator struct {
	OAuth *oauth.Service
}

type grantKey struct{}

// Authenticate reads a bearer token when there is one; a wrong token is an
// error even on endpoints that work without one, so a script notices.
func (a *Authenticator) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			respond.Error(w, http.StatusUnauthorized, "Authorization must be: Bearer <token>")
			return
		}
		g, err := a.OAuth.Authenticate(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, accounts.ErrUnauthenticated) {
			respond.Error(w, http.StatusUnauthorized, "The access token is invalid")
			return
		} else if err != nil {
			respond.Fail(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), grantKey{}, g)))
	})
}

// GrantOf is what the request's token grants, or nil without a token.
func GrantOf(r *http.Request) *oauth.Grant {
	g, _ := r.Context().Value(grantKey{}).(*oauth.Grant)
	return g
}

// Account is the authenticated account, or nil (no token, or an app's own
// token).
func Account(r *http.Request) *store.Account {
	if g := GrantOf(r); g != nil {
		return g.Account
	}
	return nil
}

// Scope lets a request through when it has no token (the handler decides
// what anyone may see) or a token granting scope; a token with too little
// scope gets 403, as Mastodon answers.
func Scope(scope string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if g := GrantOf(r); g != nil && !g.Scopes.Grants(scope) {
			respond.Error(w, http.StatusForbidden, "This action is outside the authorized scopes (it needs "+scope+")")
			return
		}
		h(w, r)
	}
}

// User lets through only a request with an account's token granting scope:
// none is 401, an app's own token 422 (Mastodon's answers), too little
// scope 403.
func User(scope string, h http.HandlerFunc) http.HandlerFunc {
	return Scope(scope, func(w http.ResponseWriter, r *http.Request) {
		g := GrantOf(r)
		switch {
		case g == nil:
			respond.Error(w, http.StatusUnauthorized, "this endpoint needs an access token")
		case g.Account == nil:
			respond.Error(w, http.StatusUnprocessableEntity, "This method requires an authenticated user")
		default:
			h(w, r)
		}
	})
}

// Admin lets only the node admin through, with scope.
func Admin(scope string, h http.HandlerFunc) http.HandlerFunc {
	return User(scope, func(w http.ResponseWriter, r *http.Request) {
		if Account(r).Role != store.RoleAdmin {
			respond.Error(w, http.StatusForbidden, "only the node admin may do this")
			return
		}
		h(w, r)
	})
}

// Throttled answers a sign-in refused for too many failures: 429
// with Retry-After.
func Throttled(w http.ResponseWriter, e *accounts.ThrottledError) {
	w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds()))
	respond.Error(w, http.StatusTooManyRequests, e.Error())
}
