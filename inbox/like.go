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
	return p.Store.AddLike(ctx, in.actor.ID, obj.ID, in.row.URI)
}
