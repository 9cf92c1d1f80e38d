package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.BlockType, block) }

// block: a remote actor blocks one of our people. The follows between them
// end, and what the block hides (the peer's posts for our person, as
// Mastodon's blocked_by) is store's rule.
func block(ctx context.Context, p *Processor, in *incoming) error {
	target, err := p.Store.ActorByURI(ctx, in.objectID())
	if errors.Is(err, store.ErrNotFound) || (err == nil && !target.Local) {
		return refused("block of %s, not an actor of this node", in.objectID())
	} else if err != nil {
		return err
	}
	if target.ID == in.actor.ID {
		return refused("%s blocks itself", in.actor.URI)
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.EndFollowsBetween(ctx, in.actor.ID, target.ID); err != nil {
			return err
		}
		return tx.Block(ctx, in.actor.ID, target.ID, in.row.URI)
	})
}

// undoBlock: the peer takes its block back.
func (p *Processor) undoBlock(ctx context.Context, in *incoming, blockURI string) error {
	actorID, targetID, err := p.Store.BlockByActivity(ctx, blockURI)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if actorID != in.actor.ID {
		return refused("%s cannot undo a block of another actor", in.actor.URI)
	}
	_, _, err = p.Store.Unblock(ctx, actorID, targetID)
	return err
}
