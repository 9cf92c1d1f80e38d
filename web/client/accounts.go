package client

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiVerifyCredentials(w http.ResponseWriter, r *http.Request) {
	acct := auth.Account(r)
	a, err := api.Store.ActorByID(r.Context(), acct.ActorID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.credentialAccountEntity(r.Context(), a, acct))
}

// profileInput is update_credentials in Mastodon's names plus ours.
type profileInput struct {
	DisplayName  *string   `json:"display_name"`
	Note         *string   `json:"note"`
	Locked       *bool     `json:"locked"`
	Organisation *string   `json:"organisation"`
	Unit         *string   `json:"unit"`
	JobTitle     *string   `json:"job_title"`
	Skills       *[]string `json:"skills"`
}

// apiUpdateCredentials is Mastodon's PATCH update_credentials: JSON or a
// form, or a multipart form that may carry an avatar and a header.
func (api *API) apiUpdateCredentials(w http.ResponseWriter, r *http.Request) {
	var in profileInput
	var images map[string][]byte
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		var fields url.Values
		var err error
		if images, fields, err = api.pictureForm(w, r, store.MediaAvatar, store.MediaHeader); err == nil {
			err = respond.DecodeForm(fields, &in)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
	} else if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	// The pictures are checked before anything changes.
	made, err := api.Outbox.ProfileImages(images)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	p := accounts.Profile{DisplayName: in.DisplayName, Bio: in.Note, Organisation: in.Organisation,
		UnitName: in.Unit, JobTitle: in.JobTitle, ManuallyApprovesFollowers: in.Locked}
	if in.Skills != nil {
		p.Skills, p.SkillsSet = *in.Skills, true
	}
	a, err := api.Accounts.UpdateProfile(r.Context(), auth.Account(r).ActorID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Outbox.SetProfileImages(r.Context(), a, made); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Outbox.UpdateProfile(r.Context(), a); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.credentialAccountEntity(r.Context(), a, auth.Account(r)))
}

// apiLookupAccount finds user@host (or a local user) among known actors.
func (api *API) apiLookupAccount(w http.ResponseWriter, r *http.Request) {
	acct := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("acct")), "@")
	if acct == "" {
		respond.Error(w, http.StatusBadRequest, "acct parameter required")
		return
	}
	name, host, remote := strings.Cut(acct, "@")
	var a *store.Actor
	var err error
	if !remote || strings.EqualFold(host, api.Links.Host()) {
		a, err = api.Store.LocalActorByUsername(r.Context(), name)
	} else if a, err = api.Store.ActorByHandle(r.Context(), name, strings.ToLower(host)); errors.Is(err, store.ErrNotFound) && api.Federator != nil && auth.Account(r) != nil {
		// Unknown here: ask its node (WebFinger), as following by handle
		// needs; only for a signed-in reader, or anyone could make this node
		// fetch from any host.
		if a, err = api.Federator.ResolveHandle(r.Context(), acct); err != nil {
			remoteError(w, err)
			return
		}
	}
	if err == nil && a.Type != store.TypePerson {
		err = store.ErrNotFound
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.accountEntity(r.Context(), a))
}

func (api *API) accountFromPath(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such account")
		return nil, false
	}
	a, err := api.Store.ActorByID(r.Context(), id)
	if err == nil && (a.Type != store.TypePerson || a.DeletedAt != nil) {
		// A remote account that deleted itself is gone, as on Mastodon,
		// which drops the account of a Delete{Person}.
		err = store.ErrNotFound
	}
	if err != nil {
		if err == store.ErrNotFound {
			respond.Error(w, http.StatusNotFound, "no such account")
		} else {
			respond.Fail(w, err)
		}
		return nil, false
	}
	return a, true
}

// anyActorFromPath loads a person or a group by API id.
func (api *API) anyActorFromPath(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such account")
		return nil, false
	}
	a, err := api.Store.ActorByID(r.Context(), id)
	if err == nil && ((a.Type != store.TypePerson && a.Type != store.TypeGroup) || !api.knows(r, a) || a.DeletedAt != nil) {
		err = store.ErrNotFound
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			respond.Error(w, http.StatusNotFound, "no such account")
		} else {
			respond.Fail(w, err)
		}
		return nil, false
	}
	return a, true
}

func (api *API) apiAccount(w http.ResponseWriter, r *http.Request) {
	if a, ok := api.accountFromPath(w, r); ok {
		respond.JSON(w, http.StatusOK, api.accountEntity(r.Context(), a))
	}
}

func (api *API) apiAccountStatuses(w http.ResponseWriter, r *http.Request) {
	a, ok := api.accountFromPath(w, r)
	if !ok {
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	objs, err := api.Store.AuthorObjects(r.Context(), a.ID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}
