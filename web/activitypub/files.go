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
	for i, v := range versions {
		if h.groupReadable(r, groups[i]) {
			files.ServeForAPI(w, r, h.Outbox, &v)
			return
		}
	}
	h.refuseFile(w, r)
}

// groupFile serves a file of one of our groups' documents, by digest:
// /groups/{username}/files/{sha256}, what member nodes download from.
func (h *Handler) groupFile(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypeGroup)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	v, err := h.Store.GroupHasFile(r.Context(), a.ID, chi.URLParam(r, "sha"))
	if err != nil || !h.groupReadable(r, a.ID) {
		h.refuseFile(w, r)
		return
	}
	files.ServeForAPI(w, r, h.Outbox, v)
}

func (h *Handler) refuseFile(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Signature") == "" {
		respond.Error(w, http.StatusUnauthorized, "files of this group are for its members: sign the request")
		return
	}
	respond.Error(w, http.StatusNotFound, "not found")
}
