package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/outbox"
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

// accept: the followed actor accepts our follow; a group accepts our Join;
// a remote person accepts our group's Invite.
func accept(ctx context.Context, p *Processor, in *incoming) error {
	if pt, err := p.Store.ParticipationByActivity(ctx, in.objectID()); err == nil {
		return p.answeredParticipation(ctx, in, pt, true)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if m, err := p.Store.MembershipByActivity(ctx, in.objectID()); err == nil {
		return answeredMembership(ctx, p, in, m, true)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	f, err := answeredFollow(ctx, p, in)
	if err != nil {
		return err
	}
	f.State = store.FollowAccepted
	return p.Store.SetFollow(ctx, f)
}

// reject: the followed actor refuses (or ends) our follow; a group refuses
// our Join; a person declines our group's Invite.
func reject(ctx context.Context, p *Processor, in *incoming) error {
	if pt, err := p.Store.ParticipationByActivity(ctx, in.objectID()); err == nil {
		return p.answeredParticipation(ctx, in, pt, false)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if m, err := p.Store.MembershipByActivity(ctx, in.objectID()); err == nil {
		return answeredMembership(ctx, p, in, m, false)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	f, err := answeredFollow(ctx, p, in)
	if err != nil {
		return err
	}
	return p.Store.DeleteFollow(ctx, f.FollowerID, f.FolloweeID)
}

// answeredMembership applies an answer about a membership. Who may answer
// depends on who asked: a Join is answered by the group, an Invite by the
// person invited.
func answeredMembership(ctx context.Context, p *Processor, in *incoming, m *store.Membership, accepted bool) error {
	group, err := p.Store.ActorByID(ctx, m.GroupID)
	if err != nil {
		return err
	}
	if group.Local {
		// Our group invited them: only the invitee answers.
		if m.MemberID != in.actor.ID || m.State != store.StateInvited {
			return refused("%s cannot answer this invitation", in.actor.URI)
		}
		g, err := p.Store.GroupOf(ctx, group)
		if err != nil {
			return err
		}
		return p.Outbox.AnswerJoin(ctx, g, in.actor, "", accepted, nil)
	}
	// We asked a remote group: only that group answers.
	if group.ID != in.actor.ID {
		return refused("%s answered a request to join %s", in.actor.URI, group.URI)
	}
	if m.State == store.StateBanned {
		return nil
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		told := store.Notification{Recipient: m.MemberID, Type: store.NotifyJoinRejected, From: group.ID, GroupID: group.ID}
		if !accepted {
			if err := tx.DeleteMembership(ctx, m.GroupID, m.MemberID); err != nil {
				return err
			}
			return tx.Notify(ctx, told)
		}
		m.State, told.Type = store.StateAccepted, store.NotifyJoinApproved
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		if err := tx.LogGroupEvent(ctx, m.GroupID, m.MemberID, &in.actor.ID, outbox.EventJoined); err != nil {
			return err
		}
		// Joining an open group needs no one's approval: nothing to tell.
		if g, err := tx.GroupOf(ctx, group); err != nil || g.JoinPolicy == store.JoinOpen {
			return err
		}
		return tx.Notify(ctx, told)
	})
}
