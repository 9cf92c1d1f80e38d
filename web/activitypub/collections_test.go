package activitypub_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const publicCollection = "https://www.w3.org/ns/activitystreams#Public"

func TestCollections(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	for i := range 25 {
		if res := alice.API("POST", "/statuses", map[string]any{"status": "Note " + strconv.Itoa(i)}); res.Status != 200 {
			t.Fatalf("post: %d %s", res.Status, res.Body)
		}
	}
	alice.API("POST", "/statuses", map[string]any{"status": "for followers", "visibility": "private"})
	var coll struct {
		Type       string
		TotalItems int
		First      string
	}
	n.Do("GET", "/users/alice/outbox", "", nil, "Accept", activityJSON).JSON(t, &coll)
	// The followers-only post is neither listed nor counted.
	if coll.Type != "OrderedCollection" || coll.TotalItems != 25 || coll.First == "" {
		t.Fatalf("outbox: %+v", coll)
	}
	var page struct {
		Type         string
		Next         string
		OrderedItems []struct {
			Type   string
			Object struct{ Content string }
		}
	}
	n.Do("GET", strings.TrimPrefix(coll.First, n.URL), "", nil, "Accept", activityJSON).JSON(t, &page)
	if page.Type != "OrderedCollectionPage" || len(page.OrderedItems) != ap.CollectionPageSize || page.Next == "" {
		t.Fatalf("first page: %s, %d items, next %q", page.Type, len(page.OrderedItems), page.Next)
	}
	if page.OrderedItems[0].Type != "Create" || page.OrderedItems[0].Object.Content != "<p>Note 24</p>" {
		t.Errorf("newest first: %+v", page.OrderedItems[0])
	}
	var second struct {
		OrderedItems []any
		Next         string
	}
	n.Do("GET", strings.TrimPrefix(page.Next, n.URL), "", nil, "Accept", activityJSON).JSON(t, &second)
	if len(second.OrderedItems) != 5 || second.Next != "" {
		t.Errorf("second page: %d items (followers-only post must not be listed), next %q", len(second.OrderedItems), second.Next)
	}

	// A public group's outbox carries its latest posts as the group announced
	// them, and its moderators inline (what Lemmy reads).
	pub := alice.API("POST", "/groups", map[string]any{"name": "Atelier ouvert", "visibility": "public"})
	var pg struct{ ID, Username string }
	pub.JSON(t, &pg)
	for i := range 3 {
		if res := alice.API("POST", "/statuses", map[string]any{"status": "Dans le groupe " + strconv.Itoa(i), "group_id": pg.ID}); res.Status != 200 {
			t.Fatalf("group post: %d %s", res.Status, res.Body)
		}
	}
	var gout struct {
		Type         string
		TotalItems   int
		First        string
		OrderedItems []struct {
			Type, Actor string
			Object      struct {
				Type   string
				Object struct{ Content string }
			}
		}
	}
	n.Do("GET", "/groups/"+pg.Username+"/outbox", "", nil, "Accept", activityJSON).JSON(t, &gout)
	if gout.TotalItems != 3 || len(gout.OrderedItems) != 3 || gout.First == "" {
		t.Fatalf("group outbox: %+v", gout)
	}
	if it := gout.OrderedItems[0]; it.Type != "Announce" || it.Actor != n.URL+"/groups/"+pg.Username ||
		it.Object.Type != "Create" || it.Object.Object.Content != "<p>Dans le groupe 2</p>" {
		t.Errorf("group outbox item: %+v", it)
	}
	var addressed struct {
		OrderedItems []struct {
			To     []string
			Object struct {
				To     []string
				Object struct {
					ID string
					To []string
				}
			}
		}
	}
	n.Do("GET", "/groups/"+pg.Username+"/outbox", "", nil, "Accept", activityJSON).JSON(t, &addressed)
	if it := addressed.OrderedItems[0]; !slices.Contains(it.To, publicCollection) || !slices.Contains(it.Object.To, publicCollection) ||
		!slices.Contains(it.Object.Object.To, publicCollection) {
		t.Errorf("a public group's announce, create and note must say they are public: %+v", it)
	} else if res := n.Do("GET", strings.TrimPrefix(it.Object.Object.ID, n.URL), "", nil, "Accept", activityJSON); res.Status != 200 {
		t.Errorf("unsigned GET of a public group's post: %d", res.Status)
	}
	quiet := alice.API("POST", "/groups", map[string]any{"name": "Atelier calme", "visibility": "public"})
	var qg struct{ Username string }
	quiet.JSON(t, &qg)
	if res := n.Do("GET", "/groups/"+qg.Username+"/outbox", "", nil, "Accept", activityJSON); !strings.Contains(string(res.Body), `"orderedItems":[]`) {
		t.Errorf("an empty group outbox has no orderedItems array: %s", res.Body)
	}
	var mods struct {
		TotalItems   int
		OrderedItems []string
	}
	n.Do("GET", "/groups/"+pg.Username+"/moderators", "", nil, "Accept", activityJSON).JSON(t, &mods)
	if mods.TotalItems != 1 || len(mods.OrderedItems) != 1 || mods.OrderedItems[0] != alice.Actor.URI {
		t.Errorf("moderators: %+v", mods)
	}
	empty := n.Do("GET", "/users/alice/followers?page=true", "", nil, "Accept", activityJSON)
	if !strings.Contains(string(empty.Body), `"orderedItems":[]`) {
		t.Errorf("an empty page has no orderedItems array: %s", empty.Body)
	}

	// Private group members are not shown to an unsigned reader.
	priv := alice.API("POST", "/groups", map[string]any{"name": "Projet SI", "visibility": "private"})
	var g struct{ Username string }
	priv.JSON(t, &g)
	if res := n.Do("GET", "/groups/"+g.Username+"/members", "", nil, "Accept", activityJSON); res.Status != 401 {
		t.Errorf("private members, unsigned: %d", res.Status)
	}
	pub = alice.API("POST", "/groups", map[string]any{"name": "Réseau public"})
	pub.JSON(t, &g)
	var members struct{ TotalItems int }
	n.Do("GET", "/groups/"+g.Username+"/members", "", nil, "Accept", activityJSON).JSON(t, &members)
	if members.TotalItems != 1 {
		t.Errorf("public group members: %d", members.TotalItems)
	}
}
