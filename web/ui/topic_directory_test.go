package ui_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// The directory page's second section, "Actif sur ce sujet": bob's public
// posts count, dave's posts in a private group count only for its members,
// an opted-out agent never shows.
func TestActiveOnTopicPage(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	dave := n.CreateUser("dave", store.TierState, "")
	erin := n.CreateUser("erin", store.TierState, "")
	post := func(u *testnet.User, body map[string]any) {
		t.Helper()
		if res := u.API("POST", "/statuses", body); res.Status != 200 {
			t.Fatalf("post by %s: %d %s", u.Username, res.Status, res.Body)
		}
	}
	post(bob, map[string]any{"status": "Réunion sur l'urbanisme jeudi"})
	var g struct{ ID string }
	dave.API("POST", "/groups", map[string]any{"name": "Cellule PLU", "visibility": "private", "join_policy": "open"}).JSON(t, &g)
	if res := bob.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("join: %d %s", res.Status, res.Body)
	}
	post(dave, map[string]any{"status": "Le point urbanisme du mois", "group_id": g.ID})
	post(erin, map[string]any{"status": "Urbanisme tactique"})
	if res := erin.API("POST", "/observatory/opt_out", map[string]any{"opt_out": true}); res.Status != 200 {
		t.Fatalf("opt out: %d %s", res.Status, res.Body)
	}
	section := func(user string) string {
		t.Helper()
		c, _ := signIn(t, n, user)
		_, body := get(t, c, n.URL+"/directory?skill=urbanisme")
		_, active, ok := strings.Cut(body, "Actif sur ce sujet")
		if !ok {
			t.Fatalf("%s: no active-on-topic section", user)
		}
		active, _, _ = strings.Cut(active, "</section>")
		return active
	}
	if s := section("alice"); !strings.Contains(s, "/@bob") || strings.Contains(s, "/@dave") || strings.Contains(s, "/@erin") {
		t.Errorf("alice's section: %s", s)
	}
	if s := section("bob"); !strings.Contains(s, "/@dave") || strings.Contains(s, "/@erin") {
		t.Errorf("bob's section: %s", s)
	}
}
