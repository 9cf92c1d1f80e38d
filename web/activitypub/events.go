package activitypub

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// eventAP serves a local event as ActivityPub to those who may read its
// group (store.CanReadObject), with the participant count of this node,
// which is the group's; a browser goes to the event's page.
func (h *Handler) eventAP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	e, err := h.Store.EventByObjectID(r.Context(), id)
	if err != nil || !e.Local || e.GroupID == nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	if !respond.WantsActivityJSON(r) {
		g, err := h.Store.GroupByActorID(r.Context(), *e.GroupID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		http.Redirect(w, r, h.Links.Profile(g.Username, true)+"/events/"+chi.URLParam(r, "id"), http.StatusSeeOther)
		return
	}
	if readable, secret := h.groupReadable(r, *e.GroupID); !readable {
		h.refuseFile(w, r, secret)
		return
	}
	if e.DeletedAt != nil {
		h.gone(w, ap.Tombstone(e.URI, e.Type, *e.DeletedAt))
		return
	}
	_, body, err := h.Outbox.EventDocument(r.Context(), e)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}
