package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

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

type fullStatus struct {
	ID               string
	URI              string
	Content          string
	Text             *string
	SpoilerText      string  `json:"spoiler_text"`
	Sensitive        bool    `json:"sensitive"`
	Language         *string `json:"language"`
	Favourited       bool
	Reblogged        bool
	Bookmarked       bool
	Muted            bool
	Pinned           *bool
	FavouritesCount  int        `json:"favourites_count"`
	ReblogsCount     int        `json:"reblogs_count"`
	EditedAt         *time.Time `json:"edited_at"`
	InReplyToID      *string    `json:"in_reply_to_id"`
	Mentions         []struct{ ID, Acct string }
	Emojis           []any
	Tags             []struct{ Name, URL string }
	Card             any
	Application      any
	MediaAttachments []any `json:"media_attachments"`
	Account          struct{ ID, Acct string }
	Reblog           *fullStatus
}

func statusOf(t *testing.T, u *testnet.User, id string) fullStatus {
	t.Helper()
	res := u.API("GET", "/statuses/"+id, nil)
	if res.Status != 200 {
		t.Fatalf("GET status %s: %d %s", id, res.Status, res.Body)
	}
	var st fullStatus
	res.JSON(t, &st)
	return st
}

// The Status entity is complete for its reader: their own favourite,
// reblog, bookmark and pin, the content warning both ways, the language,
// mentions; reblog answers with the wrapping status, delete with the text.
func TestStatusEntityComplete(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	res := alice.API("POST", "/statuses", map[string]any{"status": "Chiffres du chômage, @bob", "spoiler_text": "Données provisoires",
		"language": "fr"})
	var st fullStatus
	res.JSON(t, &st)
	if !strings.Contains(string(res.Body), `"card":null`) || !strings.Contains(string(res.Body), `"application":null`) ||
		!strings.Contains(string(res.Body), `"emojis":[]`) || !strings.Contains(string(res.Body), `"edited_at":null`) {
		t.Errorf("entity lacks Mastodon's null and empty fields: %s", res.Body)
	}
	if st.SpoilerText != "Données provisoires" || !st.Sensitive || st.Language == nil || *st.Language != "fr" ||
		st.Pinned == nil || *st.Pinned || len(st.Mentions) != 1 || st.Mentions[0].Acct != "bob" {
		t.Fatalf("new status: %+v", st)
	}

	bob.API("POST", "/statuses/"+st.ID+"/favourite", nil)
	var wrapper fullStatus
	bob.API("POST", "/statuses/"+st.ID+"/reblog", nil).JSON(t, &wrapper)
	if wrapper.Reblog == nil || wrapper.Reblog.ID != st.ID || wrapper.ID == st.ID || wrapper.Account.ID != id(bob.Actor.ID) {
		t.Errorf("reblog answer: %+v", wrapper)
	}
	bob.API("POST", "/statuses/"+st.ID+"/bookmark", nil)
	seen := statusOf(t, bob, st.ID)
	if !seen.Favourited || !seen.Reblogged || !seen.Bookmarked || seen.Pinned != nil || seen.FavouritesCount != 1 || seen.ReblogsCount != 1 {
		t.Errorf("bob's view: %+v", seen)
	}
	if mine := statusOf(t, alice, st.ID); mine.Favourited || mine.Reblogged || mine.Bookmarked {
		t.Errorf("alice's view: %+v", mine)
	}
	// A favourite of the reblog is a favourite of the post it carries.
	if res := bob.API("POST", "/statuses/"+wrapper.ID+"/unfavourite", nil); res.Status != 200 || statusOf(t, bob, st.ID).Favourited {
		t.Errorf("unfavourite through the reblog: %d %s", res.Status, res.Body)
	}
	bob.API("POST", "/statuses/"+st.ID+"/favourite", nil)

	var accounts []struct{ ID string }
	bob.API("GET", "/statuses/"+st.ID+"/favourited_by", nil).JSON(t, &accounts)
	if len(accounts) != 1 || accounts[0].ID != id(bob.Actor.ID) {
		t.Errorf("favourited_by: %+v", accounts)
	}
	n.Do("GET", "/api/v1/statuses/"+st.ID+"/reblogged_by", "", nil).JSON(t, &accounts)
	if len(accounts) != 1 || accounts[0].ID != id(bob.Actor.ID) {
		t.Errorf("reblogged_by: %+v", accounts)
	}
	var list []fullStatus
	bob.API("GET", "/favourites", nil).JSON(t, &list)
	if len(list) != 1 || list[0].ID != st.ID {
		t.Errorf("favourites: %+v", list)
	}
	res = bob.API("GET", "/bookmarks", nil)
	res.JSON(t, &list)
	if len(list) != 1 || list[0].ID != st.ID || !strings.Contains(res.Header.Get("Link"), `rel="next"`) {
		t.Errorf("bookmarks: %+v %s", list, res.Header.Get("Link"))
	}
	bob.API("POST", "/statuses/"+st.ID+"/unbookmark", nil)
	if bob.API("GET", "/bookmarks", nil).JSON(t, &list); len(list) != 0 {
		t.Errorf("after unbookmark: %+v", list)
	}

	// Pins: one's own posts only.
	var pinned fullStatus
	alice.API("POST", "/statuses/"+st.ID+"/pin", nil).JSON(t, &pinned)
	if pinned.Pinned == nil || !*pinned.Pinned {
		t.Errorf("pin: %+v", pinned)
	}
	if res := bob.API("POST", "/statuses/"+st.ID+"/pin", nil); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("pin someone else's post: %d %s", res.Status, res.Body)
	}
	if objs, err := n.Store.PinnedObjects(context.Background(), alice.Actor.ID); err != nil || len(objs) != 1 {
		t.Errorf("pinned objects: %v %v", objs, err)
	}
	alice.API("POST", "/statuses/"+st.ID+"/unpin", nil).JSON(t, &pinned)
	if *pinned.Pinned {
		t.Errorf("unpin: %+v", pinned)
	}

	// Edits: the warning kept, history and source.
	var edited fullStatus
	alice.API("PUT", "/statuses/"+st.ID, map[string]any{"status": "Chiffres définitifs, @bob"}).JSON(t, &edited)
	if edited.EditedAt == nil || edited.SpoilerText != "Données provisoires" || !edited.Sensitive {
		t.Errorf("edited: %+v", edited)
	}
	alice.API("PUT", "/statuses/"+st.ID, map[string]any{"status": "Chiffres définitifs, @bob", "spoiler_text": "", "sensitive": false}).JSON(t, &edited)
	if edited.SpoilerText != "" || edited.Sensitive {
		t.Errorf("warning taken off: %+v", edited)
	}
	var history []struct {
		Content     string
		SpoilerText string `json:"spoiler_text"`
		Sensitive   bool
	}
	bob.API("GET", "/statuses/"+st.ID+"/history", nil).JSON(t, &history)
	if len(history) != 3 || !strings.Contains(history[0].Content, "chômage") || history[0].SpoilerText != "Données provisoires" ||
		!history[0].Sensitive || !strings.Contains(history[2].Content, "définitifs") || history[2].Sensitive {
		t.Errorf("history: %+v", history)
	}
	var source struct{ ID, Text, SpoilerText string }
	alice.API("GET", "/statuses/"+st.ID+"/source", nil).JSON(t, &source)
	if source.Text != "Chiffres définitifs, @bob" || source.ID != st.ID {
		t.Errorf("source: %+v", source)
	}
	if res := bob.API("GET", "/statuses/"+st.ID+"/source", nil); res.Status != http.StatusNotFound {
		t.Errorf("someone else's source: %d", res.Status)
	}
	var deleted fullStatus
	alice.API("DELETE", "/statuses/"+st.ID, nil).JSON(t, &deleted)
	if deleted.Text == nil || *deleted.Text != "Chiffres définitifs, @bob" {
		t.Errorf("delete answer: %+v", deleted)
	}
	for _, bad := range []map[string]any{{"status": "x", "language": "français"}, {"status": "x", "spoiler_text": strings.Repeat("a", 501)}} {
		if res := alice.API("POST", "/statuses", bad); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad status %v: %d %s", bad, res.Status, res.Body)
		}
	}
	for _, path := range []string{"/statuses/abc/context", "/statuses/999999/favourited_by", "/statuses/1/reblogged_by?limit=x",
		"/statuses/0/history", "/favourites?max_id=%ff"} {
		if res := bob.API("GET", path, nil); res.Status < 400 || res.Status >= 500 {
			t.Errorf("%s: %d %s", path, res.Status, res.Body)
		}
	}
}

// A thread's context lists ancestors and descendants, each only for those
// who may read it.
func TestStatusContext(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	var root, r1, r2, secret, r3 fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Question"}).JSON(t, &root)
	bob.API("POST", "/statuses", map[string]any{"status": "Réponse 1", "in_reply_to_id": root.ID}).JSON(t, &r1)
	alice.API("POST", "/statuses", map[string]any{"status": "Réponse à la réponse", "in_reply_to_id": r1.ID}).JSON(t, &r2)
	carol.API("POST", "/statuses", map[string]any{"status": "Entre nous @alice", "in_reply_to_id": root.ID, "visibility": "direct"}).JSON(t, &secret)
	bob.API("POST", "/statuses", map[string]any{"status": "Réponse 3", "in_reply_to_id": r2.ID}).JSON(t, &r3)

	var ctx struct{ Ancestors, Descendants []fullStatus }
	alice.API("GET", "/statuses/"+r2.ID+"/context", nil).JSON(t, &ctx)
	if len(ctx.Ancestors) != 2 || ctx.Ancestors[0].ID != root.ID || ctx.Ancestors[1].ID != r1.ID ||
		len(ctx.Descendants) != 1 || ctx.Descendants[0].ID != r3.ID {
		t.Errorf("context of r2: %+v", ctx)
	}
	alice.API("GET", "/statuses/"+root.ID+"/context", nil).JSON(t, &ctx)
	if len(ctx.Descendants) != 4 || len(ctx.Ancestors) != 0 {
		t.Errorf("alice's context of the root: %d descendants", len(ctx.Descendants))
	}
	n.Do("GET", "/api/v1/statuses/"+root.ID+"/context", "", nil).JSON(t, &ctx)
	if len(ctx.Descendants) != 3 {
		t.Errorf("anonymous context of the root: %d descendants (the direct reply must be hidden)", len(ctx.Descendants))
	}
	for _, d := range ctx.Descendants {
		if d.ID == secret.ID {
			t.Errorf("direct reply shown to an anonymous reader")
		}
	}
	if res := bob.API("GET", "/statuses/"+secret.ID+"/context", nil); res.Status != http.StatusNotFound {
		t.Errorf("context of a post one may not read: %d", res.Status)
	}
}

// Between two nodes: a remote reply shows in the thread's context on the
// author's node, and the content warning travels as summary and sensitive.
func TestContextAcrossNodes(t *testing.T) {
	a, b, alice, bob := aliceFollowedAcrossNodes(t)
	testnet.Eventually(t, federationWait, "bob's follow is accepted", func() bool {
		return len(notificationsOf(t, alice, "?types[]=follow")) == 1
	})
	var root fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Bilan du trimestre", "spoiler_text": "Chiffres internes", "sensitive": true}).JSON(t, &root)
	var home []fullStatus
	testnet.Eventually(t, federationWait, "the post reaches bob's node", func() bool {
		bob.API("GET", "/timelines/home", nil).JSON(t, &home)
		return len(home) == 1
	})
	if home[0].SpoilerText != "Chiffres internes" {
		t.Errorf("content warning on the other node: %+v", home[0])
	}
	doc := a.Do("GET", strings.TrimPrefix(root.URI, a.URL), "", nil, "Accept", "application/activity+json")
	if !strings.Contains(string(doc.Body), `"sensitive":true`) || !strings.Contains(string(doc.Body), `"summary":"Chiffres internes"`) {
		t.Errorf("note document: %s", doc.Body)
	}
	var reply fullStatus
	bob.API("POST", "/statuses", map[string]any{"status": "Merci pour le bilan", "in_reply_to_id": home[0].ID}).JSON(t, &reply)
	var ctx struct{ Ancestors, Descendants []fullStatus }
	testnet.Eventually(t, federationWait, "bob's reply is in the thread on alice's node", func() bool {
		alice.API("GET", "/statuses/"+root.ID+"/context", nil).JSON(t, &ctx)
		return len(ctx.Descendants) == 1
	})
	if ctx.Descendants[0].Account.Acct != "bob@"+b.Host || ctx.Descendants[0].InReplyToID == nil || *ctx.Descendants[0].InReplyToID != root.ID {
		t.Errorf("remote reply in context: %+v", ctx.Descendants[0])
	}
	bob.API("GET", "/statuses/"+reply.ID+"/context", nil).JSON(t, &ctx)
	if len(ctx.Ancestors) != 1 || ctx.Ancestors[0].ID != home[0].ID {
		t.Errorf("ancestors on bob's node: %+v", ctx.Ancestors)
	}
}
