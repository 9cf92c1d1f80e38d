package activitypub

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/files"
	"github.com/archipel-social/archipel/web/respond"
)

// uploadFile serves, to the group's node (or members), a file a member of
// this node uploaded: /files/{sha256}.
func (h *Handler) uploadFile(w http.ResponseWriter, r *http.Request) {
	sha := chi.URLParam(r, "sha")
	versions, groups, err := h.Store.StoredVersionsBySHA(r.Context(), sha)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	secret := true // no such file looks like a secret one
	for i, v := range versions {
		readable, s := h.groupReadable(r, groups[i])
		if readable {
			files.ServeForAPI(w, r, h.Outbox, &v)
			return
		}
		secret = secret && s
	}
	h.refuseFile(w, r, secret)
}

// groupFile serves a file of one of our groups' documents, by digest:
// /groups/{username}/files/{sha256}, what member nodes download from.
func (h *Handler) groupFile(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypeGroup)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	readable, secret := h.groupReadable(r, a.ID)
	if !readable {
		h.refuseFile(w, r, secret)
		return
	}
	v, err := h.Store.GroupHasFile(r.Context(), a.ID, chi.URLParam(r, "sha"))
	if err != nil {
		h.refuseFile(w, r, true)
		return
	}
	files.ServeForAPI(w, r, h.Outbox, v)
}

// refuseFile answers a read of a group's file or document that
// store.CanReadGroupContent refused: for a secret group, not found, exactly
// as for a file that does not exist; for a private one, an unsigned request
// is asked to sign and a signed one is told no.
func (h *Handler) refuseFile(w http.ResponseWriter, r *http.Request, secret bool) {
	switch {
	case secret:
		respond.Error(w, http.StatusNotFound, "not found")
	case r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "":
		respond.Error(w, http.StatusUnauthorized, "files of this group are for its members: sign the request")
	default:
		respond.Error(w, http.StatusForbidden, "files of this group are for its members")
	}
}
