package client

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

type groupInput struct {
	Name        string `json:"name"`
	Username    string `json:"username"`
	Description string `json:"description"`
	Visibility  string `json:"visibility"`
	JoinPolicy  string `json:"join_policy"`
	StateOnly   bool   `json:"state_only"`
}

func (api *API) apiCreateGroup(w http.ResponseWriter, r *http.Request) {
	var in groupInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	acct := auth.Account(r)
	g, err := api.Outbox.CreateGroup(r.Context(), acct, outbox.NewGroup{Name: in.Name, Username: in.Username,
		Description: in.Description, Visibility: in.Visibility, JoinPolicy: in.JoinPolicy, StateOnly: in.StateOnly})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.groupEntity(r.Context(), g, acct))
}

// groupForViewer loads the group in the path as the API caller may see it:
// a secret group is 404 unless the caller is a member.
func (api *API) groupForViewer(w http.ResponseWriter, r *http.Request) (*store.Group, *store.Membership, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	var g *store.Group
	var err error = store.ErrNotFound
	if ok {
		g, err = api.Store.GroupByActorID(r.Context(), id)
	}
	if err != nil {
		if err == store.ErrNotFound {
			respond.Error(w, http.StatusNotFound, "no such group")
		} else {
			respond.Fail(w, err)
		}
		return nil, nil, false
	}
	var m *store.Membership
	if acct := auth.Account(r); acct != nil {
		if mm, err := api.Store.MembershipOf(r.Context(), g.ID, acct.ActorID); err == nil {
			m = mm
		}
	}
	if known, err := api.Store.KnowsGroup(r.Context(), g, viewerID(r)); err != nil || !known {
		respond.Error(w, http.StatusNotFound, "no such group")
		return nil, nil, false
	}
	return g, m, true
}

func (api *API) apiGroup(w http.ResponseWriter, r *http.Request) {
	if g, _, ok := api.groupForViewer(w, r); ok {
		respond.JSON(w, http.StatusOK, api.groupEntity(r.Context(), g, auth.Account(r)))
	}
}

func (api *API) apiListGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, ok := offsetFrom(w, r, 40)
	if !ok {
		return
	}
	f := store.GroupFilter{Limit: limit, Offset: offset, LocalOnly: q.Get("local") == "true"}
	acct := auth.Account(r)
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
	groups, err := api.Store.Groups(r.Context(), f)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	ids := make([]int64, 0, len(groups))
	for _, g := range groups {
		ids = append(ids, g.ID)
	}
	entities := api.groupEntities(r.Context(), ids, viewerID(r))
	out := make([]groupJSON, 0, len(groups))
	for _, g := range groups {
		out = append(out, entities[g.ID])
	}
	api.setOffsetLinks(w, r, offset, limit, len(groups))
	respond.JSON(w, http.StatusOK, out)
}

// apiGroupMembers lists members: anyone for a public group, members for a
// private one; pending requests only to the group's animators.
func (api *API) apiGroupMembers(w http.ResponseWriter, r *http.Request) {
	g, m, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	member := m != nil && m.State == store.StateAccepted
	if g.Visibility != store.VisibilityPublic && !member {
		if auth.Account(r) == nil {
			respond.Error(w, http.StatusUnauthorized, "members of this group are shown to its members: sign in")
		} else {
			respond.Error(w, http.StatusForbidden, "members of this group are shown to its members")
		}
		return
	}
	state := r.URL.Query().Get("state")
	switch state {
	case "", store.StateAccepted:
		state = store.StateAccepted
	case store.StatePending, store.StateInvited, store.StateBanned:
		if !member || m.Role == store.MemberMember {
			respond.Error(w, http.StatusForbidden, "only the group's animators see requests")
			return
		}
	default:
		respond.Error(w, http.StatusBadRequest, "state: one of accepted, pending, invited, banned")
		return
	}
	// Members page in the order they are listed, by account id: after is
	// the last id of the previous page.
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		var ok bool
		if after, ok = respond.ParseID(v); !ok {
			respond.Fail(w, respond.InvalidField("after", "not an account id"))
			return
		}
	}
	_, limit, ok := offsetFrom(w, r, 40)
	if !ok {
		return
	}
	members, err := api.Store.Members(r.Context(), g.ID, state, after, limit)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	actors := make([]*store.Actor, 0, len(members))
	for _, mm := range members {
		actors = append(actors, mm.Member)
	}
	accounts := api.accountList(r, actors)
	out := make([]memberJSON, 0, len(members))
	for i, mm := range members {
		out = append(out, memberJSON{Account: accounts[i], Role: mm.Role, State: mm.State,
			Since: mm.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	if len(members) == limit {
		u := *r.URL
		q := u.Query()
		q.Set("after", strconv.FormatInt(members[len(members)-1].MemberID, 10))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", `<`+api.Links.Base+u.Path+"?"+u.RawQuery+`>; rel="next"`)
	}
	respond.JSON(w, http.StatusOK, out)
}
