// Package activitypub serves the protocol GETs: the actors (people, groups,
// the instance's Application), their collections, notes, documents and
// files, to peers and to anyone who asks with an ActivityPub Accept header.
// A signed GET identifies the viewer, whom visibility.go's rules let in or
// not.
package activitypub

import (
	"encoding/json"
	"errors"
	"net/http"

	vocab "github.com/go-ap/activitypub"
	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Handler serves the ActivityPub documents of this node.
type Handler struct {
	Store  *store.Store
	Links  ap.Links
	Outbox *outbox.Outbox
	// Viewer identifies the actor behind a signed GET (authorised fetch);
	// nil when the node does not verify GETs.
	Viewer func(r *http.Request) (*store.Actor, error)
	// GroupCalendar serves a public group's ICS feed at
	// /groups/{username}/calendar.ics (the client API's).
	GroupCalendar http.HandlerFunc
}

// Routes adds the actors, their collections, notes, documents and files to
// r. The inboxes are the inbox package's.
func (h *Handler) Routes(r chi.Router) {
	r.Get("/actor", h.instanceActor)
	r.Get("/files/{sha}", h.uploadFile)
	r.Get("/documents/{id}", h.documentAP)
	r.Get("/events/{id}", h.eventAP)
	r.Get("/pages/{id}", h.pageAP)
	r.Get("/tasks/{id}", h.taskAP)
	r.Get("/actor/outbox", h.instanceCollection)
	r.Get("/actor/followers", h.instanceCollection)
	r.Get("/activities/{id}", h.activity)
	r.Route("/users/{username}", func(r chi.Router) {
		r.Get("/", h.person)
		r.Get("/outbox", h.personOutbox)
		r.Get("/followers", h.followers)
		r.Get("/following", h.following)
		r.Get("/collections/featured", h.featured)
		r.Get("/collections/tags", h.featuredTags)
		r.Get("/statuses/{id}", h.note)
		r.Get("/statuses/{id}/activity", h.noteCreate)
	})
	r.Route("/groups/{username}", func(r chi.Router) {
		r.Get("/", h.group)
		r.Get("/outbox", h.groupOutbox)
		r.Get("/outbox/{id}", h.groupOutboxItem)
		r.Get("/announces/{id}", h.activity)
		r.Get("/followers", h.followers)
		r.Get("/members", h.groupMembers)
		r.Get("/moderators", h.groupModerators)
		r.Get("/files/{sha}", h.groupFile)
		if h.GroupCalendar != nil {
			r.Get("/calendar.ics", h.GroupCalendar)
		}
	})
}

// localActor loads the local actor named in the path, of the wanted type.
func (h *Handler) localActor(r *http.Request, typ string) (*store.Actor, error) {
	a, err := h.Store.LocalActorByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		return nil, err
	}
	if a.Type != typ {
		return nil, store.ErrNotFound
	}
	return a, nil
}

func (h *Handler) writeAP(w http.ResponseWriter, it vocab.Item) { h.writeAPWith(w, it, nil) }

// writeAPWith is writeAP with extension fields go-ap cannot carry.
func (h *Handler) writeAPWith(w http.ResponseWriter, it vocab.Item, extras map[string]any) {
	// go-ap leaves out an empty orderedItems; Lemmy wants [] on a page and on
	// a collection that carries its items.
	switch c := it.(type) {
	case *vocab.OrderedCollectionPage:
		if len(c.OrderedItems) == 0 {
			extras = map[string]any{"orderedItems": []any{}}
		}
	case *vocab.OrderedCollection:
		// A collection that carries its items (CollectionWithItems, never
		// nil) says so even when it has none; a summary leaves them out.
		if c.OrderedItems != nil && len(c.OrderedItems) == 0 {
			extras = map[string]any{"orderedItems": []any{}}
		}
	}
	body, err := ap.Marshal(it, extras)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}

// writeItems writes a collection or page whose items are documents already
// written (ap.Embedded), which go-ap could not carry whole.
func (h *Handler) writeItems(w http.ResponseWriter, it vocab.Item, items []json.RawMessage) {
	if items == nil {
		items = []json.RawMessage{}
	}
	if p, ok := it.(*vocab.OrderedCollectionPage); ok {
		p.TotalItems = uint(len(items))
	}
	body, err := ap.Marshal(it, map[string]any{"orderedItems": items})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}

// gone answers 410 Gone with what remains of a deleted object or activity.
func (h *Handler) gone(w http.ResponseWriter, tomb vocab.Item) {
	body, err := ap.Marshal(tomb, nil)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	w.Header().Set("Content-Type", ap.ContentType+"; charset=utf-8")
	w.WriteHeader(http.StatusGone)
	_, _ = w.Write(body)
}

func (h *Handler) apNotFound(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "not found")
		return
	}
	respond.Fail(w, err)
}
