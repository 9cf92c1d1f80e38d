package inbox_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type documentEntity struct {
	ID, URI, Name, Description, Folder, SHA256 string
	Version                                    int
	Size                                       int64
	Versions                                   []struct{ Version int }
}

// pdf makes a file the node accepts as a PDF, of about size bytes.
func pdf(t *testing.T, size int) []byte {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	copy(b, "%PDF-1.7\n%âãÏÓ\n")
	return b
}

func findDocument(t *testing.T, u *testnet.User, path, name string) *documentEntity {
	var docs []documentEntity
	u.API("GET", path, nil).JSON(t, &docs)
	for i := range docs {
		if docs[i].Name == name {
			return &docs[i]
		}
	}
	return nil
}

// countBlobs counts the files in a node's content-addressed storage.
func countBlobs(t *testing.T, n *testnet.Node) int {
	t.Helper()
	count := 0
	root := filepath.Join(n.Config.DataDir, "files")
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		if err == nil && !d.IsDir() && !strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
			count++
		}
		return nil
	})
	return count
}

func TestDocumentsAcrossNodes(t *testing.T) {
	nodes := testnet.Start(t, 3, testnet.Options{})
	a, b, c := nodes[0], nodes[1], nodes[2]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	carol := c.CreateUser("carol", store.TierState, "")
	outsider := c.CreateUser("oscar", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Marchés publics", "visibility": "private", "join_policy": "open"})
	gB, gC := joinByHandle(t, bob, g.Acct), joinByHandle(t, carol, g.Acct)
	waitMembership(t, bob, gB.ID, store.StateAccepted)
	waitMembership(t, carol, gC.ID, store.StateAccepted)

	// bob on B uploads 20 MiB to the private group on A.
	content := pdf(t, 20<<20)
	res := bob.Upload("/groups/"+gB.ID+"/documents", "guide-achats.pdf", content,
		map[string]string{"description": "Guide des procédures d'achat public", "folder": "Guides"})
	var up documentEntity
	res.JSON(t, &up)
	if res.Status != 200 || up.Size != int64(len(content)) || up.Folder != "Guides" {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}

	// carol on C finds it by a word of its description (stemmed, accents folded).
	var onC *documentEntity
	testnet.Eventually(t, wait, "the document on C", func() bool {
		var docs []documentEntity
		carol.API("GET", "/documents?q=procedure", nil).JSON(t, &docs)
		if len(docs) == 1 {
			onC = &docs[0]
		}
		return onC != nil
	})
	// Issue 13.10: the description is the text typed on B, not escaped
	// once more on its way ("d&#39;achat").
	if onC.Description != "Guide des procédures d'achat public" || onC.Name != "guide-achats.pdf" {
		t.Errorf("the document on C: %q, %q", onC.Name, onC.Description)
	}
	file := carol.API("GET", "/documents/"+onC.ID+"/file", nil)
	if file.Status != 200 || !bytes.Equal(file.Body, content) {
		t.Fatalf("download on C: %d, %d bytes, identical %v", file.Status, len(file.Body), bytes.Equal(file.Body, content))
	}
	if file.Header.Get("ETag") != `"`+up.SHA256+`"` || !strings.HasPrefix(file.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download headers: %v", file.Header)
	}
	ranged := c.Do("GET", "/api/v1/documents/"+onC.ID+"/file", carol.Token, nil, "Range", "bytes=0-8")
	if ranged.Status != 206 || string(ranged.Body) != "%PDF-1.7\n" {
		t.Errorf("range request: %d %q", ranged.Status, ranged.Body)
	}
	// A non-member on C sees nothing.
	if res := outsider.API("GET", "/documents/"+onC.ID+"/file", nil); res.Status != 403 && res.Status != 404 {
		t.Errorf("non-member download: %d", res.Status)
	}
	if res := c.Do("GET", "/groups/marches_publics/files/"+up.SHA256, "", nil); res.Status != 404 {
		t.Errorf("unsigned group file on C: %d", res.Status)
	}
	if res := a.Do("GET", "/groups/marches_publics/files/"+up.SHA256, "", nil); res.Status != 401 {
		t.Errorf("unsigned group file on A: %d", res.Status)
	}

	// A new version from C, with the same bytes as another document's: A
	// stores the bytes once.
	blobsBefore := countBlobs(t, a)
	v2 := pdf(t, 1<<20)
	res = carol.Upload("/documents/"+onC.ID+"/versions", "guide-achats.pdf", v2, nil)
	if res.Status != 200 {
		t.Fatalf("new version: %d %s", res.Status, res.Body)
	}
	var onA *documentEntity
	testnet.Eventually(t, wait, "version 2 on A and B", func() bool {
		onA = findDocument(t, alice, "/groups/"+g.ID+"/documents", "guide-achats.pdf")
		onB := findDocument(t, bob, "/groups/"+gB.ID+"/documents", "guide-achats.pdf")
		return onA != nil && onA.Version == 2 && onB != nil && onB.Version == 2
	})
	if got := alice.API("GET", "/documents/"+onA.ID+"/file", nil); !bytes.Equal(got.Body, v2) {
		t.Errorf("version 2 on A differs")
	}
	if got := bob.API("GET", "/documents/"+up.ID+"/file?version=1", nil); !bytes.Equal(got.Body, content) {
		t.Errorf("version 1 no longer downloadable on B")
	}
	if got := bob.API("GET", "/documents/"+up.ID+"/file", nil); !bytes.Equal(got.Body, v2) {
		t.Errorf("version 2 on B differs")
	}
	if n := countBlobs(t, a); n != blobsBefore+1 {
		t.Errorf("A stores %d files after one new version, had %d", n, blobsBefore)
	}
	res = alice.Upload("/groups/"+g.ID+"/documents", "copie.pdf", v2, map[string]string{"description": "Même contenu"})
	if res.Status != 200 || countBlobs(t, a) != blobsBefore+1 {
		t.Errorf("the same bytes under another name are stored again (%d files)", countBlobs(t, a))
	}

	// The uploader on B renames and moves it: A and C follow. Then the
	// animator on A renames it again, and B and C follow.
	if res := bob.API("PATCH", "/documents/"+up.ID, map[string]any{"name": "guide-des-achats.pdf", "folder": "Guides/2026"}); res.Status != 200 {
		t.Fatalf("rename by the uploader: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the rename on A and C", func() bool {
		onA := findDocument(t, alice, "/groups/"+g.ID+"/documents", "guide-des-achats.pdf")
		onC := findDocument(t, carol, "/groups/"+gC.ID+"/documents", "guide-des-achats.pdf")
		return onA != nil && onA.Folder == "Guides/2026" && onC != nil && onC.Folder == "Guides/2026" && onC.Version == 2
	})
	if res := alice.API("PATCH", "/documents/"+onA.ID, map[string]any{"name": "achats.pdf", "description": "Le guide, revu"}); res.Status != 200 {
		t.Fatalf("rename by the animator: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the animator's rename on B and C", func() bool {
		onB := findDocument(t, bob, "/groups/"+gB.ID+"/documents", "achats.pdf")
		onC := findDocument(t, carol, "/groups/"+gC.ID+"/documents", "achats.pdf")
		return onB != nil && onB.Description == "Le guide, revu" && onB.Folder == "Guides/2026" && onC != nil
	})
	// carol neither uploaded it nor animates the group: her node refuses.
	if res := carol.API("PATCH", "/documents/"+onC.ID, map[string]any{"name": "pris.pdf"}); res.Status != 403 {
		t.Errorf("rename by a plain member: %d %s", res.Status, res.Body)
	}
	onA = findDocument(t, alice, "/groups/"+g.ID+"/documents", "achats.pdf")

	// The animator deletes the document: gone on every node.
	if res := alice.API("DELETE", "/documents/"+onA.ID, nil); res.Status != 200 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the document gone on B and C", func() bool {
		return findDocument(t, bob, "/groups/"+gB.ID+"/documents", "achats.pdf") == nil &&
			findDocument(t, carol, "/groups/"+gC.ID+"/documents", "achats.pdf") == nil
	})
}

func TestDocumentBadInput(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	zoe := n.CreateUser("zoe", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Archives", "visibility": "private"})
	secret := createGroup(t, alice, map[string]any{"name": "Secret", "visibility": "secret"})
	ok := pdf(t, 1000)
	for _, tc := range []struct {
		name, file string
		content    []byte
		status     int
	}{
		{"path separator", "../../etc/passwd.pdf", ok, 422},
		{"slash", "a/b.pdf", ok, 422},
		{"control character", "rapport\x01.pdf", ok, 400}, // not even a valid multipart header
		{"over 255 bytes", strings.Repeat("é", 130) + ".pdf", ok, 422},
		{"HTML refused", "page.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 415},
		{"executable refused", "outil.pdf", append([]byte("MZ\x90\x00"), make([]byte, 100)...), 415},
	} {
		res := alice.Upload("/groups/"+g.ID+"/documents", tc.file, tc.content, nil)
		if res.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, res.Status, tc.status, res.Body)
		}
	}
	if res := zoe.Upload("/groups/"+g.ID+"/documents", "x.pdf", ok, nil); res.Status != 403 {
		t.Errorf("non-member upload: %d", res.Status)
	}
	if res := zoe.Upload("/groups/"+secret.ID+"/documents", "x.pdf", ok, nil); res.Status != 404 {
		t.Errorf("non-member upload to a secret group: %d", res.Status)
	}
	var docs int
	_ = n.Pool.QueryRow(context.Background(), `select count(*) from documents`).Scan(&docs)
	if docs != 0 || countBlobs(t, n) != 0 {
		t.Errorf("refused uploads left %d documents and %d files", docs, countBlobs(t, n))
	}
}

func TestUploadOverTheLimit(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{MaxUploadBytes: 1 << 20})
	alice := n.CreateUser("alice", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Limites"})
	res := alice.Upload("/groups/"+g.ID+"/documents", "gros.pdf", pdf(t, 3<<20), nil)
	if res.Status != 413 {
		t.Fatalf("3 MiB with a 1 MiB limit: %d %s", res.Status, res.Body)
	}
	tmp, _ := os.ReadDir(filepath.Join(n.Config.DataDir, "files", "tmp"))
	if countBlobs(t, n) != 0 || len(tmp) != 0 {
		t.Errorf("an oversized upload left %d files and %d temporary files", countBlobs(t, n), len(tmp))
	}
	if res := alice.Upload("/groups/"+g.ID+"/documents", "petit.pdf", pdf(t, 1<<19), nil); res.Status != 200 {
		t.Errorf("a file under the limit: %d", res.Status)
	}
}

// processedReason waits until a node has handled a received activity and returns
// the reason it was refused ("" when applied).
func processedReason(t *testing.T, n *testnet.Node, activityID string) string {
	t.Helper()
	var reason string
	testnet.Eventually(t, wait, "activity "+activityID+" processed", func() bool {
		var done bool
		err := n.Pool.QueryRow(context.Background(), `select processed_at is not null, error from activities where uri = $1`, activityID).Scan(&done, &reason)
		return err == nil && done
	})
	return reason
}

func documentActivity(typ, id, actor, target, docID, url, sha string, size int64, version int) []byte {
	act := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "type": typ, "id": id, "actor": actor,
		"object": map[string]any{"type": "Document", "id": docID, "attributedTo": actor, "name": "note.pdf",
			"mediaType": "application/pdf", "url": url, "size": size, "digest": "SHA-256=" + sha, "version": version,
			"audience": strings.TrimSuffix(target, "/documents")},
	}
	if target != "" {
		act["target"] = target
	}
	b, _ := json.Marshal(act)
	return b
}

// renamed sets the name and folder of the Document in an activity.
func renamed(t *testing.T, activity []byte, name, folder string) []byte {
	t.Helper()
	var act map[string]any
	if err := json.Unmarshal(activity, &act); err != nil {
		t.Fatal(err)
	}
	obj := act["object"].(map[string]any)
	obj["name"], obj["fileName"], obj["folder"] = name, name, folder
	b, _ := json.Marshal(act)
	return b
}

func TestForgedRemoteDocuments(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Partage", "visibility": "private", "join_policy": "open"})
	groupURI := a.URL + "/groups/partage"
	member := testnet.NewRemoteActor(t, "membre")
	joinID := member.NewID("join")
	member.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": joinID, "actor": member.URI, "group": groupURI}))
	received(t, member, "Accept", joinID)

	announced := pdf(t, 5000)
	sum := sha256.Sum256(announced)
	sha := hex.EncodeToString(sum[:])
	// The file served differs from the announced digest…
	member.Serve("/files/wrong", pdf(t, 5000))
	addID := member.NewID("add")
	member.Post(t, groupURI+"/inbox", documentActivity("Add", addID, member.URI, groupURI+"/documents", member.NewID("doc"),
		member.URL("/files/wrong"), sha, int64(len(announced)), 1))
	if reason := processedReason(t, a, addID); !strings.Contains(reason, "does not match") {
		t.Errorf("digest mismatch: %q", reason)
	}
	// …or is longer than announced.
	member.Serve("/files/long", append(append([]byte{}, announced...), 'x'))
	addID = member.NewID("add")
	member.Post(t, groupURI+"/inbox", documentActivity("Add", addID, member.URI, groupURI+"/documents", member.NewID("doc"),
		member.URL("/files/long"), sha, int64(len(announced)), 1))
	if reason := processedReason(t, a, addID); reason == "" {
		t.Error("a file longer than announced was accepted")
	}
	// A good one goes through.
	member.Serve("/files/good", announced)
	goodDoc := member.NewID("doc")
	addID = member.NewID("add")
	member.Post(t, groupURI+"/inbox", documentActivity("Add", addID, member.URI, groupURI+"/documents", goodDoc,
		member.URL("/files/good"), sha, int64(len(announced)), 1))
	if reason := processedReason(t, a, addID); reason != "" {
		t.Fatalf("a valid remote document refused: %s", reason)
	}
	// A name or folder that this node would refuse from its own users is
	// refused from a peer too.
	for _, bad := range []struct{ name, folder string }{{"../../etc/passwd", ""}, {"note.pdf", "a/../../b"}, {"a\u0007b.pdf", ""}} {
		member.Serve("/files/good", announced)
		addID = member.NewID("add")
		member.Post(t, groupURI+"/inbox", renamed(t, documentActivity("Add", addID, member.URI, groupURI+"/documents", member.NewID("doc"),
			member.URL("/files/good"), sha, int64(len(announced)), 1), bad.name, bad.folder))
		if reason := processedReason(t, a, addID); !strings.Contains(reason, "document") {
			t.Errorf("name %q folder %q: %q", bad.name, bad.folder, reason)
		}
	}
	// A rename (same version, same bytes) by another member is refused; by
	// the uploader it is applied.
	other := testnet.NewRemoteActor(t, "autre")
	joinID = other.NewID("join")
	other.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": joinID, "actor": other.URI, "group": groupURI}))
	received(t, other, "Accept", joinID)
	updID := other.NewID("update")
	other.Post(t, a.URL+"/inbox", renamed(t, documentActivity("Update", updID, other.URI, "", goodDoc, member.URL("/files/good"),
		sha, int64(len(announced)), 1), "pris.pdf", ""))
	if reason := processedReason(t, a, updID); !strings.Contains(reason, "may not rename") {
		t.Errorf("rename by another member: %q", reason)
	}
	updID = member.NewID("update")
	member.Post(t, a.URL+"/inbox", renamed(t, documentActivity("Update", updID, member.URI, "", goodDoc, member.URL("/files/good"),
		sha, int64(len(announced)), 1), "note-finale.pdf", "Comptes rendus"))
	if reason := processedReason(t, a, updID); reason != "" {
		t.Errorf("rename by the uploader: %q", reason)
	}
	if d, err := a.Store.DocumentByURI(ctx, goodDoc); err != nil || d.Name != "note-finale.pdf" || d.Folder != "Comptes rendus" {
		t.Errorf("after the uploader's rename: %+v %v", d, err)
	}

	// Another member may add a version, but not rename the document with it
	// (member nodes apply the metadata the group forwards).
	v2 := pdf(t, 3000)
	v2sum := sha256.Sum256(v2)
	other.Serve("/files/v2", v2)
	updID = other.NewID("update")
	other.Post(t, a.URL+"/inbox", renamed(t, documentActivity("Update", updID, other.URI, "", goodDoc, other.URL("/files/v2"),
		hex.EncodeToString(v2sum[:]), int64(len(v2)), 2), "pris.pdf", "Pirate"))
	if reason := processedReason(t, a, updID); !strings.Contains(reason, "not rename") {
		t.Errorf("a new version that renames, by a plain member: %q", reason)
	}

	// Someone who is not a member cannot add a version.
	outsider := testnet.NewRemoteActor(t, "intrus")
	outsider.Serve("/files/v2", pdf(t, 100))
	updID = outsider.NewID("update")
	outsider.Post(t, a.URL+"/inbox", documentActivity("Update", updID, outsider.URI, "", goodDoc, outsider.URL("/files/v2"),
		strings.Repeat("0", 64), 100, 2))
	if reason := processedReason(t, a, updID); !strings.Contains(reason, "not a member") {
		t.Errorf("update by a non-member: %q", reason)
	}
	var docs, versions int
	_ = a.Pool.QueryRow(ctx, `select count(*) from documents`).Scan(&docs)
	_ = a.Pool.QueryRow(ctx, `select count(*) from document_versions`).Scan(&versions)
	if docs != 1 || versions != 1 {
		t.Errorf("after forged documents A has %d documents and %d versions, want 1 and 1", docs, versions)
	}
	if n := countBlobs(t, a); n != 1 {
		t.Errorf("A stores %d files, want 1 (refused fetches leave nothing)", n)
	}
	_ = g
}
