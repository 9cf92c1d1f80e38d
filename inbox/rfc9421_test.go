package inbox_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// RFC 9421 deliveries: a valid one is accepted like a cavage one; each
// hostile one is refused with 401 and a JSON error and leaves nothing
// behind. The key-owner and key-host rules are the cavage ones.
func TestHostileInboxRFC9421(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	bobInbox := n.URL + "/users/bob/inbox"
	mallory := testnet.NewRemoteActor(t, "mallory")
	eve := testnet.NewRemoteActor(t, "eve")
	msg := func(o federation.MessageOptions) testnet.SendOption { return testnet.RFC9421(o) }
	followBy := func(r *testnet.RemoteActor) (string, []byte) {
		id := r.NewID("follows")
		return id, mustJSON(t, followOf(id, r.URI, bob.Actor.URI))
	}

	t.Run("valid", func(t *testing.T) {
		id, body := followBy(mallory)
		expectStatus(t, mallory.Post(t, bobInbox, body, msg(federation.MessageOptions{})), http.StatusAccepted)
		if c := activityRows(t, n.Node, id); c != 1 {
			t.Errorf("%d rows", c)
		}
		a, err := n.Store.ActivityByURI(t.Context(), id)
		if err != nil || a.Signer != mallory.KeyID {
			t.Errorf("signer %v, %v", a, err)
		}
		if reason := processed(t, n.Node, id); reason != "" {
			t.Errorf("follow refused: %s", reason)
		}
	})

	sha := sha256.Sum256([]byte("another body"))
	wrongDigest := "sha-256=:" + base64.StdEncoding.EncodeToString(sha[:]) + ":"
	none := ""
	for _, tt := range []struct {
		name   string
		opts   []testnet.SendOption
		reason string
	}{
		{"missing created", []testnet.SendOption{msg(federation.MessageOptions{NoCreated: true})}, federation.ReasonMissingHeaders},
		{"created 13 hours old", []testnet.SendOption{msg(federation.MessageOptions{Created: time.Now().Add(-13 * time.Hour)})}, federation.ReasonStaleDate},
		{"created 13 hours ahead", []testnet.SendOption{msg(federation.MessageOptions{Created: time.Now().Add(13 * time.Hour)})}, federation.ReasonStaleDate},
		{"Content-Digest of another body", []testnet.SendOption{msg(federation.MessageOptions{ContentDigest: &wrongDigest})}, federation.ReasonDigestMismatch},
		{"body changed after signing", []testnet.SendOption{msg(federation.MessageOptions{}), testnet.SignedOver([]byte(`{"id":"other"}`))}, federation.ReasonDigestMismatch},
		{"no Content-Digest on a POST", []testnet.SendOption{msg(federation.MessageOptions{ContentDigest: &none, Components: []string{"@method", "@target-uri"}})}, federation.ReasonMissingHeaders},
		{"Content-Digest not covered", []testnet.SendOption{msg(federation.MessageOptions{Components: []string{"@method", "@target-uri"}})}, federation.ReasonMissingHeaders},
		{"@target-uri of another inbox", []testnet.SendOption{msg(federation.MessageOptions{}), testnet.SignedFor(n.URL + "/users/carol/inbox")}, federation.ReasonBadSignature},
		{"@method not covered", []testnet.SendOption{msg(federation.MessageOptions{Components: []string{"@target-uri", "content-digest"}})}, federation.ReasonMissingHeaders},
		{"unknown algorithm", []testnet.SendOption{msg(federation.MessageOptions{Alg: "hmac-sha256"})}, federation.ReasonMalformedSignature},
		{"another key under the actor's key id", []testnet.SendOption{msg(federation.MessageOptions{}), testnet.WithKey(eve.Key)}, federation.ReasonBadSignature},
		{"keyid on another host than the actor", []testnet.SendOption{msg(federation.MessageOptions{}), testnet.SignedBy(eve)}, "not on its host"},
		{"signature bytes corrupted", []testnet.SendOption{msg(federation.MessageOptions{}), testnet.EditSignature(func(string) string { return "sig1=:AAAA:" })}, federation.ReasonBadSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := countRows(t, n.Node)
			id, body := followBy(mallory)
			resp := mallory.Post(t, bobInbox, body, tt.opts...)
			expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, tt.reason, id)
		})
	}
	if reqs := eve.Requests(); len(reqs) != 0 {
		t.Errorf("the node fetched eve's key for a signature on mallory's activity: %s %s", reqs[0].Method, reqs[0].Path)
	}
}
