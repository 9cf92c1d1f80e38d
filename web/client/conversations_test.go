package client_test

import (
	"net/http"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type conversation struct {
	ID         string
	Unread     bool
	Accounts   []struct{ Username string }
	LastStatus *struct{ ID string } `json:"last_status"`
}

func conversationsOf(t *testing.T, u *testnet.User) []conversation {
	t.Helper()
	res := u.API("GET", "/conversations", nil)
	if res.Status != 200 {
		t.Fatalf("conversations: %d %s", res.Status, res.Body)
	}
	var list []conversation
	res.JSON(t, &list)
	return list
}

// Direct messages show as conversations: one per thread, with its people
// and latest message, unread until read, removable until a new message.
func TestConversations(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	var first, answer, other fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "@bob le dossier est prêt", "visibility": "direct"}).JSON(t, &first)
	bob.API("POST", "/statuses", map[string]any{"status": "@alice merci", "visibility": "direct", "in_reply_to_id": first.ID}).JSON(t, &answer)
	carol.API("POST", "/statuses", map[string]any{"status": "@alice une question", "visibility": "direct"}).JSON(t, &other)
	alice.API("POST", "/statuses", map[string]any{"status": "Public, pas une conversation"})

	list := conversationsOf(t, alice)
	if len(list) != 2 || list[0].ID != other.ID || list[1].ID != first.ID || list[1].LastStatus == nil ||
		list[1].LastStatus.ID != answer.ID || len(list[1].Accounts) != 1 || list[1].Accounts[0].Username != "bob" ||
		!list[0].Unread || !list[1].Unread {
		t.Fatalf("alice's conversations: %+v", list)
	}
	if got := conversationsOf(t, bob); len(got) != 1 || got[0].Unread {
		t.Errorf("bob's conversations (his message is the latest): %+v", got)
	}
	if got := conversationsOf(t, carol); len(got) != 1 {
		t.Errorf("carol sees %d conversations", len(got))
	}
	var read conversation
	alice.API("POST", "/conversations/"+first.ID+"/read", nil).JSON(t, &read)
	if read.Unread || conversationsOf(t, alice)[1].Unread {
		t.Errorf("read: %+v", read)
	}
	alice.API("DELETE", "/conversations/"+other.ID, nil)
	if got := conversationsOf(t, alice); len(got) != 1 || got[0].ID != first.ID {
		t.Errorf("after delete: %+v", got)
	}
	carol.API("POST", "/statuses", map[string]any{"status": "@alice relance", "visibility": "direct", "in_reply_to_id": other.ID})
	if got := conversationsOf(t, alice); len(got) != 2 || got[0].ID != other.ID || !got[0].Unread {
		t.Errorf("a new message brings it back: %+v", got)
	}
	for _, path := range []string{"/conversations/" + first.ID + "/read", "/conversations/abc/read", "/conversations/999999/read"} {
		if res := carol.API("POST", path, nil); res.Status != http.StatusNotFound {
			t.Errorf("%s by someone outside: %d", path, res.Status)
		}
	}
	if res := alice.API("GET", "/conversations?limit=-1", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("limit -1: %d", res.Status)
	}
	if got := follow(t, n, alice.Token, "/api/v1/conversations?limit=1"); len(got) != 3 || got[0] != 1 || got[1] != 1 {
		t.Errorf("conversation pages: %v", got)
	}
}
