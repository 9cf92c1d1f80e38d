package client

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

type acctInput struct {
	Acct      string `json:"acct"`
	AccountID string `json:"account_id"`
	Role      string `json:"role"`
}

// apiJoinByHandle joins a group on any node by its handle (name@host).
func (api *API) apiJoinByHandle(w http.ResponseWriter, r *http.Request) {
	var in acctInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(in.Acct), "!"), "@")
	if handle == "" {
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "acct: required (name@node)", "field": "acct"})
		return
	}
	if !strings.Contains(handle, "@") {
		handle += "@" + api.Links.Host()
	}
	groupActor, err := api.Federator.ResolveGroupHandle(r.Context(), handle)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, federation.ErrNoSuchAccount) {
		respond.Error(w, http.StatusNotFound, "no such group")
		return
	} else if err != nil {
		remoteError(w, err)
		return
	}
	api.join(w, r, groupActor)
}

func (api *API) apiJoin(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	api.join(w, r, g.Actor)
}

func (api *API) join(w http.ResponseWriter, r *http.Request, groupActor *store.Actor) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	if _, err := api.Outbox.Join(r.Context(), me, groupActor); errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "no such group") // a secret group, said as a missing one
		return
	} else if err != nil {
		respond.Fail(w, err)
		return
	}
	g, err := api.Store.GroupOf(r.Context(), groupActor)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.groupEntity(r.Context(), g, auth.Account(r)))
}

func (api *API) apiLeave(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	if err := api.Outbox.Leave(r.Context(), me, g.Actor); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.groupEntity(r.Context(), g, auth.Account(r)))
}

// apiInvite invites a person (acct name@host or account_id) into the group.
func (api *API) apiInvite(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	var in acctInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	var invitee *store.Actor
	var err error
	switch {
	case in.AccountID != "":
		id, ok := respond.ParseID(in.AccountID)
		if !ok {
			respond.Error(w, http.StatusNotFound, "no such account")
			return
		}
		invitee, err = api.Store.ActorByID(r.Context(), id)
	case in.Acct != "":
		handle := strings.TrimPrefix(strings.TrimSpace(in.Acct), "@")
		if !strings.Contains(handle, "@") {
			handle += "@" + api.Links.Host()
		}
		invitee, err = api.Federator.ResolveHandle(r.Context(), handle)
		if err != nil {
			remoteError(w, err)
			return
		}
	default:
		respond.JSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "acct or account_id: required", "field": "acct"})
		return
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	m, err := api.Outbox.Invite(r.Context(), auth.Account(r), g.ID, invitee)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, memberJSON{Account: api.accountEntity(r.Context(), invitee), Role: m.Role, State: m.State})
}

// apiMemberAction runs an animator's action on one member.
func (api *API) apiMemberAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g, _, ok := api.groupForViewer(w, r)
		if !ok {
			return
		}
		memberID, ok := respond.ParseID(chi.URLParam(r, "account_id"))
		if !ok {
			respond.Error(w, http.StatusNotFound, "no such account")
			return
		}
		acct := auth.Account(r)
		var err error
		switch action {
		case "approve":
			err = api.Outbox.Approve(r.Context(), acct, g.ID, memberID, true)
		case "reject":
			err = api.Outbox.Approve(r.Context(), acct, g.ID, memberID, false)
		case "remove":
			err = api.Outbox.Remove(r.Context(), acct, g.ID, memberID)
		case "role":
			var in acctInput
			if err := respond.Decode(w, r, &in); err != nil {
				respond.Fail(w, err)
				return
			}
			err = api.Outbox.SetRole(r.Context(), acct, g.ID, memberID, in.Role)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		member, err := api.Store.ActorByID(r.Context(), memberID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		out := memberJSON{Account: api.accountEntity(r.Context(), member), State: "none"}
		if m, err := api.Store.MembershipOf(r.Context(), g.ID, memberID); err == nil {
			out.Role, out.State = m.Role, m.State
		}
		respond.JSON(w, http.StatusOK, out)
	}
}

// apiGroupLog shows a local group's membership log to those who run it.
func (api *API) apiGroupLog(w http.ResponseWriter, r *http.Request) {
	g, _, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	allowed, err := api.Outbox.CanModerate(r.Context(), auth.Account(r), g)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if !allowed {
		respond.Error(w, http.StatusForbidden, "only the group's animators read its log")
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	events, err := api.Store.GroupLogPage(r.Context(), g.ID, p)
	api.writeEvents(w, r, events, err)
}

// writeEvents answers with a page of group events and its Link header.
func (api *API) writeEvents(w http.ResponseWriter, r *http.Request, events []store.GroupEvent, err error) {
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if events == nil {
		events = []store.GroupEvent{}
	}
	if len(events) > 0 {
		api.setLinks(w, r, events[0].ID, events[len(events)-1].ID)
	}
	respond.JSON(w, http.StatusOK, events)
}

// apiMembershipEvents lists the caller's own membership changes.
func (api *API) apiMembershipEvents(w http.ResponseWriter, r *http.Request) {
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	events, err := api.Store.MemberEventsPage(r.Context(), auth.Account(r).ActorID, p)
	api.writeEvents(w, r, events, err)
}
