package outbox

import (
	"context"
	"errors"
	"slices"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// Group log kinds.
const (
	EventRequested = "requested"
	EventJoined    = "joined"
	EventInvited   = "invited"
	EventRejected  = "rejected"
	EventLeft      = "left"
	EventRemoved   = "removed"
	EventAnimator  = "named_animator"
	EventMember    = "named_member"
)

// ErrRefusedByGroup is a join the group's rules refuse.
var ErrRefusedByGroup = errors.New("the group's rules refuse this membership")

// JoinDecision applies a group's rules to someone asking to join: the state
// the membership takes, or ErrRefusedByGroup. trustedTier says whether the
// applicant's published tier may be believed (local accounts, or actors of
// an allowlisted node).
func JoinDecision(g *store.Group, existing *store.Membership, applicant *store.Actor, trustedTier bool) (string, error) {
	if existing != nil {
		switch existing.State {
		case store.StateBanned:
			return "", ErrRefusedByGroup
		case store.StateAccepted:
			return store.StateAccepted, nil
		case store.StateInvited:
			return store.StateAccepted, nil
		}
	}
	if g.StateOnly && (applicant.Tier != store.TierState || !trustedTier) {
		return "", ErrRefusedByGroup
	}
	switch g.JoinPolicy {
	case store.JoinOpen:
		return store.StateAccepted, nil
	case store.JoinApproval:
		return store.StatePending, nil
	}
	return "", ErrRefusedByGroup
}

// TrustedTier says whether an actor's tier can be believed: ours always,
// a remote one only from a node on the allowlist.
func (o *Outbox) TrustedTier(ctx context.Context, a *store.Actor) (bool, error) {
	if a.Local {
		return true, nil
	}
	policy, err := o.Store.DomainPolicy(ctx, a.Host)
	return policy == store.PolicyAllow, err
}

// Join asks for member to join a group on this node or another one.
func (o *Outbox) Join(ctx context.Context, member, groupActor *store.Actor) (*store.Membership, error) {
	if groupActor.Type != store.TypeGroup {
		return nil, ErrNotFound
	}
	g, err := o.Store.GroupOf(ctx, groupActor)
	if err != nil {
		return nil, err
	}
	existing, err := o.Store.MembershipOf(ctx, g.ID, member.ID)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if !g.Local {
		return o.joinRemote(ctx, member, g, existing)
	}
	if g.Visibility == store.VisibilitySecret && (existing == nil || existing.State == store.StateBanned) {
		return nil, ErrNotFound // a secret group is not disclosed
	}
	state, err := JoinDecision(g, existing, member, true)
	if errors.Is(err, ErrRefusedByGroup) {
		return nil, ErrForbidden
	} else if err != nil {
		return nil, err
	}
	m := &store.Membership{GroupID: g.ID, MemberID: member.ID, Role: store.MemberMember, State: state}
	if existing != nil {
		m.Role, m.ActivityURI = existing.Role, existing.ActivityURI
	}
	if existing != nil && existing.State == state {
		return existing, nil
	}
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		kind := EventJoined
		if state == store.StatePending {
			kind = EventRequested
		}
		if err := tx.LogGroupEvent(ctx, g.ID, member.ID, nil, kind); err != nil {
			return err
		}
		if state == store.StatePending {
			return tx.NotifyGroupModerators(ctx, store.Notification{Type: store.NotifyJoinRequest, From: member.ID, GroupID: g.ID})
		}
		if err := notifyWelcome(ctx, tx, g.ID, member.ID); err != nil {
			return err
		}
		return unnotifyInvitation(ctx, tx, member.ID, g.ID)
	})
	return m, err
}

// joinRemote sends a Join to a group on another node, or, when the group
// invited us, accepts its Invite.
func (o *Outbox) joinRemote(ctx context.Context, member *store.Actor, g *store.Group, existing *store.Membership) (*store.Membership, error) {
	if existing != nil && (existing.State == store.StateAccepted || existing.State == store.StatePending) {
		return existing, nil
	}
	m := &store.Membership{GroupID: g.ID, MemberID: member.ID, Role: store.MemberMember, State: store.StatePending}
	var act vocab.Item
	if existing != nil && existing.State == store.StateInvited {
		// The group asked us: saying yes makes us a member.
		invite := vocab.InviteNew(vocab.ID(existing.ActivityURI), vocab.IRI(g.URI))
		invite.Actor, invite.Target = vocab.IRI(g.URI), vocab.IRI(member.URI)
		act = ap.NewActivity(vocab.AcceptType, o.Links.Activity(store.NewID()), member.URI, invite, ap.IRIs(g.URI), nil)
		m.State, m.ActivityURI = store.StateAccepted, existing.ActivityURI
	} else {
		m.ActivityURI = o.Links.Activity(store.NewID())
		act = ap.NewActivity(joinType(g), m.ActivityURI, member.URI, vocab.IRI(g.URI), ap.IRIs(g.URI), nil)
	}
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		if err := unnotifyInvitation(ctx, tx, member.ID, g.ID); err != nil {
			return err
		}
		var err error
		ds, err = o.publish(ctx, tx, member, act, g.URI, inboxesOf(g.Actor))
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return m, nil
}

// Leave ends member's membership of a group (or declines its invitation).
func (o *Outbox) Leave(ctx context.Context, member, groupActor *store.Actor) error {
	existing, err := o.Store.MembershipOf(ctx, groupActor.ID, member.ID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if existing.State == store.StateBanned {
		return nil
	}
	if netID, err := o.Store.AnimatorsNetwork(ctx); err == nil && netID == groupActor.ID && existing.Role == store.MemberMember {
		// Its members are the node's animators: it follows their roles.
		return fieldErr("group", "the animators' network holds every animator of this node; it follows your roles in other groups")
	}
	if existing.Role == store.MemberOwner && groupActor.Local {
		owners, err := o.Store.CountOwners(ctx, groupActor.ID)
		if err != nil {
			return err
		}
		if owners <= 1 {
			return fieldErr("group", "the last owner cannot leave; name another owner first")
		}
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteMembership(ctx, groupActor.ID, member.ID); err != nil {
			return err
		}
		if err := unnotifyMembership(ctx, tx, member.ID, groupActor.ID); err != nil {
			return err
		}
		if groupActor.Local {
			if err := tx.LogGroupEvent(ctx, groupActor.ID, member.ID, nil, EventLeft); err != nil {
				return err
			}
			return tx.SyncAnimatorsNetwork(ctx, member.ID) // an animator who leaves leaves the network too
		}
		var act vocab.Item
		if existing.State == store.StateInvited {
			invite := vocab.InviteNew(vocab.ID(existing.ActivityURI), vocab.IRI(groupActor.URI))
			invite.Actor, invite.Target = vocab.IRI(groupActor.URI), vocab.IRI(member.URI)
			act = ap.NewActivity(vocab.RejectType, o.Links.Activity(store.NewID()), member.URI, invite, ap.IRIs(groupActor.URI), nil)
		} else if g, err := tx.GroupOf(ctx, groupActor); err == nil && joinType(g) == vocab.FollowType {
			follow := ap.FollowActivity(existing.ActivityURI, member.URI, groupActor.URI)
			act = ap.NewActivity(vocab.UndoType, o.Links.Activity(store.NewID()), member.URI, follow, ap.IRIs(groupActor.URI), nil)
		} else {
			act = ap.NewActivity(vocab.LeaveType, o.Links.Activity(store.NewID()), member.URI, vocab.IRI(groupActor.URI), ap.IRIs(groupActor.URI), nil)
		}
		var err error
		ds, err = o.publish(ctx, tx, member, act, groupActor.URI, inboxesOf(groupActor))
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// CanModerate tells whether an account may run a local group: its owners and
// animators, the node admin, and the unit admins of its creator's unit.
func (o *Outbox) CanModerate(ctx context.Context, acct *store.Account, g *store.Group) (bool, error) {
	if !g.Local {
		return false, nil
	}
	if acct.Role == store.RoleAdmin {
		return true, nil
	}
	if m, err := o.Store.MembershipOf(ctx, g.ID, acct.ActorID); err == nil && m.State == store.StateAccepted &&
		(m.Role == store.MemberOwner || m.Role == store.MemberAnimator) {
		return true, nil
	} else if err != nil && !isNotFound(err) {
		return false, err
	}
	if acct.Role != store.RoleUnitAdmin || acct.UnitID == nil || g.CreatedBy == nil {
		return false, nil
	}
	creator, err := o.Store.AccountByID(ctx, *g.CreatedBy)
	if err != nil || creator.UnitID == nil {
		return false, nil
	}
	units, err := o.Store.UnitSubtree(ctx, *acct.UnitID)
	return err == nil && slices.Contains(units, *creator.UnitID), err
}

// moderator loads a local group and checks the account may run it.
func (o *Outbox) moderator(ctx context.Context, acct *store.Account, groupID int64) (*store.Group, *store.Actor, error) {
	g, err := o.Store.GroupByActorID(ctx, groupID)
	if err != nil {
		return nil, nil, err
	}
	ok, err := o.CanModerate(ctx, acct, g)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, ErrForbidden
	}
	by, err := o.Store.ActorByID(ctx, acct.ActorID)
	return g, by, err
}

// Approve accepts a pending request (or rejects it when approve is false).
func (o *Outbox) Approve(ctx context.Context, acct *store.Account, groupID, memberID int64, approve bool) error {
	g, by, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return err
	}
	m, err := o.Store.MembershipOf(ctx, g.ID, memberID)
	if err != nil {
		return err
	}
	if m.State != store.StatePending {
		return fieldErr("state", "no pending request from this account")
	}
	member, err := o.Store.ActorByID(ctx, memberID)
	if err != nil {
		return err
	}
	return o.AnswerJoin(ctx, g, member, m.ActivityURI, approve, &by.ID)
}

// AnswerJoin accepts or rejects a membership and, for a remote member,
// tells its node with Accept{Join} or Reject{Join}.
func (o *Outbox) AnswerJoin(ctx context.Context, g *store.Group, member *store.Actor, joinURI string, accept bool, byID *int64) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		kind := EventJoined
		if accept {
			m := &store.Membership{GroupID: g.ID, MemberID: member.ID, Role: store.MemberMember, State: store.StateAccepted, ActivityURI: joinURI}
			if existing, err := tx.MembershipOf(ctx, g.ID, member.ID); err == nil {
				m.Role = existing.Role
			}
			if err := tx.SetMembership(ctx, m); err != nil {
				return err
			}
			if err := notifyWelcome(ctx, tx, g.ID, member.ID); err != nil {
				return err
			}
		} else {
			kind = EventRejected
			// Refusing a banned person's request must not lift the ban.
			if existing, err := tx.MembershipOf(ctx, g.ID, member.ID); err == nil && existing.State != store.StateBanned {
				if err := tx.DeleteMembership(ctx, g.ID, member.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.LogGroupEvent(ctx, g.ID, member.ID, byID, kind); err != nil {
			return err
		}
		if err := unnotifyMembership(ctx, tx, member.ID, g.ID); err != nil {
			return err
		}
		if byID != nil {
			// An animator decided: the applicant is told.
			typ := store.NotifyJoinRejected
			if accept {
				typ = store.NotifyJoinApproved
			}
			if err := tx.Notify(ctx, store.Notification{Recipient: member.ID, Type: typ, From: *byID, GroupID: g.ID}); err != nil {
				return err
			}
		}
		if member.Local || joinURI == "" {
			return nil
		}
		typ := vocab.RejectType
		if accept {
			typ = vocab.AcceptType
		}
		join := vocab.JoinNew(vocab.ID(joinURI), vocab.IRI(g.URI))
		join.Actor = vocab.IRI(member.URI)
		answer := ap.NewActivity(typ, o.Links.Activity(store.NewID()), g.URI, join, ap.IRIs(member.URI), nil)
		var err error
		ds, err = o.publish(ctx, tx, g.Actor, answer, joinURI, inboxesOf(member))
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// Invite asks someone, here or on another node, to join a local group.
func (o *Outbox) Invite(ctx context.Context, acct *store.Account, groupID int64, invitee *store.Actor) (*store.Membership, error) {
	g, by, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return nil, err
	}
	if invitee.Type != store.TypePerson {
		return nil, fieldErr("account", "only people can be invited")
	}
	if existing, err := o.Store.MembershipOf(ctx, g.ID, invitee.ID); err == nil {
		if existing.State == store.StateAccepted || existing.State == store.StateInvited {
			return existing, nil
		}
		if existing.State == store.StatePending {
			// Inviting someone who asked is approving them.
			return existing, o.AnswerJoin(ctx, g, invitee, existing.ActivityURI, true, &by.ID)
		}
	} else if !isNotFound(err) {
		return nil, err
	}
	if g.StateOnly {
		trusted, err := o.TrustedTier(ctx, invitee)
		if err != nil {
			return nil, err
		}
		if invitee.Tier != store.TierState || !trusted {
			return nil, fieldErr("account", "this group is for State agents only")
		}
	}
	m := &store.Membership{GroupID: g.ID, MemberID: invitee.ID, Role: store.MemberMember, State: store.StateInvited,
		ActivityURI: o.Links.Activity(store.NewID())}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		if err := tx.LogGroupEvent(ctx, g.ID, invitee.ID, &by.ID, EventInvited); err != nil {
			return err
		}
		if err := tx.Notify(ctx, store.Notification{Recipient: invitee.ID, Type: store.NotifyGroupInvitation, From: by.ID, GroupID: g.ID}); err != nil {
			return err
		}
		if invitee.Local {
			return nil
		}
		// The group itself invites, so the invitee's node can check the
		// signature against the group's key.
		invite := vocab.InviteNew(vocab.ID(m.ActivityURI), vocab.IRI(g.URI))
		invite.Actor, invite.Target = vocab.IRI(g.URI), vocab.IRI(invitee.URI)
		invite.To = ap.IRIs(invitee.URI)
		var err error
		ds, err = o.publish(ctx, tx, g.Actor, invite, g.URI, inboxesOf(invitee))
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return m, nil
}

// Remove takes a member out of a local group and bans them from rejoining;
// their node is told with Remove{object: member, target: members}.
func (o *Outbox) Remove(ctx context.Context, acct *store.Account, groupID, memberID int64) error {
	g, by, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return err
	}
	m, err := o.Store.MembershipOf(ctx, g.ID, memberID)
	if isNotFound(err) {
		m = &store.Membership{GroupID: g.ID, MemberID: memberID, Role: store.MemberMember}
	} else if err != nil {
		return err
	}
	if m.Role == store.MemberOwner && acct.Role != store.RoleAdmin {
		return ErrForbidden
	}
	member, err := o.Store.ActorByID(ctx, memberID)
	if err != nil {
		return err
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		m.State, m.Role = store.StateBanned, store.MemberMember
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		if err := tx.LogGroupEvent(ctx, g.ID, member.ID, &by.ID, EventRemoved); err != nil {
			return err
		}
		if err := unnotifyMembership(ctx, tx, member.ID, g.ID); err != nil {
			return err
		}
		if err := tx.Notify(ctx, store.Notification{Recipient: member.ID, Type: store.NotifyGroupRemoval, From: by.ID, GroupID: g.ID}); err != nil {
			return err
		}
		if member.Local {
			return tx.SyncAnimatorsNetwork(ctx, member.ID) // a removed animator leaves the network too
		}
		remove := vocab.RemoveNew(vocab.ID(o.Links.Activity(store.NewID())), vocab.IRI(member.URI), vocab.IRI(g.MembersURI))
		remove.Actor = vocab.IRI(g.URI)
		remove.To = ap.IRIs(member.URI)
		var err error
		ds, err = o.publish(ctx, tx, g.Actor, remove, member.URI, inboxesOf(member))
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// SetRole names an animator (or makes one a plain member again); owners and
// the node's or unit's admins may.
func (o *Outbox) SetRole(ctx context.Context, acct *store.Account, groupID, memberID int64, role string) error {
	if role != store.MemberAnimator && role != store.MemberMember && role != store.MemberOwner {
		return fieldErr("role", "one of owner, animator, member")
	}
	g, by, err := o.moderator(ctx, acct, groupID)
	if err != nil {
		return err
	}
	if acct.Role != store.RoleAdmin && acct.Role != store.RoleUnitAdmin {
		if mine, err := o.Store.MembershipOf(ctx, g.ID, acct.ActorID); err != nil || mine.Role != store.MemberOwner {
			return ErrForbidden // animators run the group; only owners name them
		}
	}
	m, err := o.Store.MembershipOf(ctx, g.ID, memberID)
	if err != nil || m.State != store.StateAccepted {
		return fieldErr("account", "not a member of this group")
	}
	if m.Role == store.MemberOwner && role != store.MemberOwner {
		if owners, err := o.Store.CountOwners(ctx, g.ID); err != nil || owners <= 1 {
			return fieldErr("role", "a group keeps at least one owner")
		}
	}
	m.Role = role
	return o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetMembership(ctx, m); err != nil {
			return err
		}
		kind := EventMember
		if role != store.MemberMember {
			kind = EventAnimator
		}
		if err := tx.LogGroupEvent(ctx, g.ID, memberID, &by.ID, kind); err != nil {
			return err
		}
		// The animators' network follows who animates a group.
		if err := tx.SyncAnimatorsNetwork(ctx, memberID); err != nil {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: memberID, Type: store.NotifyGroupRole, From: by.ID, GroupID: g.ID})
	})
}

// joinType is how a remote group is joined: Join for groups that publish a
// members collection (Archipel, Mobilizon), Follow for FEP-1b12 groups that
// count their followers as members (Lemmy, Mbin, Friendica).
func joinType(g *store.Group) vocab.ActivityVocabularyType {
	if g.MembersURI == "" {
		return vocab.FollowType
	}
	return vocab.JoinType
}

// unnotifyInvitation takes an invitation out of the invitee's list once
// answered.
func unnotifyInvitation(ctx context.Context, tx *store.Store, memberID, groupID int64) error {
	return tx.Unnotify(ctx, store.Notification{Recipient: memberID, Type: store.NotifyGroupInvitation, GroupID: groupID})
}

// unnotifyMembership takes a membership's open questions out of every list
// once it is settled: the invitation, and the request the animators had.
func unnotifyMembership(ctx context.Context, tx *store.Store, memberID, groupID int64) error {
	if err := unnotifyInvitation(ctx, tx, memberID, groupID); err != nil {
		return err
	}
	return tx.Unnotify(ctx, store.Notification{Type: store.NotifyJoinRequest, From: memberID, GroupID: groupID})
}
