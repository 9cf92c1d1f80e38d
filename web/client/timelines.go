package client

import (
	"net/http"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// writeStatusPage writes statuses with Mastodon's Link header.
func (api *API) writeStatusPage(w http.ResponseWriter, r *http.Request, objs []*store.Object) {
	if len(objs) > 0 {
		api.setLinks(w, r, objs[0].ID, objs[len(objs)-1].ID)
	}
	respond.JSON(w, http.StatusOK, api.statusEntities(r, objs))
}

func (api *API) apiHomeTimeline(w http.ResponseWriter, r *http.Request) {
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	objs, err := api.Store.HomeTimeline(r.Context(), auth.Account(r).ActorID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}

// apiGroupTimeline lists a group's posts: anyone for a public group, members
// for the others.
func (api *API) apiGroupTimeline(w http.ResponseWriter, r *http.Request) {
	g, m, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	if g.Visibility != store.VisibilityPublic && (m == nil || m.State != store.StateAccepted) {
		if auth.Account(r) == nil {
			respond.Error(w, http.StatusUnauthorized, "this group's posts are for its members: sign in")
		} else {
			respond.Error(w, http.StatusForbidden, "this group's posts are for its members")
		}
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	objs, err := api.Store.GroupTimeline(r.Context(), g.ID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}
