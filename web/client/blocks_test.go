package client_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type relationship struct {
	ID                  string
	Following           bool
	FollowedBy          bool `json:"followed_by"`
	Blocking            bool
	BlockedBy           bool `json:"blocked_by"`
	Muting              bool
	MutingNotifications bool `json:"muting_notifications"`
	DomainBlocking      bool `json:"domain_blocking"`
	Requested           bool
}

func relationshipWith(t *testing.T, u *testnet.User, other string) relationship {
	t.Helper()
	var rels []relationship
	u.API("GET", "/accounts/relationships?id[]="+other, nil).JSON(t, &rels)
	if len(rels) != 1 {
		t.Fatalf("relationship with %s: %v", other, rels)
	}
	return rels[0]
}

// A block ends the follows both ways and hides the blocked person's posts
// from every timeline, thread, search and account page of the one who
// blocks, and their notifications; the blocked person cannot follow back.
func TestBlockHidesEverywhere(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	bobID := id(bob.Actor.ID)
	alice.API("POST", "/accounts/"+bobID+"/follow", map[string]any{})
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
	var post, reply, bobPost fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Réunion #voirie jeudi"}).JSON(t, &post)
	bob.API("POST", "/statuses", map[string]any{"status": "Compte rendu #voirie", "in_reply_to_id": post.ID}).JSON(t, &reply)
	bob.API("POST", "/statuses", map[string]any{"status": "Chantier #voirie rue Haute"}).JSON(t, &bobPost)
	bob.API("POST", "/statuses/"+post.ID+"/favourite", nil)
	if got := len(notificationsOf(t, alice, "")); got != 3 {
		t.Fatalf("notifications before the block: %d", got)
	}

	res := alice.API("POST", "/accounts/"+bobID+"/block", nil)
	var rel relationship
	res.JSON(t, &rel)
	if res.Status != 200 || !rel.Blocking || rel.Following || rel.FollowedBy {
		t.Fatalf("block: %d %s", res.Status, res.Body)
	}
	if r := relationshipWith(t, bob, id(alice.Actor.ID)); !r.BlockedBy || r.Following {
		t.Errorf("bob's side: %+v", r)
	}
	for _, path := range []string{"/timelines/home", "/timelines/public", "/timelines/tag/voirie", "/accounts/" + bobID + "/statuses"} {
		if got := statusIDs(timeline(t, n, alice.Token, path)); got != post.ID && got != "" {
			t.Errorf("%s after the block: %s", path, got)
		}
	}
	var ctx struct{ Descendants []fullStatus }
	alice.API("GET", "/statuses/"+post.ID+"/context", nil).JSON(t, &ctx)
	if len(ctx.Descendants) != 0 {
		t.Errorf("context shows the blocked reply")
	}
	if found := search(t, n, alice.Token, url.Values{"q": {"chantier"}}); len(found.Statuses) != 0 {
		t.Errorf("search finds the blocked person's post")
	}
	if got := accountsOf(t, alice, "/accounts/search?q=bob"); len(got) != 0 {
		t.Errorf("account search finds the blocked person: %s", accountIDs(got))
	}
	if got := notificationsOf(t, alice, ""); len(got) != 0 {
		t.Errorf("notifications from the blocked person: %v", types(got))
	}
	if res := bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{}); res.Status != http.StatusForbidden {
		t.Errorf("the blocked person follows: %d %s", res.Status, res.Body)
	}
	if got := accountIDs(accountsOf(t, alice, "/blocks")); got != "bob" {
		t.Errorf("blocks: %s", got)
	}
	// Bad input.
	for path, want := range map[string]int{
		"/accounts/" + id(alice.Actor.ID) + "/block": http.StatusUnprocessableEntity,
		"/accounts/999999/block":                     http.StatusNotFound,
		"/accounts/abc/block":                        http.StatusNotFound,
	} {
		if res := alice.API("POST", path, nil); res.Status != want {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
	if res := alice.API("GET", "/blocks?limit=-1", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("limit -1: %d", res.Status)
	}

	alice.API("POST", "/accounts/"+bobID+"/unblock", nil)
	if r := relationshipWith(t, alice, bobID); r.Blocking || r.Following {
		t.Errorf("after unblock: %+v", r)
	}
	if got := statusIDs(timeline(t, n, alice.Token, "/timelines/public")); got != bobPost.ID+","+post.ID {
		t.Errorf("public after unblock: %s", got)
	}
}

// A mute hides someone's posts from the home and public timelines, and
// their notifications unless notifications=false; it can end by itself.
func TestMute(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	carolID := id(carol.Actor.ID)
	alice.API("POST", "/accounts/"+carolID+"/follow", map[string]any{})
	var post, carolPost fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Ordre du jour"}).JSON(t, &post)
	carol.API("POST", "/statuses", map[string]any{"status": "Bonjour à tous"}).JSON(t, &carolPost)
	carol.API("POST", "/statuses/"+post.ID+"/favourite", nil)

	if res := alice.API("POST", "/accounts/"+carolID+"/mute", map[string]any{"notifications": false}); res.Status != 200 {
		t.Fatalf("mute: %d %s", res.Status, res.Body)
	}
	if r := relationshipWith(t, alice, carolID); !r.Muting || r.MutingNotifications || !r.Following {
		t.Errorf("mute without notifications: %+v", r)
	}
	for _, path := range []string{"/timelines/home", "/timelines/public"} {
		if got := statusIDs(timeline(t, n, alice.Token, path)); got != post.ID {
			t.Errorf("%s while muted: %s", path, got)
		}
	}
	if got := len(notificationsOf(t, alice, "")); got != 1 {
		t.Errorf("notifications=false hides notifications: %d", got)
	}
	alice.API("POST", "/accounts/"+carolID+"/mute", map[string]any{"duration": 3600})
	if got := len(notificationsOf(t, alice, "")); got != 0 {
		t.Errorf("a notification mute shows %d notifications", got)
	}
	var muted []struct {
		Username      string
		MuteExpiresAt *string `json:"mute_expires_at"`
	}
	alice.API("GET", "/mutes", nil).JSON(t, &muted)
	if len(muted) != 1 || muted[0].Username != "carol" || muted[0].MuteExpiresAt == nil {
		t.Errorf("mutes: %+v", muted)
	}
	for _, body := range []map[string]any{{"duration": -1}, {"duration": "soon"}, {"duration": 1.5}} {
		if res := alice.API("POST", "/accounts/"+carolID+"/mute", body); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("mute %v: %d %s", body, res.Status, res.Body)
		}
	}
	if res := alice.API("POST", "/accounts/"+id(alice.Actor.ID)+"/mute", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("mute oneself: %d", res.Status)
	}
	alice.API("POST", "/accounts/"+carolID+"/unmute", nil)
	if got := statusIDs(timeline(t, n, alice.Token, "/timelines/home")); got != carolPost.ID+","+post.ID {
		t.Errorf("home after unmute: %s", got)
	}
}

// Across nodes: a block sends Block (and Undo{Block}); the blocked peer's
// node ends the follow and hides the blocker. A person's domain block hides
// a whole node and ends the follows with it.
func TestBlockAndDomainBlockAcrossNodes(t *testing.T) {
	a, b, alice, bob := aliceFollowedAcrossNodes(t)
	var remoteBob, remoteAlice struct{ ID string }
	alice.API("GET", "/accounts/lookup?acct=bob@"+b.Host, nil).JSON(t, &remoteBob)
	bob.API("GET", "/accounts/lookup?acct=alice@"+a.Host, nil).JSON(t, &remoteAlice)
	if res := alice.API("POST", "/accounts/"+remoteBob.ID+"/block", nil); res.Status != 200 {
		t.Fatalf("block: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, federationWait, "bob's node learns of the block", func() bool {
		r := relationshipWith(t, bob, remoteAlice.ID)
		return r.BlockedBy && !r.Following
	})
	alice.API("POST", "/accounts/"+remoteBob.ID+"/unblock", nil)
	testnet.Eventually(t, federationWait, "bob's node learns of the unblock", func() bool {
		return !relationshipWith(t, bob, remoteAlice.ID).BlockedBy
	})

	bob.API("POST", "/accounts/"+remoteAlice.ID+"/follow", map[string]any{})
	testnet.Eventually(t, federationWait, "bob follows alice again", func() bool {
		return relationshipWith(t, bob, remoteAlice.ID).Following
	})
	bob.API("POST", "/statuses", map[string]any{"status": "Bonjour @alice@" + a.Host})
	testnet.Eventually(t, federationWait, "bob's mention reaches alice", func() bool {
		return len(notificationsOf(t, alice, "")) >= 1
	})
	if res := alice.API("POST", "/domain_blocks", map[string]any{"domain": b.Host}); res.Status != 200 {
		t.Fatalf("domain block: %d %s", res.Status, res.Body)
	}
	if r := relationshipWith(t, alice, remoteBob.ID); !r.DomainBlocking || r.FollowedBy {
		t.Errorf("after the domain block: %+v", r)
	}
	if got := notificationsOf(t, alice, ""); len(got) != 0 {
		t.Errorf("notifications from a blocked domain: %v", types(got))
	}
	var domains []string
	alice.API("GET", "/domain_blocks", nil).JSON(t, &domains)
	if len(domains) != 1 || domains[0] != b.Host {
		t.Errorf("domain_blocks: %v", domains)
	}
	testnet.Eventually(t, federationWait, "bob's node ends his follow", func() bool {
		return !relationshipWith(t, bob, remoteAlice.ID).Following
	})
	for _, body := range []map[string]any{{"domain": ""}, {"domain": a.Host}, {"domain": "a/b"}} {
		if res := alice.API("POST", "/domain_blocks", body); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("domain block %v: %d %s", body, res.Status, res.Body)
		}
	}
	if res := a.Do("DELETE", "/api/v1/domain_blocks?domain="+url.QueryEscape(b.Host), alice.Token, nil); res.Status != 200 {
		t.Errorf("delete domain block: %d %s", res.Status, res.Body)
	}
	if r := relationshipWith(t, alice, remoteBob.ID); r.DomainBlocking {
		t.Errorf("after the domain unblock: %+v", r)
	}
}
