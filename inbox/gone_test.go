package inbox_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// A remote account that deletes itself is gone: not found by handle or in
// the directory, and nothing signed with its old key is taken any more.
func TestDeletedRemoteAccountIsGone(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	gone := testnet.NewRemoteActor(t, "parti")
	known, err := n.Federator.Actor(ctx, gone.URI, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Store.SetSkills(ctx, known.ID, []string{"urbanisme"}); err != nil {
		t.Fatal(err)
	}
	acct := url.QueryEscape("parti@" + gone.Host)
	if res := alice.API("GET", "/accounts/lookup?acct="+acct, nil); res.Status != http.StatusOK {
		t.Fatalf("lookup before the deletion: %d", res.Status)
	}

	deleteID := gone.NewID("delete")
	expectStatus(t, gone.Post(t, n.URL+"/inbox", mustJSON(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": deleteID, "type": "Delete",
		"actor": gone.URI, "object": gone.URI, "to": []string{publicNS},
	})), http.StatusAccepted)
	if reason := processedReason(t, n, deleteID); reason != "" {
		t.Fatalf("Delete of the account refused: %s", reason)
	}
	gone.ServeStatus("/users/parti", http.StatusGone)

	if res := n.Do("GET", "/api/v1/accounts/lookup?acct="+acct, "", nil); res.Status != http.StatusNotFound {
		t.Errorf("anonymous lookup of a deleted account: %d", res.Status)
	}
	var people []struct{ Acct string }
	n.Do("GET", "/api/v1/directory?skill=urbanisme", "", nil).JSON(t, &people)
	if len(people) != 0 {
		t.Errorf("the deleted account is still in the directory: %+v", people)
	}
	before := countRows(t, n.Node)
	likeID := gone.NewID("like")
	res := gone.Post(t, n.URL+"/inbox", mustJSON(t, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": likeID, "type": "Like",
		"actor": gone.URI, "object": alice.Actor.URI,
	}))
	expectRefused(t, n.Node, before, res, http.StatusUnauthorized, "", likeID)
}
