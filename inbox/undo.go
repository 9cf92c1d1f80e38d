package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.UndoType, undo) }

// undo: an actor takes back its own Follow, Like or share. The undone activity is
// found by id among those we received from the same actor.
func undo(ctx context.Context, p *Processor, in *incoming) error {
	undone, err := p.Store.ActivityByURI(ctx, in.objectID())
	if errors.Is(err, store.ErrNotFound) {
		return p.undoByContent(ctx, in)
	} else if err != nil {
		return err
	}
	if undone.ActorURI != in.actor.URI {
		return refused("%s cannot undo an activity of %s", in.actor.URI, undone.ActorURI)
	}
	switch undone.Type {
	case "Follow":
		target, err := p.Store.ActorByURI(ctx, undone.ObjectURI)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if err := p.endFollow(ctx, in.actor.ID, target.ID); err != nil {
			return err
		}
		if target.Type == store.TypeGroup && target.Local {
			g, err := p.Store.GroupOf(ctx, target)
			if err != nil {
				return err
			}
			return p.leaveGroup(ctx, g, in.actor)
		}
		return nil
	case "Like":
		return p.removeLike(ctx, in.actor.ID, undone.URI)
	case "Block":
		return p.undoBlock(ctx, in, undone.URI)
	case "Announce":
		share, err := p.Store.ObjectByURI(ctx, undone.URI)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (share.Type != store.ShareType || share.AttributedTo != in.actor.ID)) {
			return nil // never kept
		} else if err != nil {
			return err
		}
		return p.Store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.DeleteObject(ctx, share.ID); err != nil {
				return err
			}
			shared, err := tx.ObjectByURI(ctx, share.URL)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			return tx.Unnotify(ctx, store.Notification{Type: store.NotifyReblog, From: in.actor.ID, ObjectID: shared.ID})
		})
	}
	return refused("undo of %s is not handled", undone.Type)
}

// undoByContent handles an Undo whose Follow we never stored (sent before
// this node kept activities): the embedded Follow says who and whom.
func (p *Processor) undoByContent(ctx context.Context, in *incoming) error {
	obj, ok := in.act.Object.(*vocab.Activity)
	if !ok || obj.Type != vocab.FollowType || obj.Actor == nil || string(obj.Actor.GetLink()) != in.actor.URI || obj.Object == nil {
		return refused("undo of an unknown activity %s", in.objectID())
	}
	target, err := p.Store.ActorByURI(ctx, string(obj.Object.GetLink()))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return p.endFollow(ctx, in.actor.ID, target.ID)
}

// endFollow forgets a follow and its notifications.
func (p *Processor) endFollow(ctx context.Context, followerID, followeeID int64) error {
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteFollow(ctx, followerID, followeeID); err != nil {
			return err
		}
		for _, typ := range []string{store.NotifyFollow, store.NotifyFollowRequest} {
			if err := tx.Unnotify(ctx, store.Notification{Recipient: followeeID, Type: typ, From: followerID}); err != nil {
				return err
			}
		}
		return nil
	})
}
