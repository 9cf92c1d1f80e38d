package inbox_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// memberEvents reads a person's own membership events (their notices).
func memberEvents(t *testing.T, n *testnet.Node, actorID int64) []store.GroupEvent {
	t.Helper()
	events, err := n.Store.MemberEvents(context.Background(), actorID, 20)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// hasEvent: a member's events read "<kind> <group handle>".
func hasEvent(events []store.GroupEvent, kind string) bool {
	for _, e := range events {
		if strings.HasPrefix(e.Kind, kind+" ") {
			return true
		}
	}
	return false
}

// Issue 13.8: State-only membership is re-checked when a tier changes, not
// only at join time. A member who is no longer State leaves the State-only
// groups at once, with a notice: here for a local member, and on the
// group's node for a member of another node, which learns of the change
// through the Update of the actor and answers with the usual Remove.
func TestLowerTierLeavesStateOnlyGroupsHereAndOnPeers(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	if err := a.Store.SetDomainPolicy(ctx, b.Host, store.PolicyAllow); err != nil {
		t.Fatal(err)
	}
	alice := a.CreateUser("alice", store.TierState, "")
	amelie := a.CreateUser("amelie", store.TierState, "")
	sophie := b.CreateUser("sophie", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Préfets", "state_only": true})
	open := createGroup(t, alice, map[string]any{"name": "Tout le monde"})
	if res := amelie.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("amelie joins: %d %s", res.Status, res.Body)
	}
	if res := amelie.API("POST", "/groups/"+open.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("amelie joins the open group: %d %s", res.Status, res.Body)
	}
	gB := joinByHandle(t, sophie, g.Acct)
	waitMembership(t, sophie, gB.ID, store.StateAccepted)
	openB := joinByHandle(t, sophie, open.Acct)
	waitMembership(t, sophie, openB.ID, store.StateAccepted)

	// A local member's tier lowered by the admin: out of the State-only
	// group at once, still in the open one, with a notice.
	partner := store.TierPartner
	if err := a.Accounts.SetRights(ctx, nil, amelie.Account, accounts.Rights{Tier: &partner}); err != nil {
		t.Fatal(err)
	}
	if m := membership(t, amelie, g.ID); m != "" {
		t.Errorf("amelie, now a partner, still %q in the State-only group", m)
	}
	if m := membership(t, amelie, open.ID); m != store.StateAccepted {
		t.Errorf("amelie's open-group membership: %q", m)
	}
	if !hasEvent(memberEvents(t, a, amelie.Actor.ID), outbox.EventRemovedTier) {
		t.Error("amelie got no notice of her removal")
	}
	if res := amelie.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 403 {
		t.Errorf("amelie rejoining as a partner: %d", res.Status)
	}

	// A member on B lowered on B: A learns it from the Update of her actor
	// and removes her; B learns it from A's Remove.
	public := store.TierPublic
	if err := b.Accounts.SetRights(ctx, nil, sophie.Account, accounts.Rights{Tier: &public}); err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, wait, "sophie out of the State-only group on A", func() bool {
		var members []struct{ Account struct{ Acct string } }
		alice.API("GET", "/groups/"+g.ID+"/members", nil).JSON(t, &members)
		for _, m := range members {
			if m.Account.Acct == sophie.Handle() {
				return false
			}
		}
		return true
	})
	waitMembership(t, sophie, gB.ID, "")
	if m := membership(t, sophie, openB.ID); m != store.StateAccepted {
		t.Errorf("sophie's open-group membership: %q", m)
	}
	testnet.Eventually(t, wait, "sophie's notice on B", func() bool {
		return hasEvent(memberEvents(t, b, sophie.Actor.ID), outbox.EventRemoved)
	})
	var groupLog []struct{ Kind string }
	alice.API("GET", "/groups/"+g.ID+"/log", nil).JSON(t, &groupLog)
	if len(groupLog) == 0 || groupLog[0].Kind != outbox.EventRemovedTier {
		t.Errorf("group log on A: %+v", groupLog)
	}
	// Back to State: she may join again (removal for tier is no ban).
	state := store.TierState
	if err := b.Accounts.SetRights(ctx, nil, sophie.Account, accounts.Rights{Tier: &state}); err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, wait, "A sees sophie as State again", func() bool {
		s, err := a.Store.ActorByURI(ctx, sophie.Actor.URI)
		return err == nil && s.Tier == store.TierState
	})
	joinByHandle(t, sophie, g.Acct)
	waitMembership(t, sophie, gB.ID, store.StateAccepted)
}

// A State-only group whose last owner is no longer a State agent is not
// left without anyone to run it: its longest-standing animator (else
// member) becomes owner and is told; with no local member left, the node's
// admins are told.
func TestLowerTierOfLastOwnerNamesASuccessor(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	admin := n.CreateUser("nadia", store.TierState, store.RoleAdmin)
	alice := n.CreateUser("alice", store.TierState, "")
	bruno := n.CreateUser("bruno", store.TierState, "")
	chloe := n.CreateUser("chloe", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Préfets", "state_only": true})
	createGroup(t, alice, map[string]any{"name": "Cabinet", "state_only": true})
	for _, u := range []*testnet.User{bruno, chloe} {
		if res := u.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
			t.Fatalf("%s joins: %d %s", u.Username, res.Status, res.Body)
		}
	}
	// chloe joined after bruno but is an animator: she goes first.
	if res := alice.API("POST", "/groups/"+g.ID+"/members/"+strconv.FormatInt(chloe.Actor.ID, 10)+"/role", map[string]string{"role": "animator"}); res.Status != 200 {
		t.Fatalf("naming chloe animator: %d %s", res.Status, res.Body)
	}
	partner := store.TierPartner
	if err := n.Accounts.SetRights(ctx, nil, alice.Account, accounts.Rights{Tier: &partner}); err != nil {
		t.Fatal(err)
	}
	gid, _ := strconv.ParseInt(g.ID, 10, 64)
	m, err := n.Store.MembershipOf(ctx, gid, chloe.Actor.ID)
	if err != nil || m.Role != store.MemberOwner {
		t.Fatalf("chloe after alice left: %+v %v", m, err)
	}
	if m, _ := n.Store.MembershipOf(ctx, gid, bruno.Actor.ID); m == nil || m.Role != store.MemberMember {
		t.Errorf("bruno after alice left: %+v", m)
	}
	if !hasNotification(t, chloe, store.NotifyGroupRole) {
		t.Error("chloe was not told she is owner")
	}
	if !hasEvent(memberEvents(t, n, chloe.Actor.ID), outbox.EventSuccession) {
		t.Error("no succession event for chloe")
	}
	// The group alice ran alone: the admin is told it has no owner.
	if !hasNotification(t, admin, store.NotifyGroupOrphaned) {
		t.Error("the admin was not told of the ownerless group")
	}
}

// hasNotification tells whether u has a notification of type typ.
func hasNotification(t *testing.T, u *testnet.User, typ string) bool {
	t.Helper()
	var ns []struct{ Type string }
	u.API("GET", "/notifications?types[]="+typ, nil).JSON(t, &ns)
	return len(ns) > 0
}
