package outbox

import (
	"context"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// announceInGroup has a local group redistribute an activity that happened
// in it (a post, an edit, a deletion, a like) to its members' nodes, once per
// node (FEP-1b12): Announce{actor: group, object: the activity}. Public groups
// also reach their read-only followers.
func (o *Outbox) announceInGroup(ctx context.Context, tx *store.Store, g *store.Group, activity []byte, objectURI string) ([]store.Delivery, error) {
	public := g.Visibility == store.VisibilityPublic
	inboxes, err := tx.GroupInboxes(ctx, g.ID, public)
	if err != nil || len(inboxes) == 0 {
		return nil, err
	}
	to, cc := ap.IRIs(g.MembersURI), ap.IRIs(g.Followers)
	if public {
		to = vocab.ItemCollection{vocab.PublicNS}
	}
	announce := ap.NewActivity(vocab.AnnounceType, g.URI+"/announces/"+store.NewID(), g.URI, vocab.IRI(objectURI), to, cc)
	announce.Audience = ap.IRIs(g.URI)
	raw, err := ap.Marshal(announce, map[string]any{"object": rawJSON(activity)})
	if err != nil {
		return nil, err
	}
	return o.publishRaw(ctx, tx, g.Actor, announce, raw, objectURI, inboxes)
}

// AnnounceReceived redistributes an activity a remote member sent to one of
// our groups, once the inbox has applied it.
func (o *Outbox) AnnounceReceived(ctx context.Context, g *store.Group, activity []byte, objectURI string) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		var err error
		ds, err = o.announceInGroup(ctx, tx, g, activity, objectURI)
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// localGroupOf returns the group of an object when it is one of ours.
func (o *Outbox) localGroupOf(ctx context.Context, tx *store.Store, groupID *int64) (*store.Group, error) {
	if groupID == nil {
		return nil, nil
	}
	g, err := tx.GroupByActorID(ctx, *groupID)
	if err != nil || !g.Local {
		return nil, err
	}
	return g, nil
}
