package client_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// account is the Account entity as a test reads it.
type account struct {
	ID, Username, Acct string
	Avatar             string
	AvatarStatic       string `json:"avatar_static"`
	Header             string
	HeaderStatic       string  `json:"header_static"`
	LastStatusAt       *string `json:"last_status_at"`
	Group, Bot, Locked bool
	Discoverable       *bool
	NoIndex            *bool `json:"noindex"`
	FollowersCount     int   `json:"followers_count"`
	Fields             []struct{ Name, Value string }
	Roles              []struct{ Name string }
	Source             *struct {
		Privacy, Note string
		Sensitive     bool
		Language      *string
	}
	Role *struct {
		ID, Name, Permissions string
		Highlighted           bool
	}
}

func accountsOf(t *testing.T, u *testnet.User, path string) []account {
	t.Helper()
	res := u.API("GET", path, nil)
	if res.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var list []account
	res.JSON(t, &list)
	return list
}

func accountIDs(list []account) string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Username)
	}
	return strings.Join(out, ",")
}

// The Account entity is complete: default images, last_status_at, fields
// from the directory profile, a Role object, and source with the defaults
// update_credentials sets (which new posts then follow).
func TestAccountEntityComplete(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	alice := n.CreateUser("alice", store.TierState, "")
	var a account
	alice.API("GET", "/accounts/"+id(alice.Actor.ID), nil).JSON(t, &a)
	if a.Avatar == "" || a.AvatarStatic != a.Avatar || a.Header == "" || a.HeaderStatic != a.Header || a.LastStatusAt != nil ||
		a.Discoverable == nil || !*a.Discoverable || a.NoIndex == nil || *a.NoIndex {
		t.Errorf("account: %+v", a)
	}
	if res := n.Do("GET", strings.TrimPrefix(a.Avatar, n.URL), "", nil); res.Status != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("default avatar: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	res := alice.API("PATCH", "/accounts/update_credentials", map[string]any{"job_title": "Urbaniste", "skills": []string{"SIG", "PLU"},
		"source": map[string]any{"privacy": "unlisted", "language": "fr", "sensitive": true}, "hide_collections": true})
	if res.Status != 200 {
		t.Fatalf("update_credentials: %d %s", res.Status, res.Body)
	}
	var me account
	res.JSON(t, &me)
	if me.Source == nil || me.Source.Privacy != "unlisted" || !me.Source.Sensitive || me.Source.Language == nil || *me.Source.Language != "fr" ||
		me.Role == nil || me.Role.Name != "member" || me.Role.Highlighted {
		t.Errorf("credential account: %+v source %+v role %+v", me, me.Source, me.Role)
	}
	fields := map[string]string{}
	for _, f := range me.Fields {
		fields[f.Name] = f.Value
	}
	if fields["Job title"] != "Urbaniste" || fields["Skills"] != "PLU, SIG" && fields["Skills"] != "SIG, PLU" {
		t.Errorf("fields: %+v", me.Fields)
	}
	var st fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Sans visibilité dite"}).JSON(t, &st)
	var raw map[string]any
	alice.API("GET", "/statuses/"+st.ID, nil).JSON(t, &raw)
	if raw["visibility"] != "unlisted" || raw["language"] != "fr" || raw["sensitive"] != true {
		t.Errorf("a post without visibility follows source: %v %v %v", raw["visibility"], raw["language"], raw["sensitive"])
	}
	alice.API("GET", "/accounts/"+id(alice.Actor.ID), nil).JSON(t, &a)
	if a.LastStatusAt == nil || len(*a.LastStatusAt) != len("2006-01-02") {
		t.Errorf("last_status_at: %v", a.LastStatusAt)
	}
	var adm account
	admin.API("GET", "/accounts/verify_credentials", nil).JSON(t, &adm)
	if adm.Role == nil || adm.Role.Permissions != "1" || len(adm.Roles) != 1 {
		t.Errorf("admin role: %+v roles %+v", adm.Role, adm.Roles)
	}
	for _, body := range []map[string]any{{"source": map[string]any{"privacy": "everyone"}}, {"source": map[string]any{"language": "français"}}} {
		if res := alice.API("PATCH", "/accounts/update_credentials", body); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("update_credentials %v: %d %s", body, res.Status, res.Body)
		}
	}
}

// followers and following page with Link headers and respect
// hide_collections; /accounts/search completes mentions (and is no longer
// read as /accounts/:id); relationships are complete.
func TestFollowersSearchRelationships(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	var users []*testnet.User
	for _, name := range []string{"bob", "carol", "dan"} {
		u := n.CreateUser(name, store.TierState, "")
		u.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
		users = append(users, u)
	}
	alice.API("POST", "/accounts/"+id(users[0].Actor.ID)+"/follow", map[string]any{"reblogs": false})
	if got := follow(t, n, alice.Token, "/api/v1/accounts/"+id(alice.Actor.ID)+"/followers?limit=2"); len(got) != 3 || got[0] != 2 || got[1] != 1 {
		t.Errorf("followers pages: %v", got)
	}
	if got := accountIDs(accountsOf(t, users[1], "/accounts/"+id(alice.Actor.ID)+"/followers")); got != "dan,carol,bob" {
		t.Errorf("followers: %s", got)
	}
	if got := accountIDs(accountsOf(t, users[1], "/accounts/"+id(alice.Actor.ID)+"/following")); got != "bob" {
		t.Errorf("following: %s", got)
	}
	alice.API("PATCH", "/accounts/update_credentials", map[string]any{"hide_collections": true})
	if got := accountsOf(t, users[1], "/accounts/"+id(alice.Actor.ID)+"/followers"); len(got) != 0 {
		t.Errorf("hidden followers shown: %s", accountIDs(got))
	}
	if got := accountsOf(t, alice, "/accounts/"+id(alice.Actor.ID)+"/followers"); len(got) != 3 {
		t.Errorf("one's own hidden followers: %s", accountIDs(got))
	}

	if got := accountIDs(accountsOf(t, alice, "/accounts/search?q=car")); got != "carol" {
		t.Errorf("search car: %s", got)
	}
	if got := accountIDs(accountsOf(t, alice, "/accounts/search?q=alice@"+n.Host)); got != "alice" {
		t.Errorf("search by handle: %s", got)
	}
	if got := accountIDs(accountsOf(t, alice, "/accounts/search?q=b&following=true")); got != "bob" {
		t.Errorf("search among followed: %s", got)
	}
	for _, path := range []string{"/accounts/search", "/accounts/search?q=a&limit=-1", "/accounts/search?q=a&limit=x"} {
		if res := alice.API("GET", path, nil); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
	if res := n.Do("GET", "/api/v1/accounts/search?q=a%00b", alice.Token, nil); res.Status != http.StatusBadRequest {
		t.Errorf("NUL in q: %d", res.Status)
	}

	var rels []map[string]any
	alice.API("GET", "/accounts/relationships?id[]="+id(users[0].Actor.ID)+"&id[]="+id(users[1].Actor.ID), nil).JSON(t, &rels)
	if len(rels) != 2 {
		t.Fatalf("relationships: %v", rels)
	}
	for _, k := range []string{"following", "showing_reblogs", "notifying", "followed_by", "blocking", "blocked_by", "muting",
		"muting_notifications", "requested", "requested_by", "domain_blocking", "endorsed", "note", "languages"} {
		if _, ok := rels[0][k]; !ok {
			t.Errorf("relationship lacks %s", k)
		}
	}
	if rels[0]["following"] != true || rels[0]["showing_reblogs"] != false || rels[0]["followed_by"] != true ||
		rels[1]["following"] != false || rels[1]["followed_by"] != true {
		t.Errorf("relationships: %v", rels)
	}
}

// /accounts/:id/statuses honours pinned, exclude_replies, exclude_reblogs,
// only_media and tagged, and shows a followers-only post to a follower.
func TestAccountStatusesFilters(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
	var other, top, self, reply, private, tagged fullStatus
	bob.API("POST", "/statuses", map[string]any{"status": "De bob"}).JSON(t, &other)
	alice.API("POST", "/statuses", map[string]any{"status": "Premier"}).JSON(t, &top)
	alice.API("POST", "/statuses", map[string]any{"status": "Suite du fil", "in_reply_to_id": top.ID}).JSON(t, &self)
	alice.API("POST", "/statuses", map[string]any{"status": "Réponse", "in_reply_to_id": other.ID}).JSON(t, &reply)
	alice.API("POST", "/statuses", map[string]any{"status": "Entre nous", "visibility": "private"}).JSON(t, &private)
	alice.API("POST", "/statuses", map[string]any{"status": "Sur le #PLU"}).JSON(t, &tagged)
	var share fullStatus
	alice.API("POST", "/statuses/"+other.ID+"/reblog", nil).JSON(t, &share)
	alice.API("POST", "/statuses/"+top.ID+"/pin", nil)
	base := "/accounts/" + id(alice.Actor.ID) + "/statuses"
	for q, want := range map[string]string{
		"":                           strings.Join([]string{share.ID, tagged.ID, reply.ID, self.ID, top.ID}, ","),
		"?pinned=true":               top.ID,
		"?exclude_replies=true":      strings.Join([]string{share.ID, tagged.ID, self.ID, top.ID}, ","),
		"?exclude_reblogs=true":      strings.Join([]string{tagged.ID, reply.ID, self.ID, top.ID}, ","),
		"?tagged=plu":                tagged.ID,
		"?only_media=true":           "",
		"?exclude_reblogs=1&limit=1": tagged.ID,
	} {
		if got := statusIDs(timeline(t, n, carol.Token, base+q)); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
	if got := statusIDs(timeline(t, n, bob.Token, base+"?exclude_reblogs=true&exclude_replies=true")); got != strings.Join([]string{tagged.ID, private.ID, self.ID, top.ID}, ",") {
		t.Errorf("a follower's view: %s", got)
	}
	if res := carol.API("GET", base+"?tagged=%23", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad tagged: %d", res.Status)
	}
	if res := carol.API("GET", "/accounts/999999/statuses", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown account: %d", res.Status)
	}
}
