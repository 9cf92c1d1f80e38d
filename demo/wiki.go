package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// wikiGroups are the groups (by index in groupSpecs) that get a knowledge
// base and a task board.
var wikiGroups = []int{1, 4}

// guide is a knowledge base: a guide, its sub-pages and a template.
var guide = []struct {
	Title, Body string
	Parent      int // index of the parent page, -1 for none
	Template    bool
}{
	{"Guide d'accueil", "# Guide d'accueil\n\nCe guide rassemble ce qu'un agent qui arrive dans le réseau doit savoir.\n\n" +
		"## Les premiers jours\n\n- [x] Lire la [[Charte du groupe]]\n- [ ] Demander ses accès : voir [[Accès et outils]]\n- [ ] Se présenter dans le fil du groupe\n\n" +
		"## Qui fait quoi\n\n| Sujet | Contact |\n|---|---|\n| Animation | les animateurs du groupe |\n| Outils | le référent numérique |\n\n" +
		"## Pour aller plus loin\n\nLes comptes rendus sont dans les documents du groupe ; les questions fréquentes dans [[Questions fréquentes]].\n", -1, false},
	{"Charte du groupe", "# Charte du groupe\n\nBienveillance, discrétion sur les dossiers nominatifs, et partage des modèles.\n", 0, false},
	{"Accès et outils", "# Accès et outils\n\n## Messagerie et agenda\n\nOuverts à l'arrivée.\n\n## Accès à distance\n\nTicket au support, avec l'accord du chef de service.\n", 0, false},
	{"Questions fréquentes", "# Questions fréquentes\n\n**Où trouver les modèles ?** Dans les documents, dossier *Modèles*.\n", 0, false},
	{"Modèle de compte rendu", "# Compte rendu de la réunion du …\n\n## Présents\n\n## Décisions\n\n## Actions\n\n- [ ] …\n", -1, true},
}

var taskSpecs = []struct {
	Title, Description, Status string
	DueInDays                  int
	Labels                     []string
}{
	{"Mettre à jour le guide d'accueil", "Relire la page [[Guide d'accueil]] et compléter les contacts.", store.TaskInProgress, 10, []string{"documentation"}},
	{"Préparer la réunion trimestrielle", "Ordre du jour, salle et visioconférence.", store.TaskTodo, 21, []string{"réunion"}},
	{"Recenser les besoins de formation", "Un tableau par service.", store.TaskTodo, -3, []string{"formation"}},
	{"Publier le compte rendu de mars", "À partir du modèle de compte rendu.", store.TaskDone, -10, []string{"réunion"}},
}

// seedWiki gives two groups a guide with sub-pages, a template and a task
// board whose tasks go to members on several nodes; a member on another
// node then edits the guide, through the group.
func (f *Federation) seedWiki(ctx context.Context, s *seeded, rng *rand.Rand) error {
	for _, gi := range wikiGroups {
		if gi >= len(s.groups) {
			continue
		}
		g := s.groups[gi]
		home := f.Nodes[groupSpecs[gi].Node]
		members, err := home.Store.Members(ctx, g.ID, store.StateAccepted, 0, 50)
		if err != nil || len(members) == 0 {
			return err
		}
		author := members[0].Member
		var ids []int64
		for _, p := range guide {
			np := outbox.NewPage{Title: p.Title, Body: p.Body, Template: p.Template}
			if p.Parent >= 0 {
				np.ParentID = &ids[p.Parent]
			}
			page, err := home.Outbox.CreatePage(ctx, author, g.ID, np)
			if err != nil {
				return fmt.Errorf("page %s of %s: %w", p.Title, g.Username, err)
			}
			ids = append(ids, page.ID)
		}
		today := time.Now().UTC().Truncate(24 * time.Hour)
		for k, ts := range taskSpecs {
			assignee := members[(k+rng.IntN(len(members)))%len(members)].MemberID
			due := today.AddDate(0, 0, ts.DueInDays).Format(time.DateOnly)
			title, desc, status, labels, assignees := ts.Title, ts.Description, ts.Status, ts.Labels, []int64{assignee}
			if _, err := home.Outbox.CreateTask(ctx, author, g.ID, outbox.TaskFields{Title: &title, Description: &desc,
				Status: &status, DueDate: &due, Labels: &labels, AssigneeIDs: &assignees}); err != nil {
				return fmt.Errorf("task %s of %s: %w", title, g.Username, err)
			}
		}
		if err := f.settle(ctx); err != nil {
			return err
		}
		// A member on another node adds a paragraph to the guide.
		for _, m := range f.localMembers(ctx, g, s) {
			if m.node == home {
				continue
			}
			pageURI, err := home.Store.ObjectByID(ctx, ids[0])
			if err != nil {
				return err
			}
			local, err := m.node.Store.PageByURI(ctx, pageURI.URI)
			if err != nil {
				break // not arrived: the guide stays at version 1
			}
			acct, err := m.node.Store.AccountByUsername(ctx, m.actor.Username)
			if err != nil {
				return err
			}
			body := local.Body + "\n## Retour d'expérience\n\nPensez à demander le badge dès la première semaine.\n"
			if _, err := m.node.Outbox.EditPage(ctx, acct, local.ID, outbox.PageEdit{Body: &body, BaseVersion: local.Version}); err != nil {
				return fmt.Errorf("edit of the guide of %s from %s: %w", g.Username, m.node.Spec.Key, err)
			}
			break
		}
	}
	return nil
}
