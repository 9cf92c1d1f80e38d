package activitypub

import (
	"net/http"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// viewerOf identifies the remote or local actor behind a signed GET; nil
// when the request is not signed.
func (h *Handler) viewerOf(r *http.Request) (*store.Actor, error) {
	if h.Viewer == nil || (r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "") {
		return nil, nil
	}
	return h.Viewer(r)
}

// visibleGroup loads the group in the path and decides what the requester
// may see. A secret group is 404 to anyone but its members; a private one
// shows its profile but not its content.
func (h *Handler) visibleGroup(r *http.Request) (g *store.Group, member bool, err error) {
	a, err := h.localActor(r, store.TypeGroup)
	if err != nil {
		return nil, false, err
	}
	if g, err = h.Store.GroupOf(r.Context(), a); err != nil {
		return nil, false, err
	}
	viewer, verr := h.viewerOf(r)
	if verr == nil && viewer != nil {
		if m, err := h.Store.MembershipOf(r.Context(), g.ID, viewer.ID); err == nil && m.State == store.StateAccepted {
			member = true
		} else if viewer.Type == store.TypeApplication && !viewer.Local {
			// A node fetching for its people: allowed when it hosts members
			// (or invitees, who must be able to check the group's key).
			member, _ = h.Store.HostHasMember(r.Context(), g.ID, viewer.Host)
		}
	}
	if g.Visibility == store.VisibilitySecret && !member {
		return nil, false, store.ErrNotFound
	}
	return g, member, nil
}

// groupContentAllowed answers for the collections of a group: public groups
// show them to anyone, private and secret ones only to members.
func (h *Handler) groupContentAllowed(w http.ResponseWriter, r *http.Request) (*store.Group, bool) {
	g, member, err := h.visibleGroup(r)
	if err != nil {
		h.apNotFound(w, err)
		return nil, false
	}
	if g.Visibility != store.VisibilityPublic && !member {
		if r.Header.Get("Signature") == "" {
			respond.Error(w, http.StatusUnauthorized, "this group's content is for its members: sign the request")
		} else {
			respond.Error(w, http.StatusForbidden, "this group's content is for its members")
		}
		return nil, false
	}
	return g, true
}

// groupReadable tells whether a signed peer request may read content of a
// group: public groups to anyone; otherwise a member, the group's own node,
// or (for our groups) a node that hosts members.
func (h *Handler) groupReadable(r *http.Request, groupID int64) bool {
	g, err := h.Store.GroupByActorID(r.Context(), groupID)
	if err != nil {
		return false
	}
	if g.Visibility == store.VisibilityPublic {
		return true
	}
	viewer, err := h.viewerOf(r)
	if err != nil || viewer == nil {
		return false
	}
	if m, err := h.Store.MembershipOf(r.Context(), g.ID, viewer.ID); err == nil && m.State == store.StateAccepted {
		return true
	}
	if viewer.Host == g.Host {
		return true
	}
	if g.Local {
		ok, _ := h.Store.HostHasMember(r.Context(), g.ID, viewer.Host)
		return ok
	}
	return false
}
