package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Digest frequencies.
const (
	DigestNone   = "none"
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// MailPreferences is what an agent wants by mail: immediate mails for some
// notification types, and a digest of their groups.
type MailPreferences struct {
	Mentions       bool
	Invitations    bool
	JoinRequests   bool
	EventReminders bool
	Digest         string
}

// DefaultMailPreferences are an account's until it chooses: a weekly
// digest, and among immediate mails only the reminders of events one
// chose to take part in.
var DefaultMailPreferences = MailPreferences{EventReminders: true, Digest: DigestWeekly}

// IsDigest tells whether d is a digest frequency.
func IsDigest(d string) bool { return d == DigestNone || d == DigestDaily || d == DigestWeekly }

// MailPreferencesOf loads an account's choices, the defaults without a row.
func (s *Store) MailPreferencesOf(ctx context.Context, accountID int64) (MailPreferences, error) {
	p := DefaultMailPreferences
	err := s.db.QueryRow(ctx, `select mentions, invitations, join_requests, event_reminders, digest
		from mail_preferences where account_id = $1`, accountID).
		Scan(&p.Mentions, &p.Invitations, &p.JoinRequests, &p.EventReminders, &p.Digest)
	if err == pgx.ErrNoRows {
		return DefaultMailPreferences, nil
	}
	return p, err
}

// SetMailPreferences records an account's choices.
func (s *Store) SetMailPreferences(ctx context.Context, accountID int64, p MailPreferences) error {
	_, err := s.db.Exec(ctx, `insert into mail_preferences (account_id, mentions, invitations, join_requests, event_reminders, digest)
		values ($1, $2, $3, $4, $5, $6) on conflict (account_id) do update set mentions = excluded.mentions,
		invitations = excluded.invitations, join_requests = excluded.join_requests,
		event_reminders = excluded.event_reminders, digest = excluded.digest, updated_at = now()`,
		accountID, p.Mentions, p.Invitations, p.JoinRequests, p.EventReminders, p.Digest)
	return err
}

// NotificationToMail is a notification the mailer has not looked at yet,
// with its recipient's account and choices.
type NotificationToMail struct {
	Notification
	AccountID int64
	Email     string
	Locale    string
	Active    bool
	Prefs     MailPreferences
}

// LockNotificationsToMail takes, in tx, up to limit notifications the
// mailer has not looked at, oldest first. Rows another worker holds are
// skipped, so that two workers never mail the same one.
func (s *Store) LockNotificationsToMail(ctx context.Context, limit int) ([]NotificationToMail, error) {
	rows, err := s.db.Query(ctx, `select n.id, n.recipient_id, n.type, n.from_id, coalesce(n.object_id, 0),
		coalesce(n.group_id, 0), n.created_at, ac.id, ac.email, ac.locale,
		ac.confirmed_at is not null and ac.approved_at is not null,
		coalesce(p.mentions, false), coalesce(p.invitations, false), coalesce(p.join_requests, false),
		coalesce(p.event_reminders, true), coalesce(p.digest, $2)
		from notifications n join accounts ac on ac.actor_id = n.recipient_id
		left join mail_preferences p on p.account_id = ac.id
		where n.mailed_at is null order by n.id limit $1 for update of n skip locked`, limit, DefaultMailPreferences.Digest)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (NotificationToMail, error) {
		var n NotificationToMail
		err := row.Scan(&n.ID, &n.Recipient, &n.Type, &n.From, &n.ObjectID, &n.GroupID, &n.CreatedAt,
			&n.AccountID, &n.Email, &n.Locale, &n.Active,
			&n.Prefs.Mentions, &n.Prefs.Invitations, &n.Prefs.JoinRequests, &n.Prefs.EventReminders, &n.Prefs.Digest)
		return n, err
	})
}

// MarkNotificationsMailed records that the mailer looked at ids.
func (s *Store) MarkNotificationsMailed(ctx context.Context, ids []int64) error {
	_, err := s.db.Exec(ctx, `update notifications set mailed_at = now() where id = any($1)`, ids)
	return err
}

// DigestDue is an account whose digest is due.
type DigestDue struct {
	AccountID    int64
	ActorID      int64
	Username     string
	Email        string
	Locale       string
	Digest       string
	CoveredUntil time.Time
}

// digestPeriod is the SQL interval of a frequency.
const digestPeriod = `case coalesce(p.digest, 'weekly') when 'daily' then interval '1 day' else interval '7 days' end`

// DueDigests lists up to limit active accounts whose digest is due at now:
// one period after what the last one covered (after their confirmation for
// the first).
func (s *Store) DueDigests(ctx context.Context, now time.Time, limit int) ([]DigestDue, error) {
	rows, err := s.db.Query(ctx, `select ac.id, ac.actor_id, ac.username, ac.email, ac.locale, coalesce(p.digest, 'weekly'),
		coalesce(d.covered_until, ac.confirmed_at)
		from accounts ac left join mail_preferences p on p.account_id = ac.id
		left join digests d on d.account_id = ac.id
		where ac.confirmed_at is not null and ac.approved_at is not null and ac.email <> ''
		and coalesce(p.digest, 'weekly') <> 'none'
		and coalesce(d.covered_until, ac.confirmed_at) <= $1::timestamptz - `+digestPeriod+`
		order by ac.id limit $2`, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[DigestDue])
}

// ClaimDigest moves an account's digest cover from from to until, in tx,
// if no other worker moved it first; false when one did.
func (s *Store) ClaimDigest(ctx context.Context, accountID int64, from, until time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `insert into digests (account_id, covered_until) values ($1, $3)
		on conflict (account_id) do update set covered_until = $3 where digests.covered_until = $2`,
		accountID, from, until)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// DigestPost is a post of one of a reader's groups, for a digest.
type DigestPost struct {
	ID      int64
	GroupID int64
	Author  string
	Content string
}

// DigestDocument is a new document of one of a reader's groups.
type DigestDocument struct {
	ID      int64
	GroupID int64
	Title   string
}

// GroupNews is what happened in a reader's groups between two times: how
// many posts per group, the latest few of each, and the new documents.
type GroupNews struct {
	Groups    []*Actor
	Posts     map[int64]int
	Latest    map[int64][]DigestPost
	Documents map[int64][]DigestDocument
}

// GroupNewsOf gathers a member's group news in (since, until], at most
// perGroup latest posts and documents per group.
func (s *Store) GroupNewsOf(ctx context.Context, memberID int64, since, until time.Time, perGroup int) (*GroupNews, error) {
	news := &GroupNews{Posts: map[int64]int{}, Latest: map[int64][]DigestPost{}, Documents: map[int64][]DigestDocument{}}
	rows, err := s.db.Query(ctx, `select `+prefixed("a", actorColumns)+` from memberships m join actors a on a.id = m.group_id
		where m.member_id = $1 and m.state = 'accepted' and a.deleted_at is null order by a.display_name, a.id`, memberID)
	if err != nil {
		return nil, err
	}
	if news.Groups, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*Actor, error) { return scanActor(row) }); err != nil {
		return nil, err
	}
	if len(news.Groups) == 0 {
		return news, nil
	}
	ids := make([]int64, len(news.Groups))
	for i, g := range news.Groups {
		ids[i] = g.ID
	}
	rows, err = s.db.Query(ctx, `select o.group_id, count(*) from objects o
		where o.group_id = any($1) and o.deleted_at is null and o.type in `+postTypes+`
		and o.attributed_to <> $2 and o.published > $3 and o.published <= $4 group by o.group_id`, ids, memberID, since, until)
	if err != nil {
		return nil, err
	}
	var gid int64
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&gid, &n}, func() error { news.Posts[gid] = n; return nil }); err != nil {
		return nil, err
	}
	rows, err = s.db.Query(ctx, `select id, group_id, author, content from (
		select o.id, o.group_id, coalesce(nullif(a.display_name, ''), a.username) author, o.content,
		row_number() over (partition by o.group_id order by o.published desc, o.id desc) rank
		from objects o join actors a on a.id = o.attributed_to
		where o.group_id = any($1) and o.deleted_at is null and o.type in `+postTypes+`
		and o.attributed_to <> $2 and o.published > $3 and o.published <= $4) latest
		where rank <= $5 order by group_id, rank`, ids, memberID, since, until, perGroup)
	if err != nil {
		return nil, err
	}
	posts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DigestPost])
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		news.Latest[p.GroupID] = append(news.Latest[p.GroupID], p)
	}
	rows, err = s.db.Query(ctx, `select id, group_id, title from (
		select o.id, o.group_id, o.name title, row_number() over (partition by o.group_id order by o.published desc, o.id desc) rank
		from objects o where o.group_id = any($1) and o.type = 'Document' and o.deleted_at is null
		and o.published > $2 and o.published <= $3) latest
		where rank <= $4 order by group_id, rank`, ids, since, until, perGroup)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DigestDocument])
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		news.Documents[d.GroupID] = append(news.Documents[d.GroupID], d)
	}
	return news, nil
}

// PendingInvitations counts the groups that invite a person.
func (s *Store) PendingInvitations(ctx context.Context, memberID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from memberships where member_id = $1 and state = 'invited'`, memberID).Scan(&n)
	return n, err
}
