package outbox

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/wiki"
)

// A group's pages live on the group's node, which decides between edits:
// an edit made there is checked against the page's version in the same
// statement that saves it (SavePage), and a stale one is a PageConflict.
// An edit made on a member node of a page of a remote group is sent to the
// group as Update{Article} with the version it makes, and kept here as a
// proposal until the group announces it back; if the group announces
// another edit of the same version first, the proposal becomes a conflict
// that its author merges (never an edit silently lost).

// PageConflict is a save whose base version is no longer the page's.
type PageConflict struct {
	Current *store.WikiPage
	// Title and Body are what the refused save carried.
	Title, Body string
}

func (e *PageConflict) Error() string {
	return "base_version: the page was changed since (now version " + strconv.Itoa(e.Current.Version) + ")"
}

// NewPage is a page an agent creates.
type NewPage struct {
	Title    string
	Body     string
	ParentID *int64
	Template bool
}

// PageEdit is a save of a page: a new text from BaseVersion, and changes of
// its place and flags (nil: unchanged).
type PageEdit struct {
	Title       *string
	Body        *string
	BaseVersion int
	// SetParent with ParentID nil moves the page to the top.
	SetParent bool
	ParentID  *int64
	Locked    *bool
	Template  *bool
}

// MayEditPage is the one rule for who may create (page nil) or edit a
// group's page, on the group's node and for what its peers send: accepted
// members (partners too), unless the group keeps its pages to animators or
// an animator locked the page; owners and animators always.
func MayEditPage(ctx context.Context, s *store.Store, g *store.Group, page *store.WikiPage, actorID int64) (bool, error) {
	m, err := s.MembershipOf(ctx, g.ID, actorID)
	if isNotFound(err) || (err == nil && m.State != store.StateAccepted) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if m.Role == store.MemberOwner || m.Role == store.MemberAnimator {
		return true, nil
	}
	editors, err := s.GroupPageEditors(ctx, g.ID)
	if err != nil {
		return false, err
	}
	return editors != store.PageEditorsAnimators && (page == nil || !page.Locked), nil
}

// IsAnimator tells whether actorID runs group g.
func IsAnimator(ctx context.Context, s *store.Store, g *store.Group, actorID int64) (bool, error) {
	m, err := s.MembershipOf(ctx, g.ID, actorID)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil && m.State == store.StateAccepted && (m.Role == store.MemberOwner || m.Role == store.MemberAnimator), err
}

// RenderPage renders a page's Markdown with its [[links]] resolved against
// the group's pages: href gives the address of a page (by id), newHref the
// address that creates a missing one (by title; "" for none).
func RenderPage(ctx context.Context, s *store.Store, groupID int64, body string, href func(id int64) string, newHref func(title string) string) (wiki.Rendered, error) {
	titles, err := s.PageTitles(ctx, groupID)
	if err != nil {
		return wiki.Rendered{}, err
	}
	return wiki.Render(body, func(title string) (string, bool) {
		if id, ok := titles[strings.ToLower(title)]; ok {
			return href(id), true
		}
		if newHref == nil {
			return "", false
		}
		return newHref(title), false
	}), nil
}

// FederatedHTML is a page's HTML as peers get it and as the search index
// reads it: links to the pages' ids.
func FederatedHTML(ctx context.Context, tx *store.Store, groupID int64, body string) (string, error) {
	titles := map[int64]string{}
	r, err := RenderPage(ctx, tx, groupID, body, func(id int64) string {
		if uri, ok := titles[id]; ok {
			return uri
		}
		if obj, err := tx.ObjectByID(ctx, id); err == nil {
			titles[id] = obj.URI
			return obj.URI
		}
		return ""
	}, nil)
	return r.HTML, err
}

// checkPageText checks a title and a body from a user.
func checkPageText(title, body string) (string, error) {
	t, err := wiki.CheckTitle(title)
	if err != nil {
		return "", fieldErr("title", "%v", err)
	}
	if err := wiki.CheckBody(body); err != nil {
		return "", fieldErr("body", "%v", err)
	}
	return t, nil
}

// checkParent checks that parentID is a live page of the group that would
// not make the tree a loop.
func (o *Outbox) checkParent(ctx context.Context, groupID int64, pageID int64, parentID *int64) (string, error) {
	if parentID == nil {
		return "", nil
	}
	parent, err := o.Store.PageByObjectID(ctx, *parentID)
	if isNotFound(err) || (err == nil && (parent.DeletedAt != nil || parent.GroupID == nil || *parent.GroupID != groupID)) {
		return "", fieldErr("parent_id", "no such page in this group")
	} else if err != nil {
		return "", err
	}
	if pageID != 0 {
		if cycle, err := o.Store.PageWouldCycle(ctx, pageID, *parentID); err != nil {
			return "", err
		} else if cycle {
			return "", fieldErr("parent_id", "a page cannot be under itself or one of its sub-pages")
		}
	}
	return parent.URI, nil
}

// CreatePage adds a page to a group. It is the group's at once when the
// group is ours; a remote group gets it as Create{Article} and announces it.
func (o *Outbox) CreatePage(ctx context.Context, author *store.Actor, groupID int64, np NewPage) (*store.WikiPage, error) {
	g, err := o.memberOf(ctx, groupID, author)
	if err != nil {
		return nil, err
	}
	if ok, err := MayEditPage(ctx, o.Store, g, nil, author.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrForbidden
	}
	title, err := checkPageText(np.Title, np.Body)
	if err != nil {
		return nil, err
	}
	parentURI, err := o.checkParent(ctx, g.ID, 0, np.ParentID)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	p := &store.WikiPage{Object: &store.Object{Type: store.TypeWikiPage, Local: true, AttributedTo: author.ID, GroupID: &g.ID,
		Visibility: store.ObjGroup, Name: title, Published: now, Author: author}, ParentID: np.ParentID, Version: 1,
		Body: np.Body, Template: np.Template}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		p.URI = o.Links.Activity(store.NewID())
		if p.Content, err = FederatedHTML(ctx, tx, g.ID, p.Body); err != nil {
			return err
		}
		if _, err := tx.CreateObject(ctx, p.Object); err != nil {
			return err
		}
		p.URI = o.Links.PageURI(p.ID)
		p.URL = p.URI
		if err := tx.SetObjectURI(ctx, p.ID, p.URI, p.URL); err != nil {
			return err
		}
		if err := tx.CreatePage(ctx, p, author.ID); err != nil {
			return err
		}
		ds, err = o.publishPage(ctx, tx, vocab.CreateType, author, g, p, parentURI)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.PageByObjectID(ctx, p.ID)
}

// EditPage saves a page. The save carries the version it started from: when
// another save came in between, nothing is written and the answer is a
// PageConflict with the page as it is now. A base version the page has not
// reached yet is bad input. On the group's node the save is the new
// version at once; on a member node it waits for the group (the page
// returned is unchanged, its proposal pending).
func (o *Outbox) EditPage(ctx context.Context, acct *store.Account, pageID int64, e PageEdit) (*store.WikiPage, error) {
	p, err := o.Store.PageByObjectID(ctx, pageID)
	if err != nil {
		return nil, err
	}
	if p.DeletedAt != nil || p.GroupID == nil {
		return nil, ErrNotFound
	}
	author, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return nil, err
	}
	g, err := o.memberOf(ctx, *p.GroupID, author)
	if err != nil {
		return nil, err
	}
	if ok, err := MayEditPage(ctx, o.Store, g, p, author.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrForbidden
	}
	title, body := p.Name, p.Body
	if e.Title != nil {
		title = *e.Title
	}
	if e.Body != nil {
		body = *e.Body
	}
	if title, err = checkPageText(title, body); err != nil {
		return nil, err
	}
	switch {
	case e.BaseVersion < 1:
		return nil, fieldErr("base_version", "the version the edit started from is required")
	case e.BaseVersion > p.Version:
		return nil, fieldErr("base_version", "version %d does not exist yet (the page is at %d)", e.BaseVersion, p.Version)
	case e.BaseVersion < p.Version:
		return nil, &PageConflict{Current: p, Title: title, Body: body}
	}
	if (e.Locked != nil && *e.Locked != p.Locked) || (e.Template != nil && *e.Template != p.Template) {
		if ok, err := IsAnimator(ctx, o.Store, g, author.ID); err != nil {
			return nil, err
		} else if !ok {
			return nil, fieldErr("locked", "only the group's animators lock a page or make it a template")
		}
	}
	parentID := p.ParentID
	if e.SetParent {
		parentID = e.ParentID
	}
	parentURI, err := o.checkParent(ctx, g.ID, p.ID, parentID)
	if err != nil {
		return nil, err
	}
	locked, template := p.Locked, p.Template
	if e.Locked != nil {
		locked = *e.Locked
	}
	if e.Template != nil {
		template = *e.Template
	}
	now := time.Now().UTC().Truncate(time.Second)
	next := *p
	nextObj := *p.Object
	next.Object = &nextObj
	next.Name, next.Body, next.ParentID, next.Locked, next.Template, next.Updated = title, body, parentID, locked, template, &now
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if next.Content, err = FederatedHTML(ctx, tx, g.ID, body); err != nil {
			return err
		}
		if !g.Local {
			next.Version = p.Version + 1
			ds, err = o.publishPage(ctx, tx, vocab.UpdateType, author, g, &next, parentURI)
			if err != nil {
				return err
			}
			// This edit supersedes the author's earlier ones (a conflict
			// merged, or a second save before the group answered).
			if err := tx.DropProposals(ctx, p.ID, author.ID); err != nil {
				return err
			}
			return tx.AddPageProposal(ctx, &store.PageProposal{ObjectID: p.ID, AuthorID: author.ID, BaseVersion: p.Version,
				Title: title, Body: body})
		}
		if ok, err := tx.SavePage(ctx, &next, e.BaseVersion, author.ID, now); err != nil {
			return err
		} else if !ok {
			return errStale
		}
		if err := tx.SetPageTree(ctx, p.ID, parentID, locked, template); err != nil {
			return err
		}
		if err := tx.DropProposals(ctx, p.ID, author.ID); err != nil {
			return err
		}
		ds, err = o.publishPage(ctx, tx, vocab.UpdateType, author, g, &next, parentURI)
		return err
	})
	if err == errStale {
		// Another save won the race between our read and our write.
		cur, err := o.Store.PageByObjectID(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		return nil, &PageConflict{Current: cur, Title: title, Body: body}
	}
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.PageByObjectID(ctx, p.ID)
}

var errStale = &staleError{}

type staleError struct{}

func (*staleError) Error() string { return "page changed meanwhile" }

// RestorePageVersion saves an old version's text as the newest version.
func (o *Outbox) RestorePageVersion(ctx context.Context, acct *store.Account, pageID int64, version int) (*store.WikiPage, error) {
	p, err := o.Store.PageByObjectID(ctx, pageID)
	if err != nil {
		return nil, err
	}
	v, err := o.Store.PageVersionOf(ctx, pageID, version)
	if err != nil {
		return nil, err
	}
	return o.EditPage(ctx, acct, pageID, PageEdit{Title: &v.Title, Body: &v.Body, BaseVersion: p.Version})
}

// DeletePage removes a page: its creator or the group's animators may.
func (o *Outbox) DeletePage(ctx context.Context, acct *store.Account, pageID int64) error {
	p, err := o.Store.PageByObjectID(ctx, pageID)
	if err != nil {
		return err
	}
	return o.deleteGroupItem(ctx, acct, p.Object)
}

// deleteGroupItem deletes a page or a task: by its creator (sent like a
// post's deletion) or by an animator of its local group (sent by the group).
func (o *Outbox) deleteGroupItem(ctx context.Context, acct *store.Account, obj *store.Object) error {
	if obj.DeletedAt != nil || obj.GroupID == nil {
		return ErrNotFound
	}
	if obj.AttributedTo != acct.ActorID {
		return o.DeleteInGroup(ctx, acct, obj.ID)
	}
	author, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return err
	}
	if _, err := o.memberOf(ctx, *obj.GroupID, author); err != nil {
		return err
	}
	g, err := o.Store.GroupByActorID(ctx, *obj.GroupID)
	if err != nil {
		return err
	}
	now := time.Now()
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteObject(ctx, obj.ID); err != nil {
			return err
		}
		del := ap.NewActivity(vocab.DeleteType, o.Links.Activity(store.NewID()), author.URI, ap.Tombstone(obj.URI, federatedType(obj.Type), now),
			ap.IRIs(g.URI), nil)
		var err error
		ds, err = o.publishInGroup(ctx, tx, author, del, nil, obj, inboxesOf(g.Actor))
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// federatedType is the ActivityStreams type of a page or task.
func federatedType(t string) string {
	switch t {
	case store.TypeWikiPage:
		return "Article"
	case store.TypeTask:
		return "Ticket"
	}
	return t
}

// publishPage sends Create or Update of a page version: to the group's node
// when the group is remote, announced by the group to its member nodes (and
// a new page of a public group to its followers, as an article) when it is
// ours.
func (o *Outbox) publishPage(ctx context.Context, tx *store.Store, typ vocab.ActivityVocabularyType, actor *store.Actor, g *store.Group, p *store.WikiPage, parentURI string) ([]store.Delivery, error) {
	creator := p.Author
	if creator == nil {
		creator = actor
	}
	doc, err := ap.PageDocument(p, creator, g.Actor, parentURI, g.Visibility == store.VisibilityPublic)
	if err != nil {
		return nil, err
	}
	return o.publishGroupItem(ctx, tx, typ, actor, g, p.URI, doc)
}

// publishGroupItem sends an activity about a page or task of group g.
func (o *Outbox) publishGroupItem(ctx context.Context, tx *store.Store, typ vocab.ActivityVocabularyType, actor *store.Actor, g *store.Group, uri string, doc json.RawMessage) ([]store.Delivery, error) {
	to := ap.IRIs(g.URI)
	if g.Visibility == store.VisibilityPublic {
		to = append(to, vocab.PublicNS)
	}
	act := ap.NewActivity(typ, o.Links.Activity(store.NewID()), actor.URI, vocab.IRI(uri), to, nil)
	act.Audience = ap.IRIs(g.URI)
	raw, err := ap.Marshal(act, map[string]any{"object": rawJSON(doc)})
	if err != nil {
		return nil, err
	}
	ds, err := o.publishRaw(ctx, tx, actor, act, raw, uri, inboxesOf(g.Actor))
	if err != nil || !g.Local {
		return ds, err
	}
	more, err := o.announceInGroup(ctx, tx, g, raw, uri)
	return append(ds, more...), err
}

// SetPageEditors sets who may edit a group's pages: its animators may.
func (o *Outbox) SetPageEditors(ctx context.Context, acct *store.Account, groupID int64, editors string) error {
	if editors != store.PageEditorsMembers && editors != store.PageEditorsAnimators {
		return fieldErr("editors", "members or animators")
	}
	g, _, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return err
	}
	return o.Store.SetGroupPageEditors(ctx, g.ID, editors)
}
