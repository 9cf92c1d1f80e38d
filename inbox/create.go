package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.CreateType, create) }

// create: a peer publishes a post. A post in one of our groups is taken
// when its author is a member, then announced by the group. A post in a
// remote group is taken only from that group's Announce, never straight
// from its author. Any other post is kept when someone here follows its
// author, is addressed by it, or wrote the post it answers.
func create(ctx context.Context, p *Processor, in *incoming) error {
	if isEventWrite(in.act) {
		return p.eventToLocalGroup(ctx, in)
	}
	if handled, err := p.memberItem(ctx, in); handled {
		return err
	}
	it, raw, err := p.trustedObject(ctx, in)
	if err != nil {
		return err
	}
	n, err := p.readNote(ctx, it, raw, in.actor)
	if err != nil {
		return err
	}
	if len(n.groups) > 0 {
		g := n.groups[0]
		if !g.Local {
			return refused("post in group %s not announced by the group", g.URI)
		}
		return p.postInLocalGroup(ctx, in, n, g)
	}
	ok, err := p.wanted(ctx, n)
	if err != nil {
		return err
	}
	if !ok {
		return refused("unsolicited post %s", n.obj.URI)
	}
	return p.storeNote(ctx, n)
}

// joinByPosting makes a member of a follower who posts in an open group.
// For Lemmy and Mbin, following a community is joining it: they never send
// Join. The group's rules still decide (open policy, State-only, ban list);
// a Mastodon follower who never posts stays a read-only follower.
func (p *Processor) joinByPosting(ctx context.Context, in *incoming, g *store.Group, existing *store.Membership) (bool, error) {
	if in.actor.Type != store.TypePerson || (existing != nil && existing.State != store.StateInvited) {
		return false, nil
	}
	if f, err := p.Store.FollowOf(ctx, in.actor.ID, g.ID); errors.Is(err, store.ErrNotFound) || (err == nil && f.State != store.FollowAccepted) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	trusted, err := p.Outbox.TrustedTier(ctx, in.actor)
	if err != nil {
		return false, err
	}
	if state, err := outbox.JoinDecision(g, existing, in.actor, trusted); errors.Is(err, outbox.ErrRefusedByGroup) || state != store.StateAccepted {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetMembership(ctx, &store.Membership{GroupID: g.ID, MemberID: in.actor.ID, Role: store.MemberMember,
			State: store.StateAccepted, ActivityURI: in.row.URI}); err != nil {
			return err
		}
		return tx.LogGroupEvent(ctx, g.ID, in.actor.ID, nil, outbox.EventJoined)
	})
}

// postInLocalGroup checks the author may post in our group, stores the post
// and has the group announce it to every member node.
func (p *Processor) postInLocalGroup(ctx context.Context, in *incoming, n *remoteNote, ga *store.Actor) error {
	g, err := p.Store.GroupOf(ctx, ga)
	if err != nil {
		return err
	}
	if n.obj.InReplyTo != "" {
		parent, err := p.Store.ObjectByURI(ctx, n.obj.InReplyTo)
		if err == nil && (parent.GroupID == nil || *parent.GroupID != g.ID) {
			return refused("reply in %s to a post outside it", g.URI)
		}
	}
	m, err := p.Store.MembershipOf(ctx, g.ID, in.actor.ID)
	if errors.Is(err, store.ErrNotFound) {
		m = nil
	} else if err != nil {
		return err
	}
	if m == nil || m.State != store.StateAccepted {
		if joined, err := p.joinByPosting(ctx, in, g, m); err != nil {
			return err
		} else if !joined {
			return refused("%s is not a member of %s: posting needs membership", in.actor.URI, g.URI)
		}
	}
	n.obj.GroupID, n.obj.Visibility = &g.ID, store.ObjGroup
	if err := p.storeNote(ctx, n); err != nil {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, n.obj.URI)
}
