package client_test

import (
	"net/http"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Lists: CRUD, accounts (only followed ones), the list timeline with its
// replies policy, exclusive lists out of home, and someone else's list
// looking missing.
func TestLists(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	dan := n.CreateUser("dan", store.TierState, "")
	for _, u := range []*testnet.User{bob, carol} {
		alice.API("POST", "/accounts/"+id(u.Actor.ID)+"/follow", map[string]any{})
	}
	var l struct {
		ID, Title     string
		RepliesPolicy string `json:"replies_policy"`
	}
	res := alice.API("POST", "/lists", map[string]any{"title": "Voirie"})
	res.JSON(t, &l)
	if res.Status != 200 || l.Title != "Voirie" || l.RepliesPolicy != "list" {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if res := alice.API("POST", "/lists/"+l.ID+"/accounts", map[string]any{"account_ids": []string{id(bob.Actor.ID)}}); res.Status != 200 {
		t.Fatalf("add: %d %s", res.Status, res.Body)
	}
	if res := alice.API("POST", "/lists/"+l.ID+"/accounts", map[string]any{"account_ids": []string{id(dan.Actor.ID)}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("adding someone not followed: %d", res.Status)
	}
	if got := accountIDs(accountsOf(t, alice, "/lists/"+l.ID+"/accounts")); got != "bob" {
		t.Errorf("list accounts: %s", got)
	}
	var carolPost, bobPost, bobReplyToCarol, bobReplyToSelf fullStatus
	carol.API("POST", "/statuses", map[string]any{"status": "De carol"}).JSON(t, &carolPost)
	bob.API("POST", "/statuses", map[string]any{"status": "De bob"}).JSON(t, &bobPost)
	bob.API("POST", "/statuses", map[string]any{"status": "À carol", "in_reply_to_id": carolPost.ID}).JSON(t, &bobReplyToCarol)
	bob.API("POST", "/statuses", map[string]any{"status": "Suite", "in_reply_to_id": bobPost.ID}).JSON(t, &bobReplyToSelf)
	for policy, want := range map[string]string{
		"list":     bobReplyToSelf.ID + "," + bobPost.ID,
		"followed": bobReplyToSelf.ID + "," + bobReplyToCarol.ID + "," + bobPost.ID,
		"none":     bobPost.ID,
	} {
		alice.API("PUT", "/lists/"+l.ID, map[string]any{"replies_policy": policy})
		if got := statusIDs(timeline(t, n, alice.Token, "/timelines/list/"+l.ID)); got != want {
			t.Errorf("list timeline, %s: %s, want %s", policy, got, want)
		}
	}
	alice.API("PUT", "/lists/"+l.ID, map[string]any{"exclusive": true})
	for _, s := range timeline(t, n, alice.Token, "/timelines/home") {
		if s.ID == bobPost.ID {
			t.Errorf("an exclusive list's member in home")
		}
	}
	var lists []struct{ ID string }
	alice.API("GET", "/accounts/"+id(bob.Actor.ID)+"/lists", nil).JSON(t, &lists)
	if len(lists) != 1 || lists[0].ID != l.ID {
		t.Errorf("bob's lists: %+v", lists)
	}
	for _, path := range []string{"/lists/" + l.ID, "/timelines/list/" + l.ID, "/lists/" + l.ID + "/accounts", "/lists/abc", "/lists/999999"} {
		if res := bob.API("GET", path, nil); res.Status != http.StatusNotFound {
			t.Errorf("someone else's %s: %d", path, res.Status)
		}
	}
	for _, body := range []map[string]any{{"title": ""}, {"title": "x", "replies_policy": "all"}} {
		if res := alice.API("POST", "/lists", body); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("create %v: %d %s", body, res.Status, res.Body)
		}
	}
	if res := alice.API("POST", "/lists/"+l.ID+"/accounts", map[string]any{"account_ids": []string{"x"}}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad account id: %d", res.Status)
	}
	alice.API("DELETE", "/lists/"+l.ID+"/accounts", map[string]any{"account_ids": []string{id(bob.Actor.ID)}})
	if got := accountsOf(t, alice, "/lists/"+l.ID+"/accounts"); len(got) != 0 {
		t.Errorf("after removal: %s", accountIDs(got))
	}
	if res := alice.API("DELETE", "/lists/"+l.ID, nil); res.Status != 200 {
		t.Errorf("delete: %d", res.Status)
	}
	if res := alice.API("GET", "/lists/"+l.ID, nil); res.Status != http.StatusNotFound {
		t.Errorf("a deleted list: %d", res.Status)
	}
}
