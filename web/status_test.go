package web_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// The status entity counts replies and shows a public group's posts as
// public.
func TestStatusEntity(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var st struct {
		ID           string
		RepliesCount int    `json:"replies_count"`
		Visibility   string `json:"visibility"`
	}
	alice.API("POST", "/statuses", map[string]any{"status": "Question du jour"}).JSON(t, &st)
	bob.API("POST", "/statuses", map[string]any{"status": "Réponse", "in_reply_to_id": st.ID})
	alice.API("GET", "/statuses/"+st.ID, nil).JSON(t, &st)
	if st.RepliesCount != 1 {
		t.Errorf("status: %+v", st)
	}

	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Ouvert", "visibility": "public"}).JSON(t, &g)
	alice.API("POST", "/statuses", map[string]any{"status": "Dans un groupe public", "group_id": g.ID}).JSON(t, &st)
	if st.Visibility != "public" {
		t.Errorf("post in a public group: visibility %q", st.Visibility)
	}
	alice.API("POST", "/groups", map[string]any{"name": "Fermé", "visibility": "private"}).JSON(t, &g)
	alice.API("POST", "/statuses", map[string]any{"status": "Dans un groupe privé", "group_id": g.ID}).JSON(t, &st)
	if st.Visibility != "private" {
		t.Errorf("post in a private group: visibility %q", st.Visibility)
	}
}

// A profile or group page's URL, asked for as ActivityPub, gives the actor
// document; as HTML, the page, which links that document.
func TestProfileURLsServeActors(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	var g struct{ Username, URI string }
	alice.API("POST", "/groups", map[string]any{"name": "Atelier", "visibility": "public"}).JSON(t, &g)
	for path, id := range map[string]string{"/@alice": alice.Actor.URI, "/@alice@" + n.Host: alice.Actor.URI, "/g/" + g.Username: g.URI} {
		var doc struct{ ID string }
		res := n.Do("GET", path, "", nil, "Accept", activityJSON)
		res.JSON(t, &doc)
		if res.Status != 200 || doc.ID != id || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/activity+json") {
			t.Errorf("%s as ActivityPub: %d %q %s", path, res.Status, res.Header.Get("Content-Type"), doc.ID)
		}
		page := n.Do("GET", path, "", nil, "Accept", "text/html")
		if page.Status != 200 || !strings.Contains(string(page.Body), `<link rel="alternate" type="application/activity+json" href="`+id+`">`) {
			t.Errorf("%s as HTML: %d, no alternate link", path, page.Status)
		}
	}
	if res := n.Do("GET", "/@nobody", "", nil, "Accept", activityJSON); res.Status != 404 {
		t.Errorf("unknown profile as ActivityPub: %d", res.Status)
	}
}
