package wellknown_test

import (
	"strings"
	"testing"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func TestWebFingerAndNodeInfo(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	g := alice.API("POST", "/groups", map[string]any{"name": "Urbanisme Grand Est", "visibility": "public"})
	var group struct{ ID, Acct, Username string }
	g.JSON(t, &group)
	if g.Status != 200 || group.Acct != "urbanisme_grand_est@"+n.Host {
		t.Fatalf("create group: %d %s", g.Status, g.Body)
	}
	secret := alice.API("POST", "/groups", map[string]any{"name": "Cellule de crise", "visibility": "secret"})
	if secret.Status != 200 {
		t.Fatalf("secret group: %d %s", secret.Status, secret.Body)
	}

	for _, tc := range []struct {
		resource string
		status   int
		self     string
	}{
		{"acct:alice@" + n.Host, 200, n.URL + "/users/alice"},
		{"acct:ALICE@" + n.Host, 200, n.URL + "/users/alice"},
		{n.URL + "/users/alice", 200, n.URL + "/users/alice"},
		{"acct:urbanisme_grand_est@" + n.Host, 200, n.URL + "/groups/urbanisme_grand_est"},
		{"acct:cellule_de_crise@" + n.Host, 404, ""},
		{"acct:nobody@" + n.Host, 404, ""},
		{"acct:alice@elsewhere.example", 404, ""},
		{"", 400, ""},
	} {
		res := n.Do("GET", "/.well-known/webfinger?resource="+tc.resource, "", nil)
		if res.Status != tc.status {
			t.Errorf("webfinger %q: %d, want %d", tc.resource, res.Status, tc.status)
			continue
		}
		if tc.status != 200 {
			var e map[string]string
			res.JSON(t, &e)
			if e["error"] == "" {
				t.Errorf("webfinger %q: no error message", tc.resource)
			}
			continue
		}
		var jrd struct {
			Subject string
			Links   []struct{ Rel, Type, Href string }
		}
		res.JSON(t, &jrd)
		var self string
		for _, l := range jrd.Links {
			if l.Rel == "self" && l.Type == activityJSON {
				self = l.Href
			}
		}
		if self != tc.self || !strings.HasPrefix(jrd.Subject, "acct:") {
			t.Errorf("webfinger %q: subject %q self %q", tc.resource, jrd.Subject, self)
		}
	}

	groupDoc := n.Do("GET", "/groups/urbanisme_grand_est", "", nil, "Accept", activityJSON)
	it, err := vocab.UnmarshalJSON(groupDoc.Body)
	if err != nil || it == nil || it.GetType() != vocab.GroupType {
		t.Fatalf("group actor: %d %v %s", groupDoc.Status, err, groupDoc.Body)
	}
	if n.Do("GET", "/groups/cellule_de_crise", "", nil, "Accept", activityJSON).Status != 404 {
		t.Error("secret group actor disclosed to an anonymous reader")
	}
	inst := n.Do("GET", "/actor", "", nil, "Accept", activityJSON)
	if it, err := vocab.UnmarshalJSON(inst.Body); err != nil || it == nil || it.GetType() != vocab.ApplicationType {
		t.Errorf("instance actor: %d %s", inst.Status, inst.Body)
	}

	var links struct{ Links []struct{ Rel, Href string } }
	n.Do("GET", "/.well-known/nodeinfo", "", nil).JSON(t, &links)
	if len(links.Links) != 1 || links.Links[0].Href != n.URL+"/nodeinfo/2.1" {
		t.Fatalf("nodeinfo links: %+v", links)
	}
	var info struct {
		Version   string
		Software  struct{ Name, Version string }
		Protocols []string
		Usage     struct {
			Users struct{ Total int }
		}
	}
	n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &info)
	if info.Version != "2.1" || info.Software.Name != "archipel" || info.Protocols[0] != "activitypub" || info.Usage.Users.Total != 1 {
		t.Errorf("nodeinfo: %+v", info)
	}
}

const activityJSON = "application/activity+json"
