package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

type statusInput struct {
	Status      string `json:"status"`
	Visibility  string `json:"visibility"`
	InReplyToID string `json:"in_reply_to_id"`
	GroupID     string `json:"group_id"`
	SpoilerText string `json:"spoiler_text"`
}

func (api *API) apiPostStatus(w http.ResponseWriter, r *http.Request) {
	var in statusInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	nn := outbox.NewNote{Text: in.Status, Visibility: in.Visibility}
	if in.InReplyToID != "" {
		id, ok := respond.ParseID(in.InReplyToID)
		if !ok {
			respond.Error(w, http.StatusUnprocessableEntity, "in_reply_to_id: no such status")
			return
		}
		nn.InReplyToID = id
	}
	if in.GroupID != "" {
		id, ok := respond.ParseID(in.GroupID)
		if !ok {
			respond.Fail(w, respond.InvalidField("group_id", "no such group"))
			return
		}
		nn.GroupID = id
	}
	author, err := api.Store.ActorByID(r.Context(), auth.Account(r).ActorID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	obj, err := api.Outbox.CreateNote(r.Context(), author, nn)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.statusEntity(r, obj))
}

func (api *API) apiStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such status")
		return
	}
	o, err := api.Store.ObjectByID(r.Context(), id)
	if err != nil || o.DeletedAt != nil || !api.statusVisible(r, o) {
		respond.Error(w, http.StatusNotFound, "no such status")
		return
	}
	respond.JSON(w, http.StatusOK, api.statusEntity(r, o))
}

// statusVisible applies the node's one reading rule to the API caller.
func (api *API) statusVisible(r *http.Request, o *store.Object) bool {
	var viewer int64
	if acct := auth.Account(r); acct != nil {
		viewer = acct.ActorID
	}
	ok, err := api.Store.CanSee(r.Context(), o, viewer)
	return err == nil && ok
}

func (api *API) ownStatusID(w http.ResponseWriter, r *http.Request) (int64, *store.Actor, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such status")
		return 0, nil, false
	}
	me, ok := api.meOrFail(w, r)
	return id, me, ok
}

// apiEditStatus is Mastodon's PUT /api/v1/statuses/:id.
func (api *API) apiEditStatus(w http.ResponseWriter, r *http.Request) {
	id, me, ok := api.ownStatusID(w, r)
	if !ok {
		return
	}
	var in statusInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	obj, err := api.Outbox.UpdateNote(r.Context(), me, id, in.Status)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.statusEntity(r, obj))
}

func (api *API) apiDeleteStatus(w http.ResponseWriter, r *http.Request) {
	id, me, ok := api.ownStatusID(w, r)
	if !ok {
		return
	}
	obj, err := api.Store.ObjectByID(r.Context(), id)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if obj.AttributedTo != me.ID && obj.GroupID != nil {
		if api.deleteStatusAsModerator(w, r, id) {
			return
		}
	}
	if err := api.Outbox.DeleteNote(r.Context(), me, id); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.statusEntity(r, obj))
}

// deleteStatusAsModerator is the DELETE of a post one did not write: allowed
// to the animators of the post's local group.
func (api *API) deleteStatusAsModerator(w http.ResponseWriter, r *http.Request, id int64) bool {
	err := api.Outbox.DeleteInGroup(r.Context(), auth.Account(r), id)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		respond.Fail(w, err)
		return true
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte("{}\n"))
	return true
}

// apiReblog shares a public post with one's followers, or takes the share
// back (Mastodon's reblog and unreblog).
func (api *API) apiReblog(on bool) http.HandlerFunc { return api.statusToggle(api.Outbox.Share, on) }

func (api *API) apiFavourite(on bool) http.HandlerFunc { return api.statusToggle(api.Outbox.Like, on) }

// statusToggle runs a yes-or-no action of the caller on a status it can see
// (favourite, reblog) and answers with the status.
func (api *API) statusToggle(act func(context.Context, *store.Actor, int64, bool) (*store.Object, error), on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, me, ok := api.ownStatusID(w, r)
		if !ok {
			return
		}
		obj, err := api.Store.ObjectByID(r.Context(), id)
		if err != nil || !api.statusVisible(r, obj) {
			respond.Error(w, http.StatusNotFound, "no such status")
			return
		}
		if _, err := act(r.Context(), me, id, on); err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, api.statusEntity(r, obj))
	}
}
