package outbox

import (
	"context"

	"github.com/archipel-social/archipel/store"
)

// NotifyPost records, in the transaction that stores a new post (local or
// from a peer), who is told of it: a mention for each of our people it
// names and for the author of the post it answers (Mastodon's replies
// always name that author), and a status for the followers of its author
// who asked for each post. Nobody is told of a post they may not read: in
// a group that is not public, only members are.
func NotifyPost(ctx context.Context, tx *store.Store, obj *store.Object, mentioned []*store.Actor) error {
	var ids []int64
	for _, m := range mentioned {
		if m.Local && m.Type == store.TypePerson {
			ids = append(ids, m.ID)
		}
	}
	if obj.InReplyTo != "" {
		parent, err := tx.ObjectByURI(ctx, obj.InReplyTo)
		if err == nil && parent.Author != nil && parent.Author.Local {
			ids = append(ids, parent.AttributedTo)
		} else if err != nil && !isNotFound(err) {
			return err
		}
	}
	if obj.GroupID != nil && len(ids) > 0 {
		g, err := tx.GroupByActorID(ctx, *obj.GroupID)
		if err != nil {
			return err
		}
		if g.Visibility != store.VisibilityPublic {
			members := ids[:0]
			for _, id := range ids {
				if m, err := tx.MembershipOf(ctx, g.ID, id); err == nil && m.State == store.StateAccepted {
					members = append(members, id)
				} else if err != nil && !isNotFound(err) {
					return err
				}
			}
			ids = members
		}
	}
	mention := store.Notification{Type: store.NotifyMention, From: obj.AttributedTo, ObjectID: obj.ID}
	if err := tx.NotifyEach(ctx, mention, ids); err != nil {
		return err
	}
	if obj.GroupID != nil || obj.InReplyTo != "" || obj.Visibility == store.ObjDirect {
		return nil
	}
	return tx.NotifyFollowers(ctx, store.Notification{Type: store.NotifyStatus, From: obj.AttributedTo, ObjectID: obj.ID})
}

// notifyToggle records or takes back a notification of the object's author
// for an action that can be undone (a like, a share).
func notifyToggle(ctx context.Context, tx *store.Store, on bool, n store.Notification) error {
	if on {
		return tx.Notify(ctx, n)
	}
	return tx.Unnotify(ctx, n)
}

// NotifyDocument tells the members of a document's group, on this node, of
// a new document (not of new versions).
func NotifyDocument(ctx context.Context, tx *store.Store, doc *store.Object) error {
	if doc.GroupID == nil {
		return nil
	}
	return tx.NotifyGroupMembers(ctx, store.Notification{Type: store.NotifyGroupDocument, From: doc.AttributedTo,
		ObjectID: doc.ID, GroupID: *doc.GroupID})
}
