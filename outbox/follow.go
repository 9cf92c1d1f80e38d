package outbox

import (
	"context"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// Follow makes follower follow target. A local target answers at once; a
// remote one gets a Follow and the follow waits for its Accept.
func (o *Outbox) Follow(ctx context.Context, follower, target *store.Actor) (*store.Follow, error) {
	if follower.ID == target.ID {
		return nil, fieldErr("id", "you cannot follow yourself")
	}
	if blocked, err := o.Store.IsBlockedEitherWay(ctx, follower.ID, target.ID); err != nil {
		return nil, err
	} else if blocked {
		return nil, ErrForbidden
	}
	if existing, err := o.Store.FollowOf(ctx, follower.ID, target.ID); err == nil {
		return existing, nil
	}
	id := o.Links.Activity(store.NewID())
	f := &store.Follow{FollowerID: follower.ID, FolloweeID: target.ID, State: store.FollowPending, ActivityURI: id}
	if target.Type == store.TypeGroup {
		// Following a group is reading it; only public groups can be read.
		// A secret group one is not in does not exist.
		if g, err := o.Store.GroupOf(ctx, target); err == nil && g.Visibility != store.VisibilityPublic {
			if known, err := o.Store.KnowsGroup(ctx, g, follower.ID); err != nil || !known {
				return nil, ErrNotFound
			}
			return nil, ErrForbidden
		}
	}
	if target.Local {
		n := store.Notification{Recipient: target.ID, Type: store.NotifyFollowRequest, From: follower.ID}
		if !target.ManuallyApprovesFollowers {
			f.State, n.Type = store.FollowAccepted, store.NotifyFollow
		}
		return f, o.Store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.SetFollow(ctx, f); err != nil {
				return err
			}
			return tx.Notify(ctx, n)
		})
	}
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetFollow(ctx, f); err != nil {
			return err
		}
		var err error
		ds, err = o.publish(ctx, tx, follower, ap.FollowActivity(id, follower.URI, target.URI), target.URI, []string{target.Inbox})
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return f, nil
}

// FollowAccount is what following means in a Mastodon app, which shows
// groups as accounts: a person is followed, a group is joined under its
// rules (an approval group takes a request), as Lemmy and Friendica users
// join groups by following them.
func (o *Outbox) FollowAccount(ctx context.Context, follower, target *store.Actor) error {
	if target.Type == store.TypeGroup {
		_, err := o.Join(ctx, follower, target)
		return err
	}
	_, err := o.Follow(ctx, follower, target)
	return err
}

// UnfollowAccount undoes FollowAccount: a group is left (and an older
// read-only follow of it ended).
func (o *Outbox) UnfollowAccount(ctx context.Context, follower, target *store.Actor) error {
	if target.Type == store.TypeGroup {
		if err := o.Leave(ctx, follower, target); err != nil {
			return err
		}
	}
	return o.Unfollow(ctx, follower, target)
}

// Unfollow ends a follow (Undo{Follow} to a remote target).
func (o *Outbox) Unfollow(ctx context.Context, follower, target *store.Actor) error {
	f, err := o.Store.FollowOf(ctx, follower.ID, target.ID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteFollow(ctx, follower.ID, target.ID); err != nil {
			return err
		}
		if target.Local {
			return unnotifyFollow(ctx, tx, follower.ID, target.ID)
		}
		follow := ap.FollowActivity(f.ActivityURI, follower.URI, target.URI)
		undo := ap.NewActivity(vocab.UndoType, o.Links.Activity(store.NewID()), follower.URI, follow, ap.IRIs(target.URI), nil)
		ds, err = o.publish(ctx, tx, follower, undo, f.ActivityURI, []string{target.Inbox})
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// AnswerFollow accepts or rejects a follow of a local actor and tells the
// follower's node. The follow's activity id is the one the follower sent.
func (o *Outbox) AnswerFollow(ctx context.Context, followee, follower *store.Actor, accept bool) error {
	f, err := o.Store.FollowOf(ctx, follower.ID, followee.ID)
	if err != nil {
		return err
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		if accept {
			f.State = store.FollowAccepted
			err = tx.SetFollow(ctx, f)
		} else {
			err = tx.DeleteFollow(ctx, follower.ID, followee.ID)
		}
		if err != nil {
			return err
		}
		// The request is answered: it leaves the list; an accepted one
		// shows as a follow.
		if err := tx.Unnotify(ctx, store.Notification{Recipient: followee.ID, Type: store.NotifyFollowRequest, From: follower.ID}); err != nil {
			return err
		}
		if accept {
			if err := tx.Notify(ctx, store.Notification{Recipient: followee.ID, Type: store.NotifyFollow, From: follower.ID}); err != nil {
				return err
			}
		}
		if follower.Local {
			return err
		}
		ds, err = o.publishFollowAnswer(ctx, tx, followee, follower, f.ActivityURI, accept)
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// RejectFollowRequest refuses a follow that was never stored (of an actor
// that cannot be followed).
func (o *Outbox) RejectFollowRequest(ctx context.Context, followee, follower *store.Actor, followURI string) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		var err error
		ds, err = o.publishFollowAnswer(ctx, tx, followee, follower, followURI, false)
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// publishFollowAnswer sends Accept or Reject embedding the whole Follow, as
// Mastodon expects.
func (o *Outbox) publishFollowAnswer(ctx context.Context, tx *store.Store, followee, follower *store.Actor, followURI string, accept bool) ([]store.Delivery, error) {
	typ := vocab.RejectType
	if accept {
		typ = vocab.AcceptType
	}
	follow := ap.FollowActivity(followURI, follower.URI, followee.URI)
	answer := ap.NewActivity(typ, o.Links.Activity(store.NewID()), followee.URI, follow, ap.IRIs(follower.URI), nil)
	return o.publish(ctx, tx, followee, answer, followURI, inboxesOf(follower))
}

// unnotifyFollow takes back the follow (or follow request) notification of
// a follow that ended.
func unnotifyFollow(ctx context.Context, tx *store.Store, followerID, followeeID int64) error {
	for _, typ := range []string{store.NotifyFollow, store.NotifyFollowRequest} {
		if err := tx.Unnotify(ctx, store.Notification{Recipient: followeeID, Type: typ, From: followerID}); err != nil {
			return err
		}
	}
	return nil
}
