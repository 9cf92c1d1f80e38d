package client_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type notification struct {
	ID       string
	Type     string
	GroupKey string `json:"group_key"`
	Account  struct{ ID, Acct string }
	Status   *struct{ ID, Content string }
	Group    *struct{ ID, Acct string }
}

func notificationsOf(t *testing.T, u *testnet.User, query string) []notification {
	t.Helper()
	res := u.API("GET", "/notifications"+query, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /notifications%s: %d %s", query, res.Status, res.Body)
	}
	var list []notification
	res.JSON(t, &list)
	return list
}

func types(list []notification) []string {
	out := make([]string, 0, len(list))
	for _, n := range list {
		out = append(out, n.Type)
	}
	return out
}

// What others do to one's posts and account shows in one's notifications,
// each Mastodon type from the action that causes it, taken back when the
// action is undone; filters, single reads, dismissal and clearing work as
// in Mastodon.
func TestNotificationsOfMastodonTypes(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")

	if res := bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{}); res.Status != 200 {
		t.Fatalf("follow: %d %s", res.Status, res.Body)
	}
	var post struct{ ID string }
	alice.API("POST", "/statuses", map[string]any{"status": "Réunion demain"}).JSON(t, &post)
	bob.API("POST", "/statuses", map[string]any{"status": "Bonjour @alice !"})
	bob.API("POST", "/statuses", map[string]any{"status": "Je viendrai", "in_reply_to_id": post.ID})
	bob.API("POST", "/statuses/"+post.ID+"/favourite", nil)
	carol.API("POST", "/statuses/"+post.ID+"/favourite", nil)
	bob.API("POST", "/statuses/"+post.ID+"/reblog", nil)
	// Acting on one's own post notifies nobody.
	alice.API("POST", "/statuses/"+post.ID+"/favourite", nil)

	got := notificationsOf(t, alice, "")
	want := []string{"reblog", "favourite", "favourite", "mention", "mention", "follow"}
	if strings.Join(types(got), ",") != strings.Join(want, ",") {
		t.Fatalf("alice's notifications: %v, want %v", types(got), want)
	}
	if got[0].Status == nil || got[0].Status.ID != post.ID || got[0].Account.ID != id(bob.Actor.ID) {
		t.Errorf("reblog notification: %+v", got[0])
	}
	if got[5].Status != nil || got[5].Account.Acct != "bob" {
		t.Errorf("follow notification: %+v", got[5])
	}

	// Filters.
	if l := notificationsOf(t, alice, "?types[]=favourite"); len(l) != 2 {
		t.Errorf("types[]=favourite: %v", types(l))
	}
	if l := notificationsOf(t, alice, "?exclude_types[]=favourite&exclude_types[]=mention"); strings.Join(types(l), ",") != "reblog,follow" {
		t.Errorf("exclude_types: %v", types(l))
	}
	if l := notificationsOf(t, alice, "?account_id="+id(carol.Actor.ID)); len(l) != 1 || l[0].Type != "favourite" {
		t.Errorf("account_id: %v", types(l))
	}
	// Types Mastodon has and Archipel never makes are accepted (Tusky
	// excludes them by name) and find nothing.
	if l := notificationsOf(t, alice, "?exclude_types[]=poll&exclude_types[]=admin.sign_up&exclude_types[]=severed_relationships"); len(l) != 6 {
		t.Errorf("excluding Mastodon's other types: %v", types(l))
	}
	if l := notificationsOf(t, alice, "?types[]=poll"); len(l) != 0 {
		t.Errorf("types[]=poll: %v", types(l))
	}

	// Undoing takes the notification back.
	bob.API("POST", "/statuses/"+post.ID+"/unfavourite", nil)
	bob.API("POST", "/statuses/"+post.ID+"/unreblog", nil)
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/unfollow", nil)
	if l := notificationsOf(t, alice, ""); strings.Join(types(l), ",") != "favourite,mention,mention" {
		t.Errorf("after bob's undos: %v", types(l))
	}

	// One, dismissed, cleared.
	list := notificationsOf(t, alice, "")
	var one notification
	alice.API("GET", "/notifications/"+list[0].ID, nil).JSON(t, &one)
	if one.ID != list[0].ID || one.Type != "favourite" || one.Account.ID != id(carol.Actor.ID) {
		t.Errorf("one notification: %+v", one)
	}
	if res := bob.API("GET", "/notifications/"+list[0].ID, nil); res.Status != http.StatusNotFound {
		t.Errorf("someone else's notification: %d", res.Status)
	}
	if res := alice.API("POST", "/notifications/"+list[0].ID+"/dismiss", nil); res.Status != 200 {
		t.Errorf("dismiss: %d %s", res.Status, res.Body)
	}
	if l := notificationsOf(t, alice, ""); len(l) != 2 {
		t.Errorf("after dismissal: %v", types(l))
	}
	if res := alice.API("POST", "/notifications/clear", nil); res.Status != 200 {
		t.Errorf("clear: %d %s", res.Status, res.Body)
	}
	if l := notificationsOf(t, alice, ""); len(l) != 0 {
		t.Errorf("after clearing: %v", types(l))
	}

	// A deleted post takes its notifications with it.
	var reply struct{ ID string }
	bob.API("POST", "/statuses", map[string]any{"status": "Oubliez @alice"}).JSON(t, &reply)
	if l := notificationsOf(t, alice, ""); len(l) != 1 {
		t.Fatalf("mention: %v", types(l))
	}
	bob.API("DELETE", "/statuses/"+reply.ID, nil)
	if l := notificationsOf(t, alice, ""); len(l) != 0 {
		t.Errorf("notification of a deleted post: %v", types(l))
	}
}

// Following with notify=true makes a status notification of each new post;
// a locked account gets follow requests, answered out of the list.
func TestStatusAndFollowRequestNotifications(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var rel struct{ Notifying bool }
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{"notify": true}).JSON(t, &rel)
	if !rel.Notifying {
		t.Errorf("relationship after follow with notify: %+v", rel)
	}
	alice.API("POST", "/statuses", map[string]any{"status": "Nouveau rapport publié"})
	if l := notificationsOf(t, bob, ""); len(l) != 1 || l[0].Type != "status" || l[0].Status == nil {
		t.Errorf("bob's notifications: %v", types(l))
	}

	alice.API("PATCH", "/accounts/update_credentials", map[string]any{"locked": true})
	carol := n.CreateUser("carol", store.TierState, "")
	carol.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
	if l := notificationsOf(t, alice, "?types[]=follow_request"); len(l) != 1 || l[0].Account.ID != id(carol.Actor.ID) {
		t.Fatalf("follow request: %v", types(l))
	}
	alice.API("POST", "/follow_requests/"+id(carol.Actor.ID)+"/authorize", nil)
	if l := notificationsOf(t, alice, "?types[]=follow_request&types[]=follow"); strings.Join(types(l), ",") != "follow,follow" {
		t.Errorf("after authorising: %v", types(l))
	}
}

// Archipel's own events are notifications under archipel.* types, which the
// list leaves out unless asked for by name.
func TestArchipelNotifications(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	dora := n.CreateUser("dora", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Cellule SIG", "join_policy": "approval"}).JSON(t, &g)
	bob.API("POST", "/groups/"+g.ID+"/join", nil)

	if l := notificationsOf(t, alice, ""); len(l) != 0 {
		t.Errorf("Archipel's types shown to a Mastodon app by default: %v", types(l))
	}
	l := notificationsOf(t, alice, "?types[]=archipel.join_request")
	if len(l) != 1 || l[0].Account.ID != id(bob.Actor.ID) || l[0].Group == nil || l[0].Group.ID != g.ID {
		t.Fatalf("join request: %+v", l)
	}
	alice.API("POST", "/groups/"+g.ID+"/members/"+id(bob.Actor.ID)+"/approve", nil)
	if l := notificationsOf(t, alice, "?types[]=archipel.join_request"); len(l) != 0 {
		t.Errorf("an answered request stays in the animator's list: %+v", l)
	}
	if l := notificationsOf(t, bob, "?types[]=archipel.join_approved"); len(l) != 1 || l[0].Account.ID != id(alice.Actor.ID) {
		t.Errorf("approval: %+v", l)
	}
	alice.API("POST", "/groups/"+g.ID+"/invite", map[string]any{"account_id": id(dora.Actor.ID)})
	if l := notificationsOf(t, dora, "?types[]=archipel.group_invitation"); len(l) != 1 || l[0].Group == nil {
		t.Errorf("invitation: %+v", l)
	}
	dora.API("POST", "/groups/"+g.ID+"/join", nil)
	if l := notificationsOf(t, dora, "?types[]=archipel.group_invitation"); len(l) != 0 {
		t.Errorf("an accepted invitation stays: %+v", l)
	}
	if res := bob.Upload("/groups/"+g.ID+"/documents", "plan.pdf", []byte("%PDF-1.4\n%%EOF\n"), nil); res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	var docs []struct {
		Type     string
		Document *struct{ ID, Name string }
	}
	alice.API("GET", "/notifications?types[]=archipel.group_document", nil).JSON(t, &docs)
	if len(docs) != 1 || docs[0].Document == nil || docs[0].Document.Name != "plan.pdf" {
		t.Errorf("new document: %+v", docs)
	}
	if l := notificationsOf(t, bob, "?types[]=archipel.group_document"); len(l) != 0 {
		t.Errorf("the uploader is notified of their own document: %+v", l)
	}
	alice.API("POST", "/groups/"+g.ID+"/members/"+id(bob.Actor.ID)+"/remove", nil)
	if l := notificationsOf(t, bob, "?types[]=archipel.group_removal"); len(l) != 1 {
		t.Errorf("removal: %+v", l)
	}
}

// Markers say where the reader stopped; unread_count counts what is newer.
func TestMarkersAndUnreadCount(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	for range 3 {
		bob.API("POST", "/statuses", map[string]any{"status": "Coucou @alice"})
	}
	var count struct{ Count int }
	alice.API("GET", "/notifications/unread_count", nil).JSON(t, &count)
	if count.Count != 3 {
		t.Errorf("unread: %d", count.Count)
	}
	list := notificationsOf(t, alice, "")
	// As a form, as Mastodon's apps send it.
	res := n.Do("POST", "/api/v1/markers", alice.Token, []byte(url.Values{"notifications[last_read_id]": {list[1].ID}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.Status != 200 {
		t.Fatalf("set marker: %d %s", res.Status, res.Body)
	}
	var markers map[string]struct {
		LastReadID string `json:"last_read_id"`
		Version    int
	}
	alice.API("GET", "/markers?timeline[]=notifications&timeline[]=home", nil).JSON(t, &markers)
	if markers["notifications"].LastReadID != list[1].ID {
		t.Errorf("markers: %+v", markers)
	}
	alice.API("GET", "/notifications/unread_count", nil).JSON(t, &count)
	if count.Count != 1 {
		t.Errorf("unread after the marker: %d", count.Count)
	}
	// As JSON, the home marker too.
	alice.API("POST", "/markers", map[string]any{"home": map[string]any{"last_read_id": "7"}, "notifications": map[string]any{"last_read_id": list[0].ID}})
	alice.API("GET", "/markers", nil).JSON(t, &markers)
	if markers["home"].LastReadID != "7" || markers["notifications"].Version != 1 {
		t.Errorf("markers after JSON: %+v", markers)
	}
	n.Do("GET", "/api/v2/notifications/unread_count", alice.Token, nil)
	for _, bad := range []any{map[string]any{"home": map[string]any{"last_read_id": "x"}}, map[string]any{}, map[string]any{"home": 3}} {
		if res := alice.API("POST", "/markers", bad); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad marker %v: %d %s", bad, res.Status, res.Body)
		}
	}
	if res := alice.API("GET", "/markers?timeline[]=public", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown marker timeline: %d", res.Status)
	}
}

// The grouped list (Mastodon 4.3) folds the favourites of one post into one
// group with its sample accounts.
func TestGroupedNotifications(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	var post struct{ ID string }
	alice.API("POST", "/statuses", map[string]any{"status": "Retour d'expérience"}).JSON(t, &post)
	for _, name := range []string{"bob", "carol", "dan"} {
		u := n.CreateUser(name, store.TierState, "")
		u.API("POST", "/statuses/"+post.ID+"/favourite", nil)
		if name == "dan" {
			u.API("POST", "/statuses", map[string]any{"status": "Merci @alice", "in_reply_to_id": post.ID})
		}
	}
	res := n.Do("GET", "/api/v2/notifications", alice.Token, nil)
	if res.Status != 200 {
		t.Fatalf("v2: %d %s", res.Status, res.Body)
	}
	var out struct {
		Accounts           []struct{ ID string }
		Statuses           []struct{ ID string }
		NotificationGroups []struct {
			GroupKey           string   `json:"group_key"`
			NotificationsCount int      `json:"notifications_count"`
			Type               string   `json:"type"`
			SampleAccountIDs   []string `json:"sample_account_ids"`
			StatusID           string   `json:"status_id"`
			PageMinID          string   `json:"page_min_id"`
		} `json:"notification_groups"`
	}
	res.JSON(t, &out)
	g := out.NotificationGroups
	if len(g) != 2 || g[0].Type != "mention" || !strings.HasPrefix(g[0].GroupKey, "ungrouped-") ||
		g[1].Type != "favourite" || g[1].NotificationsCount != 3 || len(g[1].SampleAccountIDs) != 3 || g[1].StatusID != post.ID {
		t.Fatalf("groups: %+v", g)
	}
	if len(out.Accounts) != 3 || len(out.Statuses) != 2 {
		t.Errorf("accounts %d, statuses %d", len(out.Accounts), len(out.Statuses))
	}
	if !strings.Contains(res.Header.Get("Link"), `max_id=`+g[1].PageMinID) {
		t.Errorf("Link: %s", res.Header.Get("Link"))
	}
	favourites := g[1].GroupKey
	// Not grouped when the client says it groups nothing.
	n.Do("GET", "/api/v2/notifications?grouped_types[]=reblog", alice.Token, nil).JSON(t, &out)
	if len(out.NotificationGroups) != 4 {
		t.Errorf("grouped_types[]=reblog: %d groups", len(out.NotificationGroups))
	}
	if res := n.Do("POST", "/api/v2/notifications/"+favourites+"/dismiss", alice.Token, nil); res.Status != 200 {
		t.Errorf("dismiss group: %d %s", res.Status, res.Body)
	}
	n.Do("GET", "/api/v2/notifications", alice.Token, nil).JSON(t, &out)
	if len(out.NotificationGroups) != 1 {
		t.Errorf("after dismissing the group: %+v", out.NotificationGroups)
	}
}

// Paging follows Mastodon: Link next and prev, and min_id gives the page
// just after it.
func TestNotificationPaging(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	for range 5 {
		bob.API("POST", "/statuses", map[string]any{"status": "Note pour @alice"})
	}
	all := notificationsOf(t, alice, "")
	res := alice.API("GET", "/notifications?limit=2", nil)
	var page []notification
	res.JSON(t, &page)
	if len(page) != 2 || page[0].ID != all[0].ID {
		t.Fatalf("first page: %v", page)
	}
	link := res.Header.Get("Link")
	if !strings.Contains(link, "max_id="+all[1].ID) || !strings.Contains(link, `rel="next"`) ||
		!strings.Contains(link, "min_id="+all[0].ID) || !strings.Contains(link, `rel="prev"`) || !strings.Contains(link, "limit=2") {
		t.Errorf("Link: %s", link)
	}
	// min_id: the two just after the oldest, newest first.
	alice.API("GET", "/notifications?limit=2&min_id="+all[4].ID, nil).JSON(t, &page)
	if len(page) != 2 || page[0].ID != all[2].ID || page[1].ID != all[3].ID {
		t.Errorf("min_id page: %v", page)
	}
	// since_id: the newest after it.
	alice.API("GET", "/notifications?limit=2&since_id="+all[4].ID, nil).JSON(t, &page)
	if len(page) != 2 || page[0].ID != all[0].ID {
		t.Errorf("since_id page: %v", page)
	}
	alice.API("GET", "/notifications?limit=1000", nil).JSON(t, &page)
	if len(page) != 5 {
		t.Errorf("limit above the largest page: %d", len(page))
	}
}

// Bad input is a 4xx with a JSON error, never a 500.
func TestNotificationsBadInput(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	for _, path := range []string{
		"/api/v1/notifications?types[]=bogus", "/api/v1/notifications?limit=0", "/api/v1/notifications?limit=abc",
		"/api/v1/notifications?max_id=abc", "/api/v1/notifications?min_id=-3", "/api/v1/notifications?account_id=x",
		"/api/v1/notifications?types[]=%ff%fe", "/api/v1/notifications?exclude_types[]=%ff%fe", "/api/v1/notifications/unread_count?limit=-1",
		"/api/v2/notifications?grouped_types[]=nope", "/api/v2/notifications?max_id=1e9",
	} {
		res := n.Do("GET", path, alice.Token, nil)
		var e struct{ Error string }
		if res.Status < 400 || res.Status >= 500 {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
		res.JSON(t, &e)
		if e.Error == "" {
			t.Errorf("%s: no error message: %s", path, res.Body)
		}
	}
	for _, path := range []string{"/api/v1/notifications?exclude_types[]=whatever"} {
		if res := n.Do("GET", path, alice.Token, nil); res.Status != 200 {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/notifications/abc"}, {"GET", "/api/v1/notifications/99999999"},
		{"POST", "/api/v1/notifications/0/dismiss"}, {"POST", "/api/v2/notifications/%ff/dismiss"},
	} {
		if res := n.Do(c.method, c.path, alice.Token, nil); res.Status >= 500 || res.Status < 400 && c.method == "GET" {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.Status, res.Body)
		}
	}
	if res := n.Do("GET", "/api/v1/notifications", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", res.Status)
	}
}

// Between two nodes: a remote favourite, mention and follow notify the
// local author.
func TestRemoteActionsNotify(t *testing.T) {
	a, b, alice, bob := aliceFollowedAcrossNodes(t)
	testnet.Eventually(t, federationWait, "alice is told of bob's follow", func() bool {
		return len(notificationsOf(t, alice, "?types[]=follow")) == 1
	})
	alice.API("POST", "/statuses", map[string]any{"status": "Compte rendu du comité"})
	var home []struct{ ID string }
	testnet.Eventually(t, federationWait, "alice's post reaches bob's node", func() bool {
		bob.API("GET", "/timelines/home", nil).JSON(t, &home)
		return len(home) == 1
	})
	bob.API("POST", "/statuses/"+home[0].ID+"/favourite", nil)
	bob.API("POST", "/statuses", map[string]any{"status": "Merci @alice@" + a.Host, "in_reply_to_id": home[0].ID})
	var l []notification
	testnet.Eventually(t, federationWait, "alice is told of bob's favourite and reply", func() bool {
		l = notificationsOf(t, alice, "")
		return len(l) == 3
	})
	if l[1].Type != "favourite" || l[1].Account.Acct != "bob@"+b.Host || l[1].Status == nil ||
		l[0].Type != "mention" || l[0].Status == nil || !strings.Contains(l[0].Status.Content, "Merci") {
		t.Errorf("alice's notifications: %+v", l)
	}
	bob.API("POST", "/statuses/"+home[0].ID+"/unfavourite", nil)
	testnet.Eventually(t, federationWait, "bob's unfavourite takes the notification back", func() bool {
		return len(notificationsOf(t, alice, "?types[]=favourite")) == 0
	})
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// aliceFollowedAcrossNodes starts two nodes, alice on the first and bob on
// the second, and has bob follow alice, until bob's node has her Accept
// (before it, her posts would reach it unsolicited).
func aliceFollowedAcrossNodes(t *testing.T) (a, b *testnet.Node, alice, bob *testnet.User) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b = nodes[0], nodes[1]
	alice = a.CreateUser("alice", store.TierState, "")
	bob = b.CreateUser("bob", store.TierState, "")
	var remoteAlice struct{ ID string }
	bob.API("GET", "/accounts/lookup?acct=alice@"+a.Host, nil).JSON(t, &remoteAlice)
	if res := bob.API("POST", "/accounts/"+remoteAlice.ID+"/follow", map[string]any{}); res.Status != 200 {
		t.Fatalf("remote follow: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, federationWait, "bob's follow is accepted", func() bool {
		var rel []struct{ Following bool }
		bob.API("GET", "/accounts/relationships?id[]="+remoteAlice.ID, nil).JSON(t, &rel)
		return len(rel) == 1 && rel[0].Following
	})
	return a, b, alice, bob
}

// federationWait bounds the wait for another node, on a machine that may
// be busy with other tests.
const federationWait = time.Minute
