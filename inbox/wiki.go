package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/wiki"
)

// A group's pages and tasks travel like its documents: a member's node
// sends Create or Update{Article|Ticket} to the group; the group's node
// checks membership, rights and versions, applies it and announces it to
// the member nodes, which take the group's word for it. See outbox/page.go
// for how a member node keeps an edit until the group announces it.

// groupItem is the kind of object an activity carries when it is a page
// or a task of a group ("" otherwise), with that object.
func groupItem(activity []byte) (kind string, obj []byte) {
	raw, err := embeddedRaw(activity)
	if err != nil || len(raw) == 0 || raw[0] != '{' {
		return "", nil
	}
	var peek struct {
		Type    json.RawMessage `json:"type"`
		Version json.RawMessage `json:"version"`
		Context json.RawMessage `json:"context"`
	}
	if json.Unmarshal(raw, &peek) != nil {
		return "", nil
	}
	var typ string
	_ = json.Unmarshal(peek.Type, &typ)
	switch {
	case typ == "Ticket":
		return store.TypeTask, raw
	case typ == "Article" && len(peek.Version) > 0:
		return store.TypeWikiPage, raw
	}
	return "", nil
}

// memberItem handles a page or task a member sends to one of our groups;
// handled is false for any other activity.
func (p *Processor) memberItem(ctx context.Context, in *incoming) (handled bool, err error) {
	kind, raw := groupItem(in.row.Raw)
	switch kind {
	case store.TypeWikiPage:
		return true, p.pageFromMember(ctx, in, raw)
	case store.TypeTask:
		return true, p.taskFromMember(ctx, in, raw)
	}
	return false, nil
}

// parsePage reads a page and refuses what this node refuses from its users.
func parsePage(raw []byte) (*ap.RemotePage, error) {
	rp, ok, err := ap.ParsePage(raw)
	if err != nil {
		return nil, refused("%v", err)
	}
	if !ok {
		return nil, refused("article is not a page of a group")
	}
	if rp.Title, err = wiki.CheckTitle(rp.Title); err != nil {
		return nil, refused("page title: %v", err)
	}
	if err := wiki.CheckBody(rp.Body); err != nil {
		return nil, refused("page body: %v", err)
	}
	return rp, nil
}

// pageFromMember: on the group's node, a member creates or edits a page.
// A new page is the member's own (on its host, version 1); an edit must
// make exactly the version after the current one, by someone the group
// lets edit it. Anything else is refused: the group decides.
func (p *Processor) pageFromMember(ctx context.Context, in *incoming, raw []byte) error {
	rp, err := parsePage(raw)
	if err != nil {
		return err
	}
	g, err := p.localGroup(ctx, rp.Group)
	if err != nil {
		return err
	}
	if err := p.requireMember(ctx, g, in.actor); err != nil {
		return err
	}
	existing, err := p.Store.PageByURI(ctx, rp.URI)
	if errors.Is(err, store.ErrNotFound) {
		existing = nil
	} else if err != nil {
		return err
	}
	if in.act.Type == vocab.CreateType {
		if existing != nil {
			return nil // delivered again
		}
		if rp.Version != 1 || !sameHost(rp.URI, in.actor.URI) {
			return refused("new page %s (version %d) is not %s's own", rp.URI, rp.Version, in.actor.URI)
		}
		if ok, err := outbox.MayEditPage(ctx, p.Store, g, nil, in.actor.ID); err != nil {
			return err
		} else if !ok {
			return refused("%s may not create pages in %s", in.actor.URI, g.URI)
		}
	} else {
		if existing == nil || existing.GroupID == nil || *existing.GroupID != g.ID || existing.DeletedAt != nil {
			return refused("update of %s, which is no page of %s", rp.URI, g.URI)
		}
		if v, err := p.Store.PageVersionOf(ctx, existing.ID, rp.Version); err == nil && v.AuthorID != nil &&
			*v.AuthorID == in.actor.ID && v.Body == rp.Body && v.Title == rp.Title {
			return nil // delivered again
		}
		if rp.Version != existing.Version+1 {
			return refused("version %d of %s does not follow %d", rp.Version, rp.URI, existing.Version)
		}
		if ok, err := outbox.MayEditPage(ctx, p.Store, g, existing, in.actor.ID); err != nil {
			return err
		} else if !ok {
			return refused("%s may not edit %s", in.actor.URI, rp.URI)
		}
		if rp.Locked != existing.Locked || rp.Template != existing.Template {
			if ok, err := outbox.IsAnimator(ctx, p.Store, g, in.actor.ID); err != nil {
				return err
			} else if !ok {
				return refused("%s may not lock %s", in.actor.URI, rp.URI)
			}
		}
	}
	parentID, err := p.pageParent(ctx, g.ID, existing, rp.Parent)
	if err != nil {
		return err
	}
	err = p.Store.Tx(ctx, func(tx *store.Store) error {
		return p.putPage(ctx, tx, g.ID, in.actor, existing, rp, parentID, true)
	})
	if err != nil {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, rp.URI)
}

// pageParent resolves a page's parent among the group's pages; an unknown
// parent or one that would make a loop is none.
func (p *Processor) pageParent(ctx context.Context, groupID int64, page *store.WikiPage, parentURI string) (*int64, error) {
	if parentURI == "" {
		return nil, nil
	}
	parent, err := p.Store.PageByURI(ctx, parentURI)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (parent.GroupID == nil || *parent.GroupID != groupID)) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if page != nil {
		if cycle, err := p.Store.PageWouldCycle(ctx, page.ID, parent.ID); err != nil || cycle {
			return nil, err
		}
	}
	return &parent.ID, nil
}

// putPage writes a page version from a peer: a new page, or a version of a
// known one. strict (on the group's node) saves only on top of the version
// checked; otherwise the group's version is taken as it is.
func (p *Processor) putPage(ctx context.Context, tx *store.Store, groupID int64, author *store.Actor, existing *store.WikiPage, rp *ap.RemotePage, parentID *int64, strict bool) error {
	html, err := outbox.FederatedHTML(ctx, tx, groupID, rp.Body)
	if err != nil {
		return err
	}
	at := time.Now()
	if rp.Updated != nil && !rp.Updated.After(at.Add(maxClockSkew)) {
		at = *rp.Updated
	}
	if existing == nil {
		published := rp.Published
		if published.IsZero() || published.After(time.Now().Add(maxClockSkew)) {
			published = time.Now()
		}
		page := &store.WikiPage{Object: &store.Object{URI: rp.URI, URL: rp.URI, Type: store.TypeWikiPage, AttributedTo: author.ID,
			GroupID: &groupID, Visibility: store.ObjGroup, Name: rp.Title, Content: html, Published: published},
			ParentID: parentID, Version: rp.Version, Body: rp.Body, Locked: rp.Locked, Template: rp.Template}
		if _, err := tx.CreateObject(ctx, page.Object); err != nil {
			return err
		}
		if page.ID == 0 {
			return refused("%s exists and is no page", rp.URI)
		}
		return tx.CreatePage(ctx, page, author.ID)
	}
	next := *existing
	obj := *existing.Object
	next.Object = &obj
	next.Name, next.Content, next.Body, next.Version = rp.Title, html, rp.Body, rp.Version
	if strict {
		if ok, err := tx.SavePage(ctx, &next, existing.Version, author.ID, at); err != nil {
			return err
		} else if !ok {
			return refused("%s changed while version %d was checked", rp.URI, rp.Version)
		}
	} else if err := tx.PutPageVersion(ctx, &next, author.ID, at); err != nil {
		return err
	}
	if rp.Version < existing.Version {
		return nil // an older version delivered late: history only
	}
	return tx.SetPageTree(ctx, existing.ID, parentID, rp.Locked, rp.Template)
}

// groupPage records, on a member node, a page version its group announced.
// The group's version wins; this node's edits waiting for the group are
// settled: the one announced is done, those made on an older version become
// conflicts, and their authors are told.
func (p *Processor) groupPage(ctx context.Context, g, author *store.Actor, raw []byte) error {
	rp, err := parsePage(raw)
	if err != nil {
		return err
	}
	if rp.Group != g.URI {
		return refused("%s announced page %s of %s", g.URI, rp.URI, rp.Group)
	}
	existing, err := p.Store.PageByURI(ctx, rp.URI)
	if errors.Is(err, store.ErrNotFound) {
		existing = nil
	} else if err != nil {
		return err
	} else if existing.GroupID == nil || *existing.GroupID != g.ID || existing.DeletedAt != nil {
		return refused("%s cannot change %s", g.URI, rp.URI)
	}
	parentID, err := p.pageParent(ctx, g.ID, existing, rp.Parent)
	if err != nil {
		return err
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := p.putPage(ctx, tx, g.ID, author, existing, rp, parentID, false); err != nil {
			return err
		}
		if existing == nil {
			return nil
		}
		losers, err := tx.SettleProposals(ctx, existing.ID, rp.Version, author.ID, rp.Title, rp.Body)
		if err != nil {
			return err
		}
		return tx.NotifyEach(ctx, store.Notification{Type: store.NotifyPageConflict, From: author.ID, ObjectID: existing.ID,
			GroupID: g.ID}, losers)
	})
}

// parseTask reads a task and refuses what this node refuses from its users.
func parseTask(raw []byte) (*ap.RemoteTask, error) {
	rt, err := ap.ParseTask(raw)
	if err != nil {
		return nil, refused("%v", err)
	}
	if rt.Title, err = wiki.CheckTitle(rt.Title); err != nil {
		return nil, refused("task title: %v", err)
	}
	if err := wiki.CheckBody(rt.Body); err != nil {
		return nil, refused("task description: %v", err)
	}
	if !store.IsTaskStatus(rt.Status) {
		return nil, refused("task status %q", rt.Status)
	}
	if rt.Labels, err = outbox.CheckLabels(rt.Labels); err != nil {
		return nil, refused("task labels: %v", err)
	}
	if len(rt.Checklist) > outbox.MaxChecklist || len(rt.Assignees) > outbox.MaxAssignees {
		return nil, refused("task checklist or assignees too long")
	}
	return rt, nil
}

// taskFromMember: on the group's node, a member creates or changes a task.
// Every assignee must be a member of the group.
func (p *Processor) taskFromMember(ctx context.Context, in *incoming, raw []byte) error {
	rt, err := parseTask(raw)
	if err != nil {
		return err
	}
	g, err := p.localGroup(ctx, rt.Group)
	if err != nil {
		return err
	}
	if err := p.requireMember(ctx, g, in.actor); err != nil {
		return err
	}
	existing, err := p.Store.TaskByURI(ctx, rt.URI)
	if errors.Is(err, store.ErrNotFound) {
		existing = nil
	} else if err != nil {
		return err
	}
	if in.act.Type == vocab.CreateType {
		if existing != nil {
			return nil
		}
		if rt.AttributedTo != in.actor.URI || !sameHost(rt.URI, in.actor.URI) {
			return refused("new task %s is not %s's own", rt.URI, in.actor.URI)
		}
	} else if existing == nil || existing.GroupID == nil || *existing.GroupID != g.ID || existing.DeletedAt != nil {
		return refused("update of %s, which is no task of %s", rt.URI, g.URI)
	}
	assignees, err := p.taskAssignees(ctx, rt)
	if err != nil {
		return err
	}
	for _, a := range assignees {
		if err := p.requireMember(ctx, g, a); err != nil {
			return refused("task %s assigned to a non-member: %v", rt.URI, err)
		}
	}
	applied, err := p.putTask(ctx, g.ID, in.actor, existing, rt, assignees)
	if err != nil || !applied {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, rt.URI)
}

func (p *Processor) taskAssignees(ctx context.Context, rt *ap.RemoteTask) ([]*store.Actor, error) {
	out := make([]*store.Actor, 0, len(rt.Assignees))
	for _, uri := range rt.Assignees {
		a, err := p.Federator.Actor(ctx, uri, false)
		if err != nil {
			return nil, refused("assignee %s: %v", uri, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// putTask writes a task from a peer and tells the people here concerned;
// an older change delivered late is dropped (applied false).
func (p *Processor) putTask(ctx context.Context, groupID int64, by *store.Actor, existing *store.Task, rt *ap.RemoteTask, assignees []*store.Actor) (applied bool, err error) {
	now := time.Now()
	updated := now
	if rt.Updated != nil && !rt.Updated.After(now.Add(maxClockSkew)) {
		updated = *rt.Updated
	}
	if existing != nil && existing.Updated != nil && updated.Before(existing.Updated.Truncate(time.Second)) {
		return false, nil
	}
	t := &store.Task{Status: rt.Status, DueDate: rt.DueDate, Labels: rt.Labels, Checklist: rt.Checklist, Body: rt.Body,
		Assignees: assignees}
	var before []int64
	status := ""
	if existing != nil {
		t.Object = existing.Object
		for _, a := range existing.Assignees {
			before = append(before, a.ID)
		}
		status = existing.Status
	} else {
		published := rt.Published
		if published.IsZero() || published.After(now.Add(maxClockSkew)) {
			published = now
		}
		t.Object = &store.Object{URI: rt.URI, URL: rt.URI, Type: store.TypeTask, AttributedTo: by.ID, GroupID: &groupID,
			Visibility: store.ObjGroup, Published: published}
	}
	t.Name, t.Content, t.Updated = rt.Title, wiki.Render(rt.Body, nil).HTML, &updated
	return true, p.Store.Tx(ctx, func(tx *store.Store) error {
		if existing == nil {
			if _, err := tx.CreateObject(ctx, t.Object); err != nil {
				return err
			}
			if t.ID == 0 {
				return refused("%s exists and is no task", rt.URI)
			}
		}
		if err := tx.PutTask(ctx, t); err != nil {
			return err
		}
		return outbox.NotifyTask(ctx, tx, t, by.ID, before, status)
	})
}

// groupTask records, on a member node, a task its group announced.
func (p *Processor) groupTask(ctx context.Context, g, by *store.Actor, raw []byte) error {
	rt, err := parseTask(raw)
	if err != nil {
		return err
	}
	if rt.Group != g.URI {
		return refused("%s announced task %s of %s", g.URI, rt.URI, rt.Group)
	}
	existing, err := p.Store.TaskByURI(ctx, rt.URI)
	if errors.Is(err, store.ErrNotFound) {
		existing = nil
	} else if err != nil {
		return err
	} else if existing.GroupID == nil || *existing.GroupID != g.ID || existing.DeletedAt != nil {
		return refused("%s cannot change %s", g.URI, rt.URI)
	}
	assignees, err := p.taskAssignees(ctx, rt)
	if err != nil {
		return err
	}
	_, err = p.putTask(ctx, g.ID, by, existing, rt, assignees)
	return err
}

// announcedItem handles a page or task in a group's announce; handled is
// false for anything else.
func (p *Processor) announcedItem(ctx context.Context, g *store.Actor, innerRaw []byte) (handled bool, err error) {
	kind, raw := groupItem(innerRaw)
	if kind == "" {
		return false, nil
	}
	var env struct {
		Actor json.RawMessage `json:"actor"`
		Type  string          `json:"type"`
	}
	if err := json.Unmarshal(innerRaw, &env); err != nil || (env.Type != "Create" && env.Type != "Update") {
		return true, refused("group announce of a %s that is no Create or Update", kind)
	}
	var actorURI string
	if json.Unmarshal(env.Actor, &actorURI) != nil || actorURI == "" {
		return true, refused("announced activity without actor")
	}
	author, err := p.Federator.Actor(ctx, actorURI, false)
	if err != nil {
		return true, err
	}
	if kind == store.TypeWikiPage {
		return true, p.groupPage(ctx, g, author, raw)
	}
	return true, p.groupTask(ctx, g, author, raw)
}
