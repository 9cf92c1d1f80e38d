package inbox

import (
	"context"
	"errors"
	"slices"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/store"
)

// Events, the Mobilizon way: an Event is attributedTo its group (audience
// the group) and names its organiser as actor. Created and changed by an
// animator (Create, Update) and announced by the group; taken part in with
// Join{Event} sent to the group, answered Accept{Join} or Reject{Join};
// left with Leave{Event}. The group's node counts the participants and
// tells the member nodes with Update{Event}.

// isEventActivity tells whether an activity carries an embedded Event.
func isEventActivity(act *vocab.Activity) bool {
	return act.Object != nil && act.Object.IsObject() && act.Object.GetType() == vocab.EventType
}

// peerEvent reads the Event a peer sends, and the group it is in.
func (p *Processor) peerEvent(ctx context.Context, raw []byte) (*ap.RemoteEvent, *store.Group, error) {
	rev, err := ap.ParseEvent(raw)
	if err != nil {
		return nil, nil, refused("event: %v", err)
	}
	groupURI := rev.AttributedTo
	if len(rev.Audience) > 0 && rev.Audience[0] != groupURI {
		return nil, nil, refused("event %s attributed to %s but for %s", rev.URI, groupURI, rev.Audience[0])
	}
	ga, err := p.Federator.Actor(ctx, groupURI, false)
	if err != nil {
		return nil, nil, err
	}
	if ga.Type != store.TypeGroup {
		return nil, nil, refused("event %s is not attributed to a group", rev.URI)
	}
	g, err := p.Store.GroupOf(ctx, ga)
	if err != nil {
		return nil, nil, err
	}
	return rev, g, nil
}

// isAnimator: the owners and animators of a group may create and change its
// events.
func (p *Processor) isAnimator(ctx context.Context, g *store.Group, a *store.Actor) (bool, error) {
	m, err := p.Store.MembershipOf(ctx, g.ID, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return m.State == store.StateAccepted && (m.Role == store.MemberOwner || m.Role == store.MemberAnimator), nil
}

// eventToLocalGroup: an animator on another node (Mobilizon's group
// moderators, Archipel's) creates or changes an event of one of our groups
// with Create or Update sent to the group. Anyone else is refused. The
// group keeps it and announces the activity to its member nodes.
func (p *Processor) eventToLocalGroup(ctx context.Context, in *incoming) error {
	raw, err := embeddedRaw(in.row.Raw)
	if err != nil {
		return err
	}
	if !sameHost(in.objectID(), in.actor.URI) {
		return refused("event %s is not on the host of %s", in.objectID(), in.actor.URI)
	}
	rev, g, err := p.peerEvent(ctx, raw)
	if err != nil {
		return err
	}
	if !g.Local {
		return refused("event of group %s not announced by the group", g.URI)
	}
	if rev.Organizer != in.actor.URI {
		return refused("event %s organised by %s, sent by %s", rev.URI, rev.Organizer, in.actor.URI)
	}
	if ok, err := p.isAnimator(ctx, g, in.actor); err != nil {
		return err
	} else if !ok {
		return refused("%s is not an animator of %s: it may not create or change its events", in.actor.URI, g.URI)
	}
	existing, err := p.Store.EventByURI(ctx, rev.URI)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if existing != nil && (existing.GroupID == nil || *existing.GroupID != g.ID) {
		return refused("event %s is not in %s", rev.URI, g.URI)
	}
	// Our count is the one that holds: the peer's is ignored.
	if existing != nil {
		rev.ParticipantCount = existing.ParticipantCount
	}
	if err := p.keepEvent(ctx, g, in.actor, rev, existing); err != nil {
		return err
	}
	return p.Outbox.AnnounceReceived(ctx, g, in.row.Raw, rev.URI)
}

// groupEvent: a remote group announces an event's creation or change (or
// its new participant count). The group vouches for it; it must be an
// event of that group.
func (p *Processor) groupEvent(ctx context.Context, g *store.Actor, innerRaw []byte) error {
	raw, err := embeddedRaw(innerRaw)
	if err != nil {
		return err
	}
	rev, group, err := p.peerEvent(ctx, raw)
	if err != nil {
		return err
	}
	if group.ID != g.ID {
		return refused("%s announced event %s of %s", g.URI, rev.URI, group.URI)
	}
	organizer, err := p.Federator.Actor(ctx, rev.Organizer, false)
	if err != nil {
		return err
	}
	// The group's announces of one event may be processed at once (a count
	// change and an edit): each reads and writes the event under its row
	// lock, so that the later never loses to the earlier.
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockObjectURI(ctx, rev.URI); err != nil {
			return err
		}
		existing, err := tx.EventByURI(ctx, rev.URI)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if existing != nil && (existing.GroupID == nil || *existing.GroupID != g.ID) {
			return refused("event %s is not in %s", rev.URI, g.URI)
		}
		if existing != nil && existing.Updated != nil &&
			(rev.Updated == nil || rev.Updated.Before(existing.Updated.Truncate(time.Second))) {
			// An older edit delivered late, or a count change (it carries
			// no edit time) after an edit: only the count may be newer.
			return tx.SetParticipantCount(ctx, existing.ID, rev.ParticipantCount, rev.CountedAt)
		}
		return p.keepEventIn(ctx, tx, group, organizer, rev, existing)
	})
}

// keepEvent stores a peer's event (new or changed), and tells this node's
// participants when it was cancelled.
func (p *Processor) keepEvent(ctx context.Context, g *store.Group, organizer *store.Actor, rev *ap.RemoteEvent, existing *store.Event) error {
	return p.keepEventIn(ctx, p.Store, g, organizer, rev, existing)
}

// keepEventIn is keepEvent on st (a transaction already open, or the store).
func (p *Processor) keepEventIn(ctx context.Context, st *store.Store, g *store.Group, organizer *store.Actor, rev *ap.RemoteEvent, existing *store.Event) error {
	return st.Tx(ctx, func(tx *store.Store) error {
		obj := &store.Object{URI: rev.URI, Type: store.TypeEvent, AttributedTo: organizer.ID, GroupID: &g.ID,
			Visibility: store.ObjGroup, Name: rev.Event.Title, Content: rev.ContentHTML, URL: rev.URI,
			Published: rev.Published, Updated: rev.Updated}
		cancelled := false
		if existing == nil {
			if _, err := tx.CreateObject(ctx, obj); err != nil {
				return err
			}
			if obj.ID == 0 {
				return nil // created meanwhile by another delivery
			}
		} else {
			obj.ID = existing.ID
			if obj.Updated == nil {
				// A count change carries no edit time: the last edit's stays,
				// so that a later edit is never taken for a late one.
				obj.Updated = existing.Updated
			}
			if err := tx.UpdateEventObject(ctx, obj); err != nil {
				return err
			}
			cancelled = rev.Event.Status == calendar.StatusCancelled && existing.Status != calendar.StatusCancelled
		}
		if err := tx.SaveEvent(ctx, obj.ID, rev.Event); err != nil {
			return err
		}
		if !g.Local {
			if err := tx.SetParticipantCount(ctx, obj.ID, rev.ParticipantCount, rev.CountedAt); err != nil {
				return err
			}
		}
		if !cancelled {
			return nil
		}
		ps, err := tx.Participants(ctx, obj.ID)
		if err != nil {
			return err
		}
		var ids []int64
		for _, pt := range ps {
			if pt.Actor != nil && pt.Actor.Local {
				ids = append(ids, pt.ActorID)
			}
		}
		return tx.NotifyEach(ctx, store.Notification{Type: store.NotifyEventCancelled, From: g.ID, ObjectID: obj.ID, GroupID: g.ID}, ids)
	})
}

// localEvent loads an event of one of our groups by URI; nil when the URI
// is no such event.
func (p *Processor) localEvent(ctx context.Context, uri string) (*store.Event, *store.Group, error) {
	e, err := p.Store.EventByURI(ctx, uri)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	if e.GroupID == nil {
		return nil, nil, nil
	}
	g, err := p.Store.GroupByActorID(ctx, *e.GroupID)
	if err != nil || !g.Local {
		return nil, nil, err
	}
	return e, g, nil
}

// joinEvent: a person on another node takes part in one of our events
// (Join{object: Event}). It must be able to read the event (the group's
// read rule); the join mode decides, and a full event puts it on the
// waiting list, never over capacity.
func (p *Processor) joinEvent(ctx context.Context, in *incoming, e *store.Event, g *store.Group) error {
	if in.actor.Type != store.TypePerson {
		return refused("only people take part in events")
	}
	if e.DeletedAt != nil || e.Status == calendar.StatusCancelled {
		return p.Outbox.RefuseParticipation(ctx, g, in.actor, in.row.URI)
	}
	if ok, err := p.Store.CanReadGroupContent(ctx, g, in.actor); err != nil {
		return err
	} else if !ok {
		if g.Visibility == store.VisibilitySecret {
			return refused("%s may not see %s", in.actor.URI, e.URI)
		}
		return p.Outbox.RefuseParticipation(ctx, g, in.actor, in.row.URI)
	}
	_, err := p.Outbox.AdmitParticipant(ctx, g, e, in.actor, in.row.URI)
	return err
}

// acceptedParticipation: the group of a remote event answers our person's
// Join. Only that group may.
func (p *Processor) answeredParticipation(ctx context.Context, in *incoming, pt *store.Participant, accepted bool) error {
	e, err := p.Store.EventByObjectID(ctx, pt.EventID)
	if err != nil {
		return err
	}
	if e.GroupID == nil || *e.GroupID != in.actor.ID {
		return refused("%s answered a participation in %s, not its event", in.actor.URI, e.URI)
	}
	if !accepted {
		return p.Store.DeleteParticipation(ctx, pt.EventID, pt.ActorID)
	}
	return p.Store.Tx(ctx, func(tx *store.Store) error {
		pt.State = store.ParticipantAccepted
		if err := tx.RecordParticipation(ctx, pt); err != nil {
			return err
		}
		return tx.Notify(ctx, store.Notification{Recipient: pt.ActorID, Type: store.NotifyEventAccepted, From: in.actor.ID,
			ObjectID: e.ID, GroupID: *e.GroupID})
	})
}

// eventTypes are the activities about events this file handles.
var eventTypes = []vocab.ActivityVocabularyType{vocab.CreateType, vocab.UpdateType}

func isEventWrite(act *vocab.Activity) bool {
	return slices.Contains(eventTypes, act.Type) && isEventActivity(act)
}
