package client_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func countObjects(t *testing.T, n *testnet.Node) int {
	t.Helper()
	var c int
	if err := n.Pool.QueryRow(context.Background(), `select count(*) from objects`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 13.3: "visibility": "group" without a group_id answered 500 and
// stored the row, which then broke the home timelines of its author and of
// the person it mentions for good, and could not be deleted.
func TestGroupPostWithoutGroup(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	alice2 := n.CreateUser("alice2", store.TierState, "")
	before := countObjects(t, n)
	res := alice.API("POST", "/statuses", map[string]any{"status": "hey @alice2", "visibility": "group"})
	var e struct{ Error, Field string }
	res.JSON(t, &e)
	if res.Status != 422 || e.Field != "visibility" {
		t.Errorf("group post without group: %d %s, want 422 on visibility", res.Status, res.Body)
	}
	if after := countObjects(t, n); after != before {
		t.Errorf("a refused post stored %d rows", after-before)
	}

	// A row such as older versions stored stays readable and deletable.
	var id int64
	err := n.Pool.QueryRow(context.Background(), `insert into objects (uri, type, local, attributed_to, visibility, content)
		values ($1, 'Note', true, $2, 'group', '<p>hey</p>') returning id`,
		n.URL+"/users/alice/statuses/legacy", alice.Actor.ID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Pool.Exec(context.Background(), `insert into mentions (object_id, actor_id) values ($1, $2)`, id, alice2.Actor.ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*testnet.User{alice, alice2} {
		if res := u.API("GET", "/timelines/home", nil); res.Status != 200 {
			t.Errorf("%s's home timeline: %d %s", u.Username, res.Status, res.Body)
		}
	}
	sid := strconv.FormatInt(id, 10)
	if res := alice.API("GET", "/statuses/"+sid, nil); res.Status != 200 {
		t.Errorf("GET the stored row: %d %s", res.Status, res.Body)
	}
	if res := alice.API("DELETE", "/statuses/"+sid, nil); res.Status != 200 {
		t.Errorf("DELETE the stored row: %d %s", res.Status, res.Body)
	}
	if res := alice.API("GET", "/statuses/"+sid, nil); res.Status != 404 {
		t.Errorf("deleted row still there: %d", res.Status)
	}
}

// same fails unless two answers are the same status and body, with the
// ids that differ between them made equal first.
func same(t *testing.T, what string, secret, missing *testnet.Response, replace ...string) {
	t.Helper()
	body := string(secret.Body)
	for i := 0; i+1 < len(replace); i += 2 {
		body = strings.ReplaceAll(body, replace[i], replace[i+1])
	}
	if secret.Status != missing.Status || body != string(missing.Body) {
		t.Errorf("%s: secret answers %d %s; missing answers %d %s", what, secret.Status, secret.Body, missing.Status, missing.Body)
	}
}

// Issue 13.5: a secret group must look exactly like a group that does not
// exist to anyone outside it, with or without a token, on every route.
func TestSecretGroupLooksMissing(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var nodeinfo struct{ Metadata struct{ Groups int } }
	var usage struct{ Usage struct{ LocalPosts int } }
	n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &nodeinfo)
	n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &usage)
	groupsBefore, postsBefore := nodeinfo.Metadata.Groups, usage.Usage.LocalPosts

	var g struct{ ID, URI string }
	res := alice.API("POST", "/groups", map[string]any{"name": "Cellule", "username": "cellule", "visibility": "secret",
		"join_policy": "invite", "description": "confidentiel"})
	res.JSON(t, &g)
	if res.Status != 200 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var post struct{ ID string }
	alice.API("POST", "/statuses", map[string]any{"status": "secret", "group_id": g.ID}).JSON(t, &post)
	var doc struct{ ID string }
	res = alice.Upload("/groups/"+g.ID+"/documents", "note.txt", []byte("texte"), nil)
	res.JSON(t, &doc)
	if res.Status != 200 || post.ID == "" {
		t.Fatalf("post %q, upload %d %s", post.ID, res.Status, res.Body)
	}
	const missingID = "999999"
	host := n.Host

	for _, who := range []*testnet.User{nil, bob} {
		token, name := "", "anonymous"
		if who != nil {
			token, name = who.Token, who.Username
		}
		do := func(method, path string, body any) *testnet.Response { return n.Do(method, path, token, body) }
		t.Run(name, func(t *testing.T) {
			same(t, "search", do("GET", "/api/v2/search?q=cellule@"+host, nil), do("GET", "/api/v2/search?q=nogroup@"+host, nil))
			same(t, "search resolve", do("GET", "/api/v2/search?resolve=true&q=@cellule@"+host, nil),
				do("GET", "/api/v2/search?resolve=true&q=@nogroup@"+host, nil))
			for _, p := range []string{"", "/members", "/timeline", "/documents"} {
				same(t, "GET group"+p, do("GET", "/api/v1/groups/"+g.ID+p, nil), do("GET", "/api/v1/groups/"+missingID+p, nil))
			}
			same(t, "document", do("GET", "/api/v1/documents/"+doc.ID, nil), do("GET", "/api/v1/documents/"+missingID, nil))
			same(t, "document file", do("GET", "/api/v1/documents/"+doc.ID+"/file", nil), do("GET", "/api/v1/documents/"+missingID+"/file", nil))
			same(t, "status", do("GET", "/api/v1/statuses/"+post.ID, nil), do("GET", "/api/v1/statuses/"+missingID, nil))
			same(t, "lookup", do("GET", "/api/v1/accounts/lookup?acct=cellule", nil), do("GET", "/api/v1/accounts/lookup?acct=nogroup", nil))
			same(t, "webfinger", do("GET", "/.well-known/webfinger?resource=acct:cellule@"+host, nil),
				do("GET", "/.well-known/webfinger?resource=acct:nogroup@"+host, nil))
			same(t, "actor document", n.Do("GET", "/groups/cellule", token, nil, "Accept", "application/activity+json"),
				n.Do("GET", "/groups/nogroup", token, nil, "Accept", "application/activity+json"))
			same(t, "group page", do("GET", "/g/cellule", nil), do("GET", "/g/nogroup", nil), "cellule", "nogroup")
			var list []struct{ ID string }
			do("GET", "/api/v1/groups", nil).JSON(t, &list)
			for _, l := range list {
				if l.ID == g.ID {
					t.Errorf("the group list shows the secret group")
				}
			}
			if who == nil {
				return
			}
			for _, p := range []string{"/join", "/leave", "/invite"} {
				same(t, "POST group"+p, do("POST", "/api/v1/groups/"+g.ID+p, map[string]string{}), do("POST", "/api/v1/groups/"+missingID+p, map[string]string{}))
			}
			same(t, "join by handle", do("POST", "/api/v1/groups/join", map[string]string{"acct": "cellule@" + host}),
				do("POST", "/api/v1/groups/join", map[string]string{"acct": "nogroup@" + host}))
			same(t, "follow", do("POST", "/api/v1/accounts/"+g.ID+"/follow", nil), do("POST", "/api/v1/accounts/"+missingID+"/follow", nil))
			same(t, "reply", do("POST", "/api/v1/statuses", map[string]any{"status": "x", "in_reply_to_id": post.ID}),
				do("POST", "/api/v1/statuses", map[string]any{"status": "x", "in_reply_to_id": missingID}))
			same(t, "post in it", do("POST", "/api/v1/statuses", map[string]any{"status": "x", "group_id": g.ID}),
				do("POST", "/api/v1/statuses", map[string]any{"status": "x", "group_id": missingID}))
			same(t, "favourite", do("POST", "/api/v1/statuses/"+post.ID+"/favourite", nil), do("POST", "/api/v1/statuses/"+missingID+"/favourite", nil))
			same(t, "reblog", do("POST", "/api/v1/statuses/"+post.ID+"/reblog", nil), do("POST", "/api/v1/statuses/"+missingID+"/reblog", nil))
			var rels []any
			do("GET", "/api/v1/accounts/relationships?id[]="+g.ID, nil).JSON(t, &rels)
			if len(rels) != 0 {
				t.Errorf("relationships with the secret group: %v", rels)
			}
		})
	}
	n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &nodeinfo)
	n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &usage)
	if nodeinfo.Metadata.Groups != groupsBefore || usage.Usage.LocalPosts != postsBefore {
		t.Errorf("NodeInfo counts the secret group: groups %d → %d, posts %d → %d", groupsBefore, nodeinfo.Metadata.Groups,
			postsBefore, usage.Usage.LocalPosts)
	}
}

// A signed Join or Follow of a secret group gets the silence a missing group
// gets, not a Reject that tells it exists.
func TestSecretGroupSilentToPeers(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	var g struct{ URI string }
	alice.API("POST", "/groups", map[string]any{"name": "Cellule", "username": "cellule", "visibility": "secret", "join_policy": "invite"}).JSON(t, &g)
	peer := testnet.NewRemoteActor(t, "peer")
	for _, target := range []string{g.URI, n.URL + "/groups/nogroup"} {
		for _, typ := range []string{"Join", "Follow"} {
			id := peer.NewID("activities")
			body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + id + `","type":"` + typ +
				`","actor":"` + peer.URI + `","object":"` + target + `"}`)
			if resp := peer.Post(t, n.URL+"/inbox", body); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("%s: %d", typ, resp.StatusCode)
			}
			testnet.Eventually(t, 20*time.Second, typ+" processed", func() bool {
				a, err := n.Store.ActivityByURI(context.Background(), id)
				return err == nil && a.ProcessedAt != nil
			})
		}
	}
	// Any answer would have been delivered by now (deliveries run at once
	// in tests); the peer got none, and the node has none to send.
	var pending int
	if err := n.Pool.QueryRow(context.Background(), `select count(*) from deliveries`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if posts := peer.Posts(); len(posts) != 0 || pending != 0 {
		t.Errorf("the peer was answered: %d posts received, %d deliveries", len(posts), pending)
	}
}

// Issue 13.6: a reply to a post one cannot see answered with its author;
// now it, and every other action on such a post, answers as if the post
// did not exist.
func TestInvisiblePostLooksMissing(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	var direct struct{ ID string }
	res := bob.API("POST", "/statuses", map[string]any{"status": "entre nous @carol", "visibility": "direct"})
	res.JSON(t, &direct)
	if res.Status != 200 {
		t.Fatalf("direct post: %d %s", res.Status, res.Body)
	}
	const missingID = "999999"
	before := countObjects(t, n)
	reply := alice.API("POST", "/statuses", map[string]any{"status": "je réponds", "in_reply_to_id": direct.ID})
	same(t, "reply", reply, alice.API("POST", "/statuses", map[string]any{"status": "je réponds", "in_reply_to_id": missingID}))
	if strings.Contains(string(reply.Body), "bob") {
		t.Errorf("the answer names the author: %s", reply.Body)
	}
	if countObjects(t, n) != before {
		t.Errorf("a reply to an invisible post was stored")
	}
	for _, action := range []string{"", "/favourite", "/unfavourite", "/reblog", "/unreblog"} {
		method := "POST"
		if action == "" {
			method = "GET"
		}
		same(t, "status"+action, alice.API(method, "/statuses/"+direct.ID+action, nil), alice.API(method, "/statuses/"+missingID+action, nil))
	}
	same(t, "thread page", n.Do("GET", "/posts/"+direct.ID, "", nil), n.Do("GET", "/posts/"+missingID, "", nil),
		"%2fposts%2f"+direct.ID, "%2fposts%2f"+missingID)
	// carol, who is mentioned, may answer.
	if res := carol.API("POST", "/statuses", map[string]any{"status": "oui", "in_reply_to_id": direct.ID}); res.Status != 200 {
		t.Errorf("the mentioned person's reply: %d %s", res.Status, res.Body)
	}
}
