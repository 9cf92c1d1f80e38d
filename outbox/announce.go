package outbox

import (
	"context"
	"encoding/json"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// How a group redistributes what happens in it. Read in the sources of
// each (2025-2026):
//
//   - Lemmy (crates/apub/activities/src/community/announce.rs) sends
//     Announce{object: <the activity>}, the activity embedded, for every
//     activity in a community; for a new or edited post it also sends
//     Announce{object: <the Page>}, "so that [Pleroma and Mastodon] can
//     follow Lemmy communities". It refuses the second form when it
//     receives it (CannotReceivePage) and dereferences an activity named
//     only by its id.
//   - Mbin (AnnounceWrapper, Inbox/ActivityHandler.php) sends
//     Announce{<activity>}; it receives both: an embedded activity is
//     unwrapped, an embedded Note is created, an IRI is fetched.
//   - Friendica (Transmitter::createActivityFromArray) has a group share
//     Announce{object: <the post's id>}; its Receiver unwraps Lemmy's
//     Announce{Create{Note}} and fetches an announced id.
//   - Mobilizon (Utils.maybe_relay_if_group_activity) relays
//     Announce{object: <the embedded object>}; it receives an Announce by
//     fetching the id of its object from its origin.
//   - Mastodon (ActivityPub::Activity::Announce) and GoToSocial
//     (typeutils.ASAnnounceToStatus, dereferencing.EnrichAnnounce) take the
//     object's id and fetch it as a status: a Create there is no status,
//     so a follower of a group that only sends Announce{Create} gets
//     nothing.
//
// So a group does as Lemmy: every activity goes to member and follower
// nodes as Announce{<activity>} (FEP-1b12, what Lemmy, Mbin, Friendica,
// Mobilizon and Archipel members need for edits, deletions and likes), and
// a new post of a public group also goes to its followers' nodes as
// Announce{<the Note>}, the note embedded with its id, which Mastodon,
// GoToSocial, Mbin, Friendica and Mobilizon turn into the post (Lemmy
// ignores it). Nodes that only host members (Join, FEP-1b12) get the first
// form only. Only creations get the second form (Lemmy sends it for edits
// too): Mastodon and GoToSocial find the post of a second announce already
// boosted and change nothing. An edit or deletion by a local author goes
// instead from the author to the followers' nodes as well (sendAboutNote),
// since those servers take it from no one else.

// announceInGroup has a local group redistribute an activity that happened
// in it (a post, an edit, a deletion, a like) to its members' nodes, once per
// node (FEP-1b12): Announce{actor: group, object: the activity}. Public groups
// also reach their read-only followers, and a new post reaches them as
// Announce{the note} as well.
func (o *Outbox) announceInGroup(ctx context.Context, tx *store.Store, g *store.Group, activity []byte, objectURI string) ([]store.Delivery, error) {
	public := g.Visibility == store.VisibilityPublic
	inboxes, err := tx.GroupInboxes(ctx, g.ID, public)
	if err != nil || len(inboxes) == 0 {
		return nil, err
	}
	ds, err := o.groupAnnounce(ctx, tx, g, json.RawMessage(activity), objectURI, inboxes)
	if err != nil || !public {
		return ds, err
	}
	note := createdPost(activity, objectURI)
	if note == nil {
		return ds, nil
	}
	followers, err := tx.GroupFollowerInboxes(ctx, g.ID)
	if err != nil || len(followers) == 0 {
		return ds, err
	}
	more, err := o.groupAnnounce(ctx, tx, g, note, objectURI, followers)
	return append(ds, more...), err
}

// groupAnnounce sends Announce{object} from the group to inboxes, stored
// under its own id (it is served there).
func (o *Outbox) groupAnnounce(ctx context.Context, tx *store.Store, g *store.Group, object json.RawMessage, objectURI string, inboxes []string) ([]store.Delivery, error) {
	to, cc := ap.IRIs(g.MembersURI), ap.IRIs(g.Followers)
	if g.Visibility == store.VisibilityPublic {
		to = vocab.ItemCollection{vocab.PublicNS}
	}
	announce := ap.NewActivity(vocab.AnnounceType, o.Links.GroupAnnounce(g.URI, store.NewID()), g.URI, vocab.IRI(objectURI), to, cc)
	announce.Audience = ap.IRIs(g.URI)
	raw, err := ap.Marshal(announce, map[string]any{"object": object})
	if err != nil {
		return nil, err
	}
	return o.publishRaw(ctx, tx, g.Actor, announce, raw, objectURI, inboxes)
}

// createdPost is the post a Create activity of postURI carries: embedded
// (a note, article, page or question with that id), or named by its id
// alone, as some peers send it; nil when activity is no such Create.
func createdPost(activity []byte, postURI string) json.RawMessage {
	var act struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if json.Unmarshal(activity, &act) != nil || act.Type != string(vocab.CreateType) {
		return nil
	}
	var id string
	if json.Unmarshal(act.Object, &id) == nil && id == postURI {
		return act.Object
	}
	var obj struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.Unmarshal(act.Object, &obj) != nil || obj.ID != postURI || !store.IsPostType(obj.Type) {
		return nil
	}
	return act.Object
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
