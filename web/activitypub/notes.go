package activitypub

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// note serves a local note: public and unlisted ones to anyone; others only
// to a signed viewer allowed to see them.
func (h *Handler) note(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	o, err := h.Store.ObjectByID(r.Context(), id)
	if err != nil || o.AttributedTo != a.ID || !o.Local {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	if o.Visibility != store.ObjPublic && o.Visibility != store.ObjUnlisted {
		// Posts of public groups are for anyone; the others for a signed
		// viewer the reading rule lets in.
		if ok, err := h.Store.CanReadObject(r.Context(), o, h.signedReader(r)); err != nil || !ok {
			h.apNotFound(w, store.ErrNotFound)
			return
		}
	}
	if !respond.WantsActivityJSON(r) {
		http.Redirect(w, r, h.Links.Profile(a.Username, false), http.StatusSeeOther)
		return
	}
	var group *store.Group
	if o.GroupID != nil {
		group, _ = h.Store.GroupByActorID(r.Context(), *o.GroupID)
	}
	h.writeAP(w, ap.NoteObject(o, a, addressOf(o, a, group), nil))
}

// addressOf addresses a post as it was sent: a public group's posts are
// public too.
func addressOf(o *store.Object, author *store.Actor, g *store.Group) ap.Addressing {
	if g == nil {
		return ap.Address(o, author, nil, nil)
	}
	addr := ap.Address(o, author, g.Actor, nil)
	if g.Visibility == store.VisibilityPublic {
		addr = addr.WithPublic()
	}
	return addr
}
