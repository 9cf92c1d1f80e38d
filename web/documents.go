package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/storage"
	"github.com/archipel-social/archipel/store"
)

// groupReadable tells whether a signed peer request may read content of a
// group: public groups to anyone; otherwise a member, the group's own node,
// or (for our groups) a node that hosts members.
func (s *Server) groupReadable(r *http.Request, groupID int64) bool {
	g, err := s.Store.GroupByActorID(r.Context(), groupID)
	if err != nil {
		return false
	}
	if g.Visibility == store.VisibilityPublic {
		return true
	}
	viewer, err := s.viewerOf(r)
	if err != nil || viewer == nil {
		return false
	}
	if m, err := s.Store.MembershipOf(r.Context(), g.ID, viewer.ID); err == nil && m.State == store.StateAccepted {
		return true
	}
	if viewer.Host == g.Host {
		return true
	}
	if g.Local {
		ok, _ := s.Store.HostHasMember(r.Context(), g.ID, viewer.Host)
		return ok
	}
	return false
}

// uploadFile serves, to the group's node (or members), a file a member of
// this node uploaded: /files/{sha256}.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	sha := chi.URLParam(r, "sha")
	versions, groups, err := s.Store.StoredVersionsBySHA(r.Context(), sha)
	if err != nil {
		writeError(w, err)
		return
	}
	for i, v := range versions {
		if s.groupReadable(r, groups[i]) {
			s.serveVersion(w, r, &v)
			return
		}
	}
	s.refuseFile(w, r)
}

// groupFile serves a file of one of our groups' documents, by digest:
// /groups/{username}/files/{sha256}, what member nodes download from.
func (s *Server) groupFile(w http.ResponseWriter, r *http.Request) {
	a, err := s.localActor(r, store.TypeGroup)
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	v, err := s.Store.GroupHasFile(r.Context(), a.ID, chi.URLParam(r, "sha"))
	if err != nil || !s.groupReadable(r, a.ID) {
		s.refuseFile(w, r)
		return
	}
	s.serveVersion(w, r, v)
}

func (s *Server) refuseFile(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Signature") == "" {
		apiError(w, http.StatusUnauthorized, "files of this group are for its members: sign the request")
		return
	}
	apiError(w, http.StatusNotFound, "not found")
}

// serveVersion streams a stored version (see ServeVersion) to a peer or an
// API client.
func (s *Server) serveVersion(w http.ResponseWriter, r *http.Request, v *store.Version) {
	err := ServeVersion(w, r, s.Outbox, v)
	if errors.Is(err, storage.ErrNotFound) {
		apiError(w, http.StatusNotFound, "file not stored here")
	} else if err != nil {
		writeError(w, err)
	}
}

// documentAP serves a local document as ActivityPub, to those who may read
// its group.
func (s *Server) documentAP(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.apNotFound(w, store.ErrNotFound)
		return
	}
	d, err := s.Store.DocumentByObjectID(r.Context(), id)
	if err != nil || !d.Local || d.GroupID == nil {
		s.apNotFound(w, store.ErrNotFound)
		return
	}
	if !s.groupReadable(r, *d.GroupID) {
		s.refuseFile(w, r)
		return
	}
	group, err := s.Store.GroupByActorID(r.Context(), *d.GroupID)
	if err != nil {
		writeError(w, err)
		return
	}
	v := d.Current()
	if d.DeletedAt != nil || v == nil {
		w.WriteHeader(http.StatusGone)
		return
	}
	fileURL := s.Links.UploadFile(v.SHA256)
	if group.Local {
		fileURL = ap.GroupFile(group.URI, v.SHA256)
	}
	body, _, err := ap.DocumentDocument(d, v, d.Author, group.Actor, ap.Address(d.Object, d.Author, group.Actor, nil), fileURL)
	if err != nil {
		writeError(w, err)
		return
	}
	writeActivityJSON(w, body)
}
