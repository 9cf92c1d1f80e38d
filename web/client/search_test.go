package client_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type searchResult struct {
	Accounts []struct{ ID, Acct string }
	Statuses []fullStatus
	Hashtags []struct{ Name, URL string }
}

func search(t *testing.T, n *testnet.Node, token string, q url.Values) searchResult {
	t.Helper()
	res := n.Do("GET", "/api/v2/search?"+q.Encode(), token, nil)
	if res.Status != 200 {
		t.Fatalf("search %s: %d %s", q.Encode(), res.Status, res.Body)
	}
	var out searchResult
	res.JSON(t, &out)
	return out
}

// /api/v2/search finds posts by their words (French stemming, accents
// folded), only those the reader may read, and hashtags by prefix.
func TestSearchStatusesAndHashtags(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	dan := n.CreateUser("dan", store.TierState, "")
	dan.API("POST", "/accounts/"+id(bob.Actor.ID)+"/follow", map[string]any{})
	var public, private, direct fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Réunion sur la rénovation énergétique #Urbanisme"}).JSON(t, &public)
	bob.API("POST", "/statuses", map[string]any{"status": "Rénovation du gymnase, entre nous", "visibility": "private"}).JSON(t, &private)
	bob.API("POST", "/statuses", map[string]any{"status": "Rénovation : @alice tu viens ?", "visibility": "direct"}).JSON(t, &direct)

	if got := statusIDs(search(t, n, "", url.Values{"q": {"renovations"}}).Statuses); got != public.ID {
		t.Errorf("anonymous search: %s, want %s", got, public.ID)
	}
	if got := statusIDs(search(t, n, dan.Token, url.Values{"q": {"rénovation"}, "type": {"statuses"}}).Statuses); got != private.ID+","+public.ID {
		t.Errorf("dan's search (bob's follower): %s", got)
	}
	if got := statusIDs(search(t, n, alice.Token, url.Values{"q": {"rénovation"}}).Statuses); got != direct.ID+","+public.ID {
		t.Errorf("alice's search (mentioned in the direct post): %s", got)
	}
	if got := statusIDs(search(t, n, dan.Token, url.Values{"q": {"rénovation"}, "account_id": {id(bob.Actor.ID)}}).Statuses); got != private.ID {
		t.Errorf("account_id: %s", got)
	}
	if got := statusIDs(search(t, n, dan.Token, url.Values{"q": {"rénovation"}, "limit": {"1"}, "offset": {"1"}}).Statuses); got != public.ID {
		t.Errorf("offset: %s", got)
	}
	if got := search(t, n, "", url.Values{"q": {"rénovation"}, "type": {"accounts"}}); len(got.Statuses) != 0 {
		t.Errorf("type=accounts found statuses")
	}
	if got := statusIDs(search(t, n, "", url.Values{"q": {public.URI}}).Statuses); got != public.ID {
		t.Errorf("search by URL: %s", got)
	}
	if got := search(t, n, "", url.Values{"q": {private.URI}}); len(got.Statuses) != 0 {
		t.Errorf("search by URL of a post one may not read: %+v", got.Statuses)
	}

	for _, q := range []string{"urba", "#Urba"} {
		got := search(t, n, "", url.Values{"q": {q}, "type": {"hashtags"}})
		if len(got.Hashtags) != 1 || got.Hashtags[0].Name != "urbanisme" || got.Hashtags[0].URL != n.URL+"/tags/urbanisme" {
			t.Errorf("hashtags for %q: %+v", q, got.Hashtags)
		}
	}
	if got := search(t, n, "", url.Values{"q": {"bob"}, "type": {"accounts"}}); len(got.Accounts) != 1 || got.Accounts[0].Acct != "bob" {
		t.Errorf("accounts: %+v", got.Accounts)
	}
	// resolve=true without a token does not ask other nodes.
	if got := search(t, n, "", url.Values{"q": {"@someone@unknown.example"}, "resolve": {"true"}}); len(got.Accounts) != 0 {
		t.Errorf("anonymous resolve: %+v", got.Accounts)
	}
	for _, q := range []string{"q=x&type=bogus", "q=x&limit=0", "q=%ff%fe", "q=x&offset=-1", "q=x&account_id=abc"} {
		if res := n.Do("GET", "/api/v2/search?"+q, "", nil); res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusBadRequest {
			t.Errorf("search %s: %d %s", q, res.Status, res.Body)
		}
	}
}
