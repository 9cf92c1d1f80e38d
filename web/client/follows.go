package client

import (
	"net/http"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiFollow(w http.ResponseWriter, r *http.Request) {
	api.followAction(w, r, true)
}

func (api *API) apiUnfollow(w http.ResponseWriter, r *http.Request) {
	api.followAction(w, r, false)
}

func (api *API) followAction(w http.ResponseWriter, r *http.Request, follow bool) {
	target, ok := api.anyActorFromPath(w, r)
	if !ok {
		return
	}
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	var in struct {
		Notify *bool `json:"notify"`
	}
	if follow {
		if err := respond.Decode(w, r, &in); err != nil {
			respond.Fail(w, err)
			return
		}
	}
	var err error
	if follow {
		if _, err = api.Outbox.Follow(r.Context(), me, target); err == nil && in.Notify != nil {
			// Mastodon's notify: a status notification for each new post.
			err = api.Store.SetFollowNotify(r.Context(), me.ID, target.ID, *in.Notify)
		}
	} else {
		err = api.Outbox.Unfollow(r.Context(), me, target)
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.relationship(r, me, target))
}

func (api *API) apiRelationships(w http.ResponseWriter, r *http.Request) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	ids := r.URL.Query()["id[]"]
	if len(ids) == 0 {
		ids = r.URL.Query()["id"]
	}
	out := []relationshipJSON{}
	for _, raw := range ids {
		if id, ok := respond.ParseID(raw); ok {
			if other, err := api.Store.ActorByID(r.Context(), id); err == nil && api.knows(r, other) {
				out = append(out, api.relationship(r, me, other))
			}
		}
	}
	respond.JSON(w, http.StatusOK, out)
}

func (api *API) apiFollowRequests(w http.ResponseWriter, r *http.Request) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	actors, err := api.Store.FollowRequestsPage(r.Context(), me.ID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if len(actors) > 0 {
		api.setLinks(w, r, actors[0].ID, actors[len(actors)-1].ID)
	}
	respond.JSON(w, http.StatusOK, api.accountList(r, actors))
}

func (api *API) apiAnswerFollowRequest(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		follower, ok := api.anyActorFromPath(w, r)
		if !ok {
			return
		}
		me, ok := api.meOrFail(w, r)
		if !ok {
			return
		}
		if f, err := api.Store.FollowOf(r.Context(), follower.ID, me.ID); err != nil || f.State != store.FollowPending {
			respond.Error(w, http.StatusNotFound, "no follow request from this account")
			return
		}
		if err := api.Outbox.AnswerFollow(r.Context(), me, follower, accept); err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, api.relationship(r, me, follower))
	}
}
