package outbox

import (
	"context"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// EventRemovedTier is the group log kind of a member taken out of a
// State-only group because they are no longer a State agent.
const EventRemovedTier = "removed_tier"

// EventSuccession is the group log kind of a member named owner because the
// group's last owner left it on a change of tier.
const EventSuccession = "named_owner_succession"

// TierChanged applies a local person's new tier, in the transaction that
// changed it: out of the local State-only groups when no longer State (with
// a notice in their membership events), and an Update of the actor to the
// nodes that follow them or host their groups, so that those nodes apply
// their own State-only rules. It implements accounts.TierEffects.
func (o *Outbox) TierChanged(ctx context.Context, tx *store.Store, actorID int64, from, to string) error {
	actor, err := tx.ActorByID(ctx, actorID)
	if err != nil {
		return err
	}
	if to != store.TierState {
		groups, err := tx.StateOnlyGroupsOf(ctx, actorID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if err := tx.DeleteMembership(ctx, g.ID, actorID); err != nil {
				return err
			}
			if err := tx.LogGroupEvent(ctx, g.ID, actorID, nil, EventRemovedTier); err != nil {
				return err
			}
			if err := o.keepOwned(ctx, tx, g.ID); err != nil {
				return err
			}
		}
	}
	ds, err := o.publishProfile(ctx, tx, actor)
	if err != nil {
		return err
	}
	tx.AfterCommit(ctx, func(ctx context.Context) { o.enqueue(ctx, ds) })
	return nil
}

// keepOwned gives a group whose last owner was taken out a new owner, so
// that a State-only group is never left without anyone to run it: the
// longest-standing animator, else member, is named and told. With no local
// member left, the node's admins are told instead, since only they can act.
func (o *Outbox) keepOwned(ctx context.Context, tx *store.Store, groupID int64) error {
	successor, err := tx.PromoteSuccessor(ctx, groupID)
	if err != nil {
		return err
	}
	if successor != 0 {
		if err := tx.LogGroupEvent(ctx, groupID, successor, nil, EventSuccession); err != nil {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: successor, Type: store.NotifyGroupRole, From: groupID, GroupID: groupID})
	}
	owners, err := tx.CountOwners(ctx, groupID)
	if err != nil || owners > 0 {
		return err
	}
	admins, err := tx.AdminActorIDs(ctx)
	if err != nil {
		return err
	}
	for _, admin := range admins {
		if err := tx.Notify(ctx, store.Notification{Recipient: admin, Type: store.NotifyGroupOrphaned, From: groupID, GroupID: groupID}); err != nil {
			return err
		}
	}
	return nil
}

// RecheckStateOnly applies the State-only rule again to a remote actor
// whose profile changed: a member (or applicant, or invitee) of one of our
// State-only groups whose tier is no longer State, or no longer trusted, is
// taken out, and their node told with the usual Remove.
func (o *Outbox) RecheckStateOnly(ctx context.Context, member *store.Actor) error {
	if member.Local {
		return nil
	}
	trusted, err := o.TrustedTier(ctx, member)
	if err != nil {
		return err
	}
	if trusted && member.Tier == store.TierState {
		return nil
	}
	groups, err := o.Store.StateOnlyGroupsOf(ctx, member.ID)
	if err != nil || len(groups) == 0 {
		return err
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		for _, g := range groups {
			if err := tx.DeleteMembership(ctx, g.ID, member.ID); err != nil {
				return err
			}
			if err := tx.LogGroupEvent(ctx, g.ID, member.ID, nil, EventRemovedTier); err != nil {
				return err
			}
			remove := vocab.RemoveNew(vocab.ID(o.Links.Activity(store.NewID())), vocab.IRI(member.URI), vocab.IRI(g.MembersURI))
			remove.Actor = vocab.IRI(g.URI)
			remove.To = ap.IRIs(member.URI)
			more, err := o.publish(ctx, tx, g.Actor, remove, member.URI, inboxesOf(member))
			if err != nil {
				return err
			}
			ds = append(ds, more...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}
