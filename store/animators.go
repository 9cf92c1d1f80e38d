package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// QuietDays and UnansweredHours are the animators' dashboard thresholds: a
// member with no post, reply or like in the group for QuietDays, a post
// with no reply UnansweredHours after it was published.
const (
	QuietDays       = 60
	UnansweredHours = 48
	// WelcomeDays is how long a new member sees the group's welcome message.
	WelcomeDays = 14
)

// Welcome is a group's welcome message for its new members.
type Welcome struct {
	Body      string
	UpdatedAt time.Time
}

// GroupWelcome returns a group's welcome message (ErrNotFound: none).
func (s *Store) GroupWelcome(ctx context.Context, groupID int64) (*Welcome, error) {
	var w Welcome
	err := s.db.QueryRow(ctx, `select body, updated_at from group_welcome where group_id = $1`, groupID).Scan(&w.Body, &w.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &w, err
}

// SetGroupWelcome sets a group's welcome message; an empty body removes it.
func (s *Store) SetGroupWelcome(ctx context.Context, groupID, by int64, body string) error {
	if body == "" {
		_, err := s.db.Exec(ctx, `delete from group_welcome where group_id = $1`, groupID)
		return err
	}
	_, err := s.db.Exec(ctx, `insert into group_welcome (group_id, body, updated_by) values ($1, $2, $3)
		on conflict (group_id) do update set body = excluded.body, updated_by = excluded.updated_by, updated_at = now()`,
		groupID, body, by)
	return err
}

// AnnouncementRecipient is a local member an announcement is mailed to.
type AnnouncementRecipient struct {
	ActorID   int64
	AccountID int64
	Email     string
	Locale    string
	Name      string
}

// LocalMembersToMail lists a group's accepted members who have an account
// here with a confirmed and approved address, but those who chose to get
// no mail at all (no digest, no immediate mail).
func (s *Store) LocalMembersToMail(ctx context.Context, groupID int64) ([]AnnouncementRecipient, error) {
	rows, err := s.db.Query(ctx, `select a.id, ac.id, ac.email, ac.locale, coalesce(nullif(a.display_name, ''), a.username)
		from memberships m join actors a on a.id = m.member_id join accounts ac on ac.actor_id = a.id
		where m.group_id = $1 and m.state = 'accepted' and a.local and a.deleted_at is null
			and ac.confirmed_at is not null and ac.approved_at is not null and ac.email <> ''
			and not exists (select 1 from mail_preferences p where p.account_id = ac.id and p.digest = 'none'
				and not (p.mentions or p.invitations or p.join_requests or p.event_reminders))
		order by a.id`, groupID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (AnnouncementRecipient, error) {
		var r AnnouncementRecipient
		err := row.Scan(&r.ActorID, &r.AccountID, &r.Email, &r.Locale, &r.Name)
		return r, err
	})
}

// RecordAnnouncement keeps an announcement sent to a group and returns its id.
func (s *Store) RecordAnnouncement(ctx context.Context, groupID, author int64, body string, recipients int) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `insert into group_announcements (group_id, author_id, body, recipients)
		values ($1, $2, $3, $4) returning id`, groupID, author, body, recipients).Scan(&id)
	return id, err
}

// QuietMembers lists the accepted members who joined more than QuietDays
// ago and have not posted, replied or liked in the group since.
func (s *Store) QuietMembers(ctx context.Context, groupID int64, limit int) ([]*Membership, error) {
	return s.membersWhere(ctx, groupID, `m.created_at < now() - make_interval(days => `+strconv.Itoa(QuietDays)+`)
		and not exists (select 1 from objects o where o.group_id = m.group_id and o.attributed_to = m.member_id
			and o.published > now() - make_interval(days => `+strconv.Itoa(QuietDays)+`))
		and not exists (select 1 from likes l join objects o on o.id = l.object_id where o.group_id = m.group_id
			and l.actor_id = m.member_id and l.created_at > now() - make_interval(days => `+strconv.Itoa(QuietDays)+`))`, limit)
}

// NewMember tells whether an actor joined the group in the last WelcomeDays.
func (s *Store) NewMember(ctx context.Context, groupID, memberID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from memberships where group_id = $1 and member_id = $2
		and state = 'accepted' and created_at > now() - make_interval(days => `+strconv.Itoa(WelcomeDays)+`))`, groupID, memberID).Scan(&ok)
	return ok, err
}

func (s *Store) membersWhere(ctx context.Context, groupID int64, where string, limit int) ([]*Membership, error) {
	rows, err := s.db.Query(ctx, `select m.role, m.state, m.activity_uri, m.created_at, m.updated_at, `+prefixed("a", actorColumns)+`
		from memberships m join actors a on a.id = m.member_id
		where m.group_id = $1 and m.state = 'accepted' and `+where+` order by a.id limit $2`, groupID, limit)
	if err != nil {
		return nil, err
	}
	return scanMembers(rows, groupID)
}

// UnansweredPosts lists a group's posts published more than
// UnansweredHours ago that nobody answered, newest first.
func (s *Store) UnansweredPosts(ctx context.Context, groupID int64, limit int) ([]*Object, error) {
	rows, err := s.db.Query(ctx, `select id from objects o where o.group_id = $1 and o.in_reply_to = '' and o.deleted_at is null
		and o.type in ('Note', 'Article', 'Page', 'Question')
		and o.published < now() - make_interval(hours => `+strconv.Itoa(UnansweredHours)+`)
		and not exists (select 1 from objects r where r.in_reply_to = o.uri and r.deleted_at is null)
		order by o.published desc limit $2`, groupID, limit)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	byID, err := s.ObjectsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Object, 0, len(ids))
	for _, id := range ids {
		if o := byID[id]; o != nil {
			out = append(out, o)
		}
	}
	return out, nil
}

// AnimatorsNetwork returns the id of the node's animators' network group
// (ErrNotFound: not created yet).
func (s *Store) AnimatorsNetwork(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `select group_id from animators_network`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// SetAnimatorsNetwork names the node's animators' network group.
func (s *Store) SetAnimatorsNetwork(ctx context.Context, groupID int64) error {
	tag, err := s.db.Exec(ctx, `insert into animators_network (group_id) values ($1) on conflict do nothing`, groupID)
	if err == nil && tag.RowsAffected() == 0 {
		return &ConflictError{Field: "animators_network"}
	}
	return err
}

// SyncAnimatorsNetwork makes the members of the animators' network exactly
// the node's people who own or animate another local group: those missing
// join as plain members, the plain members who no longer animate anything
// leave (the network's own owners and animators, named by admins, stay).
// memberID limits the work to one person (0: everyone, at start-up). It
// does nothing before the network exists.
func (s *Store) SyncAnimatorsNetwork(ctx context.Context, memberID int64) error {
	_, err := s.db.Exec(ctx, `with net as (select group_id from animators_network),
	animators as (
		select distinct m.member_id from memberships m
		join actors g on g.id = m.group_id and g.local and g.deleted_at is null
		join actors a on a.id = m.member_id and a.local and a.deleted_at is null
		where m.state = 'accepted' and m.role in ('owner', 'animator') and m.group_id not in (select group_id from net)
			and ($1::bigint = 0 or m.member_id = $1)),
	gone as (
		delete from memberships m using net where m.group_id = net.group_id and m.role = 'member'
			and m.state = 'accepted' and ($1::bigint = 0 or m.member_id = $1) and m.member_id not in (select member_id from animators))
	insert into memberships (group_id, member_id, role, state)
	select net.group_id, animators.member_id, 'member', 'accepted' from net, animators
	on conflict (group_id, member_id) do update set state = 'accepted', updated_at = now()
		where memberships.state in ('pending', 'invited')`, memberID)
	return err
}
