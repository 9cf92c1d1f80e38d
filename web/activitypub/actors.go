package activitypub

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// PersonOrPage serves a profile page's URL (/@{handle}): the person's
// document to an ActivityPub request, the page otherwise.
func (h *Handler) PersonOrPage(pages http.Handler) http.HandlerFunc {
	return h.pageOrActor(pages, h.person)
}

// GroupOrPage serves a group page's URL (/g/{handle}) the same way.
func (h *Handler) GroupOrPage(pages http.Handler) http.HandlerFunc {
	return h.pageOrActor(pages, h.group)
}

// pageOrActor serves a local actor's document for an ActivityPub request on
// its web page's URL, and the page otherwise.
func (h *Handler) pageOrActor(pages http.Handler, actor http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		name, host, remote := strings.Cut(chi.URLParam(r, "handle"), "@")
		if !respond.WantsActivityJSON(r) || (remote && !strings.EqualFold(host, h.Links.Host())) {
			pages.ServeHTTP(w, r)
			return
		}
		chi.RouteContext(r.Context()).URLParams.Add("username", name)
		actor(w, r)
	}
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) {
	if !respond.WantsActivityJSON(r) {
		http.Redirect(w, r, h.Links.Profile(chi.URLParam(r, "username"), false), http.StatusSeeOther)
		return
	}
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	if a.DeletedAt != nil {
		h.gone(w, ap.Tombstone(a.URI, a.Type, *a.DeletedAt))
		return
	}
	images, err := h.Store.ProfileMedia(r.Context(), a.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	body, err := h.Links.ActorDocument(a, nil, images...)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}

func (h *Handler) instanceActor(w http.ResponseWriter, r *http.Request) {
	a, err := h.Store.ActorByURI(r.Context(), h.Links.InstanceActor())
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	body, err := h.Links.ActorDocument(a, nil)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}

func (h *Handler) group(w http.ResponseWriter, r *http.Request) {
	if !respond.WantsActivityJSON(r) {
		http.Redirect(w, r, h.Links.Profile(chi.URLParam(r, "username"), true), http.StatusSeeOther)
		return
	}
	g, _, err := h.visibleGroup(r)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	if g.DeletedAt != nil {
		h.gone(w, ap.Tombstone(g.URI, g.Type, *g.DeletedAt))
		return
	}
	body, err := h.Links.ActorDocument(g.Actor, g)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}
