package inbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// A peer that publishes an Ed25519 Multikey (FEP-521a) signs with it in RFC
// 9421 (keyid = the Multikey id); the key is read from assertionMethod, and
// rotating it works as for RSA keys: the new key gets through, the old one
// is refused at once.
func TestEd25519MultikeyInbound(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	bob := n.CreateUser("bob", store.TierState, "")
	peer := testnet.NewRemoteActorWith(t, "edwards", testnet.RemoteOptions{Ed25519: true})
	inboxURL := n.URL + "/inbox"
	ctx := context.Background()
	follow := func() (string, []byte) {
		id := peer.NewID("follows")
		return id, mustJSON(t, followOf(id, peer.URI, bob.Actor.URI))
	}
	withEd := func() []testnet.SendOption {
		return []testnet.SendOption{testnet.RFC9421(federation.MessageOptions{}), testnet.WithKeyID(peer.Ed25519KeyID), testnet.WithKey(peer.Ed25519Key)}
	}

	id, body := follow()
	expectStatus(t, peer.Post(t, inboxURL, body, withEd()...), http.StatusAccepted)
	if a, err := n.Store.ActivityByURI(ctx, id); err != nil || a.Signer != peer.Ed25519KeyID {
		t.Fatalf("signer %+v %v, want %s", a, err, peer.Ed25519KeyID)
	}
	// The same actor's RSA key, in either scheme, still works.
	_, body = follow()
	expectStatus(t, peer.Post(t, inboxURL, body, testnet.RFC9421(federation.MessageOptions{})), http.StatusAccepted)
	_, body = follow()
	expectStatus(t, peer.Post(t, inboxURL, body), http.StatusAccepted)
	// The peer's host is now known to publish Ed25519 keys.
	if h, err := n.Store.HostSignatures(ctx, peer.Host); err != nil || !h.Ed25519 {
		t.Errorf("host signatures %+v %v", h, err)
	}

	oldKey := peer.Ed25519Key
	peer.RotateEd25519(t)
	peer.Serve("/users/edwards", peer.ActorDocument())
	if _, err := n.Pool.Exec(ctx, `update actors set fetched_at = now() - interval '5 minutes' where uri = $1`, peer.URI); err != nil {
		t.Fatal(err)
	}
	_, body = follow()
	expectStatus(t, peer.Post(t, inboxURL, body, withEd()...), http.StatusAccepted)
	id, body = follow()
	before := countRows(t, n.Node)
	resp := peer.Post(t, inboxURL, body, testnet.RFC9421(federation.MessageOptions{}), testnet.WithKeyID(peer.Ed25519KeyID), testnet.WithKey(oldKey))
	expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonBadSignature, id)

	// An Ed25519 signature under the RSA key's id is refused.
	id, body = follow()
	resp = peer.Post(t, inboxURL, body, testnet.RFC9421(federation.MessageOptions{}), testnet.WithKey(peer.Ed25519Key))
	expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonBadSignature, id)
}

// Between Archipel nodes: every actor publishes both keys, and deliveries
// are RFC 9421 signatures made with the Ed25519 key, from the first one.
// Actors made before Ed25519 keys existed get one at the next start.
func TestArchipelNodesSignWithEd25519(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	ctx := context.Background()

	doc := a.Do("GET", "/users/alice", "", nil, "Accept", "application/activity+json")
	for _, want := range []string{`"publicKeyPem"`, `"assertionMethod":[{"id":"` + alice.Actor.URI + `#ed25519-key","type":"Multikey"`, `"publicKeyMultibase":"z6Mk`, `https://w3id.org/security/multikey/v1`} {
		if !strings.Contains(string(doc.Body), want) {
			t.Errorf("actor document lacks %s: %s", want, doc.Body)
		}
	}
	inst := a.Do("GET", "/actor", "", nil, "Accept", "application/activity+json")
	if !strings.Contains(string(inst.Body), `"type":"Multikey"`) {
		t.Errorf("instance actor has no Multikey: %.300s", inst.Body)
	}

	follow(t, alice, bob.Handle())
	var signer string
	if err := b.Pool.QueryRow(ctx, `select signer from activities where type = 'Follow' and actor_uri = $1`, alice.Actor.URI).Scan(&signer); err != nil || signer != alice.Actor.URI+"#ed25519-key" {
		t.Errorf("alice's Follow signed by %q (%v), want her Ed25519 key", signer, err)
	}
	if err := a.Pool.QueryRow(ctx, `select signer from activities where type = 'Accept' and actor_uri = $1`, bob.Actor.URI).Scan(&signer); err != nil || signer != bob.Actor.URI+"#ed25519-key" {
		t.Errorf("bob's Accept signed by %q (%v), want his Ed25519 key", signer, err)
	}
	if h, _ := a.Store.HostSignatures(ctx, b.Host); h.Scheme != federation.SchemeRFC9421 || !h.Ed25519 {
		t.Errorf("A knows of B %+v", h)
	}

	// An actor of before: no Ed25519 key; the next start gives it one.
	if _, err := a.Pool.Exec(ctx, `update actors set ed25519_key_id = '', ed25519_public_key = '', ed25519_private_key = '' where local`); err != nil {
		t.Fatal(err)
	}
	a.Stop()
	a.Restart()
	var missing int
	if err := a.Pool.QueryRow(ctx, `select count(*) from actors where local and (ed25519_key_id = '' or ed25519_private_key = '')`).Scan(&missing); err != nil || missing != 0 {
		t.Errorf("%d local actors without an Ed25519 key after restart (%v)", missing, err)
	}
}
