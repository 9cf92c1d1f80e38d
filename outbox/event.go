package outbox

import (
	"context"
	"errors"
	"time"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/markup"
	"github.com/archipel-social/archipel/store"
)

// Events live on their group's node: it holds the participants, decides
// who takes part (capacity, waiting list, approval) and tells the member
// nodes with Update{Event} through the group's announce, as Mobilizon's
// groups do, so that every node shows the same participant count.

// calendarErr turns the calendar's field errors into the 422 the API names.
func calendarErr(err error) error {
	var fe *calendar.FieldError
	if errors.As(err, &fe) {
		return fieldErr(fe.Field, "%s", fe.Message)
	}
	return err
}

// eventHTML is the description as the event's content: plain text with its
// links, through the one HTML policy.
func eventHTML(description string) string {
	return markup.Sanitize(markup.LinkedTextToHTML(description))
}

// CanCreateEvent tells whether an account may add events to a group: the
// group's animators and owners (and whoever may run it), on its own node.
func (o *Outbox) CanCreateEvent(ctx context.Context, acct *store.Account, g *store.Group) error {
	if !g.Local {
		return fieldErr("group", "events of a group are created on the group's own node")
	}
	ok, err := o.CanModerate(ctx, acct, g)
	if err != nil {
		return err
	}
	if !ok {
		if known, err := o.Store.KnowsGroup(ctx, g, acct.ActorID); err != nil {
			return err
		} else if !known {
			return ErrNotFound
		}
		return ErrForbidden
	}
	return nil
}

// CreateEvent adds an event to a local group and sends Create{Event}
// through the group's announce to every member node.
func (o *Outbox) CreateEvent(ctx context.Context, acct *store.Account, groupID int64, in calendar.Input) (*store.Event, error) {
	g, err := o.Store.GroupByActorID(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if err := o.CanCreateEvent(ctx, acct, g); err != nil {
		return nil, err
	}
	ev, err := calendar.New(in)
	if err != nil {
		return nil, calendarErr(err)
	}
	organizer, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return nil, err
	}
	obj := &store.Object{Type: store.TypeEvent, Local: true, AttributedTo: organizer.ID, GroupID: &g.ID,
		Visibility: store.ObjGroup, Name: ev.Title, Content: eventHTML(ev.Description), Author: organizer,
		Published: time.Now().UTC().Truncate(time.Second)}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		obj.URI = o.Links.Activity(store.NewID())
		if _, err := tx.CreateObject(ctx, obj); err != nil {
			return err
		}
		obj.URI = o.Links.EventURI(obj.ID)
		obj.URL = obj.URI
		if err := tx.SetObjectURI(ctx, obj.ID, obj.URI, obj.URL); err != nil {
			return err
		}
		if err := tx.SaveEvent(ctx, obj.ID, ev); err != nil {
			return err
		}
		var err error
		ds, err = o.publishEvent(ctx, tx, vocab.CreateType, organizer, g, &store.Event{Object: obj, Event: ev})
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.EventByObjectID(ctx, obj.ID)
}

// EventDocument is the event's ActivityPub document as its node serves it.
func (o *Outbox) EventDocument(ctx context.Context, e *store.Event) (*store.Group, []byte, error) {
	g, err := o.Store.GroupByActorID(ctx, *e.GroupID)
	if err != nil {
		return nil, nil, err
	}
	doc, err := ap.EventDocument(e, e.Author, g.Actor, eventAddressing(e, g))
	if err != nil {
		return nil, nil, err
	}
	body, err := ap.WithContext(doc)
	return g, body, err
}

// eventAddressing: a group's event is for the group (audience), and public
// when the group is.
func eventAddressing(e *store.Event, g *store.Group) ap.Addressing {
	addr := ap.Address(e.Object, e.Author, g.Actor, nil)
	if g.Visibility == store.VisibilityPublic {
		addr = addr.WithPublic()
	}
	return addr
}

// publishEvent sends Create or Update of an event by actor, announced by
// the (local) group to its member nodes.
func (o *Outbox) publishEvent(ctx context.Context, tx *store.Store, typ vocab.ActivityVocabularyType, actor *store.Actor, g *store.Group, e *store.Event) ([]store.Delivery, error) {
	if e.Author == nil {
		var err error
		if e.Author, err = tx.ActorByID(ctx, e.AttributedTo); err != nil {
			return nil, err
		}
	}
	addr := eventAddressing(e, g)
	doc, err := ap.EventDocument(e, e.Author, g.Actor, addr)
	if err != nil {
		return nil, err
	}
	act := ap.NewActivity(typ, o.Links.Activity(store.NewID()), actor.URI, vocab.IRI(e.URI), addr.To, addr.CC)
	act.Audience = addr.Audience
	raw, err := ap.Marshal(act, map[string]any{"object": rawJSON(doc)})
	if err != nil {
		return nil, err
	}
	return o.publishInGroup(ctx, tx, actor, act, raw, e.Object, nil)
}

// editableEvent loads a live event of a local group the account may change.
func (o *Outbox) editableEvent(ctx context.Context, acct *store.Account, eventID int64) (*store.Event, *store.Group, error) {
	e, err := o.Store.EventByObjectID(ctx, eventID)
	if err != nil {
		return nil, nil, err
	}
	if e.DeletedAt != nil || e.GroupID == nil {
		return nil, nil, ErrNotFound
	}
	g, err := o.Store.GroupByActorID(ctx, *e.GroupID)
	if err != nil {
		return nil, nil, err
	}
	if err := o.CanCreateEvent(ctx, acct, g); err != nil {
		return nil, nil, err
	}
	return e, g, nil
}

// EditEvent changes an event (cancelling it is status "cancelled") and
// sends Update{Event}. Participants here are told of a cancellation.
func (o *Outbox) EditEvent(ctx context.Context, acct *store.Account, eventID int64, in calendar.Input) (*store.Event, error) {
	e, g, err := o.editableEvent(ctx, acct, eventID)
	if err != nil {
		return nil, err
	}
	ev, err := in.Apply(e.Event, false)
	if err != nil {
		return nil, calendarErr(err)
	}
	editor, err := o.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return nil, err
	}
	cancelled := ev.Status == calendar.StatusCancelled && e.Status != calendar.StatusCancelled
	now := time.Now().UTC().Truncate(time.Second)
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		e.Event, e.Name, e.Content, e.Updated = ev, ev.Title, eventHTML(ev.Description), &now
		if err := tx.UpdateEventObject(ctx, e.Object); err != nil {
			return err
		}
		if err := tx.SaveEvent(ctx, e.ID, ev); err != nil {
			return err
		}
		if cancelled {
			if err := notifyParticipants(ctx, tx, e, store.NotifyEventCancelled, editor.ID); err != nil {
				return err
			}
		}
		var err error
		ds, err = o.publishEvent(ctx, tx, vocab.UpdateType, editor, g, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return o.Store.EventByObjectID(ctx, e.ID)
}

// notifyParticipants tells this node's participants of an event.
func notifyParticipants(ctx context.Context, tx *store.Store, e *store.Event, typ string, from int64) error {
	ps, err := tx.Participants(ctx, e.ID)
	if err != nil {
		return err
	}
	var ids []int64
	for _, p := range ps {
		if p.Actor != nil && p.Actor.Local && p.State != store.ParticipantInvited {
			ids = append(ids, p.ActorID)
		}
	}
	return tx.NotifyEach(ctx, store.Notification{Type: typ, From: from, ObjectID: e.ID, GroupID: *e.GroupID}, ids)
}

// DeleteEvent removes an event; the group sends Delete to its member nodes.
func (o *Outbox) DeleteEvent(ctx context.Context, acct *store.Account, eventID int64) error {
	if _, _, err := o.editableEvent(ctx, acct, eventID); err != nil {
		return err
	}
	return o.DeleteInGroup(ctx, acct, eventID)
}

// JoinEvent has a person take part in an event. On the group's node the
// rules apply at once (and the member nodes hear the new count); for an
// event of a remote group, Join{Event} goes to the group, which answers
// with Accept or Reject.
func (o *Outbox) JoinEvent(ctx context.Context, me *store.Actor, e *store.Event) (*store.Participant, error) {
	if e.DeletedAt != nil || e.GroupID == nil {
		return nil, ErrNotFound
	}
	if e.Status == calendar.StatusCancelled {
		return nil, fieldErr("status", "this event is cancelled")
	}
	g, err := o.Store.GroupByActorID(ctx, *e.GroupID)
	if err != nil {
		return nil, err
	}
	if ok, err := o.Store.CanSee(ctx, e.Object, me.ID); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrNotFound
	}
	if !g.Local {
		return o.joinRemoteEvent(ctx, me, g, e)
	}
	return o.AdmitParticipant(ctx, g, e, me, "")
}

// AdmitParticipant applies an event's join mode to someone who asks to take
// part (here, or by a peer's Join whose id is joinURI): open events take
// them (or put them on the waiting list when full), approval events keep
// them for the animators, invitation events take only those invited.
func (o *Outbox) AdmitParticipant(ctx context.Context, g *store.Group, e *store.Event, who *store.Actor, joinURI string) (*store.Participant, error) {
	want := store.ParticipantAccepted
	existing, err := o.Store.ParticipationOf(ctx, e.ID, who.ID)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	switch e.JoinMode {
	case calendar.JoinApproval:
		if existing == nil || existing.State == store.ParticipantPending {
			want = store.ParticipantPending
		}
	case calendar.JoinInvitation:
		if existing == nil {
			if !who.Local && joinURI != "" {
				return nil, o.answerParticipation(ctx, g, who, joinURI, false)
			}
			return nil, ErrForbidden
		}
	}
	var p *store.Participant
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		var err error
		if p, err = tx.Participate(ctx, e.ID, who.ID, want, joinURI); err != nil {
			return err
		}
		if p.State == store.ParticipantPending && existing == nil {
			if err := tx.NotifyGroupModerators(ctx, store.Notification{Type: store.NotifyEventRequest, From: who.ID,
				ObjectID: e.ID, GroupID: g.ID}); err != nil {
				return err
			}
		}
		ds, err = o.afterParticipation(ctx, tx, g, e, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return p, nil
}

// afterParticipation, on the group's node, answers a remote participant who
// is now in (Accept{Join}) and tells the member nodes the new count.
func (o *Outbox) afterParticipation(ctx context.Context, tx *store.Store, g *store.Group, e *store.Event, ps ...*store.Participant) ([]store.Delivery, error) {
	var ds []store.Delivery
	for _, p := range ps {
		if p == nil || p.State != store.ParticipantAccepted || p.ActivityURI == "" {
			continue
		}
		who, err := tx.ActorByID(ctx, p.ActorID)
		if err != nil {
			return nil, err
		}
		if who.Local {
			continue
		}
		more, err := o.participationAnswer(ctx, tx, g, who, p.ActivityURI, e.URI, true)
		if err != nil {
			return nil, err
		}
		ds = append(ds, more...)
	}
	fresh, err := tx.EventByObjectID(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	more, err := o.publishEvent(ctx, tx, vocab.UpdateType, g.Actor, g, fresh)
	return append(ds, more...), err
}

// answerParticipation sends Accept or Reject of a peer's Join on its own.
func (o *Outbox) answerParticipation(ctx context.Context, g *store.Group, who *store.Actor, joinURI string, accept bool) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		var err error
		ds, err = o.participationAnswer(ctx, tx, g, who, joinURI, "", accept)
		return err
	})
	if err == nil {
		o.enqueue(ctx, ds)
	}
	return err
}

// participationAnswer is Accept{Join} or Reject{Join} from the group to a
// remote participant, the Join embedded as Mobilizon embeds it.
func (o *Outbox) participationAnswer(ctx context.Context, tx *store.Store, g *store.Group, who *store.Actor, joinURI, eventURI string, accept bool) ([]store.Delivery, error) {
	typ := vocab.RejectType
	if accept {
		typ = vocab.AcceptType
	}
	join := vocab.JoinNew(vocab.ID(joinURI), vocab.IRI(eventURI))
	join.Actor = vocab.IRI(who.URI)
	if eventURI == "" {
		join.Object = nil
	}
	answer := ap.NewActivity(typ, o.Links.Activity(store.NewID()), g.URI, join, ap.IRIs(who.URI), nil)
	return o.publish(ctx, tx, g.Actor, answer, joinURI, inboxesOf(who))
}

// joinRemoteEvent sends Join{Event} to the event's group and waits, pending,
// for its answer.
func (o *Outbox) joinRemoteEvent(ctx context.Context, me *store.Actor, g *store.Group, e *store.Event) (*store.Participant, error) {
	if p, err := o.Store.ParticipationOf(ctx, e.ID, me.ID); err == nil {
		return p, nil
	}
	joinURI := o.Links.Activity(store.NewID())
	p := &store.Participant{EventID: e.ID, ActorID: me.ID, State: store.ParticipantPending, ActivityURI: joinURI}
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.RecordParticipation(ctx, p); err != nil {
			return err
		}
		join := ap.NewActivity(vocab.JoinType, joinURI, me.URI, vocab.IRI(e.URI), ap.IRIs(g.URI), nil)
		var err error
		ds, err = o.publish(ctx, tx, me, join, e.URI, inboxesOf(g.Actor))
		return err
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(ctx, ds)
	return p, nil
}

// LeaveEvent ends a person's participation. On the group's node the first
// on the waiting list takes the place; elsewhere Leave{Event} goes to the
// group.
func (o *Outbox) LeaveEvent(ctx context.Context, me *store.Actor, e *store.Event) error {
	if e.GroupID == nil {
		return ErrNotFound
	}
	g, err := o.Store.GroupByActorID(ctx, *e.GroupID)
	if err != nil {
		return err
	}
	if !g.Local {
		var ds []store.Delivery
		err := o.Store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.DeleteParticipation(ctx, e.ID, me.ID); err != nil {
				return err
			}
			leave := ap.NewActivity(vocab.LeaveType, o.Links.Activity(store.NewID()), me.URI, vocab.IRI(e.URI), ap.IRIs(g.URI), nil)
			var err error
			ds, err = o.publish(ctx, tx, me, leave, e.URI, inboxesOf(g.Actor))
			return err
		})
		if err == nil {
			o.enqueue(ctx, ds)
		}
		return err
	}
	return o.RemoveParticipant(ctx, g, e, me)
}

// RemoveParticipant ends a participation on the group's node (the person
// left, here or by a peer's Leave) and promotes the next on the waiting
// list, in one transaction under the event's lock.
func (o *Outbox) RemoveParticipant(ctx context.Context, g *store.Group, e *store.Event, who *store.Actor) error {
	var ds []store.Delivery
	err := o.Store.Tx(ctx, func(tx *store.Store) error {
		left, promoted, err := tx.LeaveEvent(ctx, e.ID, who.ID)
		if err != nil || left == nil {
			return err
		}
		if promoted != nil {
			if err := tx.Notify(ctx, store.Notification{Recipient: promoted.ActorID, Type: store.NotifyEventAccepted,
				From: g.ID, ObjectID: e.ID, GroupID: g.ID}); err != nil {
				return err
			}
		}
		ds, err = o.afterParticipation(ctx, tx, g, e, promoted)
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// AnswerParticipant is an animator's decision on a request to take part in
// an approval event: accepted (or waiting when full), or refused.
func (o *Outbox) AnswerParticipant(ctx context.Context, acct *store.Account, eventID, actorID int64, approve bool) error {
	e, g, err := o.editableEvent(ctx, acct, eventID)
	if err != nil {
		return err
	}
	p, err := o.Store.ParticipationOf(ctx, e.ID, actorID)
	if err != nil {
		return err
	}
	if p.State != store.ParticipantPending {
		return fieldErr("state", "no pending request from this account")
	}
	who, err := o.Store.ActorByID(ctx, actorID)
	if err != nil {
		return err
	}
	if !approve {
		err := o.Store.Tx(ctx, func(tx *store.Store) error {
			_, _, err := tx.LeaveEvent(ctx, e.ID, actorID)
			return err
		})
		if err == nil && !who.Local && p.ActivityURI != "" {
			err = o.answerParticipation(ctx, g, who, p.ActivityURI, false)
		}
		return err
	}
	var ds []store.Delivery
	err = o.Store.Tx(ctx, func(tx *store.Store) error {
		np, err := tx.Participate(ctx, e.ID, actorID, store.ParticipantAccepted, p.ActivityURI)
		if err != nil {
			return err
		}
		if err := tx.Notify(ctx, store.Notification{Recipient: actorID, Type: store.NotifyEventAccepted, From: acct.ActorID,
			ObjectID: e.ID, GroupID: g.ID}); err != nil {
			return err
		}
		ds, err = o.afterParticipation(ctx, tx, g, e, np)
		return err
	})
	if err != nil {
		return err
	}
	o.enqueue(ctx, ds)
	return nil
}

// InviteToEvent lets an animator invite a person of this node to an
// invitation event.
func (o *Outbox) InviteToEvent(ctx context.Context, acct *store.Account, eventID, actorID int64) error {
	e, _, err := o.editableEvent(ctx, acct, eventID)
	if err != nil {
		return err
	}
	return o.Store.Tx(ctx, func(tx *store.Store) error {
		_, err := tx.Participate(ctx, e.ID, actorID, store.ParticipantInvited, "")
		return err
	})
}

// RefuseParticipation answers a peer's Join of an event with Reject{Join}.
func (o *Outbox) RefuseParticipation(ctx context.Context, g *store.Group, who *store.Actor, joinURI string) error {
	return o.answerParticipation(ctx, g, who, joinURI, false)
}
