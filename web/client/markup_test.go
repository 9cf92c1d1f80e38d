package client_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const injectedBio = `Agent <meta http-equiv="refresh" content="1;url=http://elsewhere/phish"><base href="http://elsewhere/">` +
	`<form action="http://elsewhere/"><input name="password"></form> see https://example.org/x.`

// noActiveMarkup fails when HTML carries an element that acts on the page.
func noActiveMarkup(t *testing.T, what, html string) {
	t.Helper()
	for _, tag := range []string{"<meta", "<base", "<form", "<input", "<script"} {
		if strings.Contains(strings.ToLower(html), tag) {
			t.Errorf("%s carries %s: %s", what, tag, html)
		}
	}
}

// Issue 13.1: the API's note is the sanitised HTML of a bio, from a local
// person (plain text made HTML: links, line breaks) or from a peer (its HTML,
// sanitised once when it came); source.note is the text that was typed.
func TestBioNoteIsSanitisedHTML(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	var me struct {
		Note   string
		Source struct{ Note string }
	}
	res := alice.API("PATCH", "/accounts/update_credentials", map[string]any{"note": injectedBio})
	res.JSON(t, &me)
	if res.Status != 200 {
		t.Fatalf("update_credentials: %d %s", res.Status, res.Body)
	}
	noActiveMarkup(t, "local note", me.Note)
	if !strings.Contains(me.Note, "&lt;meta") || !strings.Contains(me.Note, `<a href="https://example.org/x"`) {
		t.Errorf("local note is not the typed text as HTML with its link: %s", me.Note)
	}
	if me.Source.Note != injectedBio {
		t.Errorf("source.note %q, want the typed text", me.Source.Note)
	}
	alice.API("GET", "/accounts/verify_credentials", nil).JSON(t, &me)
	if me.Source.Note != injectedBio {
		t.Errorf("verify_credentials source.note %q", me.Source.Note)
	}
	doc := n.Do("GET", "/users/alice", "", nil, "Accept", "application/activity+json")
	var actor struct{ Summary string }
	doc.JSON(t, &actor)
	noActiveMarkup(t, "actor summary", actor.Summary)

	// A peer's person and group, whose summaries carry the same markup.
	peer := testnet.NewRemoteActor(t, "mallory")
	club := peer.Sibling(t, "club", store.TypeGroup)
	for _, r := range []*testnet.RemoteActor{peer, club} {
		var m map[string]any
		if err := json.Unmarshal(r.ActorDocument(), &m); err != nil {
			t.Fatal(err)
		}
		m["summary"] = "<p>" + injectedBio + "</p>"
		b, _ := json.Marshal(m)
		r.Serve("/users/"+r.Username, b)
	}
	ctx := context.Background()
	pa, ga := fetchActor(t, n, peer.URI), fetchActor(t, n, club.URI)
	var acct struct{ Note string }
	alice.API("GET", "/accounts/"+strconv.FormatInt(pa.ID, 10), nil).JSON(t, &acct)
	noActiveMarkup(t, "peer's note", acct.Note)
	if !strings.Contains(acct.Note, "Agent") {
		t.Errorf("peer's note lost its text: %s", acct.Note)
	}
	var g struct{ Note string }
	alice.API("GET", "/groups/"+strconv.FormatInt(ga.ID, 10), nil).JSON(t, &g)
	noActiveMarkup(t, "peer group's note", g.Note)
	var stored string
	if err := n.Pool.QueryRow(ctx, `select coalesce(summary_html, summary) from actors where id = $1`, pa.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	noActiveMarkup(t, "stored peer bio", stored)

	// A local group's description is plain text made HTML.
	res = alice.API("POST", "/groups", map[string]any{"name": "Atelier", "description": injectedBio})
	res.JSON(t, &g)
	noActiveMarkup(t, "local group's note", g.Note)
	if !strings.Contains(g.Note, "&lt;meta") {
		t.Errorf("local group's note is not the typed text: %s", g.Note)
	}
}

// Rows written before the bio had its HTML column (summary_html NULL) are
// sanitised when read.
func TestLegacyBioSanitisedOnRead(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	peer := testnet.NewRemoteActor(t, "mallory")
	ctx := context.Background()
	pa := fetchActor(t, n, peer.URI)
	if _, err := n.Pool.Exec(ctx, `update actors set summary = $2, summary_html = null where id = $1`, pa.ID, injectedBio); err != nil {
		t.Fatal(err)
	}
	var acct struct{ Note string }
	alice.API("GET", "/accounts/"+strconv.FormatInt(pa.ID, 10), nil).JSON(t, &acct)
	noActiveMarkup(t, "legacy peer note", acct.Note)
	if !strings.Contains(acct.Note, "Agent") {
		t.Errorf("legacy note lost its text: %s", acct.Note)
	}
}

// fetchActor has the node fetch and store a peer's actor.
func fetchActor(t *testing.T, n *testnet.Node, uri string) *store.Actor {
	t.Helper()
	a, err := n.Federator.Actor(context.Background(), uri, true)
	if err != nil {
		t.Fatalf("fetch %s: %v", uri, err)
	}
	return a
}
