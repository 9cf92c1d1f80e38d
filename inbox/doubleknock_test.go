package inbox_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// schemeRefusals reads how many requests a node refused for their
// signature scheme (its metrics).
func schemeRefusals(t *testing.T, n *testnet.Node) int {
	t.Helper()
	res := n.Do("GET", "/metrics", "", nil)
	m := regexp.MustCompile(`archipel_inbox_refused_total\{reason="` + federation.ReasonSchemeRefused + `"\} (\d+)`).FindSubmatch(res.Body)
	if m == nil {
		return 0
	}
	c, _ := strconv.Atoi(string(m[1]))
	return c
}

// Node B accepts only draft-cavage (ARCHIPEL_SIGNATURE_SCHEMES=cavage), like
// a peer that predates RFC 9421. A's deliveries still arrive: the first is
// refused in RFC 9421 and sent again in cavage, and A remembers it, so the
// later ones go in cavage at once. B's deliveries to A go in RFC 9421,
// which A accepts, and B remembers that.
func TestDoubleKnockToCavageOnlyNode(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	b := testnet.StartNode(t, testnet.Options{SignatureSchemes: "cavage"})
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	ctx := context.Background()

	follow(t, alice, bob.Handle()) // A's Follow to B, B's Accept to A
	if h, err := a.Store.HostSignatures(ctx, b.Host); err != nil || h.Scheme != federation.SchemeCavage {
		t.Errorf("A knows of B: %+v, %v; want cavage", h, err)
	}
	if h, err := b.Store.HostSignatures(ctx, a.Host); err != nil || h.Scheme != federation.SchemeRFC9421 {
		t.Errorf("B knows of A: %+v, %v; want rfc9421", h, err)
	}
	// The fallback is cavage with the RSA key, which every peer verifies,
	// though B publishes Ed25519 keys.
	var signer string
	if err := b.Pool.QueryRow(ctx, `select signer from activities where type = 'Follow' and actor_uri = $1`, alice.Actor.URI).Scan(&signer); err != nil || signer != alice.Actor.PublicKeyID {
		t.Errorf("alice's Follow signed by %q (%v), want her RSA key", signer, err)
	}
	refused := schemeRefusals(t, b)
	if refused == 0 {
		t.Errorf("B refused no RFC 9421 request: A did not try it first")
	}

	// Bob follows alice, alice posts: deliveries from A to B arrive, signed
	// in cavage from the first request.
	follow(t, bob, alice.Handle())
	var posted []status
	for i := range 3 {
		var s status
		alice.API("POST", "/statuses", map[string]string{"status": "Compte rendu " + strconv.Itoa(i)}).JSON(t, &s)
		posted = append(posted, s)
	}
	testnet.Eventually(t, wait, "alice's posts in bob's home timeline", func() bool {
		seen := map[string]bool{}
		for _, s := range homeTimeline(bob) {
			seen[s.URI] = true
		}
		for _, p := range posted {
			if !seen[p.URI] {
				return false
			}
		}
		return true
	})
	if now := schemeRefusals(t, b); now != refused {
		t.Errorf("B refused %d more RFC 9421 requests after A learnt cavage", now-refused)
	}
}
