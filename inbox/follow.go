package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.FollowType, follow) }

// follow: a remote actor follows one of ours. People who approve followers
// by hand, and groups that are not open, keep it pending; otherwise it is
// accepted at once. Only public groups can be followed (read-only).
func follow(ctx context.Context, p *Processor, in *incoming) error {
	target, err := p.Store.ReachableActorByURI(ctx, in.objectID())
	if errors.Is(err, store.ErrNotFound) || (err == nil && !target.Local) {
		return refused("follow of %s, not an actor of this node", in.objectID())
	} else if err != nil {
		return err
	}
	if blocked, err := p.Store.IsBlockedEitherWay(ctx, in.actor.ID, target.ID); err != nil {
		return err
	} else if blocked {
		// One blocks the other: no follow, as Mastodon answers.
		return p.Outbox.RejectFollowRequest(ctx, target, in.actor, in.row.URI)
	}
	manual := target.ManuallyApprovesFollowers
	switch target.Type {
	case store.TypePerson:
	case store.TypeGroup:
		g, err := p.Store.GroupOf(ctx, target)
		if err != nil {
			return err
		}
		if known, err := p.Store.KnowsGroup(ctx, g, in.actor.ID); err != nil {
			return err
		} else if !known {
			// Silence, as for an actor that does not exist.
			return refused("follow of %s, not an actor of this node", in.objectID())
		}
		if g.Visibility != store.VisibilityPublic {
			// A private group is not followed, it is joined; say no.
			return p.Outbox.RejectFollowRequest(ctx, target, in.actor, in.row.URI)
		}
		manual = false // reading a public group needs no approval
	default:
		return refused("%s cannot be followed", target.Type)
	}
	f := &store.Follow{FollowerID: in.actor.ID, FolloweeID: target.ID, State: store.FollowPending, ActivityURI: in.row.URI}
	if existing, err := p.Store.FollowOf(ctx, in.actor.ID, target.ID); err == nil && existing.State == store.FollowAccepted {
		// Following again (a lost Accept): accept again.
		f.State = store.FollowAccepted
	}
	if manual && f.State != store.FollowAccepted {
		return p.Store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.SetFollow(ctx, f); err != nil {
				return err
			}
			return tx.Notify(ctx, store.Notification{Recipient: target.ID, Type: store.NotifyFollowRequest, From: in.actor.ID})
		})
	}
	if err := p.Store.SetFollow(ctx, f); err != nil {
		return err
	}
	return p.Outbox.AnswerFollow(ctx, target, in.actor, true)
}
