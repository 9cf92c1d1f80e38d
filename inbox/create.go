package inbox

import (
	"context"
	"errors"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/store"
)

func init() { handle(vocab.CreateType, create) }

// create: a peer publishes a post. A post in one of our groups is taken
// when its author is a member, then announced by the group. A post in a
// remote group is taken only from that group's Announce, never straight
// from its author. Any other post is kept when someone here follows its
// author, is addressed by it, or wrote the post it answers.
func create(ctx context.Context, p *Processor, in *incoming) error {
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

// postInLocalGroup checks the author may post in our group, stores the post
// and has the group announce it to every member node.
func (p *Processor) postInLocalGroup(ctx context.Context, in *incoming, n *remoteNote, ga *store.Actor) error {
	g, err := p.Store.GroupOf(ctx, ga)
	if err != nil {
		return err
	}
	m, err := p.Store.MembershipOf(ctx, g.ID, in.actor.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.State != store.StateAccepted) {
		return refused("%s is not a member of %s: posting needs membership", in.actor.URI, g.URI)
	} else if err != nil {
		return err
	}
	if n.obj.InReplyTo != "" {
		parent, err := p.Store.ObjectByURI(ctx, n.obj.InReplyTo)
		if err == nil && (parent.GroupID == nil || *parent.GroupID != g.ID) {
			return refused("reply in %s to a post outside it", g.URI)
		}
	}
	n.obj.GroupID, n.obj.Visibility = &g.ID, store.ObjGroup
	if err := p.storeNote(ctx, n); err != nil {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, n.obj.URI)
}
