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
