package client

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// Notifications, Mastodon's v1 list and v2 groups. Archipel's own types
// ("archipel.…") are left out unless a client names them in types[]:
// Mastodon apps meet them otherwise as "unknown notification type" lines
// (Tusky, Elk) or crash on them (several smaller apps).

// otherMastodonTypes are types Mastodon has and Archipel never produces:
// apps name them in exclude_types[] (or types[]) and must not be refused.
var otherMastodonTypes = map[string]bool{"poll": true, "admin.sign_up": true, "admin.report": true,
	"severed_relationships": true, "moderation_warning": true, "quote": true, "quoted_update": true,
	"annual_report": true}

// listParam reads a list parameter sent as name[] or name.
func listParam(r *http.Request, name string) []string {
	q := r.URL.Query()
	if v, ok := q[name+"[]"]; ok {
		return v
	}
	return q[name]
}

// notificationFilter reads types[], exclude_types[] and account_id.
func notificationFilter(w http.ResponseWriter, r *http.Request) (store.NotificationFilter, bool) {
	var f store.NotificationFilter
	for _, t := range listParam(r, "types") {
		switch {
		case store.IsNotificationType(t):
			f.Types = append(f.Types, t)
		case otherMastodonTypes[t]:
			// a type this node never produces: asking for it finds nothing
		default:
			respond.Fail(w, respond.InvalidField("types", "unknown notification type "+strconv.Quote(t)))
			return f, false
		}
	}
	if len(listParam(r, "types")) > 0 && len(f.Types) == 0 {
		f.Types = []string{"none"}
	}
	for _, t := range listParam(r, "exclude_types") {
		// Excluding a type that does not exist here excludes nothing.
		if store.IsNotificationType(t) {
			f.ExcludeTypes = append(f.ExcludeTypes, t)
		}
	}
	if v := r.URL.Query().Get("account_id"); v != "" {
		id, ok := respond.ParseID(v)
		if !ok {
			respond.Fail(w, respond.InvalidField("account_id", "not an account id"))
			return f, false
		}
		f.From = id
	}
	return f, true
}

// notificationJSON is Mastodon's Notification entity, plus the group and
// the document of Archipel's own types.
type notificationJSON struct {
	ID        string           `json:"id"`
	Type      string           `json:"type"`
	GroupKey  string           `json:"group_key"`
	CreatedAt time.Time        `json:"created_at"`
	Account   accountJSON      `json:"account"`
	Status    *statusJSON      `json:"status,omitempty"`
	Group     *groupJSON       `json:"group,omitempty"`
	Document  *documentRefJSON `json:"document,omitempty"`
	Event     *documentRefJSON `json:"event,omitempty"`
	// Page and Task name the page of an archipel.page_conflict and the
	// task of an archipel.task_assigned or archipel.task_status.
	Page *documentRefJSON `json:"page,omitempty"`
	Task *documentRefJSON `json:"task,omitempty"`
}

// documentRefJSON names the document of an archipel.group_document, the
// event of an archipel.event_* notification, or the page or task of the
// notifications about them.
type documentRefJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	GroupID string `json:"group_id"`
	URL     string `json:"url"`
}

// notificationPage is what a page of notifications shows besides their
// rows, read in a few queries for the whole page.
type notificationPage struct {
	accounts map[int64]accountJSON
	statuses map[int64]statusJSON
	docs     map[int64]documentRefJSON
	events   map[int64]documentRefJSON
	items    map[int64]documentRefJSON // pages and tasks
	groups   map[int64]groupJSON
}

func (api *API) newNotificationPage(ctx context.Context, viewer int64, objectIDs, actorIDs, groupIDs []int64) *notificationPage {
	np := &notificationPage{statuses: map[int64]statusJSON{}, docs: map[int64]documentRefJSON{}, events: map[int64]documentRefJSON{},
		items: map[int64]documentRefJSON{}}
	actors, _ := api.Store.ActorsByIDs(ctx, actorIDs)
	np.accounts = api.accountEntities(ctx, actors)
	objs, _ := api.Store.ObjectsByIDs(ctx, objectIDs)
	var posts []*store.Object
	for _, o := range objs {
		switch {
		case o.DeletedAt != nil:
		case store.IsPostType(o.Type):
			posts = append(posts, o)
		case o.Type == "Document" && o.GroupID != nil:
			id := strconv.FormatInt(o.ID, 10)
			np.docs[o.ID] = documentRefJSON{ID: id, Name: o.Name, GroupID: strconv.FormatInt(*o.GroupID, 10),
				URL: api.Links.Base + "/api/v1/documents/" + id}
		case o.Type == store.TypeEvent && o.GroupID != nil:
			id := strconv.FormatInt(o.ID, 10)
			np.events[o.ID] = documentRefJSON{ID: id, Name: o.Name, GroupID: strconv.FormatInt(*o.GroupID, 10),
				URL: api.Links.Base + "/api/v1/events/" + id}
		case (o.Type == store.TypeWikiPage || o.Type == store.TypeTask) && o.GroupID != nil:
			id, path := strconv.FormatInt(o.ID, 10), "/api/v1/pages/"
			if o.Type == store.TypeTask {
				path = "/api/v1/tasks/"
			}
			np.items[o.ID] = documentRefJSON{ID: id, Name: o.Name, GroupID: strconv.FormatInt(*o.GroupID, 10),
				URL: api.Links.Base + path + id}
		}
	}
	sp := api.newStatusPage(ctx, viewer, posts)
	for _, o := range posts {
		if st, ok := sp.entity(o); ok {
			np.statuses[o.ID] = st
		}
	}
	np.groups = api.groupEntities(ctx, groupIDs, viewer)
	return np
}

// entity converts a notification; ok is false when what it was about is
// gone.
func (np *notificationPage) entity(n store.Notification) (notificationJSON, bool) {
	account, ok := np.accounts[n.From]
	if !ok {
		return notificationJSON{}, false
	}
	out := notificationJSON{ID: strconv.FormatInt(n.ID, 10), Type: n.Type, GroupKey: n.GroupKey, CreatedAt: n.CreatedAt.UTC(),
		Account: account}
	if n.ObjectID != 0 {
		if st, ok := np.statuses[n.ObjectID]; ok {
			out.Status = &st
		} else if d, ok := np.docs[n.ObjectID]; ok {
			out.Document = &d
		} else if e, ok := np.events[n.ObjectID]; ok {
			out.Event = &e
		} else if it, ok := np.items[n.ObjectID]; ok && n.Type == store.NotifyPageConflict {
			out.Page = &it
		} else if ok {
			out.Task = &it
		} else {
			return out, false
		}
	}
	if n.GroupID != 0 {
		g, ok := np.groups[n.GroupID]
		if !ok {
			return out, false
		}
		out.Group = &g
	}
	return out, true
}

func notificationRefs(list []store.Notification) (objects, actors, groups []int64) {
	for _, n := range list {
		actors = append(actors, n.From)
		if n.ObjectID != 0 {
			objects = append(objects, n.ObjectID)
		}
		if n.GroupID != 0 {
			groups = append(groups, n.GroupID)
		}
	}
	return
}

func (api *API) notificationEntities(r *http.Request, list []store.Notification) []notificationJSON {
	return api.notificationEntitiesFor(requestFilterContext(r), viewerID(r), list)
}

// notificationEntitiesFor converts notifications for a viewer (a stream's
// connection has no request of its own per event).
func (api *API) notificationEntitiesFor(ctx context.Context, viewer int64, list []store.Notification) []notificationJSON {
	objects, actors, groups := notificationRefs(list)
	np := api.newNotificationPage(ctx, viewer, objects, actors, groups)
	out := make([]notificationJSON, 0, len(list))
	for _, n := range list {
		if e, ok := np.entity(n); ok {
			out = append(out, e)
		}
	}
	return out
}

// notificationsPageSize is Mastodon's default page of notifications.
const notificationsPageSize = 40

// notificationQuery reads the filter and paging of a notifications list.
func notificationQuery(w http.ResponseWriter, r *http.Request) (store.NotificationFilter, store.Page, bool) {
	f, ok := notificationFilter(w, r)
	if !ok {
		return f, store.Page{}, false
	}
	p, ok := pageFrom(w, r)
	if ok && r.URL.Query().Get("limit") == "" {
		p.Limit = notificationsPageSize
	}
	return f, p, ok
}

// apiNotifications is GET /api/v1/notifications.
func (api *API) apiNotifications(w http.ResponseWriter, r *http.Request) {
	f, p, ok := notificationQuery(w, r)
	if !ok {
		return
	}
	list, err := api.Store.Notifications(r.Context(), auth.Account(r).ActorID, f, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if len(list) > 0 {
		api.setLinks(w, r, list[0].ID, list[len(list)-1].ID)
	}
	respond.JSON(w, http.StatusOK, api.notificationEntities(r, list))
}

// notificationFromPath loads the reader's notification named in the path.
func (api *API) notificationFromPath(w http.ResponseWriter, r *http.Request) (store.Notification, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such notification")
		return store.Notification{}, false
	}
	n, err := api.Store.NotificationByID(r.Context(), auth.Account(r).ActorID, id)
	if err == store.ErrNotFound {
		respond.Error(w, http.StatusNotFound, "no such notification")
		return n, false
	} else if err != nil {
		respond.Fail(w, err)
		return n, false
	}
	return n, true
}

// apiNotification is GET /api/v1/notifications/:id.
func (api *API) apiNotification(w http.ResponseWriter, r *http.Request) {
	n, ok := api.notificationFromPath(w, r)
	if !ok {
		return
	}
	list := api.notificationEntities(r, []store.Notification{n})
	if len(list) == 0 {
		respond.Error(w, http.StatusNotFound, "no such notification")
		return
	}
	respond.JSON(w, http.StatusOK, list[0])
}

// apiDismissNotification is POST /api/v1/notifications/:id/dismiss.
func (api *API) apiDismissNotification(w http.ResponseWriter, r *http.Request) {
	n, ok := api.notificationFromPath(w, r)
	if !ok {
		return
	}
	if _, err := api.Store.DismissNotification(r.Context(), n.Recipient, n.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, struct{}{})
}

// apiClearNotifications is POST /api/v1/notifications/clear.
func (api *API) apiClearNotifications(w http.ResponseWriter, r *http.Request) {
	if err := api.Store.ClearNotifications(r.Context(), auth.Account(r).ActorID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, struct{}{})
}

// Unread counts are capped, as Mastodon caps them.
const (
	defaultUnreadLimit = 100
	maxUnreadLimit     = 1000
)

// apiUnreadCount is GET /api/v1/notifications/unread_count (and v2's, which
// counts the same: groups are formed at read time).
func (api *API) apiUnreadCount(w http.ResponseWriter, r *http.Request) {
	f, ok := notificationFilter(w, r)
	if !ok {
		return
	}
	limit := defaultUnreadLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			respond.Fail(w, respond.InvalidField("limit", "a whole number from 1 to "+strconv.Itoa(maxUnreadLimit)))
			return
		}
		limit = min(n, maxUnreadLimit)
	}
	n, err := api.Store.CountUnreadNotifications(r.Context(), auth.Account(r).ActorID, f, limit)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]int64{"count": n})
}

// notificationGroupJSON is Mastodon 4.3's NotificationGroup.
type notificationGroupJSON struct {
	GroupKey                 string           `json:"group_key"`
	NotificationsCount       int64            `json:"notifications_count"`
	Type                     string           `json:"type"`
	MostRecentNotificationID string           `json:"most_recent_notification_id"`
	PageMinID                string           `json:"page_min_id"`
	PageMaxID                string           `json:"page_max_id"`
	LatestPageNotificationAt time.Time        `json:"latest_page_notification_at"`
	SampleAccountIDs         []string         `json:"sample_account_ids"`
	StatusID                 *string          `json:"status_id,omitempty"`
	Group                    *groupJSON       `json:"group,omitempty"`
	Document                 *documentRefJSON `json:"document,omitempty"`
}

// groupedNotificationsJSON is Mastodon 4.3's GroupedNotificationsResults.
type groupedNotificationsJSON struct {
	Accounts           []accountJSON           `json:"accounts"`
	Statuses           []statusJSON            `json:"statuses"`
	NotificationGroups []notificationGroupJSON `json:"notification_groups"`
}

// defaultGroupedTypes are what Mastodon groups when a client does not say.
var defaultGroupedTypes = []string{store.NotifyFavourite, store.NotifyReblog, store.NotifyFollow}

// apiGroupedNotifications is GET /api/v2/notifications.
func (api *API) apiGroupedNotifications(w http.ResponseWriter, r *http.Request) {
	f, p, ok := notificationQuery(w, r)
	if !ok {
		return
	}
	grouped := map[string]bool{}
	types := listParam(r, "grouped_types")
	if _, asked := r.URL.Query()["grouped_types[]"]; !asked && types == nil {
		types = defaultGroupedTypes
	}
	for _, t := range types {
		if !store.IsNotificationType(t) && !otherMastodonTypes[t] {
			respond.Fail(w, respond.InvalidField("grouped_types", "unknown notification type "+strconv.Quote(t)))
			return
		}
		grouped[t] = true
	}
	groups, err := api.Store.NotificationGroups(r.Context(), auth.Account(r).ActorID, f, grouped, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	var objectIDs, actorIDs, groupIDs []int64
	for _, g := range groups {
		actorIDs = append(actorIDs, g.SampleFrom...)
		if g.ObjectID != 0 {
			objectIDs = append(objectIDs, g.ObjectID)
		}
		if g.GroupID != 0 {
			groupIDs = append(groupIDs, g.GroupID)
		}
	}
	np := api.newNotificationPage(requestFilterContext(r), viewerID(r), objectIDs, actorIDs, groupIDs)
	out := groupedNotificationsJSON{Accounts: []accountJSON{}, Statuses: []statusJSON{}, NotificationGroups: []notificationGroupJSON{}}
	seenAccount, seenStatus := map[int64]bool{}, map[int64]bool{}
	for _, g := range groups {
		e := notificationGroupJSON{GroupKey: g.Key, NotificationsCount: g.Count, Type: g.Type,
			MostRecentNotificationID: strconv.FormatInt(g.MaxID, 10), PageMinID: strconv.FormatInt(g.MinID, 10),
			PageMaxID: strconv.FormatInt(g.MaxID, 10), LatestPageNotificationAt: g.LatestAt.UTC(), SampleAccountIDs: []string{}}
		for _, id := range g.SampleFrom {
			if a, ok := np.accounts[id]; ok {
				e.SampleAccountIDs = append(e.SampleAccountIDs, a.ID)
				if !seenAccount[id] {
					seenAccount[id] = true
					out.Accounts = append(out.Accounts, a)
				}
			}
		}
		if len(e.SampleAccountIDs) == 0 {
			continue
		}
		if g.ObjectID != 0 {
			if st, ok := np.statuses[g.ObjectID]; ok {
				e.StatusID = &st.ID
				if !seenStatus[g.ObjectID] {
					seenStatus[g.ObjectID] = true
					out.Statuses = append(out.Statuses, st)
				}
			} else if d, ok := np.docs[g.ObjectID]; ok {
				e.Document = &d
			} else {
				continue
			}
		}
		if g.GroupID != 0 {
			gr, ok := np.groups[g.GroupID]
			if !ok {
				continue
			}
			e.Group = &gr
		}
		out.NotificationGroups = append(out.NotificationGroups, e)
	}
	if len(groups) > 0 {
		api.setLinks(w, r, groups[0].MaxID, groups[len(groups)-1].MinID)
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiDismissNotificationGroup is POST /api/v2/notifications/:group_key/dismiss.
func (api *API) apiDismissNotificationGroup(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "group_key")
	if key == "" || len(key) > 200 || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		respond.Error(w, http.StatusNotFound, "no such notification group")
		return
	}
	if err := api.Store.DismissNotificationGroup(r.Context(), auth.Account(r).ActorID, key); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, struct{}{})
}
