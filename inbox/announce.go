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
// follows the one who shared it.
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
	id := in.objectID()
	if _, err := p.Store.ObjectByURI(ctx, id); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	it, raw, err := p.fetchObject(ctx, id)
	if err != nil {
		return err
	}
	o, err := vocab.ToObject(it)
	if err != nil || o.AttributedTo == nil {
		return refused("announced object %s has no author", id)
	}
	author, err := p.Federator.Actor(ctx, string(o.AttributedTo.GetLink()), false)
	if err != nil {
		return err
	}
	n, err := p.readNote(ctx, it, raw, author)
	if err != nil {
		return err
	}
	return p.storeNote(ctx, n)
}
