// Package wellknown serves the discovery routes other servers and apps ask
// first: WebFinger, host-meta, and NodeInfo's links and document.
package wellknown

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Handler serves the discovery routes.
type Handler struct {
	Store *store.Store
	Links ap.Links
	// Version is the software version NodeInfo reports.
	Version string
	// Registrations is the sign-up mode (open, approval, closed), which
	// NodeInfo's openRegistrations reports.
	Registrations func() string
}

// Routes adds the discovery routes to r.
func (h *Handler) Routes(r chi.Router) {
	r.Get("/.well-known/webfinger", h.webfinger)
	r.Get("/.well-known/nodeinfo", h.nodeinfoLinks)
	r.Get("/nodeinfo/2.1", h.nodeinfo)
	r.Get("/.well-known/host-meta", h.hostMeta)
}

// webfinger answers acct:name@host (and actor URLs) for people and groups.
// A secret group is never found: its existence is not disclosed.
func (h *Handler) webfinger(w http.ResponseWriter, r *http.Request) {
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		respond.Error(w, http.StatusBadRequest, "resource parameter required")
		return
	}
	var actor *store.Actor
	var err error
	if acct, ok := strings.CutPrefix(resource, "acct:"); ok {
		acct = strings.TrimPrefix(acct, "@")
		name, host, found := strings.Cut(acct, "@")
		if !found || name == "" || !strings.EqualFold(host, h.Links.Host()) {
			respond.Error(w, http.StatusNotFound, "no such account on this node")
			return
		}
		actor, err = h.Store.LocalActorByUsername(r.Context(), name)
	} else if h.Links.IsLocal(resource) {
		actor, err = h.Store.ActorByURI(r.Context(), resource)
	} else {
		respond.Error(w, http.StatusNotFound, "no such account on this node")
		return
	}
	if err == nil && !actor.Local {
		err = store.ErrNotFound
	}
	if err == nil && actor.Type == store.TypeGroup {
		var g *store.Group
		if g, err = h.Store.GroupOf(r.Context(), actor); err == nil && g.Visibility == store.VisibilitySecret {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "no such account on this node")
		return
	} else if err != nil {
		respond.Fail(w, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
	links := []map[string]string{
		{"rel": "self", "type": ap.ContentType, "href": actor.URI},
		{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.URL},
	}
	writeJSONBody(w, map[string]any{
		"subject": "acct:" + actor.Username + "@" + h.Links.Host(),
		"aliases": []string{actor.URI, actor.URL},
		"links":   links,
	})
}

// writeJSONBody writes v as JSON with the content type already set.
func writeJSONBody(w http.ResponseWriter, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) hostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="` +
		h.Links.Base + `/.well-known/webfinger?resource={uri}"/></XRD>`))
}

func (h *Handler) nodeinfoLinks(w http.ResponseWriter, r *http.Request) {
	respond.JSON(w, http.StatusOK, map[string]any{"links": []map[string]string{
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": h.Links.Base + "/nodeinfo/2.1"},
	}})
}

func (h *Handler) nodeinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	users, err := h.Store.CountAccounts(ctx)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	posts, err := h.Store.CountLocalPosts(ctx)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	groups, err := h.Store.CountLocalActors(ctx, store.TypeGroup)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`)
	writeJSONBody(w, map[string]any{
		"version": "2.1",
		"software": map[string]string{"name": "archipel", "version": h.Version,
			"repository": "https://github.com/archipel-social/archipel", "homepage": "https://github.com/archipel-social/archipel"},
		"protocols":         []string{"activitypub"},
		"services":          map[string][]string{"inbound": {}, "outbound": {}},
		"openRegistrations": h.Registrations != nil && h.Registrations() != "closed",
		"usage": map[string]any{
			"users":      map[string]int64{"total": users},
			"localPosts": posts,
		},
		"metadata": map[string]any{"nodeName": h.Links.Host(), "groups": groups},
	})
}
