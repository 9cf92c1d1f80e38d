package outbox

import (
	"context"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// Share boosts a public post to the sharer's followers (Mastodon's reblog),
// or takes the share back with Undo{Announce}. Posts of groups, and posts
// not public, are not shared: their audience is not the sharer's to widen.
func (o *Outbox) Share(ctx context.Context, actor *store.Actor, objectID int64, share bool) (*store.Object, error) {
	obj, err := o.Store.ObjectByID(ctx, objectID)
	if err != nil {
		return nil, err
	}
	if obj.DeletedAt != nil || !store.IsPostType(obj.Type) {
		return nil, ErrNotFound
	}
	if obj.GroupID != nil || (obj.Visibility != store.ObjPublic && obj.Visibility != store.ObjUnlisted) {
		return nil, ErrForbidden
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		prev, err := tx.ShareOf(ctx, actor.ID, obj.URI)
		if err != nil && !isNotFound(err) {
			return err
		}
		if share == (prev != nil) {
			return nil // nothing changes
		}
		inboxes, err := tx.FollowerInboxes(ctx, actor.ID)
		if err != nil {
			return err
		}
		inboxes = append(inboxes, inboxesOf(obj.Author)...)
		to, cc := vocab.ItemCollection{vocab.PublicNS}, ap.IRIs(actor.Followers, obj.Author.URI)
		var act vocab.Item
		if share {
			row := &store.Object{URI: o.Links.Activity(store.NewID()), Type: store.ShareType, Local: true,
				AttributedTo: actor.ID, Visibility: store.ObjPublic, URL: obj.URI}
			if _, err := tx.CreateObject(ctx, row); err != nil {
				return err
			}
			announce := ap.NewActivity(vocab.AnnounceType, row.URI, actor.URI, vocab.IRI(obj.URI), to, cc)
			announce.Published = row.Published.UTC()
			act = announce
		} else {
			announce := ap.NewActivity(vocab.AnnounceType, prev.URI, actor.URI, vocab.IRI(obj.URI), to, cc)
			undo := ap.NewActivity(vocab.UndoType, o.Links.Activity(store.NewID()), actor.URI, announce, to, cc)
			undo.Published = time.Now().UTC()
			act = undo
			if err := tx.DeleteObject(ctx, prev.ID); err != nil {
				return err
			}
		}
		if err := notifyToggle(ctx, tx, share, store.Notification{Recipient: obj.AttributedTo, Type: store.NotifyReblog,
			From: actor.ID, ObjectID: obj.ID}); err != nil {
			return err
		}
		raw, err := ap.Marshal(act, nil)
		if err != nil {
			return err
		}
		ds, err = o.publishRaw(ctx, tx, actor, act, raw, obj.URI, inboxes)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return obj, nil
}
