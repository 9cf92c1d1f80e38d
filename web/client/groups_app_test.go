package client_test

import (
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// From a Mastodon app a group is an account with group: true (lookup,
// search, by id); following it joins it (a request for an approval
// group), unfollowing leaves; a post that mentions it is posted in it when
// its author may post there.
func TestGroupsFromMastodonApps(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	var open, closed struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Pilotage", "username": "pilotage"}).JSON(t, &open)
	alice.API("POST", "/groups", map[string]any{"name": "Comité", "username": "comite", "join_policy": "approval"}).JSON(t, &closed)

	var a account
	bob.API("GET", "/accounts/lookup?acct=pilotage", nil).JSON(t, &a)
	if a.ID != open.ID || !a.Group {
		t.Errorf("lookup of a group: %+v", a)
	}
	if got := accountsOf(t, bob, "/accounts/search?q=pilot"); len(got) != 1 || got[0].ID != open.ID || !got[0].Group {
		t.Errorf("search finds the group: %+v", got)
	}
	bob.API("GET", "/accounts/"+open.ID, nil).JSON(t, &a)
	if !a.Group || a.Username != "pilotage" {
		t.Errorf("group by id: %+v", a)
	}

	var rel relationship
	bob.API("POST", "/accounts/"+open.ID+"/follow", map[string]any{}).JSON(t, &rel)
	if !rel.Following {
		t.Errorf("following an open group: %+v", rel)
	}
	var g struct{ Membership string }
	bob.API("GET", "/groups/"+open.ID, nil).JSON(t, &g)
	if g.Membership != store.StateAccepted {
		t.Errorf("following did not join: %+v", g)
	}
	bob.API("POST", "/accounts/"+closed.ID+"/follow", map[string]any{}).JSON(t, &rel)
	if rel.Following || !rel.Requested {
		t.Errorf("following an approval group: %+v", rel)
	}

	var inGroup, outside fullStatus
	bob.API("POST", "/statuses", map[string]any{"status": "@pilotage point d'étape du projet"}).JSON(t, &inGroup)
	carol.API("POST", "/statuses", map[string]any{"status": "@pilotage je ne suis pas membre"}).JSON(t, &outside)
	var raw map[string]any
	bob.API("GET", "/statuses/"+inGroup.ID, nil).JSON(t, &raw)
	if raw["group_id"] != open.ID {
		t.Errorf("a member's mention of the group: group_id %v", raw["group_id"])
	}
	carol.API("GET", "/statuses/"+outside.ID, nil).JSON(t, &raw)
	if raw["group_id"] != nil {
		t.Errorf("a non-member's mention posted in the group: %v", raw["group_id"])
	}
	if got := statusIDs(timeline(t, n, alice.Token, "/accounts/"+open.ID+"/statuses")); got != inGroup.ID {
		t.Errorf("the group's statuses: %s", got)
	}

	bob.API("POST", "/accounts/"+open.ID+"/unfollow", nil).JSON(t, &rel)
	g.Membership = ""
	bob.API("GET", "/groups/"+open.ID, nil).JSON(t, &g)
	if rel.Following || g.Membership != "" {
		t.Errorf("unfollow did not leave: %+v %+v", rel, g)
	}
}

// Across nodes: following a remote group from an app joins it; a mention
// of the group in a member's post reaches the group as a post in it.
func TestGroupMentionAcrossNodes(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Pilotage", "username": "pilotage"}).JSON(t, &g)
	var remote account
	bob.API("GET", "/accounts/lookup?acct=pilotage@"+a.Host, nil).JSON(t, &remote)
	if !remote.Group {
		t.Fatalf("remote group lookup: %+v", remote)
	}
	bob.API("POST", "/accounts/"+remote.ID+"/follow", map[string]any{})
	testnet.Eventually(t, federationWait, "bob joins the remote group", func() bool {
		return relationshipWith(t, bob, remote.ID).Following
	})
	bob.API("POST", "/statuses", map[string]any{"status": "@pilotage@" + a.Host + " compte rendu de la réunion"})
	testnet.Eventually(t, federationWait, "the post reaches the group", func() bool {
		return len(timeline(t, a, alice.Token, "/groups/"+g.ID+"/timeline")) == 1
	})
}
