package client

import (
	"net/http"
	"strconv"

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
	target, me, ok := api.targetAndMe(w, r)
	if !ok {
		return
	}
	var in struct {
		Notify  *bool `json:"notify"`
		Reblogs *bool `json:"reblogs"`
	}
	if follow {
		if err := respond.Decode(w, r, &in); err != nil {
			respond.Fail(w, err)
			return
		}
	}
	var err error
	if follow {
		if err = api.Outbox.FollowAccount(r.Context(), me, target); err == nil && in.Notify != nil {
			// Mastodon's notify: a status notification for each new post.
			err = api.Store.SetFollowNotify(r.Context(), me.ID, target.ID, *in.Notify)
		}
		if err == nil && in.Reblogs != nil {
			err = api.Store.SetShowReblogs(r.Context(), me.ID, target.ID, *in.Reblogs)
		}
	} else {
		err = api.Outbox.UnfollowAccount(r.Context(), me, target)
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
	raw := r.URL.Query()["id[]"]
	if len(raw) == 0 {
		raw = r.URL.Query()["id"]
	}
	if len(raw) > store.MaxPageSize {
		respond.Fail(w, respond.InvalidField("id", "at most "+strconv.Itoa(store.MaxPageSize)+" accounts"))
		return
	}
	var ids []int64
	for _, s := range raw {
		if id, ok := respond.ParseID(s); ok {
			if other, err := api.Store.ActorByID(r.Context(), id); err == nil && api.knows(r, other) {
				ids = append(ids, id)
			}
		}
	}
	out, err := api.relationships(r, me, ids)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, out)
}

func (api *API) apiFollowRequests(w http.ResponseWriter, r *http.Request) {
	me, p, ok := api.mePage(w, r)
	if !ok {
		return
	}
	actors, err := api.Store.FollowRequestsPage(r.Context(), me.ID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeAccountPage(w, r, actors)
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
