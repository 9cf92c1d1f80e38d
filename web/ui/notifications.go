package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/store"
)

type notificationsData struct {
	FollowRequests []*store.Actor
	JoinRequests   []store.JoinRequest
	Invitations    []*store.Group
	Items          []notificationView
	Unread         int
	Older          string
}

// notificationView is one line of the list: a notification, or several of
// one kind about one post grouped ("Alice and 2 others liked…").
type notificationView struct {
	ID     int64
	Type   string
	At     time.Time
	Unread bool
	From   *store.Actor
	Others int
	Group  *store.Actor
	Post   *postView
	Doc    *store.Object
}

// notificationsShown is how many lines the page shows.
const notificationsShown = 40

// webGroupedTypes are grouped on the page as in Mastodon's apps.
var webGroupedTypes = map[string]bool{store.NotifyFavourite: true, store.NotifyReblog: true, store.NotifyFollow: true}

// notifications shows what waits for the reader (follow requests, join
// requests in the groups they run, invitations) and then their
// notifications, every type, newest first, the unread ones marked.
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
	page := pageOf(r)
	page.Limit = notificationsShown
	groups, err := u.Store.NotificationGroups(ctx, s.Actor.ID, store.NotificationFilter{Types: store.NotificationTypes},
		webGroupedTypes, page)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	markers, err := u.Store.Markers(ctx, s.Actor.ID, []string{store.MarkerNotifications})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Items, err = u.notificationViews(r, groups, markers[store.MarkerNotifications].LastReadID); err != nil {
		u.fail(w, r, err)
		return
	}
	for _, it := range d.Items {
		if it.Unread {
			d.Unread++
		}
	}
	if len(groups) == notificationsShown {
		d.Older = "/notifications?max_id=" + strconv.FormatInt(groups[len(groups)-1].MinID, 10)
	}
	v := u.newView(r, "title.notifications", "notifications")
	v.Data = d
	u.render(w, http.StatusOK, "notifications", v)
}

// notificationViews loads what the lines show, in a few queries for the
// page.
func (u *UI) notificationViews(r *http.Request, groups []store.NotificationGroup, lastRead int64) ([]notificationView, error) {
	ctx := r.Context()
	var actorIDs, objectIDs []int64
	for _, g := range groups {
		actorIDs = append(actorIDs, g.SampleFrom[0])
		if g.GroupID != 0 {
			actorIDs = append(actorIDs, g.GroupID)
		}
		if g.ObjectID != 0 {
			objectIDs = append(objectIDs, g.ObjectID)
		}
	}
	actors, err := u.Store.ActorsByIDs(ctx, actorIDs)
	if err != nil {
		return nil, err
	}
	objs, err := u.Store.ObjectsByIDs(ctx, objectIDs)
	if err != nil {
		return nil, err
	}
	var posts []*store.Object
	for _, o := range objs {
		if o.DeletedAt == nil && store.IsPostType(o.Type) {
			posts = append(posts, o)
		}
	}
	views := map[int64]*postView{}
	for _, pv := range u.postViews(r, posts) {
		views[pv.ID] = &pv
	}
	out := make([]notificationView, 0, len(groups))
	for _, g := range groups {
		nv := notificationView{ID: g.MaxID, Type: g.Type, At: g.LatestAt, Unread: g.MaxID > lastRead,
			From: actors[g.SampleFrom[0]], Others: int(g.Count) - 1, Group: actors[g.GroupID]}
		if nv.From == nil || (g.GroupID != 0 && nv.Group == nil) {
			continue
		}
		if g.ObjectID != 0 {
			nv.Post = views[g.ObjectID]
			if o := objs[g.ObjectID]; nv.Post == nil && o != nil && o.DeletedAt == nil &&
				(o.Type == "Document" || o.Type == store.TypeWikiPage || o.Type == store.TypeTask) {
				nv.Doc = o
			}
			if nv.Post == nil && nv.Doc == nil {
				continue
			}
		}
		out = append(out, nv)
	}
	return out, nil
}

// markNotificationsRead moves the reader's marker past their newest
// notification.
func (u *UI) markNotificationsRead(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	latest, err := u.Store.LatestNotificationID(r.Context(), s.Actor.ID)
	if err == nil {
		_, err = u.Store.SetMarker(r.Context(), s.Actor.ID, store.MarkerNotifications, latest)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications?notice=notifications_read", http.StatusSeeOther)
}
