package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

type statusInput struct {
	Status      string `json:"status"`
	Visibility  string `json:"visibility"`
	InReplyToID string `json:"in_reply_to_id"`
	GroupID     string `json:"group_id"`
	SpoilerText string `json:"spoiler_text"`
}

func (s *Server) apiPostStatus(w http.ResponseWriter, r *http.Request) {
	var in statusInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	nn := outbox.NewNote{Text: in.Status, Visibility: in.Visibility}
	if in.InReplyToID != "" {
		id, ok := parseID(in.InReplyToID)
		if !ok {
			apiError(w, http.StatusUnprocessableEntity, "in_reply_to_id: no such status")
			return
		}
		nn.InReplyToID = id
	}
	if in.GroupID != "" {
		id, ok := parseID(in.GroupID)
		if !ok {
			apiError(w, http.StatusNotFound, "no such group")
			return
		}
		nn.GroupID = id
	}
	author, err := s.Store.ActorByID(r.Context(), currentAccount(r).ActorID)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.Outbox.CreateNote(r.Context(), author, nn)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.statusEntity(r.Context(), obj))
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no such status")
		return
	}
	o, err := s.Store.ObjectByID(r.Context(), id)
	if err != nil || o.DeletedAt != nil || !s.statusVisible(r, o) {
		apiError(w, http.StatusNotFound, "no such status")
		return
	}
	writeJSON(w, http.StatusOK, s.statusEntity(r.Context(), o))
}

func (s *Server) apiHomeTimeline(w http.ResponseWriter, r *http.Request) {
	objs, err := s.Store.HomeTimeline(r.Context(), currentAccount(r).ActorID, pageFrom(r))
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeStatusPage(w, r, objs)
}

// statusVisible applies the node's one reading rule to the API caller.
func (s *Server) statusVisible(r *http.Request, o *store.Object) bool {
	var viewer int64
	if acct := currentAccount(r); acct != nil {
		viewer = acct.ActorID
	}
	ok, err := s.Store.CanSee(r.Context(), o, viewer)
	return err == nil && ok
}

func (s *Server) ownStatusID(w http.ResponseWriter, r *http.Request) (int64, *store.Actor, bool) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no such status")
		return 0, nil, false
	}
	me, ok := s.meOrFail(w, r)
	return id, me, ok
}

// apiEditStatus is Mastodon's PUT /api/v1/statuses/:id.
func (s *Server) apiEditStatus(w http.ResponseWriter, r *http.Request) {
	id, me, ok := s.ownStatusID(w, r)
	if !ok {
		return
	}
	var in statusInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.Outbox.UpdateNote(r.Context(), me, id, in.Status)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.statusEntity(r.Context(), obj))
}

func (s *Server) apiDeleteStatus(w http.ResponseWriter, r *http.Request) {
	id, me, ok := s.ownStatusID(w, r)
	if !ok {
		return
	}
	obj, err := s.Store.ObjectByID(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	if obj.AttributedTo != me.ID && obj.GroupID != nil {
		if s.deleteStatusAsModerator(w, r, id) {
			return
		}
	}
	if err := s.Outbox.DeleteNote(r.Context(), me, id); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.statusEntity(r.Context(), obj))
}

// apiReblog shares a public post with one's followers, or takes the share
// back (Mastodon's reblog and unreblog).
func (s *Server) apiReblog(on bool) http.HandlerFunc { return s.statusToggle(s.Outbox.Share, on) }

func (s *Server) apiFavourite(on bool) http.HandlerFunc { return s.statusToggle(s.Outbox.Like, on) }

// statusToggle runs a yes-or-no action of the caller on a status it can see
// (favourite, reblog) and answers with the status.
func (s *Server) statusToggle(act func(context.Context, *store.Actor, int64, bool) (*store.Object, error), on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, me, ok := s.ownStatusID(w, r)
		if !ok {
			return
		}
		obj, err := s.Store.ObjectByID(r.Context(), id)
		if err != nil || !s.statusVisible(r, obj) {
			apiError(w, http.StatusNotFound, "no such status")
			return
		}
		if _, err := act(r.Context(), me, id, on); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.statusEntity(r.Context(), obj))
	}
}
