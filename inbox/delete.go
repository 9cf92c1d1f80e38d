package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.DeleteType, deleteActivity) }

// deleteActivity: an actor deletes one of its posts, or its account.
func deleteActivity(ctx context.Context, p *Processor, in *incoming) error {
	id := in.objectID()
	if id == in.actor.URI {
		p.Federator.ForgetKeys(in.actor.URI)
		return p.Store.ForgetRemoteActor(ctx, in.actor.ID)
	}
	obj, err := p.Store.ObjectByURI(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if obj.AttributedTo != in.actor.ID {
		return refused("%s cannot delete %s", in.actor.URI, id)
	}
	if obj.DeletedAt != nil {
		return nil
	}
	if err := p.Store.DeleteObject(ctx, obj.ID); err != nil {
		return err
	}
	return p.announceIfLocalGroup(ctx, in, obj)
}
