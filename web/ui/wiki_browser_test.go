package ui_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// TestBrowserWikiAndTasks: an agent reads a group's guide, edits a page
// while a colleague saves it too, merges from the conflict page, compares
// versions, then adds a task and moves it on the board; axe checks every
// page, screenshots at 1280 and 375 px.
func TestBrowserWikiAndTasks(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need Debian's chromium at %s (apt-get install chromium)", chromiumPath)
	}
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	g, err := n.Outbox.CreateGroup(ctx, alice.Account, outbox.NewGroup{Name: "Accueil des agents", Username: "accueil",
		Visibility: store.VisibilityPrivate, JoinPolicy: store.JoinOpen})
	if err != nil {
		t.Fatal(err)
	}
	if res := bob.API("POST", "/groups/"+id(g.ID)+"/join", nil); res.Status != 200 {
		t.Fatalf("join: %d", res.Status)
	}
	guide, err := n.Outbox.CreatePage(ctx, alice.Actor, g.ID, outbox.NewPage{Title: "Guide d'accueil", Body: "# Guide d'accueil\n\n" +
		"## Premier jour\n\nPasser à l'accueil du bâtiment B. Voir [[Badge et accès]].\n\n## Outils\n\n| Outil | Demande |\n|---|---|\n" +
		"| Messagerie | automatique |\n| VPN | ticket au support |\n\n## Première semaine\n\n- [x] Rencontrer l'équipe\n- [ ] Suivre la formation sécurité\n"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Outbox.CreatePage(ctx, bob.Actor, g.ID, outbox.NewPage{Title: "Badge et accès", Body: "Le badge se retire au guichet.", ParentID: &guide.ID}); err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t)
	b.open(n.URL + "/login")
	b.fill("#f-login", "alice")
	b.fill("#f-password", "password-alice\r")
	b.waitXPath(`//h1`)

	pageURL := n.URL + "/g/accueil/pages/" + id(guide.ID)
	b.open(pageURL)
	b.waitXPath(`//nav[contains(@class, "toc")]//a[contains(., "Premier jour")]`)
	b.waitXPath(`//div[contains(@class, "page-body")]//a[contains(@class, "wikilink") and contains(., "Badge et accès")]`)
	b.shoot("wiki-page")

	// alice opens the editor; bob saves first; alice's save comes back as
	// a conflict with her text, the current text and the diff.
	b.open(pageURL + "/edit")
	if _, err := n.Outbox.EditPage(ctx, bob.Account, guide.ID, outbox.PageEdit{Body: ptr(guide.Body + "\nLe parking est au sous-sol.\n"), BaseVersion: 1}); err != nil {
		t.Fatal(err)
	}
	var body string
	b.run(chromedp.Value("#f-body", &body, chromedp.ByQuery))
	b.run(chromedp.SetValue("#f-body", body+"\nLa cantine ouvre à 11 h 30.\n", chromedp.ByQuery))
	b.click(`//form[contains(@action, "/edit")]//button[@type="submit"]`)
	b.waitXPath(`//div[contains(@class, "conflict")]//li[contains(@class, "diff-removed") and contains(., "parking")]`)
	b.check()
	b.run(chromedp.ScrollIntoView(".conflict", chromedp.ByQuery))
	b.shoot("wiki-conflict")
	// The merge: her text plus bob's line.
	b.run(chromedp.Value("#f-body", &body, chromedp.ByQuery))
	if !strings.Contains(body, "cantine") {
		t.Fatalf("the conflict page lost alice's text: %q", body)
	}
	b.run(chromedp.SetValue("#f-body", body+"Le parking est au sous-sol.\n", chromedp.ByQuery))
	b.click(`//form[contains(@action, "/edit")]//button[@type="submit"]`)
	b.waitXPath(`//p[contains(., "Version 3")]`)
	b.waitXPath(`//div[contains(@class, "page-body")][contains(., "cantine") and contains(., "parking")]`)
	b.check()

	// History, then the diff of the two first versions.
	b.click(`//a[contains(@href, "/history")]`)
	b.waitXPath(`//table//td[contains(., "3")]`)
	b.check()
	b.run(chromedp.Click(`#from-1`, chromedp.ByQuery), chromedp.Click(`#to-3`, chromedp.ByQuery))
	b.click(`//button[contains(., "Comparer")]`)
	b.waitXPath(`//ol[contains(@class, "diff")]/li[contains(@class, "diff-added") and contains(., "cantine")]`)
	b.check()
	b.run(chromedp.ScrollIntoView("#diff-h", chromedp.ByQuery))
	b.shoot("wiki-diff")

	// A task for bob, moved on the board.
	b.open(n.URL + "/g/accueil/tasks")
	b.fill("#f-title", "Préparer le poste de travail")
	b.fill("#f-due_date", "01012030")
	b.fill("#f-labels", "matériel, accueil")
	b.click(`//label[contains(., "bob")]`)
	b.click(`//button[contains(., "Ajouter la tâche")]`)
	b.waitXPath(`//section[.//h2[@id="col-todo"]]//li[contains(., "Préparer le poste")]`)
	b.click(`//li[contains(., "Préparer le poste")]//button[contains(., "Commencer")]`)
	b.waitXPath(`//section[.//h2[@id="col-in_progress"]]//li[contains(., "Préparer le poste")]`)
	b.check()
	b.run(chromedp.ScrollIntoView(".board", chromedp.ByQuery))
	b.shoot("tasks-board")
	ts, err := n.Store.Tasks(ctx, store.TaskQuery{GroupID: g.ID, Status: store.TaskInProgress})
	if err != nil || len(ts) != 1 || len(ts[0].Assignees) != 1 || ts[0].Assignees[0].ID != bob.Actor.ID {
		t.Errorf("the board's task: %+v %v", ts, err)
	}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }
