package activitypub

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// note serves a local note as ap.NoteDocument writes it (the same document
// its Create delivered), to those the reading rule lets in; a deleted one
// answers 410 Gone with its Tombstone.
func (h *Handler) note(w http.ResponseWriter, r *http.Request) {
	a, o, ok := h.readableNote(w, r)
	if !ok {
		return
	}
	if !respond.WantsActivityJSON(r) {
		http.Redirect(w, r, h.Links.Profile(a.Username, false), http.StatusSeeOther)
		return
	}
	if o.DeletedAt != nil {
		h.gone(w, ap.Tombstone(o.URI, o.Type, *o.DeletedAt))
		return
	}
	h.writeNote(w, r, o, false)
}

// noteCreate serves the Create activity of a local note at its id
// (…/statuses/{id}/activity), rebuilt from the note as it is now, to those
// who may read the note: GoToSocial and Lemmy dereference an announced
// activity's id.
func (h *Handler) noteCreate(w http.ResponseWriter, r *http.Request) {
	_, o, ok := h.readableNote(w, r)
	if !ok {
		return
	}
	if o.DeletedAt != nil {
		h.gone(w, ap.Tombstone(ap.CreateID(o.URI), "Create", *o.DeletedAt))
		return
	}
	h.writeNote(w, r, o, true)
}

// writeNote serves a post's document, or its Create's, as delivered.
func (h *Handler) writeNote(w http.ResponseWriter, r *http.Request, o *store.Object, create bool) {
	rows, err := h.Store.NoteRowsOfOne(r.Context(), o)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	var doc json.RawMessage
	if create {
		_, doc, err = h.Links.CreateDocument(rows)
	} else {
		doc, err = h.Links.NoteDocument(rows)
	}
	if err == nil {
		doc, err = ap.WithContext(doc)
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, doc)
}

// readableNote loads the local note in the path, live or deleted, and
// answers 404 unless the request may read it.
func (h *Handler) readableNote(w http.ResponseWriter, r *http.Request) (*store.Actor, *store.Object, bool) {
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return nil, nil, false
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.apNotFound(w, store.ErrNotFound)
		return nil, nil, false
	}
	o, err := h.Store.ObjectByID(r.Context(), id)
	if err != nil || o.AttributedTo != a.ID || !o.Local || !store.IsPostType(o.Type) {
		h.apNotFound(w, store.ErrNotFound)
		return nil, nil, false
	}
	if !h.canReadObject(r, o) {
		h.apNotFound(w, store.ErrNotFound)
		return nil, nil, false
	}
	return a, o, true
}
