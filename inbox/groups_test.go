package inbox_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type groupEntity struct {
	ID, Acct, URI, Visibility, Membership, Role string
}

func createGroup(t *testing.T, u *testnet.User, body map[string]any) groupEntity {
	t.Helper()
	var g groupEntity
	res := u.API("POST", "/groups", body)
	res.JSON(t, &g)
	if res.Status != 200 {
		t.Fatalf("create group: %d %s", res.Status, res.Body)
	}
	return g
}

// joinByHandle joins a group on any node and returns the group as the
// member's node knows it.
func joinByHandle(t *testing.T, u *testnet.User, acct string) groupEntity {
	t.Helper()
	var g groupEntity
	res := u.API("POST", "/groups/join", map[string]string{"acct": acct})
	res.JSON(t, &g)
	if res.Status != 200 {
		t.Fatalf("%s joins %s: %d %s", u.Username, acct, res.Status, res.Body)
	}
	return g
}

func membership(t *testing.T, u *testnet.User, groupID string) string {
	t.Helper()
	var g groupEntity
	u.API("GET", "/groups/"+groupID, nil).JSON(t, &g)
	return g.Membership
}

func waitMembership(t *testing.T, u *testnet.User, groupID, want string) {
	t.Helper()
	testnet.Eventually(t, wait, u.Username+" membership "+want, func() bool { return membership(t, u, groupID) == want })
}

func groupTimeline(t *testing.T, u *testnet.User, groupID string) []status {
	var out []status
	u.API("GET", "/groups/"+groupID+"/timeline", nil).JSON(t, &out)
	return out
}

func hasPost(list []status, uri string) bool {
	for _, s := range list {
		if s.URI == uri {
			return true
		}
	}
	return false
}

func post(t *testing.T, u *testnet.User, body map[string]any) status {
	t.Helper()
	var s status
	res := u.API("POST", "/statuses", body)
	res.JSON(t, &s)
	if res.Status != 200 {
		t.Fatalf("%s posts: %d %s", u.Username, res.Status, res.Body)
	}
	return s
}

func TestGroupsAcrossNodes(t *testing.T) {
	nodes := testnet.Start(t, 3, testnet.Options{})
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	carol := c.CreateUser("carol", store.TierPublic, "")

	open := createGroup(t, alice, map[string]any{"name": "Réseau urbanisme", "visibility": "public", "join_policy": "open"})
	projet := createGroup(t, alice, map[string]any{"name": "Projet SI", "visibility": "private", "join_policy": "approval"})

	// Open group: bob and carol join from their nodes.
	gB := joinByHandle(t, bob, open.Acct)
	gC := joinByHandle(t, carol, open.Acct)
	waitMembership(t, bob, gB.ID, store.StateAccepted)
	waitMembership(t, carol, gC.ID, store.StateAccepted)

	// bob's post reaches carol through A's Announce; one delivery per member node.
	hello := post(t, bob, map[string]any{"status": "Bonjour le réseau", "group_id": gB.ID})
	testnet.Eventually(t, wait, "bob's group post on C", func() bool { return hasPost(groupTimeline(t, carol, gC.ID), hello.URI) })
	testnet.Eventually(t, wait, "bob's group post on A", func() bool { return hasPost(groupTimeline(t, alice, open.ID), hello.URI) })
	var announces int
	if err := a.Pool.QueryRow(ctx, `select count(*) from deliveries d join activities x on x.id = d.activity_id
		where x.type = 'Announce' and x.object_uri = $1`, hello.URI).Scan(&announces); err != nil || announces != 2 {
		t.Errorf("A made %d deliveries of the Announce, want 2 (B and C): %v", announces, err)
	}
	if !hasPost(homeTimeline(carol), hello.URI) {
		t.Errorf("the group post is not in carol's home timeline")
	}

	// carol's reply reaches bob.
	var onC []status
	carol.API("GET", "/groups/"+gC.ID+"/timeline", nil).JSON(t, &onC)
	reply := post(t, carol, map[string]any{"status": "Bonjour Bob", "in_reply_to_id": onC[0].ID})
	testnet.Eventually(t, wait, "carol's reply on B", func() bool { return hasPost(groupTimeline(t, bob, gB.ID), reply.URI) })

	// Approval group: carol waits until an animator on A approves.
	pC := joinByHandle(t, carol, projet.Acct)
	var carolOnA struct{ ID string }
	a.Do("GET", "/api/v1/accounts/lookup?acct="+carol.Handle(), alice.Token, nil).JSON(t, &carolOnA)
	testnet.Eventually(t, wait, "carol's request on A", func() bool {
		var pending []struct{ Account struct{ Acct string } }
		alice.API("GET", "/groups/"+projet.ID+"/members?state=pending", nil).JSON(t, &pending)
		return len(pending) == 1 && pending[0].Account.Acct == carol.Handle()
	})
	if got := membership(t, carol, pC.ID); got != store.StatePending {
		t.Fatalf("carol's membership before approval: %q", got)
	}
	if res := carol.API("POST", "/statuses", map[string]any{"status": "trop tôt", "group_id": pC.ID}); res.Status != 403 {
		t.Errorf("pending member posting: %d", res.Status)
	}
	var carolID struct{ ID string }
	alice.API("GET", "/accounts/lookup?acct="+carol.Handle(), nil).JSON(t, &carolID)
	if res := alice.API("POST", "/groups/"+projet.ID+"/members/"+carolID.ID+"/approve", nil); res.Status != 200 {
		t.Fatalf("approve: %d %s", res.Status, res.Body)
	}
	waitMembership(t, carol, pC.ID, store.StateAccepted)
	private := post(t, carol, map[string]any{"status": "Compte rendu confidentiel", "group_id": pC.ID})
	testnet.Eventually(t, wait, "carol's private post on A", func() bool { return hasPost(groupTimeline(t, alice, projet.ID), private.URI) })
	// B hosts no member of the private group: it never receives its posts.
	if _, err := b.Store.ObjectByURI(ctx, private.URI); err == nil {
		t.Error("a node without members received a private group post")
	}
	// Unsigned reads of the private group's collections are refused.
	for _, path := range []string{"/groups/projet_si/outbox", "/groups/projet_si/members", "/groups/projet_si/followers"} {
		if res := a.Do("GET", path, "", nil, "Accept", "application/activity+json"); res.Status != 401 {
			t.Errorf("unsigned GET %s: %d", path, res.Status)
		}
	}
	if res := a.Do("GET", "/api/v1/groups/"+projet.ID+"/timeline", "", nil); res.Status != 401 {
		t.Errorf("anonymous private timeline: %d", res.Status)
	}
	if res := a.Do("GET", "/api/v1/groups/"+projet.ID+"/timeline", a.CreateUser("zoe", store.TierState, "").Token, nil); res.Status != 403 {
		t.Errorf("non-member private timeline: %d", res.Status)
	}

	// Removal: carol is removed from the open group, receives nothing after,
	// and cannot rejoin.
	if res := alice.API("POST", "/groups/"+open.ID+"/members/"+carolID.ID+"/remove", nil); res.Status != 200 {
		t.Fatalf("remove: %d %s", res.Status, res.Body)
	}
	waitMembership(t, carol, gC.ID, "")
	after := post(t, bob, map[string]any{"status": "Après le départ de Carol", "group_id": gB.ID})
	testnet.Eventually(t, wait, "bob's later post on A", func() bool { return hasPost(groupTimeline(t, alice, open.ID), after.URI) })
	testnet.Eventually(t, wait, "A's announce deliveries done", func() bool {
		var pending int
		_ = a.Pool.QueryRow(ctx, `select count(*) from deliveries where state = 'pending'`).Scan(&pending)
		return pending == 0
	})
	if _, err := c.Store.ObjectByURI(ctx, after.URI); err == nil {
		t.Error("a removed member's node received a later post")
	}
	joinByHandle(t, carol, open.Acct)
	testnet.Eventually(t, wait, "carol's rejoin refused", func() bool { return membership(t, carol, gC.ID) == "" })
	// The ban holds after the refusal.
	var stillBanned string
	_ = a.Pool.QueryRow(ctx, `select m.state from memberships m join actors x on x.id = m.member_id
		where x.uri = $1 and m.group_id = $2`, carol.Actor.URI, mustID(t, open.ID)).Scan(&stillBanned)
	if stillBanned != store.StateBanned {
		t.Errorf("carol's state on A after her refused rejoin: %q, want banned", stillBanned)
	}
	var log []struct{ Kind, Member string }
	alice.API("GET", "/groups/"+open.ID+"/log", nil).JSON(t, &log)
	if len(log) < 4 || log[0].Kind != "rejected" || log[1].Kind != "removed" {
		t.Errorf("group log: %+v", log)
	}
}

func TestStateOnlyAndSecretGroups(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	localPartner := a.CreateUser("asso", store.TierPartner, "")
	stateB := b.CreateUser("sophie", store.TierState, "")
	partnerB := b.CreateUser("paul", store.TierPartner, "")
	g := createGroup(t, alice, map[string]any{"name": "Préfets", "state_only": true})

	if res := localPartner.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 403 {
		t.Errorf("local partner joining a State-only group: %d", res.Status)
	}
	// B is not on A's allowlist: its agents' tier is not believed.
	gS := joinByHandle(t, stateB, g.Acct)
	testnet.Eventually(t, wait, "unlisted node's State agent refused", func() bool { return membership(t, stateB, gS.ID) == "" })
	if err := a.Store.SetDomainPolicy(ctx, b.Host, store.PolicyAllow); err != nil {
		t.Fatal(err)
	}
	joinByHandle(t, stateB, g.Acct)
	waitMembership(t, stateB, gS.ID, store.StateAccepted)
	gP := joinByHandle(t, partnerB, g.Acct)
	testnet.Eventually(t, wait, "remote partner refused", func() bool { return membership(t, partnerB, gP.ID) == "" })

	secret := createGroup(t, alice, map[string]any{"name": "Cellule de crise", "visibility": "secret"})
	if res := a.Do("GET", "/.well-known/webfinger?resource=acct:cellule_de_crise@"+a.Host, "", nil); res.Status != 404 {
		t.Errorf("webfinger of a secret group: %d", res.Status)
	}
	if res := a.Do("GET", "/groups/cellule_de_crise", "", nil, "Accept", "application/activity+json"); res.Status != 404 {
		t.Errorf("secret group actor, unsigned: %d", res.Status)
	}
	if res := alice.API("GET", "/groups/"+secret.ID, nil); res.Status != 200 {
		t.Errorf("secret group for its owner: %d", res.Status)
	}
	if res := localPartner.API("GET", "/groups/"+secret.ID, nil); res.Status != 404 {
		t.Errorf("secret group for a non-member: %d", res.Status)
	}
	// An invitation reaches a person on B, who accepts it from there.
	if res := alice.API("POST", "/groups/"+secret.ID+"/invite", map[string]string{"acct": stateB.Handle()}); res.Status != 200 {
		t.Fatalf("invite: %d %s", res.Status, res.Body)
	}
	var onB groupEntity
	testnet.Eventually(t, wait, "the invitation on B", func() bool {
		var mine []groupEntity
		stateB.API("GET", "/groups?mine=invited", nil).JSON(t, &mine)
		for _, g := range mine {
			if g.Membership == store.StateInvited {
				onB = g
				return true
			}
		}
		return false
	})
	if res := stateB.API("POST", "/groups/"+onB.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("accept the invitation: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "sophie member on A", func() bool {
		var members []struct{ Account struct{ Acct string } }
		alice.API("GET", "/groups/"+secret.ID+"/members", nil).JSON(t, &members)
		return len(members) == 2
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func findPost(list []status, uri string) *status {
	for i := range list {
		if list[i].URI == uri {
			return &list[i]
		}
	}
	return nil
}

func TestGroupEditLikeAndModeration(t *testing.T) {
	nodes := testnet.Start(t, 3, testnet.Options{})
	a, b, c := nodes[0], nodes[1], nodes[2]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	carol := c.CreateUser("carol", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Ateliers", "visibility": "private", "join_policy": "open"})
	gB, gC := joinByHandle(t, bob, g.Acct), joinByHandle(t, carol, g.Acct)
	waitMembership(t, bob, gB.ID, store.StateAccepted)
	waitMembership(t, carol, gC.ID, store.StateAccepted)

	p := post(t, bob, map[string]any{"status": "Atelier mardi", "group_id": gB.ID})
	testnet.Eventually(t, wait, "post on C", func() bool { return hasPost(groupTimeline(t, carol, gC.ID), p.URI) })

	// The author's edit travels through the group.
	if res := bob.API("PUT", "/statuses/"+p.ID, map[string]string{"status": "Atelier mercredi"}); res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the edit on C", func() bool {
		s := findPost(groupTimeline(t, carol, gC.ID), p.URI)
		return s != nil && s.Content == "<p>Atelier mercredi</p>"
	})

	// A like from C reaches A and, through the group, B.
	onC := findPost(groupTimeline(t, carol, gC.ID), p.URI)
	if res := carol.API("POST", "/statuses/"+onC.ID+"/favourite", nil); res.Status != 200 {
		t.Fatalf("favourite: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the like on B", func() bool {
		var s struct {
			FavouritesCount int `json:"favourites_count"`
		}
		bob.API("GET", "/statuses/"+p.ID, nil).JSON(t, &s)
		return s.FavouritesCount == 1
	})

	// A member who is not an animator cannot delete someone else's post…
	onA := findPost(groupTimeline(t, alice, g.ID), p.URI)
	dave := a.CreateUser("dave", store.TierState, "")
	dave.API("POST", "/groups/"+g.ID+"/join", nil)
	if res := dave.API("DELETE", "/statuses/"+onA.ID, nil); res.Status != 403 {
		t.Errorf("a member deleting another's post: %d", res.Status)
	}
	// …the owner can, and the deletion reaches every node, the author's too.
	if res := alice.API("DELETE", "/statuses/"+onA.ID, nil); res.Status != 200 {
		t.Fatalf("moderator delete: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the post gone on C", func() bool { return !hasPost(groupTimeline(t, carol, gC.ID), p.URI) })
	testnet.Eventually(t, wait, "the post gone on B", func() bool { return !hasPost(groupTimeline(t, bob, gB.ID), p.URI) })
}
