package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Follow states.
const (
	FollowPending  = "pending"
	FollowAccepted = "accepted"
)

// Follow is one actor following another.
type Follow struct {
	FollowerID  int64
	FolloweeID  int64
	State       string
	ActivityURI string
}

// SetFollow creates or updates a follow.
func (s *Store) SetFollow(ctx context.Context, f *Follow) error {
	_, err := s.db.Exec(ctx, `insert into follows (follower_id, followee_id, state, activity_uri) values ($1,$2,$3,$4)
		on conflict (follower_id, followee_id) do update set state = excluded.state,
		activity_uri = case when excluded.activity_uri = '' then follows.activity_uri else excluded.activity_uri end`,
		f.FollowerID, f.FolloweeID, f.State, f.ActivityURI)
	return err
}

// FollowOf returns the follow between two actors.
func (s *Store) FollowOf(ctx context.Context, followerID, followeeID int64) (*Follow, error) {
	f := Follow{FollowerID: followerID, FolloweeID: followeeID}
	err := s.db.QueryRow(ctx, `select state, activity_uri from follows where follower_id = $1 and followee_id = $2`,
		followerID, followeeID).Scan(&f.State, &f.ActivityURI)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &f, nil
}

// FollowByActivity finds a follow by the URI of its Follow activity.
func (s *Store) FollowByActivity(ctx context.Context, uri string) (*Follow, error) {
	f := Follow{ActivityURI: uri}
	err := s.db.QueryRow(ctx, `select follower_id, followee_id, state from follows where activity_uri = $1`, uri).
		Scan(&f.FollowerID, &f.FolloweeID, &f.State)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &f, nil
}

// DeleteFollow removes a follow.
func (s *Store) DeleteFollow(ctx context.Context, followerID, followeeID int64) error {
	_, err := s.db.Exec(ctx, `delete from follows where follower_id = $1 and followee_id = $2`, followerID, followeeID)
	return err
}

// FollowerURIs pages through an actor's accepted followers' URIs.
func (s *Store) FollowerURIs(ctx context.Context, followeeID int64, afterID int64, limit int) (uris []string, lastID int64, err error) {
	rows, err := s.db.Query(ctx, `select a.id, a.uri from follows f join actors a on a.id = f.follower_id
		where f.followee_id = $1 and f.state = 'accepted' and a.id > $2 order by a.id limit $3`, followeeID, afterID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var uri string
		if err := rows.Scan(&lastID, &uri); err != nil {
			return nil, 0, err
		}
		uris = append(uris, uri)
	}
	return uris, lastID, rows.Err()
}

// CountFollows counts accepted followers and followees of an actor.
func (s *Store) CountFollows(ctx context.Context, actorID int64) (followers, following int64, err error) {
	err = s.db.QueryRow(ctx, `select coalesce(max(followers), 0), coalesce(max(following), 0)
		from actor_stats where actor_id = $1`, actorID).Scan(&followers, &following)
	return
}

// FollowerInboxes returns the distinct delivery inboxes (shared inbox first)
// of an actor's accepted remote followers: one per node.
func (s *Store) FollowerInboxes(ctx context.Context, followeeID int64) ([]string, error) {
	rows, err := s.db.Query(ctx, `select distinct coalesce(nullif(a.shared_inbox, ''), a.inbox)
		from follows f join actors a on a.id = f.follower_id
		where f.followee_id = $1 and f.state = 'accepted' and not a.local`, followeeID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// HasLocalFollower tells whether a local actor follows this one.
func (s *Store) HasLocalFollower(ctx context.Context, actorID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from follows f join actors a on a.id = f.follower_id
		where f.followee_id = $1 and f.state = 'accepted' and a.local)`, actorID).Scan(&ok)
	return ok, err
}

// FollowRequests lists the actors waiting for an actor's approval.
func (s *Store) FollowRequests(ctx context.Context, followeeID int64) ([]*Actor, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("a", actorColumns)+` from follows f join actors a on a.id = f.follower_id
		where f.followee_id = $1 and f.state = 'pending' order by f.created_at`, followeeID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Actor, error) { return scanActor(r) })
}

// FollowRequestsPage pages through the actors waiting for an actor's
// approval on their ids, the highest first.
func (s *Store) FollowRequestsPage(ctx context.Context, followeeID int64, p Page) ([]*Actor, error) {
	return s.followPage(ctx, "f.followee_id", "f.follower_id", FollowPending, followeeID, p)
}

// FollowersPage pages through an actor's accepted followers on their ids,
// the highest first.
func (s *Store) FollowersPage(ctx context.Context, followeeID int64, p Page) ([]*Actor, error) {
	return s.followPage(ctx, "f.followee_id", "f.follower_id", FollowAccepted, followeeID, p)
}

// FollowingPage pages through the actors an actor follows (accepted) on
// their ids, the highest first.
func (s *Store) FollowingPage(ctx context.Context, followerID int64, p Page) ([]*Actor, error) {
	return s.followPage(ctx, "f.follower_id", "f.followee_id", FollowAccepted, followerID, p)
}

// followPage lists the actors at the other end (column other) of the
// follows in a state whose column key is id.
func (s *Store) followPage(ctx context.Context, key, other, state string, id int64, p Page) ([]*Actor, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, `select `+prefixed("a", actorColumns)+` from follows f join actors a on a.id = `+other+`
		where `+key+` = $1 and f.state = $5 and a.deleted_at is null and a.id < $2 and a.id > $3
		order by a.id `+p.order()+` limit $4`, id, p.MaxID, p.lower(), p.Limit, state)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Actor, error) { return scanActor(r) })
	return inOrder(p, list), err
}

// SetFollowNotify turns on or off a follower's notification of each new
// post of the followee (Mastodon's notify).
func (s *Store) SetFollowNotify(ctx context.Context, followerID, followeeID int64, notify bool) error {
	_, err := s.db.Exec(ctx, `update follows set notify = $3 where follower_id = $1 and followee_id = $2`, followerID, followeeID, notify)
	return err
}

// FollowNotifies tells whether a follower asked to be told of each post.
func (s *Store) FollowNotifies(ctx context.Context, followerID, followeeID int64) (bool, error) {
	var on bool
	err := s.db.QueryRow(ctx, `select notify from follows where follower_id = $1 and followee_id = $2`, followerID, followeeID).Scan(&on)
	if err = notFoundOr(err); err == ErrNotFound {
		return false, nil
	}
	return on, err
}
