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

// groupItemAP loads the local page or task of the path's id for a reader
// whom store.CanReadObject lets in, answering refusals itself.
func (h *Handler) groupItemAP(w http.ResponseWriter, r *http.Request, uriOf func(int64) string) (*store.Object, *store.Group, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.apNotFound(w, store.ErrNotFound)
		return nil, nil, false
	}
	obj, err := h.Store.ObjectByID(r.Context(), id)
	if err != nil || obj.GroupID == nil || obj.URI != uriOf(id) {
		h.apNotFound(w, store.ErrNotFound)
		return nil, nil, false
	}
	if !h.canReadObject(r, obj) {
		_, secret := h.groupReadable(r, *obj.GroupID)
		h.refuseFile(w, r, secret)
		return nil, nil, false
	}
	if obj.DeletedAt != nil {
		formerType := "Article"
		if obj.Type == store.TypeTask {
			formerType = "Ticket"
		}
		h.gone(w, ap.Tombstone(obj.URI, formerType, *obj.DeletedAt))
		return nil, nil, false
	}
	g, err := h.Store.GroupByActorID(r.Context(), *obj.GroupID)
	if err != nil {
		respond.Fail(w, err)
		return nil, nil, false
	}
	return obj, g, true
}

// pageAP serves a local page as an Article, to those who may read its
// group.
func (h *Handler) pageAP(w http.ResponseWriter, r *http.Request) {
	obj, g, ok := h.groupItemAP(w, r, h.Links.PageURI)
	if !ok {
		return
	}
	p, err := h.Store.PageByObjectID(r.Context(), obj.ID)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	parentURI := ""
	if p.ParentID != nil {
		if parent, err := h.Store.ObjectByID(r.Context(), *p.ParentID); err == nil {
			parentURI = parent.URI
		}
	}
	doc, err := ap.PageDocument(p, p.Author, g.Actor, parentURI, g.Visibility == store.VisibilityPublic)
	h.writeItem(w, doc, err)
}

// taskAP serves a local task as a Ticket, to those who may read its group.
func (h *Handler) taskAP(w http.ResponseWriter, r *http.Request) {
	obj, g, ok := h.groupItemAP(w, r, h.Links.TaskURI)
	if !ok {
		return
	}
	t, err := h.Store.TaskByObjectID(r.Context(), obj.ID)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	doc, err := ap.TaskDocument(t, g.Actor)
	h.writeItem(w, doc, err)
}

func (h *Handler) writeItem(w http.ResponseWriter, doc json.RawMessage, err error) {
	if err == nil {
		doc, err = ap.WithContext(doc)
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, doc)
}
