package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

func init() {
	handle(vocab.JoinType, join)
	handle(vocab.LeaveType, leave)
}

// localGroup loads one of our groups by URI.
func (p *Processor) localGroup(ctx context.Context, uri string) (*store.Group, error) {
	a, err := p.Store.ActorByURI(ctx, uri)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!a.Local || a.Type != store.TypeGroup)) {
		return nil, refused("%s is not a group of this node", uri)
	} else if err != nil {
		return nil, err
	}
	return p.Store.GroupOf(ctx, a)
}

// join: a remote person asks to join one of our groups (Mobilizon, FEP-1b12).
// The group's rules decide: accepted at once, pending for the animators, or
// refused with Reject{Join}. A State-only group believes a remote tier only
// from an allowlisted node.
func join(ctx context.Context, p *Processor, in *incoming) error {
	if e, eg, err := p.localEvent(ctx, in.objectID()); err != nil {
		return err
	} else if e != nil {
		return p.joinEvent(ctx, in, e, eg)
	}
	g, err := p.localGroup(ctx, in.objectID())
	if err != nil {
		return err
	}
	if in.actor.Type != store.TypePerson {
		return refused("only people join groups")
	}
	existing, err := p.Store.MembershipOf(ctx, g.ID, in.actor.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if known, err := p.Store.KnowsGroup(ctx, g, in.actor.ID); err != nil {
		return err
	} else if !known {
		// Silence, as for a group that does not exist: a Reject would tell
		// the secret group is there.
		return refused("%s is not a group of this node", g.URI)
	}
	trusted, err := p.Outbox.TrustedTier(ctx, in.actor)
	if err != nil {
		return err
	}
	state, err := outbox.JoinDecision(g, existing, in.actor, trusted)
	if errors.Is(err, outbox.ErrRefusedByGroup) {
		return p.Outbox.AnswerJoin(ctx, g, in.actor, in.row.URI, false, nil)
	} else if err != nil {
		return err
	}
	if state == store.StateAccepted {
		return p.Outbox.AnswerJoin(ctx, g, in.actor, in.row.URI, true, nil)
	}
	if existing != nil && existing.State == store.StatePending {
		return nil // asked twice
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		err := tx.SetMembership(ctx, &store.Membership{GroupID: g.ID, MemberID: in.actor.ID, Role: store.MemberMember,
			State: store.StatePending, ActivityURI: in.row.URI})
		if err != nil {
			return err
		}
		if err := tx.LogGroupEvent(ctx, g.ID, in.actor.ID, nil, outbox.EventRequested); err != nil {
			return err
		}
		return tx.NotifyGroupModerators(ctx, store.Notification{Type: store.NotifyJoinRequest, From: in.actor.ID, GroupID: g.ID})
	})
}

// leave: a remote member leaves one of our groups.
func leave(ctx context.Context, p *Processor, in *incoming) error {
	if e, eg, err := p.localEvent(ctx, in.objectID()); err != nil {
		return err
	} else if e != nil {
		return p.Outbox.RemoveParticipant(ctx, eg, e, in.actor)
	}
	g, err := p.localGroup(ctx, in.objectID())
	if err != nil {
		return err
	}
	return p.leaveGroup(ctx, g, in.actor)
}

// leaveGroup ends a remote member's membership: on Leave, and on the
// Undo{Follow} with which Lemmy and Mbin unsubscribe (they never send
// Leave). A ban outlives leaving.
func (p *Processor) leaveGroup(ctx context.Context, g *store.Group, member *store.Actor) error {
	m, err := p.Store.MembershipOf(ctx, g.ID, member.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.State == store.StateBanned) {
		return nil
	} else if err != nil {
		return err
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteMembership(ctx, g.ID, member.ID); err != nil {
			return err
		}
		// A request that is withdrawn leaves the animators' lists.
		if err := tx.Unnotify(ctx, store.Notification{Type: store.NotifyJoinRequest, From: member.ID, GroupID: g.ID}); err != nil {
			return err
		}
		return tx.LogGroupEvent(ctx, g.ID, member.ID, nil, outbox.EventLeft)
	})
}
