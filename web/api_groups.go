package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

type groupInput struct {
	Name        string `json:"name"`
	Username    string `json:"username"`
	Description string `json:"description"`
	Visibility  string `json:"visibility"`
	JoinPolicy  string `json:"join_policy"`
	StateOnly   bool   `json:"state_only"`
}

func (s *Server) apiCreateGroup(w http.ResponseWriter, r *http.Request) {
	var in groupInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	acct := currentAccount(r)
	g, err := s.Outbox.CreateGroup(r.Context(), acct, outbox.NewGroup{Name: in.Name, Username: in.Username,
		Description: in.Description, Visibility: in.Visibility, JoinPolicy: in.JoinPolicy, StateOnly: in.StateOnly})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.groupEntity(r.Context(), g, acct))
}

// groupForViewer loads the group in the path as the API caller may see it:
// a secret group is 404 unless the caller is a member.
func (s *Server) groupForViewer(w http.ResponseWriter, r *http.Request) (*store.Group, *store.Membership, bool) {
	id, ok := parseID(chi.URLParam(r, "id"))
	var g *store.Group
	var err error = store.ErrNotFound
	if ok {
		g, err = s.Store.GroupByActorID(r.Context(), id)
	}
	if err != nil {
		if err == store.ErrNotFound {
			apiError(w, http.StatusNotFound, "no such group")
		} else {
			writeError(w, err)
		}
		return nil, nil, false
	}
	var m *store.Membership
	if acct := currentAccount(r); acct != nil {
		if mm, err := s.Store.MembershipOf(r.Context(), g.ID, acct.ActorID); err == nil {
			m = mm
		}
	}
	member := m != nil && m.State == store.StateAccepted
	invited := m != nil && m.State == store.StateInvited
	if g.Visibility == store.VisibilitySecret && !member && !invited {
		apiError(w, http.StatusNotFound, "no such group")
		return nil, nil, false
	}
	return g, m, true
}

func (s *Server) apiGroup(w http.ResponseWriter, r *http.Request) {
	if g, _, ok := s.groupForViewer(w, r); ok {
		writeJSON(w, http.StatusOK, s.groupEntity(r.Context(), g, currentAccount(r)))
	}
}

func (s *Server) apiListGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	f := store.GroupFilter{Limit: limit, Offset: max(offset, 0), LocalOnly: q.Get("local") == "true"}
	acct := currentAccount(r)
	if acct != nil {
		f.ViewerID = acct.ActorID
		// mine=true lists my groups; mine=pending or mine=invited my requests
		// and invitations.
		switch mine := q.Get("mine"); mine {
		case "true":
			f.MemberOnly = true
		case store.StatePending, store.StateInvited:
			f.MemberOnly, f.State = true, mine
		}
	}
	groups, err := s.Store.Groups(r.Context(), f)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]groupJSON, 0, len(groups))
	for _, g := range groups {
		out = append(out, s.groupEntity(r.Context(), g, acct))
	}
	writeJSON(w, http.StatusOK, out)
}

type memberJSON struct {
	Account accountJSON `json:"account"`
	Role    string      `json:"role"`
	State   string      `json:"state"`
	Since   string      `json:"since"`
}

// apiGroupMembers lists members: anyone for a public group, members for a
// private one; pending requests only to the group's animators.
func (s *Server) apiGroupMembers(w http.ResponseWriter, r *http.Request) {
	g, m, ok := s.groupForViewer(w, r)
	if !ok {
		return
	}
	member := m != nil && m.State == store.StateAccepted
	if g.Visibility != store.VisibilityPublic && !member {
		if currentAccount(r) == nil {
			apiError(w, http.StatusUnauthorized, "members of this group are shown to its members: sign in")
		} else {
			apiError(w, http.StatusForbidden, "members of this group are shown to its members")
		}
		return
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", store.StateAccepted:
		state = store.StateAccepted
	case store.StatePending, store.StateInvited, store.StateBanned:
		if !member || m.Role == store.MemberMember {
			apiError(w, http.StatusForbidden, "only the group's animators see requests")
			return
		}
	default:
		apiError(w, http.StatusBadRequest, "state: one of accepted, pending, invited, banned")
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 80 {
		limit = 40
	}
	members, err := s.Store.Members(r.Context(), g.ID, state, after, limit)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]memberJSON, 0, len(members))
	for _, mm := range members {
		out = append(out, memberJSON{Account: s.accountEntity(r.Context(), mm.Member), Role: mm.Role, State: mm.State,
			Since: mm.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	writeJSON(w, http.StatusOK, out)
}
