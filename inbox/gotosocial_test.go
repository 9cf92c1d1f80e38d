package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Tests of what a real GoToSocial next to an Archipel node showed: fake
// peers shaped like GoToSocial (signed fetches only, statuses taken from
// the announced id) and Mastodon-API servers (a second Archipel node).

// gtsPeer is a fake GoToSocial user: it answers only signed GETs, as
// GoToSocial does, and serves WebFinger for its handle.
func gtsPeer(t *testing.T, name string) *testnet.RemoteActor {
	t.Helper()
	p := testnet.NewRemoteActorWith(t, name, testnet.RemoteOptions{SignedFetchOnly: true})
	jrd, _ := json.Marshal(map[string]any{"subject": "acct:" + name + "@" + p.Host,
		"links": []map[string]string{{"rel": "self", "type": "application/activity+json", "href": p.URI}}})
	p.Serve("/.well-known/webfinger", jrd)
	return p
}

// gtsStatuses is what GoToSocial makes of the Announces actor sent to
// peer: like typeutils.ASAnnounceToStatus and dereferencing.EnrichAnnounce,
// it takes the object's id (embedded or not), dereferences it with a signed
// GET and keeps it only when it is a status (a Note, Article, Page or
// Question with that id). An announced Create is no status: dropped.
func gtsStatuses(t *testing.T, peer *testnet.RemoteActor, actor string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, req := range peer.Posts() {
		var act map[string]any
		if json.Unmarshal(req.Body, &act) != nil || act["type"] != "Announce" || act["actor"] != actor || !req.Signed() {
			continue
		}
		id, _ := act["object"].(string)
		if m, ok := act["object"].(map[string]any); ok {
			id, _ = m["id"].(string)
		}
		if id == "" {
			continue
		}
		res := peer.Get(t, id)
		var doc map[string]any
		if res.Status != 200 || json.Unmarshal(res.Body, &doc) != nil || doc["id"] != id {
			continue
		}
		switch doc["type"] {
		case "Note", "Article", "Page", "Question":
			out = append(out, doc)
		}
	}
	return out
}

// getAP is an unsigned GET asking for ActivityPub JSON.
func getAP(t *testing.T, u string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &doc)
	return res.StatusCode, doc
}

// signedGet is peer.Get decoded.
func signedGet(t *testing.T, peer *testnet.RemoteActor, u string) (int, map[string]any) {
	t.Helper()
	res := peer.Get(t, u)
	var doc map[string]any
	_ = json.Unmarshal(res.Body, &doc)
	return res.Status, doc
}

// sameDocument reports, field by field, where a delivered object and the
// document served at its id differ (@context aside).
func sameDocument(t *testing.T, what string, delivered, served map[string]any) {
	t.Helper()
	keys := map[string]bool{}
	for k := range delivered {
		keys[k] = true
	}
	for k := range served {
		keys[k] = true
	}
	for k := range keys {
		if k == "@context" {
			continue
		}
		if !reflect.DeepEqual(delivered[k], served[k]) {
			t.Errorf("%s: %q delivered %v, served %v", what, k, delivered[k], served[k])
		}
	}
}

func links(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, links(e)...)
		}
		return out
	case map[string]any:
		if s, ok := v["href"].(string); ok {
			return []string{s}
		}
	}
	return nil
}

func tagsOf(doc map[string]any, typ string) []string {
	var out []string
	list, _ := doc["tag"].([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["type"] == typ {
			if typ == "Hashtag" {
				out = append(out, fmt.Sprint(m["name"]))
			} else {
				out = append(out, fmt.Sprint(m["href"]))
			}
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func noRepeats(t *testing.T, what string, list []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range list {
		if seen[e] {
			t.Errorf("%s repeats %s: %v", what, e, list)
		}
		seen[e] = true
	}
}

// A public group's post reaches every kind of follower: a Mastodon-API
// server's user who follows the group with a plain Follow (a second
// Archipel node, read through /api/v1/timelines/home), a GoToSocial user
// who only understands Announce{Note} and dereferences it, and a member
// node (FEP-1b12), which gets the Announce{Create} alone.
func TestGroupPostsReachFollowersWithoutFEP1b12(t *testing.T) {
	nodes := testnet.Start(t, 3, testnet.Options{})
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	carol := c.CreateUser("carol", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Veille numérique", "visibility": "public", "join_policy": "open"})
	groupURI := a.URL + "/groups/veille_numerique"

	gC := joinByHandle(t, carol, g.Acct)
	waitMembership(t, carol, gC.ID, store.StateAccepted)

	// bob finds the group as a Mastodon client does (search with resolve:
	// a group: true account) and follows it to read it, as the web page's
	// follow button does (a Mastodon app's follow joins the group instead).
	var found struct {
		Accounts []struct {
			ID    string
			Group bool
		}
	}
	b.Do("GET", "/api/v2/search?resolve=true&q="+url.QueryEscape("@"+g.Acct), bob.Token, nil).JSON(t, &found)
	if len(found.Accounts) != 1 || !found.Accounts[0].Group {
		t.Fatalf("search %s from B: %+v", g.Acct, found)
	}
	groupOnB, err := b.Store.ActorByURI(ctx, groupURI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Outbox.Follow(ctx, bob.Actor, groupOnB); err != nil {
		t.Fatalf("bob follows the group: %v", err)
	}
	testnet.Eventually(t, wait, "bob follows the group", func() bool {
		var rels []struct{ Following bool }
		bob.API("GET", "/accounts/relationships?id[]="+found.Accounts[0].ID, nil).JSON(t, &rels)
		return len(rels) == 1 && rels[0].Following
	})

	gts := gtsPeer(t, "gts_lecteur")
	followID := gts.NewID("follow")
	gts.Post(t, groupURI+"/inbox", mustJSON(t, followOf(followID, gts.URI, groupURI)))
	received(t, gts, "Accept", followID)

	p := post(t, alice, map[string]any{"status": "Nouvelle veille : l'IA dans les collectivités", "group_id": g.ID})

	testnet.Eventually(t, wait, "the group's post in bob's home timeline on B", func() bool { return hasPost(homeTimeline(bob), p.URI) })
	testnet.Eventually(t, wait, "the post in carol's group timeline on C", func() bool { return hasPost(groupTimeline(t, carol, gC.ID), p.URI) })
	var statuses []map[string]any
	testnet.Eventually(t, wait, "a status made of the group's announce, as GoToSocial makes it", func() bool {
		statuses = gtsStatuses(t, gts, groupURI)
		return len(statuses) > 0
	})
	if len(statuses) != 1 || statuses[0]["id"] != p.URI || !strings.Contains(fmt.Sprint(statuses[0]["content"]), "IA dans les collectivités") ||
		statuses[0]["attributedTo"] != alice.Actor.URI {
		t.Errorf("GoToSocial's statuses from the group's announces: %v", statuses)
	}

	// Which form went where: the member node only Announce{Create}; the
	// followers' nodes both.
	forms := map[string][]string{}
	rows, err := a.Pool.Query(ctx, `select d.inbox, x.raw->'object'->>'type' from deliveries d join activities x on x.id = d.activity_id
		where x.type = 'Announce' and x.object_uri = $1 order by 2`, p.URI)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var inbox, typ string
		if err := rows.Scan(&inbox, &typ); err != nil {
			t.Fatal(err)
		}
		forms[inbox] = append(forms[inbox], typ)
	}
	rows.Close()
	want := map[string][]string{c.URL + "/inbox": {"Create"}, b.URL + "/inbox": {"Create", "Note"}, gts.SharedInbox: {"Create", "Note"}}
	if !reflect.DeepEqual(forms, want) {
		t.Errorf("announce forms by inbox: %v, want %v", forms, want)
	}

	// Every announce is served at its id as it was delivered (unsigned: the
	// group is public), and so is the Create an Announce{Create} names,
	// which Lemmy and GoToSocial dereference.
	var announces int
	for _, req := range gts.Posts() {
		var act map[string]any
		if json.Unmarshal(req.Body, &act) != nil || act["type"] != "Announce" || act["actor"] != groupURI {
			continue
		}
		announces++
		status, served := getAP(t, fmt.Sprint(act["id"]))
		if status != 200 {
			t.Errorf("GET %s: %d", act["id"], status)
			continue
		}
		sameDocument(t, fmt.Sprint(act["id"]), act, served)
		if inner, ok := act["object"].(map[string]any); ok && inner["type"] == "Create" {
			status, create := signedGet(t, gts, fmt.Sprint(inner["id"]))
			if status != 200 || create["type"] != "Create" || create["actor"] != alice.Actor.URI {
				t.Errorf("GET %s (the announced Create): %d %v", inner["id"], status, create)
				continue
			}
			note, _ := create["object"].(map[string]any)
			if note["id"] != p.URI || note["content"] != inner["object"].(map[string]any)["content"] {
				t.Errorf("the served Create carries %v, the announced one %v", note, inner["object"])
			}
		}
	}
	if announces != 2 {
		t.Errorf("GoToSocial received %d announces of the post, want 2 (Create and Note)", announces)
	}

	// GoToSocial takes an edit or a deletion only from the post's author:
	// both reach it from alice, as well as announced by the group.
	if res := alice.API("PUT", "/statuses/"+p.ID, map[string]any{"status": "Veille corrigée"}); res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	if upd := received(t, gts, "Update", p.URI); upd["actor"] != alice.Actor.URI {
		t.Errorf("the edit GoToSocial received is by %v", upd["actor"])
	}
	if res := alice.API("DELETE", "/statuses/"+p.ID, nil); res.Status != 200 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if del := received(t, gts, "Delete", p.URI); del["actor"] != alice.Actor.URI {
		t.Errorf("the deletion GoToSocial received is by %v", del["actor"])
	}
	testnet.Eventually(t, wait, "the post gone from bob's home timeline", func() bool { return !hasPost(homeTimeline(bob), p.URI) })
}

// Activities are served at their ids under their object's rule: a private
// group's post, its Create and the group's Announce only to members; a
// Follow and an Accept to the actors they name; a profile Update to anyone;
// a deleted post's Create and Update are gone, its Delete is not.
func TestActivitiesServedAtTheirIds(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	priv := createGroup(t, alice, map[string]any{"name": "Cellule de crise", "visibility": "private", "join_policy": "open"})
	privURI := a.URL + "/groups/cellule_de_crise"
	member := gtsPeer(t, "membre")
	joinID := member.NewID("join")
	member.Post(t, privURI+"/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": joinID, "actor": member.URI, "group": privURI}))
	received(t, member, "Accept", joinID)
	stranger := gtsPeer(t, "curieux")

	p := post(t, alice, map[string]any{"status": "Point de situation", "group_id": priv.ID})
	announce := received(t, member, "Announce", p.URI+"/activity")
	for _, id := range []string{p.URI, p.URI + "/activity", fmt.Sprint(announce["id"])} {
		if status, _ := getAP(t, id); status != 404 {
			t.Errorf("unsigned GET %s of a private group: %d, want 404", id, status)
		}
		if status, _ := signedGet(t, stranger, id); status != 404 {
			t.Errorf("GET %s signed by a stranger: %d, want 404", id, status)
		}
		if status, doc := signedGet(t, member, id); status != 200 || doc["id"] != id {
			t.Errorf("GET %s signed by a member: %d %v", id, status, doc)
		}
	}

	// A Follow is for its two parties; so is the Accept of a follow.
	var acct struct{ ID string }
	alice.API("GET", "/accounts/lookup?acct=curieux@"+stranger.Host, nil).JSON(t, &acct)
	if res := alice.API("POST", "/accounts/"+acct.ID+"/follow", nil); res.Status != 200 {
		t.Fatalf("follow: %d %s", res.Status, res.Body)
	}
	followAct := received(t, stranger, "Follow", stranger.URI)
	followURI := fmt.Sprint(followAct["id"])
	if status, _ := getAP(t, followURI); status != 404 {
		t.Errorf("unsigned GET of a Follow: %d", status)
	}
	if status, _ := signedGet(t, member, followURI); status != 404 {
		t.Errorf("GET of a Follow by a third party: %d", status)
	}
	if status, doc := signedGet(t, stranger, followURI); status != 200 {
		t.Errorf("GET of a Follow by its object: %d %v", status, doc)
	} else {
		sameDocument(t, "the Follow", followAct, doc)
	}
	theirFollow := stranger.NewID("follow")
	stranger.Post(t, a.URL+"/users/alice/inbox", mustJSON(t, followOf(theirFollow, stranger.URI, alice.Actor.URI)))
	accept := received(t, stranger, "Accept", theirFollow)
	if status, _ := getAP(t, fmt.Sprint(accept["id"])); status != 404 {
		t.Errorf("unsigned GET of an Accept: %d", status)
	}
	if status, _ := signedGet(t, stranger, fmt.Sprint(accept["id"])); status != 200 {
		t.Errorf("GET of an Accept by the follower: %d", status)
	}
	// A profile's Update is public.
	if res := alice.API("PATCH", "/accounts/update_credentials", map[string]any{"note": "Cheffe de projet"}); res.Status != 200 {
		t.Fatalf("update profile: %d %s", res.Status, res.Body)
	}
	update := received(t, stranger, "Update", alice.Actor.URI)
	if status, doc := getAP(t, fmt.Sprint(update["id"])); status != 200 || doc["type"] != "Update" {
		t.Errorf("unsigned GET of a profile Update: %d %v", status, doc)
	}

	// A deleted post answers 410 Gone with its Tombstone, and so do its
	// Create and its edits; its Delete is still served.
	gone := post(t, alice, map[string]any{"status": "Brouillon"})
	if res := alice.API("PUT", "/statuses/"+gone.ID, map[string]any{"status": "Brouillon corrigé"}); res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	if res := alice.API("DELETE", "/statuses/"+gone.ID, nil); res.Status != 200 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	status, tomb := getAP(t, gone.URI)
	if status != 410 || tomb["type"] != "Tombstone" || tomb["id"] != gone.URI || tomb["formerType"] != "Note" || tomb["deleted"] == nil {
		t.Errorf("GET of a deleted note: %d %v", status, tomb)
	}
	if status, doc := getAP(t, gone.URI+"/activity"); status != 410 || doc["type"] != "Tombstone" || doc["formerType"] != "Create" {
		t.Errorf("GET of a deleted note's Create: %d %v", status, doc)
	}
	var updateURI, deleteURI string
	if err := a.Pool.QueryRow(ctx, `select max(uri) filter (where type = 'Update'), max(uri) filter (where type = 'Delete')
		from activities where local and object_uri = $1`, gone.URI).Scan(&updateURI, &deleteURI); err != nil {
		t.Fatal(err)
	}
	if status, doc := getAP(t, updateURI); status != 410 || doc["formerType"] != "Update" {
		t.Errorf("GET of a deleted note's Update: %d %v", status, doc)
	}
	if status, doc := getAP(t, deleteURI); status != 200 || doc["type"] != "Delete" || doc["object"].(map[string]any)["type"] != "Tombstone" {
		t.Errorf("GET of the Delete: %d %v", status, doc)
	}
	if status, _ := getAP(t, a.URL+"/activities/nosuchactivity"); status != 404 {
		t.Errorf("GET of an unknown activity: %d", status)
	}
}

// GoToSocial re-fetches notes by their id (and backfills threads that
// way): the note it gets has the same mentions, cc and tags as the one its
// Create delivered, and an edit repeats none of them.
func TestNoteFetchedByURLKeepsMentions(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	gts := gtsPeer(t, "gts_lectrice")
	handle := "gts_lectrice@" + gts.Host

	p := post(t, alice, map[string]any{"status": "Bonjour @" + bob.Handle() + " et @" + handle + ", voici le compte rendu"})
	create := received(t, gts, "Create", p.URI)
	delivered, _ := create["object"].(map[string]any)
	status, served := signedGet(t, gts, p.URI)
	if status != 200 {
		t.Fatalf("GET %s: %d", p.URI, status)
	}
	sameDocument(t, "the note delivered and served", delivered, served)
	wantMentions := []string{bob.Actor.URI, gts.URI}
	sort.Strings(wantMentions)
	if got := tagsOf(served, "Mention"); !reflect.DeepEqual(got, wantMentions) {
		t.Errorf("the served note's Mention tags: %v, want %v", got, wantMentions)
	}
	for _, m := range wantMentions {
		if !contains(links(served["cc"]), m) {
			t.Errorf("the served note's cc %v lacks %s", served["cc"], m)
		}
	}

	// Hashtags the post has (the Mastodon API parses them from the text; the
	// store keeps them) are federated with it. (B must have the post first:
	// an edit of a post a node never saw changes nothing there.)
	testnet.Eventually(t, wait, "the post on B", func() bool {
		_, err := b.Store.ObjectByURI(ctx, p.URI)
		return err == nil
	})
	if res := alice.API("PUT", "/statuses/"+p.ID, map[string]any{"status": "Bonjour @" + bob.Handle() + " et @" + handle +
		", voici le compte rendu corrigé #ComptesRendus #urbanisme #Urbanisme"}); res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	upd := received(t, gts, "Update", p.URI)
	edited, _ := upd["object"].(map[string]any)
	noRepeats(t, "the edit's Mention tags", tagsOf(edited, "Mention"))
	noRepeats(t, "the edit's cc", links(edited["cc"]))
	noRepeats(t, "the Update's cc", links(upd["cc"]))
	if got := tagsOf(edited, "Mention"); !reflect.DeepEqual(got, wantMentions) {
		t.Errorf("the edit's Mention tags: %v, want %v", got, wantMentions)
	}
	if got := tagsOf(edited, "Hashtag"); !reflect.DeepEqual(got, []string{"#comptesrendus", "#urbanisme"}) {
		t.Errorf("the edit's Hashtags: %v", got)
	}
	_, served = signedGet(t, gts, p.URI)
	sameDocument(t, "the edit delivered and the note served", edited, served)
	testnet.Eventually(t, wait, "the edit on B", func() bool {
		o, err := b.Store.ObjectByURI(ctx, p.URI)
		return err == nil && strings.Contains(o.Content, "corrigé")
	})
	if tags, err := b.Store.ObjectTags(ctx, mustObjectID(t, b, p.URI)); err != nil || !reflect.DeepEqual(tags, []string{"comptesrendus", "urbanisme"}) {
		t.Errorf("the hashtags B kept: %v %v", tags, err)
	}
}

func mustObjectID(t *testing.T, n *testnet.Node, uri string) int64 {
	t.Helper()
	o, err := n.Store.ObjectByURI(context.Background(), uri)
	if err != nil {
		t.Fatalf("%s on %s: %v", uri, n.Host, err)
	}
	return o.ID
}

// A reply names the author it answers, as Mastodon, GoToSocial and Pleroma
// replies do, so that the author's server notifies them: the web form
// starts with @author, and the Create tags and addresses the author even
// when an API client's text does not name them (Mastodon's server adds no
// text either: its clients do). GoToSocial's own note, sensitive and with a
// Hashtag, keeps both here.
func TestReplyMentionsTheAuthorItAnswers(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	gts := gtsPeer(t, "gts_autrice")

	noteID := gts.URL("/users/gts_autrice/statuses/01HZX3")
	vars := map[string]string{"actor": gts.URI, "followers": gts.Followers, "object": noteID, "mentioned": alice.Actor.URI,
		"mentionedHost": a.Host, "base": gts.Base, "published": time.Now().UTC().Format(time.RFC3339), "sensitive": "true",
		"summary": "Compte rendu long", "hashtag": "Urbanisme", "type": "Create"}
	if res := gts.Post(t, a.URL+"/inbox", fixture(t, "gotosocial_create_note.json", vars)); res.StatusCode != 202 {
		t.Fatalf("GoToSocial's Create: %d", res.StatusCode)
	}
	var parent *store.Object
	testnet.Eventually(t, wait, "GoToSocial's note on A", func() bool {
		o, err := a.Store.ObjectByURI(ctx, noteID)
		parent = o
		return err == nil
	})
	if !parent.Sensitive {
		t.Error("the sensitive flag of GoToSocial's note was dropped")
	}
	var st struct {
		Sensitive   bool   `json:"sensitive"`
		SpoilerText string `json:"spoiler_text"`
	}
	alice.API("GET", fmt.Sprintf("/statuses/%d", parent.ID), nil).JSON(t, &st)
	if !st.Sensitive || st.SpoilerText != "Compte rendu long" {
		t.Errorf("the status entity of a sensitive note: %+v", st)
	}
	if tags, err := a.Store.ObjectTags(ctx, parent.ID); err != nil || !reflect.DeepEqual(tags, []string{"urbanisme"}) {
		t.Errorf("the hashtags of GoToSocial's note: %v %v", tags, err)
	}
	// GoToSocial's edit lifts the warning and changes the tag.
	vars["type"], vars["sensitive"], vars["hashtag"] = "Update", "false", "Mobilite"
	gts.Post(t, a.URL+"/inbox", fixture(t, "gotosocial_create_note.json", vars))
	testnet.Eventually(t, wait, "GoToSocial's edit on A", func() bool {
		o, _ := a.Store.ObjectByURI(ctx, noteID)
		tags, _ := a.Store.ObjectTags(ctx, parent.ID)
		return o != nil && !o.Sensitive && reflect.DeepEqual(tags, []string{"mobilite"})
	})

	// The web reply form starts with the author's handle.
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar}
	if res, err := web.PostForm(a.URL+"/login", url.Values{"login": {"alice"}, "password": {"password-alice"}}); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	page := func(path string) string {
		res, err := web.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	composer := regexp.MustCompile(`(?s)<textarea id="f-text" name="text"[^>]*>([^<]*)</textarea>`)
	if m := composer.FindStringSubmatch(page(fmt.Sprintf("/posts/%d", parent.ID))); m == nil || m[1] != "@gts_autrice@"+gts.Host+" " {
		t.Errorf("the reply form to a remote author starts with %q", m)
	}
	mine := post(t, alice, map[string]any{"status": "Ordre du jour"})
	if m := composer.FindStringSubmatch(page("/posts/" + mine.ID)); m == nil || m[1] != "" {
		t.Errorf("the reply form to one's own post starts with %q", m)
	}

	// An API client's reply that does not name the author still tags and
	// addresses them; the text stays as typed.
	reply := post(t, alice, map[string]any{"status": "Merci pour ce compte rendu", "in_reply_to_id": fmt.Sprint(parent.ID)})
	create := received(t, gts, "Create", reply.URI)
	note, _ := create["object"].(map[string]any)
	if got := tagsOf(note, "Mention"); !reflect.DeepEqual(got, []string{gts.URI}) {
		t.Errorf("the reply's Mention tags: %v", got)
	}
	if !contains(links(note["cc"]), gts.URI) || !contains(links(create["cc"]), gts.URI) {
		t.Errorf("the reply does not address the author: note cc %v, Create cc %v", note["cc"], create["cc"])
	}
	if note["content"] != "<p>Merci pour ce compte rendu</p>" {
		t.Errorf("the reply's text was changed: %v", note["content"])
	}

	// Between Mastodon-API servers: bob's node records the reply as
	// mentioning him, which is what it notifies.
	follow(t, alice, bob.Handle())
	bobs := post(t, bob, map[string]any{"status": "Qui vient jeudi ?"})
	var onA *store.Object
	testnet.Eventually(t, wait, "bob's post on A", func() bool {
		o, err := a.Store.ObjectByURI(ctx, bobs.URI)
		onA = o
		return err == nil
	})
	answer := post(t, alice, map[string]any{"status": "Moi", "in_reply_to_id": fmt.Sprint(onA.ID)})
	testnet.Eventually(t, wait, "alice's reply on B, mentioning bob", func() bool {
		o, err := b.Store.ObjectByURI(ctx, answer.URI)
		if err != nil {
			return false
		}
		ok, _ := b.Store.IsMentioned(ctx, o.ID, bob.Actor.ID)
		return ok
	})
}

// GoToSocial fetches the instance actor and, with every person, its
// featured collection: all it names exists.
func TestActorCollectionsExist(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	gts := gtsPeer(t, "gts_visiteur")

	status, inst := signedGet(t, gts, a.URL+"/actor")
	if status != 200 {
		t.Fatalf("GET /actor: %d", status)
	}
	for _, field := range []string{"outbox", "followers"} {
		status, coll := signedGet(t, gts, fmt.Sprint(inst[field]))
		if status != 200 || coll["type"] != "OrderedCollection" || coll["totalItems"] != 0.0 || coll["id"] != inst[field] {
			t.Errorf("the instance actor's %s %v: %d %v", field, inst[field], status, coll)
		}
	}
	if res, err := http.Get(fmt.Sprint(inst["url"])); err != nil || res.StatusCode != 200 {
		t.Errorf("the instance actor's url %v: %v %v", inst["url"], res, err)
	} else {
		res.Body.Close()
	}

	if res := alice.API("PATCH", "/accounts/update_credentials", map[string]any{"skills": []string{"urbanisme", "marchés publics"}}); res.Status != 200 {
		t.Fatalf("skills: %d %s", res.Status, res.Body)
	}
	pinned := post(t, alice, map[string]any{"status": "À lire en premier"})
	post(t, alice, map[string]any{"status": "Un autre message"})
	if err := a.Store.Pin(ctx, alice.Actor.ID, mustID(t, pinned.ID)); err != nil {
		t.Fatal(err)
	}
	_, person := signedGet(t, gts, alice.Actor.URI)
	status, featured := signedGet(t, gts, fmt.Sprint(person["featured"]))
	items, _ := featured["orderedItems"].([]any)
	if status != 200 || featured["type"] != "OrderedCollection" || len(items) != 1 {
		t.Fatalf("the featured collection %v: %d %v", person["featured"], status, featured)
	}
	_, note := signedGet(t, gts, pinned.URI)
	sameDocument(t, "the pinned note", items[0].(map[string]any), note)
	status, tags := signedGet(t, gts, fmt.Sprint(person["featuredTags"]))
	if got := tagsOf(map[string]any{"tag": tags["items"]}, "Hashtag"); status != 200 || !reflect.DeepEqual(got, []string{"#marchés_publics", "#urbanisme"}) {
		t.Errorf("the featured tags %v: %d %v", person["featuredTags"], status, tags)
	}
}

// A remote account that deleted itself is gone from the client API, as
// on Mastodon, which drops the account of a Delete{Person}.
func TestDeletedRemoteAccountIsNotFound(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	alice := a.CreateUser("alice", store.TierState, "")
	gts := gtsPeer(t, "gts_partante")
	gts.Post(t, a.URL+"/users/alice/inbox", mustJSON(t, followOf(gts.NewID("follow"), gts.URI, alice.Actor.URI)))
	var acct struct{ ID string }
	testnet.Eventually(t, wait, "the follower known on A", func() bool {
		res := alice.API("GET", "/accounts/lookup?acct=gts_partante@"+gts.Host, nil)
		res.JSON(t, &acct)
		return res.Status == 200
	})
	if res := alice.API("GET", "/accounts/"+acct.ID, nil); res.Status != 200 {
		t.Fatalf("the account before its deletion: %d", res.Status)
	}
	del := gts.NewID("delete")
	gts.Post(t, a.URL+"/inbox", mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": del,
		"type": "Delete", "actor": gts.URI, "object": gts.URI, "to": []string{publicNS}}))
	if reason := processedReason(t, a, del); reason != "" {
		t.Fatalf("Delete{Person}: %s", reason)
	}
	if res := alice.API("GET", "/accounts/"+acct.ID, nil); res.Status != 404 {
		t.Errorf("a deleted remote account: %d %s", res.Status, res.Body)
	}
}
