package inbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// A followed person's share (Mastodon's boost) of a third party's public
// post shows in the follower's home timeline as a reblog, the post fetched
// from its origin; Undo{Announce} takes it back.
func TestSharesInTheHomeTimeline(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	booster := testnet.NewRemoteActor(t, "booster")
	author := testnet.NewRemoteActor(t, "auteur")
	notePath := "/users/auteur/statuses/1"
	author.Serve(notePath, mustJSON(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       author.URL(notePath), "type": "Note", "attributedTo": author.URI, "content": "<p>Un billet à lire</p>",
		"to": []string{publicNS}, "cc": []string{author.Followers}, "published": "2026-11-20T10:00:00Z",
	}))
	followee, err := n.Federator.Actor(ctx, booster.URI, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Store.SetFollow(ctx, &store.Follow{FollowerID: alice.Actor.ID, FolloweeID: followee.ID, State: store.FollowAccepted}); err != nil {
		t.Fatal(err)
	}

	announceID := booster.NewID("announce")
	expectStatus(t, booster.Post(t, n.URL+"/inbox", mustJSON(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": announceID, "type": "Announce", "actor": booster.URI,
		"object": author.URL(notePath), "to": []string{publicNS}, "cc": []string{booster.Followers},
	})), http.StatusAccepted)
	if reason := processedReason(t, n, announceID); reason != "" {
		t.Fatalf("share refused: %s", reason)
	}
	var home []struct {
		Account struct{ Acct string }
		Reblog  *struct {
			Content string
			Account struct{ Acct string }
		}
	}
	alice.API("GET", "/timelines/home", nil).JSON(t, &home)
	if len(home) != 1 || home[0].Reblog == nil || home[0].Reblog.Content != "<p>Un billet à lire</p>" ||
		!strings.HasPrefix(home[0].Account.Acct, "booster@") || !strings.HasPrefix(home[0].Reblog.Account.Acct, "auteur@") {
		t.Fatalf("home timeline: %+v", home)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if res, err := c.PostForm(n.URL+"/login", url.Values{"login": {"alice"}, "password": {"password-alice"}}); err != nil {
		t.Fatal(err)
	} else {
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(page), "Partagé par") || !strings.Contains(string(page), "Un billet à lire") {
			t.Errorf("the web home feed does not show the share")
		}
	}

	// A share of a share is not a post: refused, so no chain of shares.
	chainID := booster.NewID("announce")
	expectStatus(t, booster.Post(t, n.URL+"/inbox", mustJSON(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": chainID, "type": "Announce", "actor": booster.URI,
		"object": announceID, "to": []string{publicNS},
	})), http.StatusAccepted)
	if reason := processedReason(t, n, chainID); !strings.Contains(reason, "not a post") {
		t.Errorf("a share of a share: %q", reason)
	}

	undoID := booster.NewID("undo")
	expectStatus(t, booster.Post(t, n.URL+"/inbox", mustJSON(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": undoID, "type": "Undo", "actor": booster.URI,
		"object": map[string]any{"id": announceID, "type": "Announce", "actor": booster.URI, "object": author.URL(notePath)},
	})), http.StatusAccepted)
	if reason := processedReason(t, n, undoID); reason != "" {
		t.Fatalf("undo refused: %s", reason)
	}
	alice.API("GET", "/timelines/home", nil).JSON(t, &home)
	if len(home) != 0 {
		t.Errorf("home timeline after the Undo: %+v", home)
	}
}

// A local agent shares a colleague's public post: the share reaches the
// followers on another node through the real signed path, and Undo takes it
// back there. A post in a group cannot be shared.
func TestShareAcrossNodes(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	carol := b.CreateUser("carol", store.TierState, "")
	follow(t, alice, bob.Handle())
	var post struct{ ID string }
	carol.API("POST", "/statuses", map[string]any{"status": "Guide de l'achat public, édition 2026"}).JSON(t, &post)
	if res := bob.API("POST", "/statuses/"+post.ID+"/reblog", nil); res.Status != 200 {
		t.Fatalf("reblog: %d %s", res.Status, res.Body)
	}
	type entry struct {
		Account struct{ Acct string }
		Reblog  *struct{ Content string }
	}
	shared := func(u *testnet.User) bool {
		var home []entry
		u.API("GET", "/timelines/home", nil).JSON(t, &home)
		for _, e := range home {
			if e.Reblog != nil && strings.Contains(e.Reblog.Content, "achat public, édition 2026") {
				return true
			}
		}
		return false
	}
	if !shared(bob) {
		t.Errorf("bob's own share is not in his home timeline")
	}
	testnet.Eventually(t, wait, "bob's share in alice's timeline on A", func() bool { return shared(alice) })
	if res := bob.API("POST", "/statuses/"+post.ID+"/unreblog", nil); res.Status != 200 {
		t.Fatalf("unreblog: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the share gone from alice's timeline", func() bool { return !shared(alice) })

	var g struct{ ID string }
	carol.API("POST", "/groups", map[string]any{"name": "Atelier", "visibility": "public"}).JSON(t, &g)
	var inGroup struct{ ID string }
	carol.API("POST", "/statuses", map[string]any{"status": "Dans le groupe", "group_id": g.ID}).JSON(t, &inGroup)
	if res := bob.API("POST", "/statuses/"+inGroup.ID+"/reblog", nil); res.Status != 403 {
		t.Errorf("reblog of a group post: %d", res.Status)
	}
}
