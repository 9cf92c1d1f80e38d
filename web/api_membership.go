package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
)

type acctInput struct {
	Acct      string `json:"acct"`
	AccountID string `json:"account_id"`
	Role      string `json:"role"`
}

// apiJoinByHandle joins a group on any node by its handle (name@host).
func (s *Server) apiJoinByHandle(w http.ResponseWriter, r *http.Request) {
	var in acctInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(in.Acct), "!"), "@")
	if handle == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "acct: required (name@node)", "field": "acct"})
		return
	}
	if !strings.Contains(handle, "@") {
		handle += "@" + s.Links.Host()
	}
	groupActor, err := s.Federator.ResolveGroupHandle(r.Context(), handle)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, federation.ErrNoSuchAccount) {
		apiError(w, http.StatusNotFound, "no such group")
		return
	} else if err != nil {
		remoteError(w, err)
		return
	}
	s.join(w, r, groupActor)
}

func (s *Server) apiJoin(w http.ResponseWriter, r *http.Request) {
	g, _, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	s.join(w, r, g.Actor)
}

func (s *Server) join(w http.ResponseWriter, r *http.Request, groupActor *store.Actor) {
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	if _, err := s.Outbox.Join(r.Context(), me, groupActor); err != nil {
		writeError(w, err)
		return
	}
	g, err := s.Store.GroupOf(r.Context(), groupActor)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.groupEntity(r.Context(), g, currentAccount(r)))
}

func (s *Server) apiLeave(w http.ResponseWriter, r *http.Request) {
	g, _, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	me, ok := s.meOrFail(w, r)
	if !ok {
		return
	}
	if err := s.Outbox.Leave(r.Context(), me, g.Actor); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.groupEntity(r.Context(), g, currentAccount(r)))
}

// apiInvite invites a person (acct name@host or account_id) into the group.
func (s *Server) apiInvite(w http.ResponseWriter, r *http.Request) {
	g, _, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	var in acctInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	var invitee *store.Actor
	var err error
	switch {
	case in.AccountID != "":
		id, ok := parseID(in.AccountID)
		if !ok {
			apiError(w, http.StatusNotFound, "no such account")
			return
		}
		invitee, err = s.Store.ActorByID(r.Context(), id)
	case in.Acct != "":
		handle := strings.TrimPrefix(strings.TrimSpace(in.Acct), "@")
		if !strings.Contains(handle, "@") {
			handle += "@" + s.Links.Host()
		}
		invitee, err = s.Federator.ResolveHandle(r.Context(), handle)
		if err != nil {
			remoteError(w, err)
			return
		}
	default:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "acct or account_id: required", "field": "acct"})
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	m, err := s.Outbox.Invite(r.Context(), currentAccount(r), g.ID, invitee)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, memberJSON{Account: s.accountEntity(r.Context(), invitee), Role: m.Role, State: m.State})
}

// apiMemberAction runs an animator's action on one member.
func (s *Server) apiMemberAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g, _, ok := s.groupForViewer(w, r)
		if !ok {
			return
		}
		memberID, ok := parseID(chi.URLParam(r, "account_id"))
		if !ok {
			apiError(w, http.StatusNotFound, "no such account")
			return
		}
		acct := currentAccount(r)
		var err error
		switch action {
		case "approve":
			err = s.Outbox.Approve(r.Context(), acct, g.ID, memberID, true)
		case "reject":
			err = s.Outbox.Approve(r.Context(), acct, g.ID, memberID, false)
		case "remove":
			err = s.Outbox.Remove(r.Context(), acct, g.ID, memberID)
		case "role":
			var in acctInput
			if err := decodeInput(w, r, &in); err != nil {
				writeError(w, err)
				return
			}
			err = s.Outbox.SetRole(r.Context(), acct, g.ID, memberID, in.Role)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		member, err := s.Store.ActorByID(r.Context(), memberID)
		if err != nil {
			writeError(w, err)
			return
		}
		out := memberJSON{Account: s.accountEntity(r.Context(), member), State: "none"}
		if m, err := s.Store.MembershipOf(r.Context(), g.ID, memberID); err == nil {
			out.Role, out.State = m.Role, m.State
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// apiGroupTimeline lists a group's posts: anyone for a public group, members
// for the others.
func (s *Server) apiGroupTimeline(w http.ResponseWriter, r *http.Request) {
	g, m, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	if g.Visibility != store.VisibilityPublic && (m == nil || m.State != store.StateAccepted) {
		if currentAccount(r) == nil {
			apiError(w, http.StatusUnauthorized, "this group's posts are for its members: sign in")
		} else {
			apiError(w, http.StatusForbidden, "this group's posts are for its members")
		}
		return
	}
	objs, err := s.Store.GroupTimeline(r.Context(), g.ID, pageFrom(r))
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeStatusPage(w, r, objs)
}

// apiGroupLog shows a local group's membership log to those who run it.
func (s *Server) apiGroupLog(w http.ResponseWriter, r *http.Request) {
	g, _, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	allowed, err := s.Outbox.CanModerate(r.Context(), currentAccount(r), g)
	if err != nil {
		writeError(w, err)
		return
	}
	if !allowed {
		apiError(w, http.StatusForbidden, "only the group's animators read its log")
		return
	}
	events, err := s.Store.GroupLog(r.Context(), g.ID, 200)
	if err != nil {
		writeError(w, err)
		return
	}
	if events == nil {
		events = []store.GroupEvent{}
	}
	writeJSON(w, http.StatusOK, events)
}

// apiMembershipEvents lists the caller's own membership changes.
func (s *Server) apiMembershipEvents(w http.ResponseWriter, r *http.Request) {
	events, err := s.Store.MemberEvents(r.Context(), currentAccount(r).ActorID, 100)
	if err != nil {
		writeError(w, err)
		return
	}
	if events == nil {
		events = []store.GroupEvent{}
	}
	writeJSON(w, http.StatusOK, events)
}

// deleteStatusAsModerator is the DELETE of a post one did not write: allowed
// to the animators of the post's local group.
func (s *Server) deleteStatusAsModerator(w http.ResponseWriter, r *http.Request, id int64) bool {
	err := s.Outbox.DeleteInGroup(r.Context(), currentAccount(r), id)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		writeError(w, err)
		return true
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte("{}\n"))
	return true
}
