package client_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func timeline(t *testing.T, n *testnet.Node, token, path string) []fullStatus {
	t.Helper()
	res := n.Do("GET", "/api/v1"+path, token, nil)
	if res.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var list []fullStatus
	res.JSON(t, &list)
	return list
}

func statusIDs(list []fullStatus) string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, s.ID)
	}
	return strings.Join(out, ",")
}

// Hashtags in local posts are linked as Mastodon links them, kept, shown in
// the entity and federated as Hashtag tags; the public and hashtag
// timelines, followed hashtags and the hashtag page read them.
func TestHashtagsAndTimelines(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	dan := n.CreateUser("dan", store.TierState, "")
	var post, private, reply, unlisted fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Atelier #Urbanisme et #énergie_2030 demain (pas #1 ni l'ami#test)"}).JSON(t, &post)
	bob.API("POST", "/statuses", map[string]any{"status": "Entre nous #urbanisme", "visibility": "private"}).JSON(t, &private)
	bob.API("POST", "/statuses", map[string]any{"status": "J'y serai #urbanisme", "in_reply_to_id": post.ID}).JSON(t, &reply)
	bob.API("POST", "/statuses", map[string]any{"status": "Discret #urbanisme", "visibility": "unlisted"}).JSON(t, &unlisted)

	link := `<a href="` + n.URL + `/tags/urbanisme" class="mention hashtag" rel="tag">#<span>Urbanisme</span></a>`
	if !strings.Contains(post.Content, link) || strings.Contains(post.Content, "/tags/1") || strings.Contains(post.Content, "/tags/test") {
		t.Errorf("content: %s", post.Content)
	}
	if len(post.Tags) != 2 || post.Tags[0].Name != "urbanisme" || post.Tags[1].Name != "énergie_2030" ||
		post.Tags[0].URL != n.URL+"/tags/urbanisme" {
		t.Errorf("tags: %+v", post.Tags)
	}
	doc := n.Do("GET", strings.TrimPrefix(post.URI, n.URL), "", nil, "Accept", "application/activity+json")
	if !strings.Contains(string(doc.Body), `{"type":"Hashtag","href":"`+n.URL+`/tags/urbanisme","name":"#urbanisme"}`) {
		t.Errorf("note document lacks the Hashtag: %s", doc.Body)
	}

	if got := statusIDs(timeline(t, n, "", "/timelines/public")); got != post.ID {
		t.Errorf("public timeline: %s, want only %s (no reply, private or unlisted post)", got, post.ID)
	}
	if got := statusIDs(timeline(t, n, "", "/timelines/public?local=true")); got != post.ID {
		t.Errorf("local timeline: %s", got)
	}
	if got := timeline(t, n, "", "/timelines/public?remote=true"); len(got) != 0 {
		t.Errorf("remote timeline: %s", statusIDs(got))
	}
	if got := timeline(t, n, "", "/timelines/public?only_media=true"); len(got) != 0 {
		t.Errorf("only_media: %s", statusIDs(got))
	}
	want := reply.ID + "," + post.ID
	for _, path := range []string{"/timelines/tag/urbanisme", "/timelines/tag/Urbanisme", "/timelines/tag/%23urbanisme"} {
		if got := statusIDs(timeline(t, n, bob.Token, path)); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	if got := statusIDs(timeline(t, n, "", "/timelines/tag/urbanisme?all[]=%C3%A9nergie_2030")); got != post.ID {
		t.Errorf("all[]: %s", got)
	}
	if got := statusIDs(timeline(t, n, "", "/timelines/tag/urbanisme?none[]=%C3%A9nergie_2030")); got != reply.ID {
		t.Errorf("none[]: %s", got)
	}
	if got := statusIDs(timeline(t, n, "", "/timelines/tag/nothing?any[]=%C3%89NERGIE_2030")); got != post.ID {
		t.Errorf("any[]: %s", got)
	}
	for _, path := range []string{"/api/v1/timelines/tag/%23%23", "/api/v1/timelines/tag/urbanisme?all[]=a-b",
		"/api/v1/timelines/tag/%ff", "/api/v1/tags/123", "/api/v1/timelines/public?max_id=x"} {
		if res := n.Do("GET", path, "", nil); res.Status < 400 || res.Status >= 500 {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}

	// Followed hashtags bring public posts home.
	var tag struct {
		Name      string
		URL       string
		History   []struct{ Day, Uses, Accounts string }
		Following *bool
	}
	dan.API("GET", "/tags/Urbanisme", nil).JSON(t, &tag)
	if tag.Name != "urbanisme" || len(tag.History) != 7 || tag.History[0].Uses != "2" || tag.Following == nil || *tag.Following {
		t.Errorf("tag: %+v", tag)
	}
	if len(timeline(t, n, dan.Token, "/timelines/home")) != 0 {
		t.Fatalf("dan's home before following the tag")
	}
	dan.API("POST", "/tags/urbanisme/follow", nil).JSON(t, &tag)
	if tag.Following == nil || !*tag.Following {
		t.Errorf("follow tag: %+v", tag)
	}
	var followed []struct{ Name string }
	dan.API("GET", "/followed_tags", nil).JSON(t, &followed)
	if len(followed) != 1 || followed[0].Name != "urbanisme" {
		t.Errorf("followed_tags: %+v", followed)
	}
	if got := statusIDs(timeline(t, n, dan.Token, "/timelines/home")); got != want {
		t.Errorf("dan's home with the tag followed: %s, want %s (public posts only)", got, want)
	}
	dan.API("POST", "/tags/urbanisme/unfollow", nil)
	if len(timeline(t, n, dan.Token, "/timelines/home")) != 0 {
		t.Errorf("dan's home after unfollowing the tag")
	}

	// An edit changes the hashtags.
	var edited fullStatus
	alice.API("PUT", "/statuses/"+post.ID, map[string]any{"status": "Atelier #mobilité"}).JSON(t, &edited)
	if len(edited.Tags) != 1 || edited.Tags[0].Name != "mobilité" {
		t.Errorf("tags after edit: %+v", edited.Tags)
	}
	if got := statusIDs(timeline(t, n, "", "/timelines/tag/urbanisme")); got != reply.ID {
		t.Errorf("tag timeline after the edit: %s", got)
	}

	// The hashtag's web page.
	res, err := http.Get(n.URL + "/tags/mobilit%C3%A9")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "<h1>#mobilité</h1>") || !strings.Contains(string(page), "Atelier") {
		t.Errorf("tag page: %d", res.StatusCode)
	}
	if res, _ := http.Get(n.URL + "/tags/%23%23"); res.StatusCode != http.StatusNotFound {
		t.Errorf("tag page of a non-tag: %d", res.StatusCode)
	}
}
