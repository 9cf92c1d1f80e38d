package client_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

var nextLink = regexp.MustCompile(`<([^>]+)>; rel="next"`)

// follow walks a list by its Link next, as Mastodon clients do, and
// returns how many items each page had.
func follow(t *testing.T, n *testnet.Node, token, path string) []int {
	t.Helper()
	var sizes []int
	for range 10 {
		res := n.Do("GET", path, token, nil)
		if res.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
		}
		var items []map[string]any
		res.JSON(t, &items)
		sizes = append(sizes, len(items))
		m := nextLink.FindStringSubmatch(res.Header.Get("Link"))
		if m == nil || len(items) == 0 {
			return sizes
		}
		path = strings.TrimPrefix(m[1], n.URL)
	}
	t.Fatalf("%s: more than 10 pages", path)
	return nil
}

// Every list pages as Mastodon's do: Link next (and prev) until an empty
// page; min_id gives the page just after it, newest first.
func TestPagingEverywhere(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	alice.API("PATCH", "/accounts/update_credentials", map[string]any{"locked": true})
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Pilotage"}).JSON(t, &g)
	var posts []string
	for _, name := range []string{"bob", "carol", "dan"} {
		u := n.CreateUser(name, store.TierState, "")
		u.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
		u.API("POST", "/groups/"+g.ID+"/join", nil)
		var st struct{ ID string }
		alice.API("POST", "/statuses", map[string]any{"status": "Point " + name}).JSON(t, &st)
		posts = append(posts, st.ID)
	}
	for path, want := range map[string]string{
		"/api/v1/follow_requests?limit=2":                              "2,1,0",
		"/api/v1/groups/" + g.ID + "/log?limit=2":                      "2,1,0",
		"/api/v1/groups/" + g.ID + "/members?limit=3":                  "3,1",
		"/api/v1/directory?limit=3":                                    "3,1",
		"/api/v1/groups?limit=1":                                       "1,1,0", // Pilotage and the animators' network alice joined as its owner
		"/api/v1/accounts/" + id(alice.Actor.ID) + "/statuses?limit=2": "2,1,0",
	} {
		got := follow(t, n, alice.Token, path)
		var s []string
		for _, k := range got {
			s = append(s, strconv.Itoa(k))
		}
		if strings.Join(s, ",") != want {
			t.Errorf("%s: pages of %v, want %s", path, got, want)
		}
	}
	var page []struct{ ID string }
	res := alice.API("GET", "/timelines/home?limit=1&min_id="+posts[0], nil)
	res.JSON(t, &page)
	if len(page) != 1 || page[0].ID != posts[1] || !strings.Contains(res.Header.Get("Link"), `rel="prev"`) {
		t.Errorf("min_id page: %+v %s", page, res.Header.Get("Link"))
	}
	for _, path := range []string{"/api/v1/groups?limit=x", "/api/v1/directory?offset=-1", "/api/v1/groups/" + g.ID + "/members?after=x",
		"/api/v1/follow_requests?since_id=abc", "/api/v1/groups/membership_events?limit=0", "/api/v1/timelines/home?max_id=1.5"} {
		if res := n.Do("GET", path, alice.Token, nil); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
}
