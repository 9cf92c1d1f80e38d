package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
)

// remoteError maps a failure to reach another node to a status and message.
func remoteError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, federation.ErrNoSuchAccount), errors.Is(err, store.ErrNotFound), federation.IsGone(err):
		apiError(w, http.StatusNotFound, "no such account")
	case errors.Is(err, federation.ErrBlocked):
		apiError(w, http.StatusForbidden, "this node does not federate with that one")
	case errors.Is(err, federation.ErrForbiddenAddress):
		apiError(w, http.StatusUnprocessableEntity, "that node's address is not allowed")
	default:
		apiError(w, http.StatusBadGateway, "that node did not answer: "+err.Error())
	}
}

// apiSearch is Mastodon's v2 search for accounts: @user@host with
// resolve=true asks the remote node.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := map[string][]any{"accounts": {}, "statuses": {}, "hashtags": {}}
	if q == "" {
		writeJSON(w, http.StatusOK, out)
		return
	}
	if strings.Count(strings.TrimPrefix(q, "@"), "@") == 1 {
		handle := strings.TrimPrefix(q, "@")
		name, host, _ := strings.Cut(handle, "@")
		var a *store.Actor
		var err error
		if strings.EqualFold(host, s.Links.Host()) {
			a, err = s.Store.LocalActorByUsername(r.Context(), name)
		} else if a, err = s.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && r.URL.Query().Get("resolve") == "true" && currentAccount(r) != nil {
			a, err = s.Federator.ResolveHandle(r.Context(), handle)
		}
		if err == nil && a != nil {
			out["accounts"] = append(out["accounts"], s.accountEntity(r.Context(), a))
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	people, err := s.Store.Directory(r.Context(), store.DirectoryQuery{Text: q, Limit: 20})
	if err != nil {
		writeError(w, err)
		return
	}
	for _, a := range people {
		out["accounts"] = append(out["accounts"], s.accountEntity(r.Context(), a))
	}
	writeJSON(w, http.StatusOK, out)
}
