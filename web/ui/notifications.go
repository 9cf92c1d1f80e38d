package ui

import (
	"net/http"

	"github.com/archipel-social/archipel/store"
)

type notificationsData struct {
	FollowRequests []*store.Actor
	JoinRequests   []store.JoinRequest
	Invitations    []*store.Group
	Events         []store.GroupEvent
	Mentions       []postView
}

// notifications gathers what waits for the reader: follow requests, join
// requests in the groups they run, invitations, membership changes, and
// replies and mentions.
func (u *UI) notifications(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ctx := r.Context()
	var d notificationsData
	var err error
	if d.FollowRequests, err = u.Store.FollowRequests(ctx, s.Actor.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.JoinRequests, err = u.Store.JoinRequestsFor(ctx, s.Actor.ID, 100); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Invitations, err = u.Store.Groups(ctx, store.GroupFilter{ViewerID: s.Actor.ID, MemberOnly: true,
		State: store.StateInvited}); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Events, err = u.Store.MemberEvents(ctx, s.Actor.ID, 50); err != nil {
		u.fail(w, r, err)
		return
	}
	objs, err := u.Store.RepliesAndMentions(ctx, s.Actor.ID, 30)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Mentions = u.postViews(r, objs)
	v := u.newView(r, "title.notifications", "notifications")
	v.Data = d
	u.render(w, http.StatusOK, "notifications", v)
}
