package inbox_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// fixture reads an activity shaped like a peer's and fills its placeholders.
func fixture(t *testing.T, name string, vars map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/interop/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for k, v := range vars {
		if k == "pem" {
			b, _ := json.Marshal(v)
			v = strings.Trim(string(b), `"`)
		}
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("fixture %s: unfilled placeholder near %q", name, s[i:min(len(s), i+20)])
	}
	return []byte(s)
}

// received waits for the fake peer to get a POST of typ whose object is objectID.
func received(t *testing.T, r *testnet.RemoteActor, typ, objectID string) map[string]any {
	t.Helper()
	var found map[string]any
	testnet.Eventually(t, wait, "a "+typ+" of "+objectID+" at "+r.URI, func() bool {
		for _, req := range r.Posts() {
			var act map[string]any
			if json.Unmarshal(req.Body, &act) != nil || act["type"] != typ || !req.Signed() {
				continue
			}
			obj := act["object"]
			if m, ok := obj.(map[string]any); ok {
				obj = m["id"]
			}
			if obj == objectID {
				found = act
				return true
			}
		}
		return false
	})
	return found
}

func TestMobilizonAndLemmyShapes(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Réseau public", "visibility": "public", "join_policy": "open"})
	groupURI := a.URL + "/groups/reseau_public"
	groupInbox := groupURI + "/inbox"

	// Mobilizon: Join → Accept{Join} from the group; Leave ends it.
	mz := testnet.NewRemoteActor(t, "mobilizon_user")
	joinID := mz.NewID("join")
	if res := mz.Post(t, groupInbox, fixture(t, "mobilizon_join.json", map[string]string{"id": joinID, "actor": mz.URI, "group": groupURI})); res.StatusCode != 202 {
		t.Fatalf("Mobilizon Join: %d", res.StatusCode)
	}
	accept := received(t, mz, "Accept", joinID)
	if accept["actor"] != groupURI {
		t.Errorf("Accept{Join} sent by %v, want the group", accept["actor"])
	}
	var members []struct{ Account struct{ Acct string } }
	alice.API("GET", "/groups/"+g.ID+"/members", nil).JSON(t, &members)
	if len(members) != 2 {
		t.Fatalf("members after the Mobilizon join: %+v", members)
	}
	mz.Post(t, groupInbox, fixture(t, "mobilizon_leave.json", map[string]string{"id": mz.NewID("leave"), "actor": mz.URI, "group": groupURI}))
	testnet.Eventually(t, wait, "the Mobilizon member gone", func() bool {
		alice.API("GET", "/groups/"+g.ID+"/members", nil).JSON(t, &members)
		return len(members) == 1
	})

	// Lemmy: Follow of a public group subscribes; Lemmy never sends Join, so
	// a follower who posts in an open group becomes a member by posting.
	lm := testnet.NewRemoteActor(t, "lemmy_user")
	followID := lm.NewID("follow")
	lm.Post(t, groupInbox, fixture(t, "lemmy_follow.json", map[string]string{"id": followID, "actor": lm.URI, "group": groupURI}))
	received(t, lm, "Accept", followID)
	pageID := lm.NewID("post")
	lm.Post(t, groupInbox, fixture(t, "lemmy_create_page.json", map[string]string{"id": lm.NewID("create"), "actor": lm.URI, "group": groupURI, "object": pageID}))
	alice.API("POST", "/statuses", map[string]any{"status": "Bienvenue", "group_id": g.ID})
	testnet.Eventually(t, wait, "the follower's post processed", func() bool {
		var n int
		_ = a.Pool.QueryRow(ctx, `select count(*) from activities where not local and processed_at is null`).Scan(&n)
		return n == 0
	})
	if _, err := a.Store.ObjectByURI(ctx, pageID); err != nil {
		t.Errorf("a Lemmy follower's post in an open group: %v", err)
	}
	alice.API("GET", "/groups/"+g.ID+"/members", nil).JSON(t, &members)
	if len(members) != 2 {
		t.Errorf("the Lemmy poster is not a member: %+v", members)
	}
	// Lemmy unsubscribes with Undo{Follow}: that ends the membership too.
	undoID := lm.NewID("undo")
	lm.Post(t, groupInbox, mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": undoID, "type": "Undo",
		"actor": lm.URI, "object": map[string]any{"id": followID, "type": "Follow", "actor": lm.URI, "object": groupURI}}))
	if reason := processedReason(t, a, undoID); reason != "" {
		t.Fatalf("Undo{Follow} of the group: %s", reason)
	}
	alice.API("GET", "/groups/"+g.ID+"/members", nil).JSON(t, &members)
	if len(members) != 1 {
		t.Errorf("after Undo{Follow} the Lemmy user is still a member: %+v", members)
	}
	// In a group that approves its members, following stays read-only.
	createGroup(t, alice, map[string]any{"name": "Réseau sur demande", "visibility": "public", "join_policy": "approval"})
	approvalURI := a.URL + "/groups/reseau_sur_demande"
	followID2 := lm.NewID("follow")
	lm.Post(t, approvalURI+"/inbox", fixture(t, "lemmy_follow.json", map[string]string{"id": followID2, "actor": lm.URI, "group": approvalURI}))
	received(t, lm, "Accept", followID2)
	page2 := lm.NewID("post")
	create2 := lm.NewID("create")
	lm.Post(t, approvalURI+"/inbox", fixture(t, "lemmy_create_page.json", map[string]string{"id": create2, "actor": lm.URI, "group": approvalURI, "object": page2}))
	if reason := processedReason(t, a, create2); !strings.Contains(reason, "posting needs membership") {
		t.Errorf("a follower's post in an approval group: %q", reason)
	}
	if _, err := a.Store.ObjectByURI(ctx, page2); err == nil {
		t.Error("a read-only follower's post was taken into an approval group")
	}
	// The follower's node receives the group's announces, in the form Lemmy
	// reads: Announce{Create{Note}}, the Create embedded (Lemmy refuses the
	// Announce{Note} it also gets, as it refuses its own).
	testnet.Eventually(t, wait, "the group's Announce{Create{Note}} at the Lemmy follower's node", func() bool {
		for _, req := range lm.Posts() {
			var act struct {
				Type, Actor string
				Object      struct {
					Type   string
					Object struct{ Type, Content string }
				}
			}
			if json.Unmarshal(req.Body, &act) == nil && act.Type == "Announce" && act.Actor == groupURI &&
				act.Object.Type == "Create" && act.Object.Object.Type == "Note" && strings.Contains(act.Object.Object.Content, "Bienvenue") {
				return true
			}
		}
		return false
	})
}

// A Lemmy instance may have a user and a community of one name; joining by
// handle finds the community even when the user is known here.
func TestJoinLemmyCommunityNamedLikeAUser(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	bob := a.CreateUser("bob", store.TierState, "")
	lemmy := testnet.NewRemoteActor(t, "rust")
	community := lemmy.Base + "/c/rust"
	lemmy.Serve("/c/rust", fixture(t, "lemmy_group.json", map[string]string{"group": community, "base": lemmy.Base, "pem": lemmy.PublicKeyPEM}))
	jrd, _ := json.Marshal(map[string]any{"subject": "acct:rust@" + lemmy.Host, "links": []map[string]any{
		{"rel": "self", "type": "application/activity+json", "href": lemmy.URI},
		{"rel": "self", "type": "application/activity+json", "href": community,
			"properties": map[string]string{"https://www.w3.org/ns/activitystreams#type": "Group"}}}})
	lemmy.Serve("/.well-known/webfinger", jrd)
	if _, err := a.Federator.Actor(ctx, lemmy.URI, true); err != nil { // the user is known here first
		t.Fatal(err)
	}
	var onA groupEntity
	res := bob.API("POST", "/groups/join", map[string]string{"acct": "rust@" + lemmy.Host})
	res.JSON(t, &onA)
	if res.Status != 200 || onA.URI != community {
		t.Fatalf("join rust@%s: %d %s", lemmy.Host, res.Status, res.Body)
	}
}

func TestJoiningALemmyCommunity(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	bob := a.CreateUser("bob", store.TierState, "")
	lemmy := testnet.NewRemoteActor(t, "redacteur")
	community := lemmy.Base + "/c/numerique_public"
	lemmy.Serve("/c/numerique_public", fixture(t, "lemmy_group.json", map[string]string{"group": community, "base": lemmy.Base, "pem": lemmy.PublicKeyPEM}))
	jrd, _ := json.Marshal(map[string]any{"subject": "acct:numerique_public@" + lemmy.Host,
		"links": []map[string]string{{"rel": "self", "type": "application/activity+json", "href": community}}})
	lemmy.Serve("/.well-known/webfinger", jrd)
	asGroup := testnet.WithKeyID(community + "#main-key")

	var onA groupEntity
	res := bob.API("POST", "/groups/join", map[string]string{"acct": "numerique_public@" + lemmy.Host})
	res.JSON(t, &onA)
	if res.Status != 200 || onA.Membership != store.StatePending {
		t.Fatalf("join the Lemmy community: %d %s", res.Status, res.Body)
	}
	// Lemmy communities are joined with Follow.
	follow := received(t, lemmy, "Follow", community)
	followID, _ := follow["id"].(string)

	// Someone else than the community cannot accept for it.
	forged := fixture(t, "lemmy_accept_follow.json", map[string]string{"group": lemmy.URI, "follower": bob.Actor.URI, "follow": followID, "id": lemmy.NewID("accept")})
	lemmy.Post(t, a.URL+"/inbox", forged)
	// An Announce claiming to be the community but signed by a person is refused outright.
	spoof := fixture(t, "lemmy_announce_create_page.json", map[string]string{"group": community, "author": lemmy.URI,
		"create": lemmy.NewID("create"), "object": lemmy.NewID("post"), "id": lemmy.NewID("announce")})
	if res := lemmy.Post(t, a.URL+"/inbox", spoof); res.StatusCode != 401 {
		t.Errorf("announce of the community signed by another actor: %d", res.StatusCode)
	}
	if got := membership(t, bob, onA.ID); got != store.StatePending {
		t.Fatalf("membership after a forged Accept: %q", got)
	}
	lemmy.Post(t, a.URL+"/inbox", fixture(t, "lemmy_accept_follow.json", map[string]string{"group": community, "follower": bob.Actor.URI,
		"follow": followID, "id": lemmy.NewID("accept")}), asGroup)
	waitMembership(t, bob, onA.ID, store.StateAccepted)

	// A post straight from a Lemmy user into the community is not trusted…
	direct := lemmy.NewID("post")
	lemmy.Post(t, a.URL+"/inbox", fixture(t, "lemmy_create_page.json", map[string]string{"id": lemmy.NewID("create"), "actor": lemmy.URI,
		"group": community, "object": direct}))
	// …the community's Announce of it is.
	announced := lemmy.NewID("post")
	lemmy.Post(t, a.URL+"/inbox", fixture(t, "lemmy_announce_create_page.json", map[string]string{"group": community, "author": lemmy.URI,
		"create": lemmy.NewID("create"), "object": announced, "id": lemmy.NewID("announce")}), asGroup)
	testnet.Eventually(t, wait, "the announced Page in bob's group timeline", func() bool { return hasPost(groupTimeline(t, bob, onA.ID), announced) })
	if _, err := a.Store.ObjectByURI(ctx, direct); err == nil {
		t.Error("a post sent straight to the community's audience, not announced by it, was kept")
	}
	// Leaving a Lemmy community is Undo{Follow}.
	bob.API("POST", "/groups/"+onA.ID+"/leave", nil)
	undo := received(t, lemmy, "Undo", followID)
	if undo["actor"] != bob.Actor.URI {
		t.Errorf("Undo by %v", undo["actor"])
	}
}
