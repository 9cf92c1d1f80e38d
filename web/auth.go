package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

type accountKey struct{}

// authenticate reads a bearer token when there is one; a wrong token is an
// error even on endpoints that work without one, so a script notices.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			apiError(w, http.StatusUnauthorized, "Authorization must be: Bearer <token>")
			return
		}
		acct, err := s.Accounts.Authenticate(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, accounts.ErrUnauthenticated) {
			apiError(w, http.StatusUnauthorized, "invalid access token")
			return
		} else if err != nil {
			writeError(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accountKey{}, acct)))
	})
}

// currentAccount is the authenticated account, or nil.
func currentAccount(r *http.Request) *store.Account {
	a, _ := r.Context().Value(accountKey{}).(*store.Account)
	return a
}

func (s *Server) requireAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if currentAccount(r) == nil {
			apiError(w, http.StatusUnauthorized, "this endpoint needs an access token")
			return
		}
		h(w, r)
	}
}
