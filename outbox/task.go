package outbox

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/wiki"
)

// Limits of a task.
const (
	MaxTaskLabels    = 20
	MaxTaskLabel     = 50
	MaxChecklist     = 100
	MaxChecklistItem = 500
	MaxAssignees     = 50
)

// TaskFields is what an agent sets on a task; nil leaves a field as it is
// (on creation: empty, status to do).
type TaskFields struct {
	Title       *string
	Description *string
	AssigneeIDs *[]int64
	// DueDate is YYYY-MM-DD; "" clears it.
	DueDate   *string
	Status    *string
	Labels    *[]string
	Checklist *[]store.ChecklistItem
}

// CreateTask adds a task to a group.
func (o *Outbox) CreateTask(ctx context.Context, author *store.Actor, groupID int64, f TaskFields) (*store.Task, error) {
	g, err := o.memberOf(ctx, groupID, author)
	if err != nil {
		return nil, err
	}
	if f.Title == nil {
		return nil, fieldErr("title", "a title is required")
	}
	now := time.Now().UTC().Truncate(time.Second)
	t := &store.Task{Object: &store.Object{Type: store.TypeTask, Local: true, AttributedTo: author.ID, GroupID: &g.ID,
		Visibility: store.ObjGroup, Published: now, Updated: &now, Author: author}, Status: store.TaskTodo}
	if err := o.applyTaskFields(ctx, g, t, f); err != nil {
		return nil, err
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		t.URI = o.Links.Activity(store.NewID())
		if _, err := tx.CreateObject(ctx, t.Object); err != nil {
			return err
		}
		t.URI = o.Links.TaskURI(t.ID)
		t.URL = t.URI
		if err := tx.SetObjectURI(ctx, t.ID, t.URI, t.URL); err != nil {
			return err
		}
		if err := tx.PutTask(ctx, t); err != nil {
			return err
		}
		if err := NotifyTask(ctx, tx, t, author.ID, nil, ""); err != nil {
			return err
		}
		ds, err = o.publishTask(ctx, tx, vocab.CreateType, author, g, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.TaskByObjectID(ctx, t.ID)
}

// UpdateTask changes a task: any member of its group may (moving a card on
// the board is everyone's work). The change is the group's at once on the
// group's node; a member node applies it and sends it to the group, whose
// announce is then what every node keeps.
func (o *Outbox) UpdateTask(ctx context.Context, acct *store.Account, taskID int64, f TaskFields) (*store.Task, error) {
	t, err := o.Store.TaskByObjectID(ctx, taskID)
	if err != nil {
		return nil, err
	}
	if t.DeletedAt != nil || t.GroupID == nil {
		return nil, ErrNotFound
	}
	actor, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return nil, err
	}
	g, err := o.memberOf(ctx, *t.GroupID, actor)
	if err != nil {
		return nil, err
	}
	before, status := assigneeIDs(t.Assignees), t.Status
	if err := o.applyTaskFields(ctx, g, t, f); err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	t.Updated = &now
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.PutTask(ctx, t); err != nil {
			return err
		}
		if err := NotifyTask(ctx, tx, t, actor.ID, before, status); err != nil {
			return err
		}
		ds, err = o.publishTask(ctx, tx, vocab.UpdateType, actor, g, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.TaskByObjectID(ctx, t.ID)
}

// DeleteTask removes a task: its creator or the group's animators may.
func (o *Outbox) DeleteTask(ctx context.Context, acct *store.Account, taskID int64) error {
	t, err := o.Store.TaskByObjectID(ctx, taskID)
	if err != nil {
		return err
	}
	return o.deleteGroupItem(ctx, acct, t.Object)
}

// applyTaskFields checks the fields and sets them on t; nothing is set when
// one is wrong.
func (o *Outbox) applyTaskFields(ctx context.Context, g *store.Group, t *store.Task, f TaskFields) error {
	next := *t
	if f.Title != nil {
		title, err := wiki.CheckTitle(*f.Title)
		if err != nil {
			return fieldErr("title", "%v", err)
		}
		next.Name = title
	}
	if f.Description != nil {
		if err := wiki.CheckBody(*f.Description); err != nil {
			return fieldErr("description", "%v", err)
		}
		next.Body = *f.Description
	}
	if f.Status != nil {
		if !store.IsTaskStatus(*f.Status) {
			return fieldErr("status", "one of todo, in_progress, done")
		}
		next.Status = *f.Status
	}
	if f.DueDate != nil {
		next.DueDate = nil
		if *f.DueDate != "" {
			d, err := time.Parse(time.DateOnly, *f.DueDate)
			if err != nil {
				return fieldErr("due_date", "a date as YYYY-MM-DD")
			}
			next.DueDate = &d
		}
	}
	if f.Labels != nil {
		labels, err := CheckLabels(*f.Labels)
		if err != nil {
			return err
		}
		next.Labels = labels
	}
	if f.Checklist != nil {
		if len(*f.Checklist) > MaxChecklist {
			return fieldErr("checklist", "at most %d items", MaxChecklist)
		}
		for _, it := range *f.Checklist {
			if strings.TrimSpace(it.Text) == "" || utf8.RuneCountInString(it.Text) > MaxChecklistItem {
				return fieldErr("checklist", "each item has a text of 1 to %d characters", MaxChecklistItem)
			}
		}
		next.Checklist = *f.Checklist
	}
	if f.AssigneeIDs != nil {
		if len(*f.AssigneeIDs) > MaxAssignees {
			return fieldErr("assignee_ids", "at most %d assignees", MaxAssignees)
		}
		next.Assignees = nil
		seen := map[int64]bool{}
		for _, id := range *f.AssigneeIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			a, err := o.Store.ActorByID(ctx, id)
			if isNotFound(err) {
				return fieldErr("assignee_ids", "no such account: %d", id)
			} else if err != nil {
				return err
			}
			if ok, err := o.isAssignable(ctx, g, id); err != nil {
				return err
			} else if !ok {
				return fieldErr("assignee_ids", "%s is not a member of the group", a.Handle())
			}
			next.Assignees = append(next.Assignees, a)
		}
	}
	content := wiki.Render(next.Body, nil).HTML
	next.Content = content
	*t = next
	return nil
}

// isAssignable tells whether a task of group g may go to actorID: an
// accepted member of our own group; for a remote group, whom this node has
// seen belong to it (the group checks again).
func (o *Outbox) isAssignable(ctx context.Context, g *store.Group, actorID int64) (bool, error) {
	if !g.Local {
		return o.Store.SeenInGroup(ctx, g.ID, actorID)
	}
	m, err := o.Store.MembershipOf(ctx, g.ID, actorID)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil && m.State == store.StateAccepted, err
}

// CheckLabels normalises a task's labels.
func CheckLabels(in []string) ([]string, error) {
	if len(in) > MaxTaskLabels {
		return nil, fieldErr("labels", "at most %d labels", MaxTaskLabels)
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, l := range in {
		l = wiki.NormalizeTitle(l)
		if l == "" || utf8.RuneCountInString(l) > MaxTaskLabel {
			return nil, fieldErr("labels", "each label has 1 to %d characters", MaxTaskLabel)
		}
		if !seen[strings.ToLower(l)] {
			seen[strings.ToLower(l)] = true
			out = append(out, l)
		}
	}
	return out, nil
}

func assigneeIDs(as []*store.Actor) []int64 {
	out := make([]int64, 0, len(as))
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

// NotifyTask tells, in the transaction that changes a task (here or from
// the group), the people of this node newly assigned to it, and on a change
// of status its assignees and its creator; by is who changed it. before
// and status are the
// assignees and status it had ("" for a new task).
func NotifyTask(ctx context.Context, tx *store.Store, t *store.Task, by int64, before []int64, status string) error {
	had := map[int64]bool{}
	for _, id := range before {
		had[id] = true
	}
	var added []int64
	for _, a := range t.Assignees {
		if !had[a.ID] {
			added = append(added, a.ID)
		}
	}
	n := store.Notification{Type: store.NotifyTaskAssigned, From: by, ObjectID: t.ID, GroupID: *t.GroupID}
	if err := tx.NotifyEach(ctx, n, added); err != nil {
		return err
	}
	if status == "" || status == t.Status {
		return nil
	}
	told := append(assigneeIDs(t.Assignees), t.AttributedTo)
	n.Type = store.NotifyTaskStatus
	return tx.NotifyEach(ctx, n, told)
}

// publishTask sends Create or Update{Ticket} of a task, through its group.
func (o *Outbox) publishTask(ctx context.Context, tx *store.Store, typ vocab.ActivityVocabularyType, actor *store.Actor, g *store.Group, t *store.Task) ([]store.Delivery, error) {
	doc, err := ap.TaskDocument(t, g.Actor)
	if err != nil {
		return nil, err
	}
	return o.publishGroupItem(ctx, tx, typ, actor, g, t.URI, doc)
}
