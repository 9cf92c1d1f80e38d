package inbox_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type wikiPage struct {
	ID, URI, Title, Body string
	Version              int
	Proposals            []struct {
		BaseVersion int `json:"base_version"`
		Conflict    bool
		Body        string
		Diff        []struct{ Op, Text string }
	}
}

func pageByTitle(t *testing.T, u *testnet.User, groupID, title string) *wikiPage {
	t.Helper()
	var list []wikiPage
	u.API("GET", "/groups/"+groupID+"/pages", nil).JSON(t, &list)
	for _, p := range list {
		if p.Title == title {
			var full wikiPage
			u.API("GET", "/pages/"+p.ID, nil).JSON(t, &full)
			return &full
		}
	}
	return nil
}

// waitPage waits until u's node has the page at a version whose body
// passes ok.
func waitPage(t *testing.T, u *testnet.User, groupID, title, what string, ok func(*wikiPage) bool) *wikiPage {
	t.Helper()
	var p *wikiPage
	testnet.Eventually(t, wait, what, func() bool {
		p = pageByTitle(t, u, groupID, title)
		return p != nil && ok(p)
	})
	return p
}

func TestWikiAcrossNodes(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Base RH", "visibility": "private", "join_policy": "open"})
	gB := joinByHandle(t, bob, g.Acct)
	waitMembership(t, bob, gB.ID, store.StateAccepted)

	// bob on B creates a page of the group on A; alice sees it.
	res := bob.API("POST", "/groups/"+gB.ID+"/pages", map[string]any{"title": "Télétravail", "body": "# Télétravail\n\nDeux jours par semaine.\n"})
	if res.Status != 200 {
		t.Fatalf("create on B: %d %s", res.Status, res.Body)
	}
	onA := waitPage(t, alice, g.ID, "Télétravail", "the page on A", func(p *wikiPage) bool { return p.Version == 1 })

	// alice edits on A (the group's node): B gets version 2.
	res = alice.API("PUT", "/pages/"+onA.ID, map[string]any{"body": onA.Body + "\nCharte signée.\n", "base_version": 1})
	if res.Status != 200 {
		t.Fatalf("edit on A: %d %s", res.Status, res.Body)
	}
	onB := waitPage(t, bob, gB.ID, "Télétravail", "version 2 on B", func(p *wikiPage) bool { return p.Version == 2 })

	// bob edits on B: the group takes it as version 3, both nodes show it.
	res = bob.API("PUT", "/pages/"+onB.ID, map[string]any{"body": onB.Body + "\nMatériel fourni.\n", "base_version": 2})
	var pending wikiPage
	res.JSON(t, &pending)
	if res.Status != 200 || len(pending.Proposals) != 1 || pending.Proposals[0].Conflict {
		t.Fatalf("edit on B: %d %s", res.Status, res.Body)
	}
	waitPage(t, alice, g.ID, "Télétravail", "version 3 on A", func(p *wikiPage) bool {
		return p.Version == 3 && strings.Contains(p.Body, "Matériel fourni.")
	})
	onB = waitPage(t, bob, gB.ID, "Télétravail", "version 3 on B, proposal settled", func(p *wikiPage) bool {
		return p.Version == 3 && len(p.Proposals) == 0
	})

	// Both edit version 3 at once, one on each node: one is refused (409
	// at once, or a conflict on B once the group took the other), never lost.
	var wg sync.WaitGroup
	var resA, resB *testnet.Response
	wg.Add(2)
	go func() {
		defer wg.Done()
		resA = alice.API("PUT", "/pages/"+onA.ID, map[string]any{"body": onB.Body + "\nAjout d'Alice.\n", "base_version": 3})
	}()
	go func() {
		defer wg.Done()
		resB = bob.API("PUT", "/pages/"+onB.ID, map[string]any{"body": onB.Body + "\nAjout de Bob.\n", "base_version": 3})
	}()
	wg.Wait()
	both := func(p *wikiPage) bool {
		return strings.Contains(p.Body, "Ajout d'Alice.") && strings.Contains(p.Body, "Ajout de Bob.")
	}
	switch {
	case resA.Status == 409:
		var c struct{ Current wikiPage }
		resA.JSON(t, &c)
		if res := alice.API("PUT", "/pages/"+onA.ID, map[string]any{"body": c.Current.Body + "\nAjout d'Alice.\n",
			"base_version": c.Current.Version}); res.Status != 200 {
			t.Fatalf("alice's merge: %d %s", res.Status, res.Body)
		}
	case resB.Status == 409:
		var c struct{ Current wikiPage }
		resB.JSON(t, &c)
		if res := bob.API("PUT", "/pages/"+onB.ID, map[string]any{"body": c.Current.Body + "\nAjout de Bob.\n",
			"base_version": c.Current.Version}); res.Status != 200 {
			t.Fatalf("bob's merge: %d %s", res.Status, res.Body)
		}
	case resA.Status == 200 && resB.Status == 200:
		// The group took alice's; bob's waits on B as a conflict, with the
		// diff, and bob is told.
		conflicted := waitPage(t, bob, gB.ID, "Télétravail", "bob's edit in conflict on B", func(p *wikiPage) bool {
			return p.Version == 4 && len(p.Proposals) == 1 && p.Proposals[0].Conflict
		})
		if !strings.Contains(conflicted.Proposals[0].Body, "Ajout de Bob.") || len(conflicted.Proposals[0].Diff) == 0 {
			t.Errorf("conflict: %+v", conflicted.Proposals[0])
		}
		var notes []struct{ Type string }
		bob.API("GET", "/notifications?types[]=archipel.page_conflict", nil).JSON(t, &notes)
		if len(notes) != 1 {
			t.Errorf("bob not told of the conflict: %+v", notes)
		}
		if res := bob.API("PUT", "/pages/"+onB.ID, map[string]any{"body": conflicted.Body + "\nAjout de Bob.\n", "base_version": 4}); res.Status != 200 {
			t.Fatalf("bob's merge: %d %s", res.Status, res.Body)
		}
	default:
		t.Fatalf("concurrent edits: A %d %s, B %d %s", resA.Status, resA.Body, resB.Status, resB.Body)
	}
	final := waitPage(t, alice, g.ID, "Télétravail", "both edits on A", both)
	waitPage(t, bob, gB.ID, "Télétravail", "both edits on B", func(p *wikiPage) bool { return both(p) && len(p.Proposals) == 0 })

	// History and diff agree on both nodes.
	var versionsA, versionsB []struct{ Version int }
	alice.API("GET", "/pages/"+onA.ID+"/versions", nil).JSON(t, &versionsA)
	bob.API("GET", "/pages/"+onB.ID+"/versions", nil).JSON(t, &versionsB)
	if len(versionsA) != final.Version || len(versionsB) != final.Version {
		t.Errorf("history: A %d versions, B %d, page at %d", len(versionsA), len(versionsB), final.Version)
	}
	var diff struct{ Lines []struct{ Op, Text string } }
	bob.API("GET", "/pages/"+onB.ID+"/diff?from=1", nil).JSON(t, &diff)
	if !strings.Contains(string(mustJSON(t, diff)), "Ajout d'Alice.") {
		t.Errorf("diff on B: %+v", diff)
	}

	// A private group's page is served only to signed members.
	var own struct{ ID, URI string }
	alice.API("POST", "/groups/"+g.ID+"/pages", map[string]any{"title": "Procédure interne", "body": "Confidentiel."}).JSON(t, &own)
	mallory := testnet.NewRemoteActor(t, "mallory")
	if res := mallory.Get(t, own.URI); res.Status != 403 {
		t.Errorf("non-member's signed fetch of a private page: %d %s", res.Status, res.Body)
	}
	if res := a.Do("GET", strings.TrimPrefix(own.URI, a.URL), "", nil, "Accept", "application/activity+json"); res.Status != 401 {
		t.Errorf("unsigned fetch of a private page: %d", res.Status)
	}

	// A non-member's Update of a page is refused, and changes nothing.
	upd := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mallory.NewID("update"), "type": "Update",
		"actor": mallory.URI, "object": map[string]any{"id": own.URI, "type": "Article", "name": "Procédure interne",
			"content": "<p>pirate</p>", "source": map[string]any{"content": "pirate", "mediaType": "text/markdown"},
			"attributedTo": g.URI, "context": g.URI + "/pages", "version": 2}}
	body, _ := json.Marshal(upd)
	if res := mallory.Post(t, a.URL+"/inbox", body); res.StatusCode != 202 {
		t.Fatalf("update by a non-member: %d", res.StatusCode)
	}
	if why := processed(t, a.Node, upd["id"].(string)); !strings.Contains(why, "not a member") {
		t.Errorf("update by a non-member: %q", why)
	}
	var still wikiPage
	alice.API("GET", "/pages/"+own.ID, nil).JSON(t, &still)
	if still.Version != 1 || still.Body != "Confidentiel." {
		t.Errorf("the refused update changed the page: %+v", still)
	}
}

type taskCard struct {
	ID, URI, Title, Status string
	Assignees              []struct{ Acct string }
}

func groupTasks(t *testing.T, u *testnet.User, groupID, query string) []taskCard {
	t.Helper()
	var out []taskCard
	u.API("GET", "/groups/"+groupID+"/tasks"+query, nil).JSON(t, &out)
	return out
}

func TestTasksAcrossNodes(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Chantier SIRH", "visibility": "private", "join_policy": "open"})
	gB := joinByHandle(t, bob, g.Acct)
	waitMembership(t, bob, gB.ID, store.StateAccepted)

	// alice on A assigns a task to bob, who is on B.
	var bobOnA struct{ ID string }
	alice.API("GET", "/accounts/lookup?acct="+bob.Handle(), nil).JSON(t, &bobOnA)
	var task taskCard
	res := alice.API("POST", "/groups/"+g.ID+"/tasks", map[string]any{"title": "Paramétrer les congés", "assignee_ids": []string{bobOnA.ID},
		"due_date": "2030-06-30", "labels": []string{"paramétrage"}})
	res.JSON(t, &task)
	if res.Status != 200 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var mine []taskCard
	testnet.Eventually(t, wait, "the task in bob's tasks on B", func() bool {
		bob.API("GET", "/tasks?assignee_id=me", nil).JSON(t, &mine)
		return len(mine) == 1
	})
	var notes []struct{ Type string }
	bob.API("GET", "/notifications?types[]=archipel.task_assigned", nil).JSON(t, &notes)
	if len(notes) != 1 {
		t.Errorf("bob not told of his task: %+v", notes)
	}

	// bob moves it on the board on B; A's board shows it in progress, then done.
	for _, status := range []string{"in_progress", "done"} {
		if res := bob.API("PATCH", "/tasks/"+mine[0].ID, map[string]any{"status": status}); res.Status != 200 {
			t.Fatalf("move to %s: %d %s", status, res.Status, res.Body)
		}
		testnet.Eventually(t, wait, "the task "+status+" on A", func() bool {
			l := groupTasks(t, alice, g.ID, "?status="+status)
			return len(l) == 1 && l[0].ID == task.ID
		})
	}
	alice.API("GET", "/notifications?types[]=archipel.task_status", nil).JSON(t, &notes)
	if len(notes) == 0 {
		t.Errorf("alice not told of the moves")
	}

	// bob creates a task on B for alice; it reaches A's board.
	var aliceOnB struct{ ID string }
	bob.API("GET", "/accounts/lookup?acct="+alice.Handle(), nil).JSON(t, &aliceOnB)
	if res := bob.API("POST", "/groups/"+gB.ID+"/tasks", map[string]any{"title": "Valider la recette",
		"assignee_ids": []string{aliceOnB.ID}}); res.Status != 200 {
		t.Fatalf("task created on B: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "bob's task for alice on A", func() bool {
		alice.API("GET", "/tasks?assignee_id=me", nil).JSON(t, &mine)
		return len(mine) == 1 && mine[0].Title == "Valider la recette"
	})

	// A peer member's Ticket assigned to a non-member is refused; so is its
	// page update that skips a version.
	mz := testnet.NewRemoteActor(t, "marc")
	groupURI := g.URI
	joinID := mz.NewID("join")
	join, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": joinID,
		"type": "Join", "actor": mz.URI, "object": groupURI})
	if res := mz.Post(t, groupURI+"/inbox", join); res.StatusCode != 202 {
		t.Fatalf("join: %d", res.StatusCode)
	}
	received(t, mz, "Accept", joinID)
	outsider := testnet.NewRemoteActor(t, "olga")
	ticket := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mz.NewID("create"), "type": "Create",
		"actor": mz.URI, "object": map[string]any{"id": mz.NewID("tickets"), "type": "Ticket", "name": "Intrus", "attributedTo": mz.URI,
			"context": groupURI + "/tasks", "assignedTo": []string{outsider.URI}, "isResolved": false}}
	body, _ := json.Marshal(ticket)
	mz.Post(t, a.URL+"/inbox", body)
	if why := processed(t, a.Node, ticket["id"].(string)); !strings.Contains(why, "non-member") {
		t.Errorf("ticket assigned to a non-member: %q", why)
	}
	var page struct{ ID, URI string }
	alice.API("POST", "/groups/"+g.ID+"/pages", map[string]any{"title": "Calendrier", "body": "v1"}).JSON(t, &page)
	for _, version := range []int{3, 1} {
		upd := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mz.NewID("update"), "type": "Update",
			"actor": mz.URI, "object": map[string]any{"id": page.URI, "type": "Article", "name": "Calendrier",
				"source": map[string]any{"content": "v?", "mediaType": "text/markdown"}, "attributedTo": []string{alice.Actor.URI, groupURI},
				"context": groupURI + "/pages", "version": version}}
		body, _ := json.Marshal(upd)
		mz.Post(t, a.URL+"/inbox", body)
		if why := processed(t, a.Node, upd["id"].(string)); !strings.Contains(why, "does not follow") {
			t.Errorf("update to version %d: %q", version, why)
		}
	}
	if l := groupTasks(t, alice, g.ID, ""); len(l) != 2 {
		t.Errorf("refused tickets reached the board: %+v", l)
	}
}
