package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.AnnounceType, announce) }

// announce: an actor shares a post. The post is never taken from the
// announce itself: it is fetched from its origin, and kept when someone here
// follows the one who shared it; the share is kept too, for their timelines.
func announce(ctx context.Context, p *Processor, in *incoming) error {
	if in.actor.Type == store.TypeGroup && !in.actor.Local {
		return groupAnnounce(ctx, p, in)
	}
	followed, err := p.Store.HasLocalFollower(ctx, in.actor.ID)
	if err != nil {
		return err
	}
	if !followed {
		return refused("announce by %s, whom nobody here follows", in.actor.URI)
	}
	n, err := p.fetchPost(ctx, in.objectID())
	if err != nil {
		return err
	}
	if n != nil {
		if len(n.groups) > 0 {
			return refused("%s shared a post of a group: group posts come from their group", in.actor.URI)
		}
		if err := p.storeNote(ctx, n); err != nil {
			return err
		}
	}
	// The share itself shows in its followers' timelines, when what it
	// shares is public.
	shared, err := p.Store.ObjectByURI(ctx, in.objectID())
	if err != nil {
		return err
	}
	if !store.IsPostType(shared.Type) {
		return refused("%s shared %s, which is not a post", in.actor.URI, shared.URI)
	}
	if shared.DeletedAt != nil || shared.GroupID != nil || (shared.Visibility != store.ObjPublic && shared.Visibility != store.ObjUnlisted) {
		return refused("%s shared %s, which is not public", in.actor.URI, shared.URI)
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		created, err := tx.CreateObject(ctx, &store.Object{URI: in.row.URI, Type: store.ShareType, AttributedTo: in.actor.ID,
			Visibility: store.ObjPublic, URL: shared.URI})
		if err != nil || !created {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: shared.AttributedTo, Type: store.NotifyReblog, From: in.actor.ID, ObjectID: shared.ID})
	})
}

// fetchPost dereferences an announced post from its origin, with its
// author; nil when we already have it.
func (p *Processor) fetchPost(ctx context.Context, uri string) (*remoteNote, error) {
	if _, err := p.Store.ObjectByURI(ctx, uri); err == nil {
		return nil, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	it, raw, err := p.fetchObject(ctx, uri)
	if err != nil {
		return nil, err
	}
	o, err := vocab.ToObject(it)
	if err != nil || o.AttributedTo == nil {
		return nil, refused("announced object %s has no author", uri)
	}
	author, err := p.Federator.Actor(ctx, string(o.AttributedTo.GetLink()), false)
	if err != nil {
		return nil, err
	}
	return p.readNote(ctx, it, raw, author)
}
