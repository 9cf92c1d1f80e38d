package client_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type pageEntity struct {
	ID, URI, URL, Title, Body, HTML string
	GroupID                         string  `json:"group_id"`
	ParentID                        *string `json:"parent_id"`
	Version                         int
	Locked                          bool
	TOC                             []struct {
		Level    int
		Text, ID string
	}
	Proposals []struct {
		BaseVersion int `json:"base_version"`
		Conflict    bool
		Body        string
	}
}

type conflictEntity struct {
	Error, Field string
	Current      pageEntity
	Yours        struct{ Body string }
	Diff         []struct{ Op, Text string }
}

// countRows counts the rows of a table on a node.
func countRows(t *testing.T, n *testnet.Node, table string) int {
	t.Helper()
	var c int
	if err := n.Pool.QueryRow(t.Context(), `select count(*) from `+table).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func newGroup(t *testing.T, owner *testnet.User, name, visibility string, members ...*testnet.User) string {
	t.Helper()
	var g struct{ ID string }
	res := owner.API("POST", "/groups", map[string]any{"name": name, "visibility": visibility, "join_policy": "open"})
	res.JSON(t, &g)
	if res.Status != 200 {
		t.Fatalf("group: %d %s", res.Status, res.Body)
	}
	for _, m := range members {
		if res := m.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
			t.Fatalf("join: %d %s", res.Status, res.Body)
		}
	}
	return g.ID
}

func TestPagesAPI(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierPartner, "")
	oscar := n.CreateUser("oscar", store.TierState, "")
	gid := newGroup(t, alice, "Accueil des agents", "private", bob, carol)

	var guide pageEntity
	res := alice.API("POST", "/groups/"+gid+"/pages", map[string]any{"title": "Guide d'accueil",
		"body": "# Guide\n\n## Premiers jours\n\nVoir [[Badge et accès]].\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n"})
	res.JSON(t, &guide)
	if res.Status != 200 || guide.Version != 1 || guide.URI == "" || guide.Title != "Guide d'accueil" {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if strings.Contains(guide.HTML, "<script") || strings.Contains(guide.HTML, "javascript:") {
		t.Errorf("hostile Markdown is active: %s", guide.HTML)
	}
	if !strings.Contains(guide.HTML, "wikilink-new") || !strings.Contains(guide.HTML, "/pages/new?title=Badge") {
		t.Errorf("a missing page is no link that creates it: %s", guide.HTML)
	}
	if len(guide.TOC) != 2 || guide.TOC[1].Text != "Premiers jours" {
		t.Errorf("toc: %+v", guide.TOC)
	}
	// A partner member creates the sub-page; the link now points at it.
	var badge pageEntity
	res = carol.API("POST", "/groups/"+gid+"/pages", map[string]any{"title": "Badge et accès", "body": "Au guichet.", "parent_id": guide.ID})
	res.JSON(t, &badge)
	if res.Status != 200 || badge.ParentID == nil || *badge.ParentID != guide.ID {
		t.Fatalf("sub-page by a partner: %d %s", res.Status, res.Body)
	}
	alice.API("GET", "/pages/"+guide.ID, nil).JSON(t, &guide)
	if strings.Contains(guide.HTML, "wikilink-new") || !strings.Contains(guide.HTML, "/pages/"+badge.ID) {
		t.Errorf("the link does not point at the new page: %s", guide.HTML)
	}

	// Bad input: a 4xx naming the field, and no row written.
	pagesBefore, versionsBefore := countRows(t, n, "wiki_pages"), countRows(t, n, "page_versions")
	for _, c := range []struct {
		method, path string
		body         map[string]any
		status       int
		field        string
	}{
		{"POST", "/groups/" + gid + "/pages", map[string]any{"title": strings.Repeat("t", 10000), "body": "x"}, 422, "title"},
		{"POST", "/groups/" + gid + "/pages", map[string]any{"title": "Gros", "body": strings.Repeat("x", 1<<20+1)}, 422, "body"},
		{"POST", "/groups/" + gid + "/pages", map[string]any{"title": "Orphan", "parent_id": "999999"}, 422, "parent_id"},
		{"PUT", "/pages/" + guide.ID, map[string]any{"parent_id": badge.ID, "base_version": 1}, 422, "parent_id"},
		{"PUT", "/pages/" + guide.ID, map[string]any{"parent_id": guide.ID, "base_version": 1}, 422, "parent_id"},
		{"PUT", "/pages/" + guide.ID, map[string]any{"body": "x", "base_version": 7}, 422, "base_version"},
		{"PUT", "/pages/" + guide.ID, map[string]any{"body": "x"}, 422, "base_version"},
	} {
		res := alice.API(c.method, c.path, c.body)
		var e struct{ Error, Field string }
		res.JSON(t, &e)
		if res.Status != c.status || e.Field != c.field {
			t.Errorf("%s %s: %d %s, want %d on %s", c.method, c.path, res.Status, res.Body, c.status, c.field)
		}
	}
	if res := oscar.API("POST", "/groups/"+gid+"/pages", map[string]any{"title": "Intrus", "body": "x"}); res.Status != 403 {
		t.Errorf("non-member creates a page: %d", res.Status)
	}
	if res := oscar.API("GET", "/pages/"+guide.ID, nil); res.Status != 403 {
		t.Errorf("non-member reads a private group's page: %d", res.Status)
	}
	if p, v := countRows(t, n, "wiki_pages"), countRows(t, n, "page_versions"); p != pagesBefore || v != versionsBefore {
		t.Errorf("bad input wrote rows: pages %d→%d, versions %d→%d", pagesBefore, p, versionsBefore, v)
	}

	// Two agents save from version 1 at the same time: one wins, the other
	// gets 409 with the current page and the diff, then merges.
	base := guide.Body
	var wg sync.WaitGroup
	results := make([]*testnet.Response, 2)
	for i, u := range []*testnet.User{alice, bob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = u.API("PUT", "/pages/"+guide.ID, map[string]any{"body": base + "\nAjout de " + u.Username + ".\n", "base_version": 1})
		}()
	}
	wg.Wait()
	var won, lost *testnet.Response
	var loser *testnet.User
	for i, r := range results {
		switch r.Status {
		case 200:
			won = r
		case 409:
			lost, loser = r, []*testnet.User{alice, bob}[i]
		}
	}
	if won == nil || lost == nil {
		t.Fatalf("concurrent saves: %d %s / %d %s", results[0].Status, results[0].Body, results[1].Status, results[1].Body)
	}
	var conflict conflictEntity
	lost.JSON(t, &conflict)
	if conflict.Field != "base_version" || conflict.Current.Version != 2 || !strings.Contains(conflict.Yours.Body, "Ajout de "+loser.Username) {
		t.Errorf("409: %s", lost.Body)
	}
	hasAdded := false
	for _, l := range conflict.Diff {
		hasAdded = hasAdded || (l.Op == "added" && l.Text == "Ajout de "+loser.Username+".")
	}
	if !hasAdded {
		t.Errorf("the diff does not show the refused addition: %+v", conflict.Diff)
	}
	merged := conflict.Current.Body + "Ajout de " + loser.Username + ".\n"
	var m pageEntity
	res = loser.API("PUT", "/pages/"+guide.ID, map[string]any{"body": merged, "base_version": conflict.Current.Version})
	res.JSON(t, &m)
	if res.Status != 200 || m.Version != 3 || !strings.Contains(m.Body, "Ajout de alice") || !strings.Contains(m.Body, "Ajout de bob") {
		t.Fatalf("merge: %d %s", res.Status, res.Body)
	}

	// History, one version, a diff, and a restore as a new version.
	var versions []struct {
		Version int
		Account *struct{ Username string }
	}
	alice.API("GET", "/pages/"+guide.ID+"/versions", nil).JSON(t, &versions)
	if len(versions) != 3 || versions[0].Version != 3 || versions[0].Account == nil || versions[0].Account.Username != loser.Username {
		t.Errorf("versions: %+v", versions)
	}
	var v1 struct {
		Version int
		Body    string
	}
	alice.API("GET", "/pages/"+guide.ID+"/versions/1", nil).JSON(t, &v1)
	if v1.Version != 1 || v1.Body != base {
		t.Errorf("version 1: %+v", v1)
	}
	var diff struct {
		Lines []struct{ Op, Text string }
	}
	alice.API("GET", "/pages/"+guide.ID+"/diff?from=1&to=3", nil).JSON(t, &diff)
	added := 0
	for _, l := range diff.Lines {
		if l.Op == "added" {
			added++
		}
	}
	if added < 2 {
		t.Errorf("diff 1→3: %+v", diff.Lines)
	}
	var restored pageEntity
	alice.API("POST", "/pages/"+guide.ID+"/versions/1/restore", nil).JSON(t, &restored)
	if restored.Version != 4 || restored.Body != base {
		t.Errorf("restore: %+v", restored)
	}

	// An animator locks the page: members may no longer edit it; then the
	// group keeps every page to its animators.
	if res := bob.API("PUT", "/pages/"+guide.ID, map[string]any{"locked": true, "base_version": 4}); res.Status != 422 {
		t.Errorf("a member locks a page: %d %s", res.Status, res.Body)
	}
	if res := alice.API("PUT", "/pages/"+guide.ID, map[string]any{"locked": true, "base_version": 4}); res.Status != 200 {
		t.Fatalf("lock: %d %s", res.Status, res.Body)
	}
	if res := bob.API("PUT", "/pages/"+guide.ID, map[string]any{"body": "x", "base_version": 5}); res.Status != 403 {
		t.Errorf("a member edits a locked page: %d %s", res.Status, res.Body)
	}
	if res := bob.API("PUT", "/groups/"+gid+"/page_editors", map[string]any{"editors": "animators"}); res.Status != 403 {
		t.Errorf("a member sets the rule: %d", res.Status)
	}
	alice.API("PUT", "/groups/"+gid+"/page_editors", map[string]any{"editors": "animators"})
	if res := carol.API("PUT", "/pages/"+badge.ID, map[string]any{"body": "y", "base_version": 1}); res.Status != 403 {
		t.Errorf("a member edits under the animators' rule: %d", res.Status)
	}

	// The group's search ranks pages with posts.
	alice.API("POST", "/statuses", map[string]any{"status": "Le badge se retire au guichet", "group_id": gid})
	var hits []struct{ ID, Type, Title string }
	alice.API("GET", "/groups/"+gid+"/search?q=guichet", nil).JSON(t, &hits)
	kinds := map[string]bool{}
	for _, h := range hits {
		kinds[h.Type] = true
	}
	if !kinds["page"] || !kinds["status"] {
		t.Errorf("group search: %+v", hits)
	}

	// Delete: the creator or an animator; then it is gone.
	if res := bob.API("DELETE", "/pages/"+badge.ID, nil); res.Status != 403 {
		t.Errorf("a member deletes another's page: %d", res.Status)
	}
	if res := carol.API("DELETE", "/pages/"+badge.ID, nil); res.Status != 200 {
		t.Errorf("creator deletes: %d %s", res.Status, res.Body)
	}
	if res := alice.API("GET", "/pages/"+badge.ID, nil); res.Status != 404 {
		t.Errorf("deleted page: %d", res.Status)
	}
}
