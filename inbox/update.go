package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.UpdateType, update) }

// update: an actor changes its own profile or one of its own posts.
func update(ctx context.Context, p *Processor, in *incoming) error {
	id := in.objectID()
	if id == in.actor.URI {
		// A profile change: read it again from its origin, then apply our
		// State-only groups' rule to the tier it publishes now.
		actor, err := p.Federator.Actor(ctx, id, true)
		if err != nil {
			return err
		}
		return p.Outbox.RecheckStateOnly(ctx, actor)
	}
	if isEventWrite(in.act) {
		return p.eventToLocalGroup(ctx, in)
	}
	if handled, err := p.memberItem(ctx, in); handled {
		return err
	}
	existing, err := p.Store.ObjectByURI(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // never seen: nothing to change
	} else if err != nil {
		return err
	}
	if existing.DeletedAt != nil {
		return nil
	}
	if existing.Type == "Document" && existing.GroupID != nil {
		// Any member may add a version; the group checks membership.
		return p.documentVersion(ctx, in, existing)
	}
	if existing.AttributedTo != in.actor.ID {
		return refused("%s cannot change %s", in.actor.URI, id)
	}
	it, raw, err := p.trustedObject(ctx, in)
	if err != nil {
		return err
	}
	n, err := p.readNote(ctx, it, raw, in.actor)
	if err != nil {
		return err
	}
	if existing.Updated != nil && n.obj.Updated != nil && !n.obj.Updated.After(*existing.Updated) {
		return nil // an older edit delivered late
	}
	if err := p.updateNote(ctx, existing, n); err != nil {
		return err
	}
	return p.announceIfLocalGroup(ctx, in, existing)
}

// announceIfLocalGroup has our group redistribute an activity about one of
// its posts.
func (p *Processor) announceIfLocalGroup(ctx context.Context, in *incoming, obj *store.Object) error {
	if obj.GroupID == nil {
		return nil
	}
	g, err := p.Store.GroupByActorID(ctx, *obj.GroupID)
	if err != nil || !g.Local {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, obj.URI)
}

// updateNote writes a peer's new version of a post we have: its text, its
// sensitive flag, its hashtags and its attachments.
func (p *Processor) updateNote(ctx context.Context, existing *store.Object, n *remoteNote) error {
	existing.Content, existing.Summary, existing.Name, existing.Raw = n.obj.Content, n.obj.Summary, n.obj.Name, n.obj.Raw
	existing.Updated, existing.Sensitive = n.obj.Updated, n.obj.Sensitive
	var gone []*store.Media
	err := p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateObject(ctx, existing); err != nil {
			return err
		}
		if err := tx.SetObjectTags(ctx, existing.ID, n.tags); err != nil {
			return err
		}
		var err error
		if gone, err = tx.ReplaceRemoteMedia(ctx, existing.ID, existing.AttributedTo, n.media); err != nil {
			return err
		}
		// Those here who shared it are told (Mastodon's update).
		return tx.NotifySharers(ctx, store.Notification{Type: store.NotifyUpdate, From: existing.AttributedTo, ObjectID: existing.ID})
	})
	for _, m := range gone {
		p.Outbox.ForgetMedia(ctx, m)
	}
	return err
}
