package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Push subscription policies (Mastodon's): whose notifications are pushed.
const (
	PushPolicyAll      = "all"
	PushPolicyFollowed = "followed" // from people the recipient follows
	PushPolicyFollower = "follower" // from people who follow the recipient
	PushPolicyNone     = "none"
)

// Push message states.
const (
	PushPending = "pending"
	PushSent    = "sent"
	PushDead    = "dead"
)

// PushSubscription is a Web Push endpoint of one access token.
type PushSubscription struct {
	ID        int64
	TokenID   int64
	AccountID int64
	Endpoint  string
	P256DH    string
	Auth      string
	Alerts    []string
	Policy    string
	CreatedAt time.Time
}

const pushSubscriptionColumns = `id, token_id, account_id, endpoint, p256dh, auth, alerts, policy, created_at`

func scanPushSubscription(row pgx.CollectableRow) (*PushSubscription, error) {
	var p PushSubscription
	err := row.Scan(&p.ID, &p.TokenID, &p.AccountID, &p.Endpoint, &p.P256DH, &p.Auth, &p.Alerts, &p.Policy, &p.CreatedAt)
	return &p, err
}

// SetPushSubscription creates or replaces the subscription of a token
// (Mastodon: one per token, a new POST replaces it).
func (s *Store) SetPushSubscription(ctx context.Context, p *PushSubscription) error {
	rows, err := s.db.Query(ctx, `insert into push_subscriptions (token_id, account_id, endpoint, p256dh, auth, alerts, policy)
		values ($1, $2, $3, $4, $5, $6, $7)
		on conflict (token_id) do update set endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
		  alerts = excluded.alerts, policy = excluded.policy, created_at = now()
		returning `+pushSubscriptionColumns, p.TokenID, p.AccountID, p.Endpoint, p.P256DH, p.Auth, p.Alerts, p.Policy)
	if err != nil {
		return err
	}
	got, err := pgx.CollectExactlyOneRow(rows, scanPushSubscription)
	if err == nil {
		*p = *got
	}
	return err
}

// UpdatePushAlerts changes what a token's subscription pushes.
func (s *Store) UpdatePushAlerts(ctx context.Context, tokenID int64, alerts []string, policy string) (*PushSubscription, error) {
	rows, err := s.db.Query(ctx, `update push_subscriptions set alerts = $2, policy = $3 where token_id = $1
		returning `+pushSubscriptionColumns, tokenID, alerts, policy)
	if err != nil {
		return nil, err
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanPushSubscription)
	return p, notFoundOr(err)
}

// PushSubscriptionOf is a token's subscription.
func (s *Store) PushSubscriptionOf(ctx context.Context, tokenID int64) (*PushSubscription, error) {
	rows, err := s.db.Query(ctx, `select `+pushSubscriptionColumns+` from push_subscriptions where token_id = $1`, tokenID)
	if err != nil {
		return nil, err
	}
	p, err := pgx.CollectExactlyOneRow(rows, scanPushSubscription)
	return p, notFoundOr(err)
}

// DeletePushSubscription removes a token's subscription (and its pending
// messages).
func (s *Store) DeletePushSubscription(ctx context.Context, tokenID int64) error {
	_, err := s.db.Exec(ctx, `delete from push_subscriptions where token_id = $1`, tokenID)
	return err
}

// DeletePushSubscriptionByID removes a subscription whose endpoint is gone
// (the push service answered 404 or 410).
func (s *Store) DeletePushSubscriptionByID(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `delete from push_subscriptions where id = $1`, id)
	return err
}

// PushQueue schedules the send of push messages (the asynq queue).
type PushQueue interface {
	EnqueuePush(ctx context.Context, id int64, attempt int, at time.Time) error
}

// SetPushQueue makes the store enqueue the push messages it writes, once
// their transaction has committed. Call it once, before the store is used.
func (s *Store) SetPushQueue(q PushQueue) { s.pushes = q }

// queuePushes writes, in the notifications' transaction, one push message
// for each subscription of each recipient that wants the type from its
// author (one statement for all), and enqueues them after the commit.
func (s *Store) queuePushes(ctx context.Context, notificationIDs []int64) error {
	if len(notificationIDs) == 0 {
		return nil
	}
	rows, err := s.db.Query(ctx, `insert into push_messages (subscription_id, notification_id)
		select ps.id, n.id from notifications n
		join accounts ac on ac.actor_id = n.recipient_id
		join push_subscriptions ps on ps.account_id = ac.id
		where n.id = any($1) and n.type = any(ps.alerts) and (ps.policy = 'all'
		  or (ps.policy = 'followed' and exists (select 1 from follows f where f.follower_id = n.recipient_id
		      and f.followee_id = n.from_id and f.state = 'accepted'))
		  or (ps.policy = 'follower' and exists (select 1 from follows f where f.follower_id = n.from_id
		      and f.followee_id = n.recipient_id and f.state = 'accepted')))
		returning id`, notificationIDs)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 || s.pushes == nil {
		return err
	}
	q := s.pushes
	s.AfterCommit(ctx, func(ctx context.Context) {
		for _, id := range ids {
			// A failure is left to the reconciler (DuePushMessages).
			_ = q.EnqueuePush(ctx, id, 0, time.Now())
		}
	})
	return nil
}

// PushMessage is one push to send, with what it needs.
type PushMessage struct {
	ID           int64
	State        string
	Attempts     int
	CreatedAt    time.Time
	Subscription PushSubscription
	Notification Notification
}

// PushMessageByID loads a push message with its subscription and
// notification; ErrNotFound once either is gone.
func (s *Store) PushMessageByID(ctx context.Context, id int64) (*PushMessage, error) {
	var m PushMessage
	p, n := &m.Subscription, &m.Notification
	err := s.db.QueryRow(ctx, `select m.id, m.state, m.attempts, m.created_at,
		ps.id, ps.token_id, ps.account_id, ps.endpoint, ps.p256dh, ps.auth, ps.alerts, ps.policy, ps.created_at,
		`+notificationColumns+`
		from push_messages m join push_subscriptions ps on ps.id = m.subscription_id
		join notifications n on n.id = m.notification_id where m.id = $1`, id).Scan(
		&m.ID, &m.State, &m.Attempts, &m.CreatedAt,
		&p.ID, &p.TokenID, &p.AccountID, &p.Endpoint, &p.P256DH, &p.Auth, &p.Alerts, &p.Policy, &p.CreatedAt,
		&n.ID, &n.Recipient, &n.Type, &n.From, &n.ObjectID, &n.GroupID, &n.GroupKey, &n.CreatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &m, nil
}

// MarkPushSent records a message the push service accepted.
func (s *Store) MarkPushSent(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `update push_messages set state = 'sent', sent_at = now(), attempts = attempts + 1,
		last_error = '' where id = $1 and state = 'pending'`, id)
	return err
}

// MarkPushRetry records a failed attempt and when the next one is due.
func (s *Store) MarkPushRetry(ctx context.Context, id int64, next time.Time, lastError string) error {
	_, err := s.db.Exec(ctx, `update push_messages set attempts = attempts + 1, next_at = $2, last_error = $3
		where id = $1 and state = 'pending'`, id, next, lastError)
	return err
}

// MarkPushDead gives a message up.
func (s *Store) MarkPushDead(ctx context.Context, id int64, lastError string) error {
	_, err := s.db.Exec(ctx, `update push_messages set state = 'dead', attempts = attempts + 1, last_error = $2
		where id = $1 and state = 'pending'`, id, lastError)
	return err
}

// DuePush is a pending push message whose attempt is due.
type DuePush struct {
	ID       int64
	Attempts int
}

// DuePushMessages lists pending messages due before a time, for the
// reconciler.
func (s *Store) DuePushMessages(ctx context.Context, before time.Time, limit int) ([]DuePush, error) {
	rows, err := s.db.Query(ctx, `select id, attempts from push_messages where state = 'pending' and next_at <= $1
		order by next_at limit $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[DuePush])
}

// PushMessagesOf lists a subscription's messages, newest first (tests).
func (s *Store) PushMessagesOf(ctx context.Context, subscriptionID int64) ([]DuePush, error) {
	rows, err := s.db.Query(ctx, `select id, attempts from push_messages where subscription_id = $1 order by id desc`, subscriptionID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[DuePush])
}
