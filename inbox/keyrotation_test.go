package inbox_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/keys"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// The inbox keeps verified keys in memory. A peer that rotates its key must
// still get through (the failing signature refetches the actor), and the
// old key must stop working at once, memory or not.
func TestKeyRotationThroughTheKeyCache(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	bob := n.CreateUser("bob", store.TierState, "")
	peer := testnet.NewRemoteActor(t, "rotating")
	inboxURL := n.URL + "/inbox"
	ctx := context.Background()

	follow := func() []byte { return mustJSON(t, followOf(peer.NewID("follows"), peer.URI, bob.Actor.URI)) }
	expectStatus(t, peer.Post(t, inboxURL, follow()), http.StatusAccepted) // fetches and caches the key
	expectStatus(t, peer.Post(t, inboxURL, follow()), http.StatusAccepted) // from memory

	oldKey := peer.Key
	privPEM, pubPEM, err := keys.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if peer.Key, err = keys.ParsePrivateKey(privPEM); err != nil {
		t.Fatal(err)
	}
	peer.PublicKeyPEM = pubPEM
	peer.Serve("/users/rotating", peer.ActorDocument())
	// A refetch is allowed once a minute per actor; pretend the copy is older.
	if _, err := n.Pool.Exec(ctx, `update actors set fetched_at = now() - interval '5 minutes' where uri = $1`, peer.URI); err != nil {
		t.Fatal(err)
	}

	expectStatus(t, peer.Post(t, inboxURL, follow()), http.StatusAccepted)
	id := peer.NewID("follows")
	before := countRows(t, n.Node)
	resp := peer.Post(t, inboxURL, mustJSON(t, followOf(id, peer.URI, bob.Actor.URI)), testnet.WithKey(oldKey))
	expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonBadSignature, id)
	if a, err := n.Store.ActorByURI(ctx, peer.URI); err != nil || a.PublicKeyPEM != pubPEM {
		t.Fatalf("stored key not the rotated one (%v)", err)
	}
}
