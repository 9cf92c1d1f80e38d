package client

import (
	"errors"
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// apiSearch is Mastodon's v2 search for accounts: @user@host with
// resolve=true asks the remote node.
func (api *API) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := map[string][]any{"accounts": {}, "statuses": {}, "hashtags": {}}
	if q == "" {
		respond.JSON(w, http.StatusOK, out)
		return
	}
	if strings.Count(strings.TrimPrefix(q, "@"), "@") == 1 {
		handle := strings.TrimPrefix(q, "@")
		name, host, _ := strings.Cut(handle, "@")
		var a *store.Actor
		var err error
		if strings.EqualFold(host, api.Links.Host()) {
			a, err = api.Store.LocalActorByUsername(r.Context(), name)
		} else if a, err = api.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && r.URL.Query().Get("resolve") == "true" && auth.Account(r) != nil {
			a, err = api.Federator.ResolveHandle(r.Context(), handle)
		}
		if err == nil && a != nil && api.knows(r, a) {
			out["accounts"] = append(out["accounts"], api.accountEntity(r.Context(), a))
		}
		respond.JSON(w, http.StatusOK, out)
		return
	}
	people, err := api.Store.Directory(r.Context(), store.DirectoryQuery{Text: q, Limit: 20})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	for _, a := range people {
		out["accounts"] = append(out["accounts"], api.accountEntity(r.Context(), a))
	}
	respond.JSON(w, http.StatusOK, out)
}
