package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The queries of the web interface (web/ui): browser sessions and the lists
// its pages show that the client API does not need.

// Session is a signed-in browser.
type Session struct {
	AccountID int64
	CSRFToken string
	ExpiresAt time.Time
}

// CreateSession stores a session under the hash of its cookie token.
func (s *Store) CreateSession(ctx context.Context, tokenHash []byte, accountID int64, csrf string, expires time.Time) error {
	_, err := s.db.Exec(ctx, `insert into sessions (token_hash, account_id, csrf_token, expires_at) values ($1, $2, $3, $4)`,
		tokenHash, accountID, csrf, expires)
	return err
}

// SessionByTokenHash loads a live session and notes its use.
func (s *Store) SessionByTokenHash(ctx context.Context, tokenHash []byte) (*Session, error) {
	var se Session
	err := s.db.QueryRow(ctx, `update sessions set last_seen_at = now() where token_hash = $1 and expires_at > now()
		returning account_id, csrf_token, expires_at`, tokenHash).Scan(&se.AccountID, &se.CSRFToken, &se.ExpiresAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &se, nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.db.Exec(ctx, `delete from sessions where token_hash = $1`, tokenHash)
	return err
}

// DeleteOtherSessions ends an account's sessions but the one kept (after a
// password change); keep may be nil.
func (s *Store) DeleteOtherSessions(ctx context.Context, accountID int64, keep []byte) error {
	_, err := s.db.Exec(ctx, `delete from sessions where account_id = $1 and ($2::bytea is null or token_hash <> $2)`, accountID, keep)
	return err
}

// DeleteExpiredSessions forgets sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `delete from sessions where expires_at <= now()`)
	return err
}

// Replies lists the live replies to an object, oldest first.
func (s *Store) Replies(ctx context.Context, uri string, limit int) ([]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.in_reply_to = $1 and o.deleted_at is null order by o.id limit $2`, uri, limit)
	if err != nil {
		return nil, err
	}
	return collectObjects(rows)
}

// RepliesAndMentions lists, newest first, the live posts by others that
// answer an actor's posts or mention it.
func (s *Store) RepliesAndMentions(ctx context.Context, actorID int64, limit int) ([]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from objects o join actors a on a.id = o.attributed_to
		where o.deleted_at is null and o.attributed_to <> $1 and (
		  o.in_reply_to in (select uri from objects where attributed_to = $1)
		  or o.id in (select object_id from mentions where actor_id = $1))
		order by o.id desc limit $2`, actorID, limit)
	if err != nil {
		return nil, err
	}
	return collectObjects(rows)
}

// LikeSummary is what a list of posts shows of their likes.
type LikeSummary struct {
	Count   int64
	ByActor bool
}

// LikeSummaries counts the likes of objects and tells which ones actorID likes.
func (s *Store) LikeSummaries(ctx context.Context, actorID int64, objectIDs []int64) (map[int64]LikeSummary, error) {
	rows, err := s.db.Query(ctx, `select object_id, count(*), bool_or(actor_id = $1) from likes
		where object_id = any($2) group by object_id`, actorID, objectIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]LikeSummary, len(objectIDs))
	for rows.Next() {
		var id int64
		var ls LikeSummary
		if err := rows.Scan(&id, &ls.Count, &ls.ByActor); err != nil {
			return nil, err
		}
		out[id] = ls
	}
	return out, rows.Err()
}

// CountReplies counts the live replies to each of objects, by URI.
func (s *Store) CountReplies(ctx context.Context, uris []string) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `select in_reply_to, count(*) from objects
		where in_reply_to = any($1) and deleted_at is null group by in_reply_to`, uris)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]int64, len(uris))
	for rows.Next() {
		var uri string
		var n int64
		if err := rows.Scan(&uri, &n); err != nil {
			return nil, err
		}
		out[uri] = n
	}
	return out, rows.Err()
}

// AllAccounts lists every local account by username, for the node admin.
func (s *Store) AllAccounts(ctx context.Context, limit int) ([]*Account, error) {
	rows, err := s.db.Query(ctx, `select `+accountColumns+` from accounts order by username limit $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Account, error) { return scanAccount(r) })
}

// JoinRequest is a pending membership in a group someone runs.
type JoinRequest struct {
	Group  *Actor
	Member *Actor
	Since  time.Time
}

// JoinRequestsFor lists the pending requests to join the local groups where
// actorID is an owner or animator, oldest first.
func (s *Store) JoinRequestsFor(ctx context.Context, actorID int64, limit int) ([]JoinRequest, error) {
	rows, err := s.db.Query(ctx, `select m.group_id, m.member_id, m.created_at from memberships m
		join actors g on g.id = m.group_id and g.local
		where m.state = 'pending' and m.group_id in (select group_id from memberships
		  where member_id = $1 and state = 'accepted' and role in ('owner', 'animator'))
		order by m.created_at limit $2`, actorID, limit)
	if err != nil {
		return nil, err
	}
	type row struct {
		GroupID, MemberID int64
		Since             time.Time
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return nil, err
	}
	out := make([]JoinRequest, 0, len(list))
	for _, r := range list {
		g, err := s.ActorByID(ctx, r.GroupID)
		if err != nil {
			return nil, err
		}
		m, err := s.ActorByID(ctx, r.MemberID)
		if err != nil {
			return nil, err
		}
		out = append(out, JoinRequest{Group: g, Member: m, Since: r.Since})
	}
	return out, nil
}
