package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

// groupAnnounce: a remote group redistributes what happened in it
// (FEP-1b12). The group vouches for the activity it announces, so the
// embedded activity is taken as the group gives it, but only about posts of
// that same group, and only when someone here belongs to or follows it.
func groupAnnounce(ctx context.Context, p *Processor, in *incoming) error {
	g := in.actor
	interested, err := p.Store.HasLocalMember(ctx, g.ID)
	if err != nil {
		return err
	}
	if !interested {
		if interested, err = p.Store.HasLocalFollower(ctx, g.ID); err != nil {
			return err
		}
	}
	if !interested {
		return refused("announce by group %s, which nobody here belongs to or follows", g.URI)
	}
	innerRaw, err := embeddedRaw(in.row.Raw)
	if err != nil {
		return err
	}
	if handled, err := p.announcedItem(ctx, g, innerRaw); handled {
		return err
	}
	inner, err := ParseActivity(innerRaw)
	if err != nil {
		// Lemmy may announce a bare object or an IRI: fetch it from its origin.
		return p.groupAnnouncedObject(ctx, g, in.objectID())
	}
	author, err := p.Federator.Actor(ctx, string(inner.Actor.GetLink()), false)
	if err != nil {
		return err
	}
	sub := &incoming{row: &store.Activity{URI: string(inner.ID), Raw: innerRaw, ActorURI: author.URI}, act: inner, actor: author}
	if inner.Object != nil && inner.Object.IsObject() && inner.Object.GetType() == vocab.DocumentType &&
		(inner.Type == vocab.AddType || inner.Type == vocab.UpdateType) {
		return p.groupDocument(ctx, g, author, innerRaw, inner.Type == vocab.AddType)
	}
	if isEventWrite(inner) {
		return p.groupEvent(ctx, g, innerRaw)
	}
	switch inner.Type {
	case vocab.CreateType:
		obj := inner.Object
		var raw []byte
		if obj == nil || !obj.IsObject() {
			return p.groupAnnouncedObject(ctx, g, sub.objectID())
		}
		if raw, err = embeddedRaw(innerRaw); err != nil {
			return err
		}
		n, err := p.readNote(ctx, obj, raw, author)
		if err != nil {
			return err
		}
		return p.storeGroupNote(ctx, g, n)
	case vocab.UpdateType:
		existing, err := p.groupObject(ctx, g, sub.objectID())
		if err != nil || existing == nil {
			return err
		}
		if existing.AttributedTo != author.ID || inner.Object == nil || !inner.Object.IsObject() {
			return refused("update of %s by %s", existing.URI, author.URI)
		}
		raw, err := embeddedRaw(innerRaw)
		if err != nil {
			return err
		}
		n, err := p.readNote(ctx, inner.Object, raw, author)
		if err != nil {
			return err
		}
		return p.updateNote(ctx, existing, n)
	case vocab.DeleteType:
		// The author or the group's animators: the group vouches either way.
		existing, err := p.groupObject(ctx, g, sub.objectID())
		if err != nil || existing == nil {
			return err
		}
		return p.Store.DeleteObject(ctx, existing.ID)
	case vocab.LikeType:
		existing, err := p.groupObject(ctx, g, sub.objectID())
		if err != nil || existing == nil {
			return err
		}
		return p.addLike(ctx, author.ID, existing, sub.row.URI)
	case vocab.UndoType:
		return p.removeLike(ctx, author.ID, sub.objectID())
	}
	return refused("group announce of %s is not handled", inner.Type)
}

// groupObject loads a post of group g; nil when unknown, refused when it
// belongs elsewhere.
func (p *Processor) groupObject(ctx context.Context, g *store.Actor, uri string) (*store.Object, error) {
	obj, err := p.Store.ObjectByURI(ctx, uri)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if obj.GroupID == nil || *obj.GroupID != g.ID {
		return nil, refused("group %s cannot act on %s, which is not in it", g.URI, uri)
	}
	return obj, nil
}

// groupAnnouncedObject fetches an announced post from its origin.
func (p *Processor) groupAnnouncedObject(ctx context.Context, g *store.Actor, uri string) error {
	n, err := p.fetchPost(ctx, uri)
	if err != nil || n == nil {
		return err
	}
	return p.storeGroupNote(ctx, g, n)
}

// storeGroupNote keeps a post announced by its group, as a post of that group.
func (p *Processor) storeGroupNote(ctx context.Context, g *store.Actor, n *remoteNote) error {
	inGroup := false
	for _, a := range n.groups {
		inGroup = inGroup || a.ID == g.ID
	}
	if !inGroup {
		return refused("%s announced %s, which is not addressed to it", g.URI, n.obj.URI)
	}
	n.obj.GroupID, n.obj.Visibility = &g.ID, store.ObjGroup
	return p.storeNote(ctx, n)
}
