// Package auth identifies the caller of the client API: the bearer-token
// middleware, the authenticated account in the request's context, and the
// guards that require one (or the node admin). OAuth's scopes and endpoints
// belong here too.
package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Authenticator checks the bearer tokens of the client API.
type Authenticator struct {
	Accounts *accounts.Service
}

type accountKey struct{}

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
		acct, err := a.Accounts.Authenticate(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, accounts.ErrUnauthenticated) {
			respond.Error(w, http.StatusUnauthorized, "invalid access token")
			return
		} else if err != nil {
			respond.Fail(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accountKey{}, acct)))
	})
}

// Account is the authenticated account, or nil.
func Account(r *http.Request) *store.Account {
	a, _ := r.Context().Value(accountKey{}).(*store.Account)
	return a
}

// Require lets through only a request with a valid access token.
func Require(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if Account(r) == nil {
			respond.Error(w, http.StatusUnauthorized, "this endpoint needs an access token")
			return
		}
		h(w, r)
	}
}

// RequireAdmin lets only the node admin through.
func RequireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return Require(func(w http.ResponseWriter, r *http.Request) {
		if Account(r).Role != store.RoleAdmin {
			respond.Error(w, http.StatusForbidden, "only the node admin may do this")
			return
		}
		h(w, r)
	})
}
