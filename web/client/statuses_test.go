package client_test

import (
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
