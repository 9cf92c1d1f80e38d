package activitypub

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// documentAP serves a local document as ActivityPub, to those who may read
// its group.
func (h *Handler) documentAP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	d, err := h.Store.DocumentByObjectID(r.Context(), id)
	if err != nil || !d.Local || d.GroupID == nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	if readable, secret := h.groupReadable(r, *d.GroupID); !readable {
		h.refuseFile(w, r, secret)
		return
	}
	group, err := h.Store.GroupByActorID(r.Context(), *d.GroupID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	v := d.Current()
	if d.DeletedAt != nil {
		h.gone(w, ap.Tombstone(d.URI, d.Type, *d.DeletedAt))
		return
	}
	if v == nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	fileURL := h.Links.UploadFile(v.SHA256)
	if group.Local {
		fileURL = ap.GroupFile(group.URI, v.SHA256)
	}
	body, _, err := ap.DocumentDocument(d, v, d.Author, group.Actor, ap.Address(d.Object, d.Author, group.Actor, nil), fileURL)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}
