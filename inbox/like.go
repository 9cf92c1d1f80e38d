package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.LikeType, like) }

// like: a remote actor likes one of the objects we know.
func like(ctx context.Context, p *Processor, in *incoming) error {
	obj, err := p.Store.ObjectByURI(ctx, in.objectID())
	if errors.Is(err, store.ErrNotFound) {
		return refused("like of an unknown object %s", in.objectID())
	} else if err != nil {
		return err
	}
	if obj.DeletedAt != nil {
		return nil
	}
	if obj.GroupID != nil {
		if m, err := p.Store.MembershipOf(ctx, *obj.GroupID, in.actor.ID); err != nil || m.State != store.StateAccepted {
			return refused("%s is not a member of the post's group", in.actor.URI)
		}
	}
	if err := p.addLike(ctx, in.actor.ID, obj, in.row.URI); err != nil {
		return err
	}
	return p.announceIfLocalGroup(ctx, in, obj)
}

// addLike records a like and notifies the post's author, together.
func (p *Processor) addLike(ctx context.Context, actorID int64, obj *store.Object, activityURI string) error {
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.AddLike(ctx, actorID, obj.ID, activityURI); err != nil {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: obj.AttributedTo, Type: store.NotifyFavourite, From: actorID, ObjectID: obj.ID})
	})
}

// removeLike forgets the like an activity made, and its notification.
func (p *Processor) removeLike(ctx context.Context, actorID int64, activityURI string) error {
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		objectID, err := tx.RemoveLikeByActivity(ctx, actorID, activityURI)
		if err != nil || objectID == 0 {
			return err
		}
		return tx.Unnotify(ctx, store.Notification{Type: store.NotifyFavourite, From: actorID, ObjectID: objectID})
	})
}
