package activitypub_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const wait = 20 * time.Second

// readRuleFixture is one node with a group of alice's holding a post and a
// document, and a fake peer with three actors: inv (invited into the
// group), yan (never invited, same node) and the peer's instance actor.
type readRuleFixture struct {
	n             *testnet.Node
	alice         *testnet.User
	inv, yan, app *testnet.RemoteActor
	group         string // username
	groupURI      string
	groupID       string
	docID, sha    string
	noteURL       string
}

func pdfBytes(t *testing.T, size int) []byte {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	copy(b, "%PDF-1.7\n")
	return b
}

func newReadRuleFixture(t *testing.T, visibility string) *readRuleFixture {
	t.Helper()
	ctx := context.Background()
	f := &readRuleFixture{n: testnet.StartNode(t, testnet.Options{})}
	f.alice = f.n.CreateUser("alice", store.TierState, "")
	f.inv = testnet.NewRemoteActor(t, "inv")
	f.yan = f.inv.Sibling(t, "yan", "")
	f.app = f.inv.Sibling(t, "actor", store.TypeApplication)
	var g struct{ ID, Username, URI string }
	res := f.alice.API("POST", "/groups", map[string]any{"name": "Cellule " + visibility, "username": "cellule_" + visibility,
		"visibility": visibility, "join_policy": "invite"})
	res.JSON(t, &g)
	if res.Status != 200 {
		t.Fatalf("create group: %d %s", res.Status, res.Body)
	}
	f.group, f.groupURI, f.groupID = g.Username, g.URI, g.ID
	invActor, err := f.n.Federator.Actor(ctx, f.inv.URI, true)
	if err != nil {
		t.Fatal(err)
	}
	if res := f.alice.API("POST", "/groups/"+g.ID+"/invite", map[string]string{"account_id": strconv.FormatInt(invActor.ID, 10)}); res.Status != 200 {
		t.Fatalf("invite: %d %s", res.Status, res.Body)
	}
	var doc struct{ ID, SHA256 string }
	res = f.alice.Upload("/groups/"+g.ID+"/documents", "compte-rendu.pdf", pdfBytes(t, 4096), map[string]string{"description": "réunion"})
	res.JSON(t, &doc)
	if res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	f.docID, f.sha = doc.ID, doc.SHA256
	var st struct{ URI string }
	res = f.alice.API("POST", "/statuses", map[string]any{"status": "ordre du jour", "group_id": g.ID})
	res.JSON(t, &st)
	if res.Status != 200 {
		t.Fatalf("post: %d %s", res.Status, res.Body)
	}
	f.noteURL = st.URI
	return f
}

// contentURLs are the group's content as peers fetch it.
func (f *readRuleFixture) contentURLs() []string {
	base := f.n.URL
	return []string{
		base + "/files/" + f.sha,
		base + "/groups/" + f.group + "/files/" + f.sha,
		base + "/documents/" + f.docID,
		base + "/groups/" + f.group + "/outbox",
		base + "/groups/" + f.group + "/members",
		base + "/groups/" + f.group + "/moderators",
		base + "/groups/" + f.group + "/followers",
		f.noteURL,
		f.noteURL + "/activity", // its Create, served at its id under the note's rule
	}
}

// accept makes inv an accepted member: the invitee answers with a Join.
func (f *readRuleFixture) accept(t *testing.T) {
	t.Helper()
	join := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"` + f.inv.NewID("joins") +
		`","type":"Join","actor":"` + f.inv.URI + `","object":"` + f.groupURI + `"}`)
	if resp := f.inv.Post(t, f.n.URL+"/groups/"+f.group+"/inbox", join); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("join: %d", resp.StatusCode)
	}
	testnet.Eventually(t, wait, "inv accepted", func() bool {
		var state string
		err := f.n.Pool.QueryRow(context.Background(), `select m.state from memberships m join actors a on a.id = m.member_id
			where a.uri = $1`, f.inv.URI).Scan(&state)
		return err == nil && state == store.StateAccepted
	})
}

func expectGet(t *testing.T, who *testnet.RemoteActor, url string, want int) {
	t.Helper()
	if res := who.Get(t, url); res.Status != want {
		t.Errorf("%s GET %s: %d, want %d (%.200s)", who.Username, url, res.Status, want, res.Body)
	}
}

// Issue 13.2: a pending invitation opened a secret group's files to every
// actor of the invitee's node. The rule is: an accepted member, or the
// instance actor of a node that hosts one; nobody else of that node.
func TestGroupReadRuleSecret(t *testing.T) {
	f := newReadRuleFixture(t, store.VisibilitySecret)
	groupDoc := f.n.URL + "/groups/" + f.group

	// Invited only: yan, never invited, is told nothing exists; neither inv
	// nor the node's instance actor may read the content yet, but both may
	// read the group's document (the invitation's signature needs its key).
	for _, u := range f.contentURLs() {
		expectGet(t, f.yan, u, http.StatusNotFound)
		expectGet(t, f.inv, u, http.StatusNotFound)
		expectGet(t, f.app, u, http.StatusNotFound)
	}
	expectGet(t, f.yan, groupDoc, http.StatusNotFound)
	expectGet(t, f.inv, groupDoc, http.StatusOK)
	expectGet(t, f.app, groupDoc, http.StatusOK)

	f.accept(t)
	for _, u := range f.contentURLs() {
		expectGet(t, f.inv, u, http.StatusOK)
		expectGet(t, f.app, u, http.StatusOK)
		expectGet(t, f.yan, u, http.StatusNotFound)
	}
	expectGet(t, f.yan, groupDoc, http.StatusNotFound)

	// What yan gets is what a missing file and a missing document give.
	missing := f.yan.Get(t, f.n.URL+"/files/"+"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	secret := f.yan.Get(t, f.n.URL+"/files/"+f.sha)
	if missing.Status != secret.Status || string(missing.Body) != string(secret.Body) {
		t.Errorf("secret file %d %s, missing file %d %s", secret.Status, secret.Body, missing.Status, missing.Body)
	}
	missing = f.yan.Get(t, f.n.URL+"/documents/999999")
	secret = f.yan.Get(t, f.n.URL+"/documents/"+f.docID)
	if missing.Status != secret.Status || string(missing.Body) != string(secret.Body) {
		t.Errorf("secret document %d %s, missing document %d %s", secret.Status, secret.Body, missing.Status, missing.Body)
	}
	// Unsigned, the same.
	for _, path := range []string{"/files/" + f.sha, "/documents/" + f.docID, "/groups/" + f.group} {
		if res := f.n.Do("GET", path, "", nil, "Accept", activityJSON); res.Status != http.StatusNotFound {
			t.Errorf("unsigned GET %s: %d, want 404", path, res.Status)
		}
	}
}

// The same rule for a private group: its profile is public, its content is
// refused (403) to yan, served to the member and to its node.
func TestGroupReadRulePrivate(t *testing.T) {
	f := newReadRuleFixture(t, store.VisibilityPrivate)
	refused := func(u string) int {
		if u == f.noteURL || u == f.noteURL+"/activity" {
			return http.StatusNotFound // a post one may not read is not there, nor its Create
		}
		return http.StatusForbidden
	}
	for _, u := range f.contentURLs() {
		expectGet(t, f.yan, u, refused(u))
		expectGet(t, f.app, u, refused(u))
	}
	f.accept(t)
	for _, u := range f.contentURLs() {
		expectGet(t, f.inv, u, http.StatusOK)
		expectGet(t, f.app, u, http.StatusOK)
		expectGet(t, f.yan, u, refused(u))
	}
	expectGet(t, f.yan, f.n.URL+"/groups/"+f.group, http.StatusOK)
}

// Signed GETs of a secret group's content with RFC 9421 signatures: the
// member reads, the same read signed by a non-member, or with a signature
// made for another path, is told nothing exists.
func TestGroupReadRuleRFC9421(t *testing.T) {
	f := newReadRuleFixture(t, store.VisibilitySecret)
	f.accept(t)
	for _, u := range f.contentURLs() {
		if res := f.inv.GetRFC9421(t, u); res.Status != http.StatusOK {
			t.Errorf("member GET %s (RFC 9421): %d, want 200 (%.200s)", u, res.Status, res.Body)
		}
		if res := f.yan.GetRFC9421(t, u); res.Status != http.StatusNotFound {
			t.Errorf("non-member GET %s (RFC 9421): %d, want 404", u, res.Status)
		}
	}
	// The member's signature over the group's document, replayed on its
	// files: refused as if unsigned.
	req, _ := http.NewRequest(http.MethodGet, f.n.URL+"/groups/"+f.group, nil)
	if err := federation.SignMessage(req, nil, f.inv.KeyID, f.inv.Key); err != nil {
		t.Fatal(err)
	}
	res := f.n.Do("GET", "/files/"+f.sha, "", nil, "Accept", activityJSON,
		"Signature-Input", req.Header.Get("Signature-Input"), "Signature", req.Header.Get("Signature"))
	if res.Status != http.StatusNotFound {
		t.Errorf("replayed signature: %d, want 404", res.Status)
	}
}
