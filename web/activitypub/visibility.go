package activitypub

import (
	"net/http"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// The rules themselves (who may read a group's content, who may know that a
// secret group exists, who may read one object) are the store's
// CanReadGroupContent, CanKnowGroup and CanReadObject, written once and
// shared with every other reader; this file only answers HTTP with them.

// viewerOf identifies the remote or local actor behind a signed GET; nil
// when the request is not signed.
func (h *Handler) viewerOf(r *http.Request) (*store.Actor, error) {
	if h.Viewer == nil || (r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "") {
		return nil, nil
	}
	return h.Viewer(r)
}

// signedReader is the actor behind a signed GET, nil when the request is
// not signed or its signature does not verify.
func (h *Handler) signedReader(r *http.Request) *store.Actor {
	viewer, err := h.viewerOf(r)
	if err != nil {
		return nil
	}
	return viewer
}

// visibleGroup loads the group in the path and decides what the requester
// may see: a secret group is 404 to anyone store.CanKnowGroup does not let
// in; member tells whether store.CanReadGroupContent does.
func (h *Handler) visibleGroup(r *http.Request) (g *store.Group, member bool, err error) {
	a, err := h.localActor(r, store.TypeGroup)
	if err != nil {
		return nil, false, err
	}
	if g, err = h.Store.GroupOf(r.Context(), a); err != nil {
		return nil, false, err
	}
	reader := h.signedReader(r)
	known, err := h.Store.CanKnowGroup(r.Context(), g, reader)
	if err != nil {
		return nil, false, err
	}
	if !known {
		return nil, false, store.ErrNotFound
	}
	member, err = h.Store.CanReadGroupContent(r.Context(), g, reader)
	return g, member, err
}

// groupContentAllowed answers for the collections of a group: public groups
// show them to anyone, private and secret ones only to those
// store.CanReadGroupContent lets in.
func (h *Handler) groupContentAllowed(w http.ResponseWriter, r *http.Request) (*store.Group, bool) {
	g, member, err := h.visibleGroup(r)
	if err != nil {
		h.apNotFound(w, err)
		return nil, false
	}
	if !member {
		if g.Visibility == store.VisibilitySecret {
			// An invitee knows the group, not its content; anyone else
			// does not even know it.
			h.apNotFound(w, store.ErrNotFound)
		} else if r.Header.Get("Signature") == "" {
			respond.Error(w, http.StatusUnauthorized, "this group's content is for its members: sign the request")
		} else {
			respond.Error(w, http.StatusForbidden, "this group's content is for its members")
		}
		return nil, false
	}
	return g, true
}

// groupReadable tells whether a signed peer request may read content of a
// group (store.CanReadGroupContent), and whether the group is secret (whose
// refusal must look like a missing object).
func (h *Handler) groupReadable(r *http.Request, groupID int64) (readable, secret bool) {
	g, err := h.Store.GroupByActorID(r.Context(), groupID)
	if err != nil {
		return false, true
	}
	ok, err := h.Store.CanReadGroupContent(r.Context(), g, h.signedReader(r))
	return err == nil && ok, g.Visibility == store.VisibilitySecret
}

// canReadObject answers store.CanReadObject for a request: anyone reads a
// public or unlisted post outside groups without a signature being checked.
// Activities about an object follow the object's rule.
func (h *Handler) canReadObject(r *http.Request, o *store.Object) bool {
	if o.GroupID == nil && (o.Visibility == store.ObjPublic || o.Visibility == store.ObjUnlisted) {
		return true
	}
	ok, err := h.Store.CanReadObject(r.Context(), o, h.signedReader(r))
	return err == nil && ok
}
