package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() {
	handle(vocab.AcceptType, accept)
	handle(vocab.RejectType, reject)
}

// answeredFollow finds the follow an Accept or Reject answers: by the
// Follow's id, or by who follows whom when the peer embedded a Follow we
// cannot match by id. Only the followed actor may answer.
func answeredFollow(ctx context.Context, p *Processor, in *incoming) (*store.Follow, error) {
	f, err := p.Store.FollowByActivity(ctx, in.objectID())
	if errors.Is(err, store.ErrNotFound) {
		obj, ok := in.act.Object.(*vocab.Activity)
		if !ok || obj.Type != vocab.FollowType || obj.Actor == nil {
			return nil, refused("answer to an unknown follow %s", in.objectID())
		}
		follower, err := p.Store.ActorByURI(ctx, string(obj.Actor.GetLink()))
		if err != nil || !follower.Local {
			return nil, refused("answer to a follow by %s, not ours", obj.Actor.GetLink())
		}
		if f, err = p.Store.FollowOf(ctx, follower.ID, in.actor.ID); err != nil {
			return nil, refused("no follow of %s by %s", in.actor.URI, follower.URI)
		}
	} else if err != nil {
		return nil, err
	}
	if f.FolloweeID != in.actor.ID {
		return nil, refused("%s answered a follow of someone else", in.actor.URI)
	}
	return f, nil
}

// accept: the followed actor accepts our follow.
func accept(ctx context.Context, p *Processor, in *incoming) error {
	f, err := answeredFollow(ctx, p, in)
	if err != nil {
		return err
	}
	f.State = store.FollowAccepted
	return p.Store.SetFollow(ctx, f)
}

// reject: the followed actor refuses (or ends) our follow.
func reject(ctx context.Context, p *Processor, in *incoming) error {
	f, err := answeredFollow(ctx, p, in)
	if err != nil {
		return err
	}
	return p.Store.DeleteFollow(ctx, f.FollowerID, f.FolloweeID)
}
