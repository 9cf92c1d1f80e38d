package activitypub

import (
	"encoding/json"
	"net/http"
	"net/url"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// activity serves an activity this node sent, at its id (/activities/…,
// a group's /announces/…), as it was sent. GoToSocial and Lemmy dereference
// the activities they are given by id; Mastodon and Mbin the objects.
//
// An activity about a post or document is read under that object's rule
// (404 to anyone the object is hidden from) and is gone (410, a Tombstone)
// once the object is deleted, except for the Delete itself, which only
// carries a Tombstone. Any other activity (a Follow, an Accept, a Join, a
// profile's Update) is for anyone when addressed to the Public collection,
// and otherwise for the actors it names and their nodes.
func (h *Handler) activity(w http.ResponseWriter, r *http.Request) {
	act, err := h.Store.ActivityByURI(r.Context(), h.Links.Base+r.URL.Path)
	if err != nil || !act.Local {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	if self, err := h.Store.ObjectByURI(r.Context(), act.URI); err == nil && self.DeletedAt != nil {
		h.gone(w, ap.Tombstone(act.URI, act.Type, *self.DeletedAt)) // a share taken back
		return
	}
	obj, err := h.Store.ObjectByURI(r.Context(), act.ObjectURI)
	switch {
	case err == nil:
		if !h.canReadObject(r, obj) {
			h.apNotFound(w, store.ErrNotFound)
			return
		}
		if obj.DeletedAt != nil && act.Type != string(vocab.DeleteType) {
			h.gone(w, ap.Tombstone(act.URI, act.Type, *obj.DeletedAt))
			return
		}
	case err == store.ErrNotFound:
		if !h.partyOf(r, act.Raw) {
			h.apNotFound(w, store.ErrNotFound)
			return
		}
	default:
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, act.Raw)
}

// partyOf tells whether the request may read an activity that is about no
// post: anyone when it is addressed to the Public collection, otherwise a
// signed viewer it names (actor, to, cc, audience, object, target, or the
// actor and object of the activity it carries), or the instance actor of a
// node where one of those lives.
func (h *Handler) partyOf(r *http.Request, raw []byte) bool {
	var act struct {
		Actor    any `json:"actor"`
		To       any `json:"to"`
		CC       any `json:"cc"`
		Audience any `json:"audience"`
		Object   any `json:"object"`
		Target   any `json:"target"`
	}
	if json.Unmarshal(raw, &act) != nil {
		return false
	}
	for _, coll := range []any{act.To, act.CC, act.Audience} {
		for _, uri := range linksIn(coll) {
			if ap.IsPublic(uri) {
				return true
			}
		}
	}
	viewer, err := h.viewerOf(r)
	if err != nil || viewer == nil {
		return false
	}
	parties := linksIn(act.Actor)
	for _, v := range []any{act.To, act.CC, act.Audience, act.Target} {
		parties = append(parties, linksIn(v)...)
	}
	switch o := act.Object.(type) {
	case string:
		parties = append(parties, o)
	case map[string]any:
		parties = append(parties, linksIn(o["actor"])...)
		parties = append(parties, linksIn(o["object"])...)
	}
	for _, p := range parties {
		if p == viewer.URI {
			return true
		}
		if viewer.Type == store.TypeApplication && store.NormalizeHost(hostOf(p)) == store.NormalizeHost(viewer.Host) {
			return true
		}
	}
	return false
}

// linksIn reads the ids of a JSON-LD property: one IRI, one object with an
// id, or an array of either.
func linksIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		if id, ok := v["id"].(string); ok {
			return []string{id}
		}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, linksIn(e)...)
		}
		return out
	}
	return nil
}

func hostOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Host
}
