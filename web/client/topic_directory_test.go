package client_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// TestActiveOnTopic: the directory's second list counts what people post
// about the words, only where the reader may read it.
func TestActiveOnTopic(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	dave := n.CreateUser("dave", store.TierState, "")
	erin := n.CreateUser("erin", store.TierState, "")
	fanny := n.CreateUser("fanny", store.TierState, "")
	if res := alice.API("PATCH", "/accounts/update_credentials", map[string]any{"skills": []string{"Urbanisme"}}); res.Status != 200 {
		t.Fatalf("skills: %d %s", res.Status, res.Body)
	}
	post := func(u *testnet.User, text string, extra map[string]any) {
		t.Helper()
		body := map[string]any{"status": text}
		for k, v := range extra {
			body[k] = v
		}
		if res := u.API("POST", "/statuses", body); res.Status != 200 {
			t.Fatalf("post by %s: %d %s", u.Username, res.Status, res.Body)
		}
	}
	// bob never declared the skill, but posts about it in public (and the
	// stemmer and accent folding find "Urbanisme" and "l'urbanisme").
	post(bob, "Réunion sur l'urbanisme jeudi", nil)
	post(bob, "Compte rendu : URBANISME et mobilités", nil)
	post(alice, "L'urbanisme, c'est mon métier", nil) // already in the first list
	// dave writes about it only in a private group bob is in.
	gid := newGroup(t, dave, "Cellule PLU", "private", bob)
	post(dave, "Le point urbanisme du mois", map[string]any{"group_id": gid})
	post(dave, "Encore de l'urbanisme", map[string]any{"group_id": gid})
	post(dave, "Et toujours l'urbanisme", map[string]any{"group_id": gid})
	// erin posts in public but opted out of the observatory.
	post(erin, "Urbanisme tactique : retour d'expérience", nil)
	if res := erin.API("POST", "/observatory/opt_out", map[string]any{"opt_out": true}); res.Status != 200 {
		t.Fatalf("opt out: %d %s", res.Status, res.Body)
	}
	// fanny posts about something else.
	post(fanny, "Marchés publics : nouvelle procédure", nil)

	search := func(u *testnet.User) (first, active []string) {
		t.Helper()
		var got struct {
			Accounts      []struct{ Username string } `json:"accounts"`
			ActiveOnTopic []struct{ Username string } `json:"active_on_topic"`
		}
		res := u.API("GET", "/directory?skill=urbanisme&active_on_topic=true", nil)
		if res.Status != 200 {
			t.Fatalf("directory: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &got)
		for _, a := range got.Accounts {
			first = append(first, a.Username)
		}
		for _, a := range got.ActiveOnTopic {
			active = append(active, a.Username)
		}
		return first, active
	}
	first, active := search(alice)
	if strings.Join(first, ",") != "alice" {
		t.Errorf("declared skill: got %v, want [alice]", first)
	}
	// dave's three group posts outnumber bob's two, but alice may not read them.
	if strings.Join(active, ",") != "bob" {
		t.Errorf("alice's active_on_topic: got %v, want [bob]", active)
	}
	// bob, a member of the group, may read dave's posts: dave ranks first.
	if _, active := search(bob); strings.Join(active, ",") != "dave,bob" {
		t.Errorf("bob's active_on_topic: got %v, want [dave bob]", active)
	}
	// Without the parameter the answer stays the list Mastodon clients expect.
	var plain []struct{ Username string }
	alice.API("GET", "/directory?skill=urbanisme", nil).JSON(t, &plain)
	if len(plain) != 1 || plain[0].Username != "alice" {
		t.Errorf("plain directory: %v", plain)
	}
}
