package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

func init() {
	handle(vocab.InviteType, invite)
	handle(vocab.RemoveType, remove)
}

// invite: a remote group invites one of our people. Only the group itself
// may invite (its key signed the activity); the person then accepts or
// declines from here.
func invite(ctx context.Context, p *Processor, in *incoming) error {
	if in.actor.Type != store.TypeGroup || in.objectID() != in.actor.URI {
		return refused("an invitation must come from the group itself")
	}
	if in.act.Target == nil {
		return refused("invitation without target")
	}
	invitee, err := p.Store.ReachableActorByURI(ctx, string(in.act.Target.GetLink()))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!invitee.Local || invitee.Type != store.TypePerson)) {
		return refused("invitation for %s, not a person of this node", in.act.Target.GetLink())
	} else if err != nil {
		return err
	}
	existing, err := p.Store.MembershipOf(ctx, in.actor.ID, invitee.ID)
	if err == nil && (existing.State == store.StateAccepted || existing.State == store.StateInvited) {
		return nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		err := tx.SetMembership(ctx, &store.Membership{GroupID: in.actor.ID, MemberID: invitee.ID, Role: store.MemberMember,
			State: store.StateInvited, ActivityURI: in.row.URI})
		if err != nil {
			return err
		}
		if err := tx.LogGroupEvent(ctx, in.actor.ID, invitee.ID, nil, outbox.EventInvited); err != nil {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: invitee.ID, Type: store.NotifyGroupInvitation, From: in.actor.ID, GroupID: in.actor.ID})
	})
}

// remove: a remote group takes one of our people out (Remove{object: member,
// target: the group's members}). Only the group itself may.
func remove(ctx context.Context, p *Processor, in *incoming) error {
	if in.actor.Type != store.TypeGroup {
		return refused("only a group removes its members")
	}
	if in.act.Target != nil {
		target := string(in.act.Target.GetLink())
		g, err := p.Store.GroupOf(ctx, in.actor)
		if err == nil && target != in.actor.URI && target != g.MembersURI {
			return refused("removal from %s, not from %s", target, in.actor.URI)
		}
	}
	member, err := p.Store.ActorByURI(ctx, in.objectID())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteMembership(ctx, in.actor.ID, member.ID); err != nil {
			return err
		}
		if err := tx.LogGroupEvent(ctx, in.actor.ID, member.ID, nil, outbox.EventRemoved); err != nil {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: member.ID, Type: store.NotifyGroupRemoval, From: in.actor.ID, GroupID: in.actor.ID})
	})
}
