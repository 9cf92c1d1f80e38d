package client_test

import (
	"strings"
	"testing"

	ical "github.com/arran4/golang-ical"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type taskEntity struct {
	ID, URI, Title, Description, HTML, Status string
	GroupID                                   string  `json:"group_id"`
	DueDate                                   *string `json:"due_date"`
	Overdue                                   bool
	Labels                                    []string
	Checklist                                 []struct {
		Text string
		Done bool
	}
	Assignees []struct{ ID, Acct string }
}

func TestTasksAPI(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	oscar := n.CreateUser("oscar", store.TierState, "")
	gid := newGroup(t, alice, "Projet SIRH", "private", bob)
	other := newGroup(t, bob, "Cellule achats", "public")

	// Bad input: a 4xx naming the field, no task written.
	before := countRows(t, n, "tasks")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"title": "Recetter", "assignee_ids": []string{id(oscar.Actor.ID)}}, "assignee_ids"},
		{map[string]any{"title": "Recetter", "status": "blocked"}, "status"},
		{map[string]any{"title": "Recetter", "due_date": "demain"}, "due_date"},
		{map[string]any{"description": "sans titre"}, "title"},
	} {
		res := alice.API("POST", "/groups/"+gid+"/tasks", c.body)
		var e struct{ Field string }
		res.JSON(t, &e)
		if res.Status != 422 || e.Field != c.field {
			t.Errorf("%v: %d %s, want 422 on %s", c.body, res.Status, res.Body, c.field)
		}
	}
	if got := countRows(t, n, "tasks"); got != before {
		t.Errorf("bad input wrote %d tasks", got-before)
	}
	if res := oscar.API("POST", "/groups/"+gid+"/tasks", map[string]any{"title": "x"}); res.Status != 403 {
		t.Errorf("non-member creates a task: %d", res.Status)
	}

	var task taskEntity
	res := alice.API("POST", "/groups/"+gid+"/tasks", map[string]any{"title": "Recetter le module congés",
		"description": "- [ ] jeux d'essai\n- [ ] PV", "assignee_ids": []string{id(bob.Actor.ID)}, "due_date": "2020-01-31",
		"labels": []string{"recette", "RH", "recette"}, "checklist": []map[string]any{{"text": "jeux d'essai"}}})
	res.JSON(t, &task)
	if res.Status != 200 || task.Status != "todo" || len(task.Assignees) != 1 || !task.Overdue || len(task.Labels) != 2 || len(task.Checklist) != 1 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	if l := notificationsOf(t, bob, "?types[]=archipel.task_assigned"); len(l) != 1 {
		t.Errorf("assignee not notified: %+v", l)
	}
	bob.API("POST", "/groups/"+other+"/tasks", map[string]any{"title": "Relancer le fournisseur", "assignee_ids": []string{id(bob.Actor.ID)}})

	// Moving the card: the creator is told of the new status.
	res = bob.API("PATCH", "/tasks/"+task.ID, map[string]any{"status": "in_progress"})
	res.JSON(t, &task)
	if res.Status != 200 || task.Status != "in_progress" {
		t.Fatalf("move: %d %s", res.Status, res.Body)
	}
	if l := notificationsOf(t, alice, "?types[]=archipel.task_status"); len(l) != 1 {
		t.Errorf("creator not told of the status: %+v", l)
	}
	if res := bob.API("PATCH", "/tasks/"+task.ID, map[string]any{"status": "parked"}); res.Status != 422 {
		t.Errorf("unknown status: %d", res.Status)
	}
	var board []taskEntity
	alice.API("GET", "/groups/"+gid+"/tasks?status=in_progress", nil).JSON(t, &board)
	if len(board) != 1 || board[0].ID != task.ID {
		t.Errorf("board column: %+v", board)
	}
	alice.API("GET", "/groups/"+gid+"/tasks?status=todo", nil).JSON(t, &board)
	if len(board) != 0 {
		t.Errorf("to-do column: %+v", board)
	}
	var mine []taskEntity
	bob.API("GET", "/tasks?assignee_id=me", nil).JSON(t, &mine)
	if len(mine) != 2 {
		t.Errorf("my tasks across groups: %+v", mine)
	}
	alice.API("GET", "/tasks?assignee_id=me", nil).JSON(t, &mine)
	if len(mine) != 0 {
		t.Errorf("alice's tasks: %+v", mine)
	}
	res = bob.API("PATCH", "/tasks/"+task.ID, map[string]any{"status": "done"})
	res.JSON(t, &task)
	if task.Overdue {
		t.Errorf("a done task is overdue")
	}
	if res := oscar.API("GET", "/tasks/"+task.ID, nil); res.Status != 403 {
		t.Errorf("non-member reads a private group's task: %d", res.Status)
	}
	if res := bob.API("DELETE", "/tasks/"+task.ID, nil); res.Status != 403 {
		t.Errorf("a member deletes another's task: %d", res.Status)
	}
	if res := alice.API("DELETE", "/tasks/"+task.ID, nil); res.Status != 200 {
		t.Errorf("delete: %d %s", res.Status, res.Body)
	}
}

// Issue 17: the due dates of tasks are in the calendar feeds (VTODO with a
// DUE date), the group's and their assignees' own, and parse back.
func TestTaskDueDatesInCalendarFeeds(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Chantier", "username": "chantier", "join_policy": "open"}).JSON(t, &g)
	bob.API("POST", "/groups/"+g.ID+"/join", nil)
	if res := alice.API("POST", "/groups/"+g.ID+"/tasks", map[string]any{"title": "Rendre le dossier",
		"assignee_ids": []string{id(bob.Actor.ID)}, "due_date": "2027-03-02"}); res.Status != 200 {
		t.Fatalf("task: %d %s", res.Status, res.Body)
	}
	alice.API("POST", "/groups/"+g.ID+"/tasks", map[string]any{"title": "Sans échéance"})

	todos := func(body []byte) []*ical.VTodo {
		cal, err := ical.ParseCalendar(strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("feed does not parse: %v\n%s", err, body)
		}
		return cal.Todos()
	}
	res := n.Do("GET", "/groups/chantier/calendar.ics", "", nil)
	list := todos(res.Body)
	if res.Status != 200 || len(list) != 1 || list[0].GetProperty(ical.ComponentPropertySummary).Value != "Rendre le dossier" ||
		!strings.HasPrefix(list[0].GetProperty(ical.ComponentPropertyDue).Value, "20270302") {
		t.Fatalf("group feed: %d %s", res.Status, res.Body)
	}
	var feeds struct {
		PersonalURL *string `json:"personal_url"`
	}
	bob.API("GET", "/calendar", nil).JSON(t, &feeds)
	if feeds.PersonalURL == nil {
		t.Fatal("no personal feed")
	}
	res = n.Do("GET", strings.TrimPrefix(*feeds.PersonalURL, n.URL), "", nil)
	if list := todos(res.Body); res.Status != 200 || len(list) != 1 {
		t.Errorf("bob's feed: %d %s", res.Status, res.Body)
	}
}
