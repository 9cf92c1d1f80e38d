package outbox

import (
	"context"

	"github.com/archipel-social/archipel/store"
)

// Pin puts one of one's posts on one's profile (the actor's featured
// collection), or takes it off. As in Mastodon: one's own live posts only,
// not direct ones, at most store.MaxPins.
func (o *Outbox) Pin(ctx context.Context, actor *store.Actor, objectID int64, pin bool) (*store.Object, error) {
	obj, err := o.Store.ObjectByID(ctx, objectID)
	if err != nil {
		return nil, err
	}
	if obj.DeletedAt != nil || !store.IsPostType(obj.Type) {
		return nil, ErrNotFound
	}
	if !pin {
		return obj, o.Store.Unpin(ctx, actor.ID, obj.ID)
	}
	if obj.AttributedTo != actor.ID {
		return nil, fieldErr("id", "only one's own posts can be pinned")
	}
	if obj.Visibility == store.ObjDirect {
		return nil, fieldErr("id", "direct messages cannot be pinned")
	}
	return obj, o.Store.Tx(ctx, func(tx *store.Store) error {
		pinned, err := tx.PinnedAmong(ctx, actor.ID, []int64{obj.ID})
		if err != nil || pinned[obj.ID] {
			return err
		}
		if n, err := tx.CountPins(ctx, actor.ID); err != nil {
			return err
		} else if n >= store.MaxPins {
			return fieldErr("id", "at most %d pinned posts", store.MaxPins)
		}
		return tx.Pin(ctx, actor.ID, obj.ID)
	})
}
