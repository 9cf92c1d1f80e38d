package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
)

// relationshipJSON is Mastodon's Relationship entity (the fields we know).
type relationshipJSON struct {
	ID         string `json:"id"`
	Following  bool   `json:"following"`
	Requested  bool   `json:"requested"`
	FollowedBy bool   `json:"followed_by"`
}

func (s *Server) relationship(r *http.Request, me, other *store.Actor) relationshipJSON {
	rel := relationshipJSON{ID: strconv.FormatInt(other.ID, 10)}
	if f, err := s.Store.FollowOf(r.Context(), me.ID, other.ID); err == nil {
		rel.Following = f.State == store.FollowAccepted
		rel.Requested = f.State == store.FollowPending
	}
	if f, err := s.Store.FollowOf(r.Context(), other.ID, me.ID); err == nil {
		rel.FollowedBy = f.State == store.FollowAccepted
	}
	return rel
}

func (s *Server) me(r *http.Request) (*store.Actor, error) {
	return s.Store.ActorByID(r.Context(), currentAccount(r).ActorID)
}

// meOrFail is me, answering the error itself.
func (s *Server) meOrFail(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	me, err := s.me(r)
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	return me, true
}

func (s *Server) apiFollow(w http.ResponseWriter, r *http.Request) {
	s.followAction(w, r, true)
}

func (s *Server) apiUnfollow(w http.ResponseWriter, r *http.Request) {
	s.followAction(w, r, false)
}

func (s *Server) followAction(w http.ResponseWriter, r *http.Request, follow bool) {
	target, ok := s.anyActorFromPath(w, r)
	if !ok {
		return
	}
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	var err error
	if follow {
		_, err = s.Outbox.Follow(r.Context(), me, target)
	} else {
		err = s.Outbox.Unfollow(r.Context(), me, target)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.relationship(r, me, target))
}

// anyActorFromPath loads a person or a group by API id.
func (s *Server) anyActorFromPath(w http.ResponseWriter, r *http.Request) (*store.Actor, bool) {
	id, ok := parseID(chi.URLParam(r, "id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no such account")
		return nil, false
	}
	a, err := s.Store.ActorByID(r.Context(), id)
	if err == nil && a.Type != store.TypePerson && a.Type != store.TypeGroup {
		err = store.ErrNotFound
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			apiError(w, http.StatusNotFound, "no such account")
		} else {
			writeError(w, err)
		}
		return nil, false
	}
	return a, true
}

func (s *Server) apiRelationships(w http.ResponseWriter, r *http.Request) {
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	ids := r.URL.Query()["id[]"]
	if len(ids) == 0 {
		ids = r.URL.Query()["id"]
	}
	out := []relationshipJSON{}
	for _, raw := range ids {
		if id, ok := parseID(raw); ok {
			if other, err := s.Store.ActorByID(r.Context(), id); err == nil {
				out = append(out, s.relationship(r, me, other))
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiFollowRequests(w http.ResponseWriter, r *http.Request) {
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	actors, err := s.Store.FollowRequests(r.Context(), me.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]accountJSON, 0, len(actors))
	for _, a := range actors {
		out = append(out, s.accountEntity(r.Context(), a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAnswerFollowRequest(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		follower, ok := s.anyActorFromPath(w, r)
		if !ok {
			return
		}
		me, ok := s.meOrFail(w, r)
		if !ok {
			return
		}
		if f, err := s.Store.FollowOf(r.Context(), follower.ID, me.ID); err != nil || f.State != store.FollowPending {
			apiError(w, http.StatusNotFound, "no follow request from this account")
			return
		}
		if err := s.Outbox.AnswerFollow(r.Context(), me, follower, accept); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.relationship(r, me, follower))
	}
}
