package ap

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/keys"
)

// An actor's Ed25519 Multikey is read from assertionMethod only when it is
// the actor's own (controller), on its host, and an ed25519-pub key.
func TestParseActorMultikey(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	mb := keys.Ed25519Multibase(pub)
	doc := func(am string) []byte {
		return []byte(`{"id":"https://peer.example/users/a","type":"Person","inbox":"https://peer.example/users/a/inbox",
			"publicKey":{"id":"https://peer.example/users/a#main-key","owner":"https://peer.example/users/a","publicKeyPem":"x"},
			"assertionMethod":` + am + `}`)
	}
	key := func(id, controller, value string) string {
		return `{"id":"` + id + `","type":"Multikey","controller":"` + controller + `","publicKeyMultibase":"` + value + `"}`
	}
	own := key("https://peer.example/users/a#ed", "https://peer.example/users/a", mb)
	for _, tt := range []struct {
		name, am, want string
	}{
		{"one object", own, "https://peer.example/users/a#ed"},
		{"in an array after others", "[" + key("https://peer.example/users/a#k", "https://peer.example/users/a", "zQ3sh") + "," + own + "]", "https://peer.example/users/a#ed"},
		{"another controller", key("https://peer.example/users/a#ed", "https://peer.example/users/b", mb), ""},
		{"on another host", key("https://evil.example/k#ed", "https://peer.example/users/a", mb), ""},
		{"not ed25519", key("https://peer.example/users/a#ed", "https://peer.example/users/a", "z"+strings.Repeat("2", 40)), ""},
		{"malformed", `"nonsense"`, ""},
	} {
		a, err := ParseActor(doc(tt.am))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a.Ed25519KeyID != tt.want || (tt.want != "" && a.Ed25519PublicKey != mb) {
			t.Errorf("%s: key %q %q, want %q", tt.name, a.Ed25519KeyID, a.Ed25519PublicKey, tt.want)
		}
	}
}
