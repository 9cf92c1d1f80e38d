package inbox_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// An anonymous lookup answers from what the node knows and never makes it
// fetch from the host named in the query; a signed-in one may.
func TestAnonymousLookupFetchesNothing(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	peer := testnet.NewRemoteActor(t, "lointain")
	peer.Serve("/.well-known/webfinger", []byte(`{"subject":"acct:lointain@`+peer.Host+`","links":[{"rel":"self","type":"application/activity+json","href":"`+peer.URI+`"}]}`))
	acct := url.QueryEscape("lointain@" + peer.Host)

	if res := n.Do("GET", "/api/v1/accounts/lookup?acct="+acct, "", nil); res.Status != http.StatusNotFound {
		t.Errorf("anonymous lookup of an unknown remote: %d %s", res.Status, res.Body)
	}
	if got := len(peer.Requests()); got != 0 {
		t.Fatalf("an anonymous lookup made the node send %d requests to the named host", got)
	}
	if res := n.Do("GET", "/api/v1/accounts/lookup?acct="+acct, alice.Token, nil); res.Status != http.StatusOK {
		t.Errorf("signed-in lookup: %d %s", res.Status, res.Body)
	}
}
