package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/calendar"
)

// TypeEvent is the object type of events (ActivityStreams' Event).
const TypeEvent = "Event"

// Participation states.
const (
	ParticipantAccepted = "accepted"
	ParticipantWaiting  = "waiting" // the event was full: next in line when someone leaves
	ParticipantPending  = "pending" // an animator decides
	ParticipantInvited  = "invited"
)

// Event is an event: its object row (id, title as Name, the sanitised
// description as Content, group, organiser as AttributedTo) and its rules.
type Event struct {
	*Object
	calendar.Event
	ParticipantCount int
	// CountedAt is when the group's node counted (nil: never).
	CountedAt *time.Time
}

const eventColumns = `start_at, end_at, timezone, all_day, description, location, latitude, longitude, online_url,
	capacity, join_mode, status, rrule, participant_count, counted_at`

func (e *Event) scanTargets() []any {
	return []any{&e.Start, &e.End, &e.Timezone, &e.AllDay, &e.Description, &e.Location, &e.Latitude, &e.Longitude,
		&e.OnlineURL, &e.Capacity, &e.JoinMode, &e.Status, &e.RRule, &e.ParticipantCount, &e.CountedAt}
}

// SaveEvent writes the event row of an object (new or changed).
func (s *Store) SaveEvent(ctx context.Context, objectID int64, ev calendar.Event) error {
	_, err := s.db.Exec(ctx, `insert into events (object_id, start_at, end_at, last_end_at, timezone, all_day, description,
		location, latitude, longitude, online_url, capacity, join_mode, status, rrule)
		values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
		on conflict (object_id) do update set start_at = excluded.start_at, end_at = excluded.end_at,
		last_end_at = excluded.last_end_at, timezone = excluded.timezone, all_day = excluded.all_day,
		description = excluded.description, location = excluded.location, latitude = excluded.latitude,
		longitude = excluded.longitude, online_url = excluded.online_url, capacity = excluded.capacity,
		join_mode = excluded.join_mode, status = excluded.status, rrule = excluded.rrule`,
		objectID, ev.Start, ev.End, ev.LastEnd(), ev.Timezone, ev.AllDay, ev.Description, ev.Location, ev.Latitude,
		ev.Longitude, ev.OnlineURL, ev.Capacity, ev.JoinMode, ev.Status, ev.RRule)
	return err
}

// SetParticipantCount records the count a remote group's node announces,
// unless a newer count is already here (at nil: a peer that does not say
// when it counted; its count is taken).
func (s *Store) SetParticipantCount(ctx context.Context, eventID int64, n int, at *time.Time) error {
	_, err := s.db.Exec(ctx, `update events set participant_count = greatest($2, 0), counted_at = coalesce($3, counted_at)
		where object_id = $1 and ($3::timestamptz is null or counted_at is null or counted_at < $3)`, eventID, n, at)
	return err
}

// EventByObjectID loads an event.
func (s *Store) EventByObjectID(ctx context.Context, id int64) (*Event, error) {
	obj, err := s.ObjectByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.eventOf(ctx, obj)
}

// LockObjectURI takes the row lock of the object with that id, if there is
// one, until the transaction ends (use it on a transaction).
func (s *Store) LockObjectURI(ctx context.Context, uri string) error {
	_, err := s.db.Exec(ctx, `select 1 from objects where uri = $1 for update`, uri)
	return err
}

// EventByURI loads an event by its ActivityPub id.
func (s *Store) EventByURI(ctx context.Context, uri string) (*Event, error) {
	obj, err := s.ObjectByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	return s.eventOf(ctx, obj)
}

func (s *Store) eventOf(ctx context.Context, obj *Object) (*Event, error) {
	if obj.Type != TypeEvent {
		return nil, ErrNotFound
	}
	e := &Event{Object: obj}
	e.Title = obj.Name
	if err := s.db.QueryRow(ctx, `select `+eventColumns+` from events where object_id = $1`, obj.ID).Scan(e.scanTargets()...); err != nil {
		return nil, notFoundOr(err)
	}
	e.Start, e.End = e.Start.UTC(), e.End.UTC()
	return e, nil
}

// EventQuery selects live events that overlap [From, To): those of one
// group, or a person's agenda (the events of their groups and those they
// take part in). Zero times are unbounded.
type EventQuery struct {
	GroupID int64
	// AgendaOf is the person whose agenda it is.
	AgendaOf int64
	// Participating keeps only the events AgendaOf takes part in (the
	// personal feed).
	Participating bool
	From, To      time.Time
	Limit         int
}

// Events lists events, soonest first.
func (s *Store) Events(ctx context.Context, q EventQuery) ([]*Event, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 500
	}
	var from, to *time.Time
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	// Each filter is off when its parameter is 0 or false.
	cond := `($1::bigint = 0 or o.group_id = $1) and ($2::bigint = 0 or
		exists (select 1 from event_participants p where p.event_id = o.id and p.actor_id = $2
			and p.state in ('accepted', 'waiting', 'pending'))
		or (not $6::boolean and exists (select 1 from memberships m where m.group_id = o.group_id and m.member_id = $2
			and m.state = 'accepted')))`
	rows, err := s.db.Query(ctx, `select `+prefixed("e", eventColumns)+`, `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join events e on e.object_id = o.id join actors a on a.id = o.attributed_to
		where o.deleted_at is null and `+cond+` and ($3::timestamptz is null or e.last_end_at > $3)
		and ($4::timestamptz is null or e.start_at < $4)
		order by e.start_at, o.id limit $5`, q.GroupID, q.AgendaOf, from, to, q.Limit, q.Participating)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Event
	for rows.Next() {
		e := &Event{}
		if e.Object, err = scanObject(rows, e.scanTargets()...); err != nil {
			return nil, err
		}
		e.Title = e.Name
		e.Start, e.End = e.Start.UTC(), e.End.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Participant is one actor's place in an event.
type Participant struct {
	EventID     int64
	ActorID     int64
	State       string
	ActivityURI string
	CreatedAt   time.Time
	Actor       *Actor
}

// lockEvent takes the event row's lock for the rest of the transaction, so
// that concurrent joins and leaves of one event happen one after the other
// and never go over its capacity.
func (s *Store) lockEvent(ctx context.Context, eventID int64) (capacity int, err error) {
	err = s.db.QueryRow(ctx, `select capacity from events where object_id = $1 for update`, eventID).Scan(&capacity)
	return capacity, notFoundOr(err)
}

// recount writes the number of accepted participants (the group's node).
func (s *Store) recount(ctx context.Context, eventID int64) (int, error) {
	var n int
	// clock_timestamp, not now(): a transaction that waited for the lock
	// counts after the one it waited for.
	err := s.db.QueryRow(ctx, `update events set participant_count = (select count(*) from event_participants
		where event_id = $1 and state = 'accepted'), counted_at = clock_timestamp() where object_id = $1
		returning participant_count`, eventID).Scan(&n)
	return n, err
}

// Participate records that an actor takes part (want = accepted), asks to
// (pending) or is invited. An accepted participant past the capacity goes
// on the waiting list. It must run in a transaction (Store.Tx): the event
// row is locked until it ends. An existing participation is kept as it is,
// unless want promotes it (an invitation or request becoming accepted).
func (s *Store) Participate(ctx context.Context, eventID, actorID int64, want, activityURI string) (*Participant, error) {
	capacity, err := s.lockEvent(ctx, eventID)
	if err != nil {
		return nil, err
	}
	existing, err := s.ParticipationOf(ctx, eventID, actorID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if existing != nil && (existing.State == ParticipantAccepted || existing.State == ParticipantWaiting ||
		existing.State == want) {
		return existing, nil
	}
	state := want
	if want == ParticipantAccepted && capacity > 0 {
		var n int
		if err := s.db.QueryRow(ctx, `select count(*) from event_participants where event_id = $1 and state = 'accepted'`,
			eventID).Scan(&n); err != nil {
			return nil, err
		}
		if n >= capacity {
			state = ParticipantWaiting
		}
	}
	if activityURI == "" && existing != nil {
		activityURI = existing.ActivityURI
	}
	p := &Participant{EventID: eventID, ActorID: actorID, State: state, ActivityURI: activityURI}
	if err := s.db.QueryRow(ctx, `insert into event_participants (event_id, actor_id, state, activity_uri) values ($1,$2,$3,$4)
		on conflict (event_id, actor_id) do update set state = excluded.state, activity_uri = excluded.activity_uri
		returning created_at`, eventID, actorID, state, activityURI).Scan(&p.CreatedAt); err != nil {
		return nil, err
	}
	_, err = s.recount(ctx, eventID)
	return p, err
}

// LeaveEvent ends a participation. When it freed a place, the first on the
// waiting list takes it, in the same transaction and under the event's
// lock: promoted is who moved up (nil when no one did).
func (s *Store) LeaveEvent(ctx context.Context, eventID, actorID int64) (left, promoted *Participant, err error) {
	capacity, err := s.lockEvent(ctx, eventID)
	if err != nil {
		return nil, nil, err
	}
	left = &Participant{EventID: eventID, ActorID: actorID}
	err = s.db.QueryRow(ctx, `delete from event_participants where event_id = $1 and actor_id = $2
		returning state, activity_uri, created_at`, eventID, actorID).Scan(&left.State, &left.ActivityURI, &left.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	if left.State == ParticipantAccepted && capacity > 0 {
		promoted = &Participant{EventID: eventID, State: ParticipantAccepted}
		err = s.db.QueryRow(ctx, `update event_participants set state = 'accepted'
			where (event_id, actor_id) = (select event_id, actor_id from event_participants
			  where event_id = $1 and state = 'waiting' order by created_at, actor_id limit 1)
			returning actor_id, activity_uri, created_at`, eventID).Scan(&promoted.ActorID, &promoted.ActivityURI, &promoted.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			promoted, err = nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
	_, err = s.recount(ctx, eventID)
	return left, promoted, err
}

// ParticipationOf loads one actor's participation.
func (s *Store) ParticipationOf(ctx context.Context, eventID, actorID int64) (*Participant, error) {
	p := &Participant{EventID: eventID, ActorID: actorID}
	err := s.db.QueryRow(ctx, `select state, activity_uri, created_at from event_participants where event_id = $1 and actor_id = $2`,
		eventID, actorID).Scan(&p.State, &p.ActivityURI, &p.CreatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return p, nil
}

// ParticipationByActivity finds the participation a Join asked for.
func (s *Store) ParticipationByActivity(ctx context.Context, uri string) (*Participant, error) {
	p := &Participant{ActivityURI: uri}
	err := s.db.QueryRow(ctx, `select event_id, actor_id, state, created_at from event_participants where activity_uri = $1`,
		uri).Scan(&p.EventID, &p.ActorID, &p.State, &p.CreatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return p, nil
}

// Participants lists an event's participants with their actors, accepted
// first, then the waiting list in its order.
func (s *Store) Participants(ctx context.Context, eventID int64) ([]*Participant, error) {
	rows, err := s.db.Query(ctx, `select p.event_id, p.actor_id, p.state, p.activity_uri, p.created_at
		from event_participants p where p.event_id = $1
		order by case p.state when 'accepted' then 0 when 'waiting' then 1 when 'pending' then 2 else 3 end, p.created_at, p.actor_id`, eventID)
	if err != nil {
		return nil, err
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*Participant, error) {
		p := &Participant{}
		return p, row.Scan(&p.EventID, &p.ActorID, &p.State, &p.ActivityURI, &p.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ActorID
	}
	actors, err := s.ActorsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		p.Actor = actors[p.ActorID]
	}
	return ps, nil
}

// ParticipationsOf tells, for a page of events, the viewer's state in each.
func (s *Store) ParticipationsOf(ctx context.Context, actorID int64, eventIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if actorID == 0 || len(eventIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `select event_id, state from event_participants where actor_id = $1 and event_id = any($2)`,
		actorID, eventIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, rows.Err()
}

// hashSecret is how a feed secret is kept.
func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SetCalendarSecret replaces a person's feed secret (the old URLs stop
// working).
func (s *Store) SetCalendarSecret(ctx context.Context, actorID int64, token string) error {
	_, err := s.db.Exec(ctx, `insert into calendar_secrets (actor_id, token_hash) values ($1, $2)
		on conflict (actor_id) do update set token_hash = excluded.token_hash, created_at = now()`, actorID, hashSecret(token))
	return err
}

// HasCalendarSecret tells whether a person has a feed secret, and since when.
func (s *Store) HasCalendarSecret(ctx context.Context, actorID int64) (*time.Time, error) {
	var at time.Time
	err := s.db.QueryRow(ctx, `select created_at from calendar_secrets where actor_id = $1`, actorID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &at, err
}

// CalendarSecretOwner finds whose secret a token is.
func (s *Store) CalendarSecretOwner(ctx context.Context, token string) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `select actor_id from calendar_secrets where token_hash = $1`, hashSecret(token)).Scan(&id)
	return id, notFoundOr(err)
}

// RecordParticipation keeps this node's view of a participation in an event
// of a remote group (whose node counts).
func (s *Store) RecordParticipation(ctx context.Context, p *Participant) error {
	_, err := s.db.Exec(ctx, `insert into event_participants (event_id, actor_id, state, activity_uri) values ($1,$2,$3,$4)
		on conflict (event_id, actor_id) do update set state = excluded.state, activity_uri = excluded.activity_uri`,
		p.EventID, p.ActorID, p.State, p.ActivityURI)
	return err
}

// DeleteParticipation forgets a participation in a remote group's event.
func (s *Store) DeleteParticipation(ctx context.Context, eventID, actorID int64) error {
	_, err := s.db.Exec(ctx, `delete from event_participants where event_id = $1 and actor_id = $2`, eventID, actorID)
	return err
}

// UpdateEventObject writes an event's title, description and edit time.
func (s *Store) UpdateEventObject(ctx context.Context, o *Object) error {
	_, err := s.db.Exec(ctx, `update objects set name = $2, content = $3, updated = $4 where id = $1`, o.ID, o.Name, o.Content, o.Updated)
	return err
}

// ReminderCandidate is an event whose sittings may start soon, with the
// people of this node who take part.
type ReminderCandidate struct {
	Event        *Event
	Participants []int64
}

// ReminderCandidates lists the live, uncancelled events with a sitting that
// may start between from and upTo, and their accepted local participants,
// in two queries.
func (s *Store) ReminderCandidates(ctx context.Context, from, upTo time.Time) ([]ReminderCandidate, error) {
	rows, err := s.db.Query(ctx, `select e.object_id from events e join objects o on o.id = e.object_id
		where o.deleted_at is null and e.status <> 'cancelled' and e.start_at <= $2 and e.last_end_at > $1
		and exists (select 1 from event_participants p join actors a on a.id = p.actor_id and a.local
		  where p.event_id = e.object_id and p.state = 'accepted')
		order by e.start_at limit 1000`, from, upTo)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var out []ReminderCandidate
	for _, id := range ids {
		e, err := s.EventByObjectID(ctx, id)
		if err != nil {
			return nil, err
		}
		prow, err := s.db.Query(ctx, `select p.actor_id from event_participants p join actors a on a.id = p.actor_id and a.local
			where p.event_id = $1 and p.state = 'accepted' order by p.actor_id`, id)
		if err != nil {
			return nil, err
		}
		people, err := pgx.CollectRows(prow, pgx.RowTo[int64])
		if err != nil {
			return nil, err
		}
		out = append(out, ReminderCandidate{Event: e, Participants: people})
	}
	return out, nil
}

// MarkReminderSent records a reminder; false when it was already sent (the
// row exists), which is what keeps a reminder from going out twice, even
// from two workers at once.
func (s *Store) MarkReminderSent(ctx context.Context, eventID, actorID int64, sitting time.Time, kind string) (bool, error) {
	tag, err := s.db.Exec(ctx, `insert into event_reminders (event_id, actor_id, sitting, kind) values ($1,$2,$3,$4)
		on conflict do nothing`, eventID, actorID, sitting, kind)
	return tag.RowsAffected() == 1, err
}
