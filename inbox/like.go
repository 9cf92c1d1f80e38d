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
	if err := p.Store.AddLike(ctx, in.actor.ID, obj.ID, in.row.URI); err != nil {
		return err
	}
	return p.announceIfLocalGroup(ctx, in, obj)
}
