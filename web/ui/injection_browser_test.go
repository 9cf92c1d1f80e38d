package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// injected is what the black-box probe put in bios: a refresh to a phishing
// page, a base that would move every relative link, and a form asking for
// a password. phish is where it would lead.
func injected(phish string) string {
	return `Agent <meta http-equiv="refresh" content="0;url=` + phish + `"><base href="` + phish + `/">` +
		`<form action="` + phish + `" method="post"><input name="password" type="password"><button>OK</button></form> fin`
}

// Issue 13.1: a profile and a group whose bios carry injected markup, local
// (plain text the user typed) and from a peer (HTML it sent): the pages
// neither navigate away nor show the markup's elements.
func TestBrowserInjectedBios(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need Debian's chromium at %s (apt-get install chromium)", chromiumPath)
	}
	var phished atomic.Int64
	phish := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		phished.Add(1)
		_, _ = w.Write([]byte("<html><body><main>phished</main></body></html>"))
	}))
	t.Cleanup(phish.Close)
	bad := injected(phish.URL)

	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	if _, err := n.Accounts.UpdateProfile(ctx, alice.Actor.ID, accounts.Profile{Bio: &bad}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Outbox.CreateGroup(ctx, alice.Account, outbox.NewGroup{Name: "Atelier", Username: "atelier",
		Description: bad, Visibility: store.VisibilityPublic, JoinPolicy: store.JoinOpen}); err != nil {
		t.Fatal(err)
	}
	// A peer's person and group whose summary (HTML) carries the same.
	peer := testnet.NewRemoteActor(t, "mallory")
	serveWithSummary(t, peer, peer.ActorDocument(), bad)
	club := peer.Sibling(t, "club", store.TypeGroup)
	serveWithSummary(t, club, club.ActorDocument(), bad)
	for _, uri := range []string{peer.URI, club.URI} {
		if _, err := n.Federator.Actor(ctx, uri, true); err != nil {
			t.Fatalf("fetch %s: %v", uri, err)
		}
	}

	b := startBrowser(t)
	for _, c := range []struct {
		path, bio string
		local     bool
	}{
		{"/@alice", ".bio", true},
		{"/g/atelier", ".bio", true},
		{"/@mallory@" + peer.Host, ".bio", false},
		{"/g/club@" + peer.Host, ".bio", false},
	} {
		t.Run(c.path, func(t *testing.T) {
			b.t = t
			b.open(n.URL + c.path)
			// Give a refresh of 0 s every chance to happen.
			b.run(chromedp.Sleep(500 * time.Millisecond))
			var loc string
			var elements int
			var text string
			b.run(chromedp.Location(&loc),
				chromedp.Evaluate(`document.querySelectorAll('meta[http-equiv], base, main form[action^="`+phish.URL+`"], .bio input, .bio form').length`, &elements),
				chromedp.Text(c.bio, &text, chromedp.ByQuery))
			if !strings.HasPrefix(loc, n.URL+"/") || phished.Load() != 0 {
				t.Errorf("the page went to %s (phishing page hit %d times)", loc, phished.Load())
			}
			if elements != 0 {
				t.Errorf("%d injected elements in the page", elements)
			}
			if !strings.Contains(text, "Agent") || !strings.Contains(text, "fin") {
				t.Errorf("bio text lost: %q", text)
			}
			// A local bio is the text its author typed, shown as text; a
			// peer's is HTML, whose dangerous elements are gone.
			if c.local && !strings.Contains(text, `<meta http-equiv="refresh"`) {
				t.Errorf("local bio not shown as the text typed: %q", text)
			}
			if !c.local && strings.Contains(text, "<meta") {
				t.Errorf("peer's markup shown: %q", text)
			}
		})
	}
}

// serveWithSummary republishes an actor document with a summary.
func serveWithSummary(t *testing.T, r *testnet.RemoteActor, doc []byte, summary string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	m["summary"] = summary
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	r.Serve("/users/"+r.Username, out)
}
