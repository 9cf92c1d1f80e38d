package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Blocks, mutes and a person's own domain blocks. What they hide is
// hidden.go's rule.

// Block records that actorID blocks targetID (activityURI: the Block sent
// or received, "" for none).
func (s *Store) Block(ctx context.Context, actorID, targetID int64, activityURI string) error {
	_, err := s.db.Exec(ctx, `insert into blocks (actor_id, target_id, activity_uri) values ($1, $2, $3)
		on conflict (actor_id, target_id) do update set activity_uri = case when excluded.activity_uri = '' then blocks.activity_uri
		else excluded.activity_uri end`, actorID, targetID, activityURI)
	return err
}

// Unblock removes a block and returns the URI of its Block activity ("",
// false when there was none).
func (s *Store) Unblock(ctx context.Context, actorID, targetID int64) (activityURI string, existed bool, err error) {
	err = s.db.QueryRow(ctx, `delete from blocks where actor_id = $1 and target_id = $2 returning activity_uri`,
		actorID, targetID).Scan(&activityURI)
	if err = notFoundOr(err); err == ErrNotFound {
		return "", false, nil
	}
	return activityURI, err == nil, err
}

// BlockByActivity finds a block by the URI of its Block activity.
func (s *Store) BlockByActivity(ctx context.Context, uri string) (actorID, targetID int64, err error) {
	err = s.db.QueryRow(ctx, `select actor_id, target_id from blocks where activity_uri = $1`, uri).Scan(&actorID, &targetID)
	return actorID, targetID, notFoundOr(err)
}

// EndFollowsBetween removes the follows both ways between two actors (a
// block ends them) and the notifications they caused.
func (s *Store) EndFollowsBetween(ctx context.Context, a, b int64) error {
	_, err := s.db.Exec(ctx, `with gone as (delete from notifications where type in ('follow', 'follow_request')
		  and ((recipient_id = $1 and from_id = $2) or (recipient_id = $2 and from_id = $1)))
		delete from follows where (follower_id = $1 and followee_id = $2) or (follower_id = $2 and followee_id = $1)`, a, b)
	return err
}

// Mute hides target's posts from actor's timelines, and their
// notifications when notifications is set, until expires (nil: for good).
func (s *Store) Mute(ctx context.Context, actorID, targetID int64, notifications bool, expires *time.Time) error {
	_, err := s.db.Exec(ctx, `insert into mutes (actor_id, target_id, notifications, expires_at) values ($1, $2, $3, $4)
		on conflict (actor_id, target_id) do update set notifications = excluded.notifications, expires_at = excluded.expires_at`,
		actorID, targetID, notifications, expires)
	return err
}

// Unmute ends a mute.
func (s *Store) Unmute(ctx context.Context, actorID, targetID int64) error {
	_, err := s.db.Exec(ctx, `delete from mutes where actor_id = $1 and target_id = $2`, actorID, targetID)
	return err
}

// Listed is an account in one of a person's lists (blocks, mutes, a
// list's members), with the id of the line the list pages on.
type Listed struct {
	LineID int64
	Actor  *Actor
	// ExpiresAt is a mute's end.
	ExpiresAt *time.Time
}

// Blocked lists the accounts an actor blocks, the latest block first,
// paged on block ids.
func (s *Store) Blocked(ctx context.Context, actorID int64, p Page) ([]Listed, error) {
	return s.listed(ctx, `select l.id, null::timestamptz, `+prefixed("a", actorColumns)+`
		from blocks l join actors a on a.id = l.target_id where l.actor_id = $1`, actorID, p)
}

// Muted lists the accounts an actor mutes (live mutes), the latest first,
// paged on mute ids.
func (s *Store) Muted(ctx context.Context, actorID int64, p Page) ([]Listed, error) {
	return s.listed(ctx, `select l.id, l.expires_at, `+prefixed("a", actorColumns)+`
		from mutes l join actors a on a.id = l.target_id where l.actor_id = $1
		and (l.expires_at is null or l.expires_at > now())`, actorID, p)
}

// listed runs a page query of lines l (selecting l.id, a time and
// actorColumns), keyed by $1.
func (s *Store) listed(ctx context.Context, sql string, key any, p Page) ([]Listed, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, sql+` and l.id < $2 and l.id > $3 order by l.id `+p.order()+` limit $4`,
		key, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Listed
	for rows.Next() {
		var l Listed
		if l.Actor, err = scanActorAfter(rows, &l.LineID, &l.ExpiresAt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return inOrder(p, out), rows.Err()
}

// BlockDomain hides a node from one person.
func (s *Store) BlockDomain(ctx context.Context, actorID int64, domain string) error {
	_, err := s.db.Exec(ctx, `insert into account_domain_blocks (actor_id, domain) values ($1, lower($2)) on conflict do nothing`,
		actorID, NormalizeHost(domain))
	return err
}

// UnblockDomain shows a node to one person again.
func (s *Store) UnblockDomain(ctx context.Context, actorID int64, domain string) error {
	_, err := s.db.Exec(ctx, `delete from account_domain_blocks where actor_id = $1 and domain = lower($2)`, actorID, NormalizeHost(domain))
	return err
}

// BlockedDomain is a line of a person's domain blocks.
type BlockedDomain struct {
	ID     int64
	Domain string
}

// BlockedDomains lists the nodes a person hides, the latest first, paged on
// their ids.
func (s *Store) BlockedDomains(ctx context.Context, actorID int64, p Page) ([]BlockedDomain, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, `select id, domain from account_domain_blocks where actor_id = $1 and id < $2 and id > $3
		order by id `+p.order()+` limit $4`, actorID, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[BlockedDomain])
	return inOrder(p, list), err
}

// FollowsWithDomain lists the actors of a node that actorID follows
// (following) or that follow it (followers), for a domain block to end
// those follows.
func (s *Store) FollowsWithDomain(ctx context.Context, actorID int64, domain string) (following, followers []*Actor, err error) {
	load := func(sql string) ([]*Actor, error) {
		rows, err := s.db.Query(ctx, sql, actorID, NormalizeHost(domain))
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Actor, error) { return scanActor(r) })
	}
	if following, err = load(`select ` + prefixed("a", actorColumns) + ` from follows f join actors a on a.id = f.followee_id
		where f.follower_id = $1 and lower(a.host) = $2 and not a.local`); err != nil {
		return nil, nil, err
	}
	followers, err = load(`select ` + prefixed("a", actorColumns) + ` from follows f join actors a on a.id = f.follower_id
		where f.followee_id = $1 and lower(a.host) = $2 and not a.local`)
	return following, followers, err
}

// Relationship is what Mastodon's Relationship entity says of a viewer and
// another account.
type Relationship struct {
	Following, ShowingReblogs, Notifying, Requested  bool
	FollowedBy, RequestedBy                          bool
	Blocking, BlockedBy, Muting, MutingNotifications bool
	DomainBlocking                                   bool
}

// Relationships reads the viewer's relationships with several accounts in
// one query. A group the viewer is a member of counts as followed, a
// request to join as a follow request (Mastodon apps show groups as
// accounts).
func (s *Store) Relationships(ctx context.Context, viewerID int64, ids []int64) (map[int64]Relationship, error) {
	rows, err := s.db.Query(ctx, `select x.id,
		  coalesce(mine.state = 'accepted', false) or coalesce(member.state = 'accepted', false),
		  coalesce(mine.show_reblogs, member.state = 'accepted', false), coalesce(mine.notify, false),
		  coalesce(mine.state = 'pending', false) or coalesce(member.state = 'pending', false),
		  coalesce(theirs.state = 'accepted', false), coalesce(theirs.state = 'pending', false),
		  exists (select 1 from blocks where actor_id = $1 and target_id = x.id),
		  exists (select 1 from blocks where actor_id = x.id and target_id = $1),
		  coalesce(mute.live, false), coalesce(mute.live and mute.notifications, false),
		  exists (select 1 from account_domain_blocks d join actors a on a.id = x.id where d.actor_id = $1
		    and d.domain = lower(a.host) and not a.local)
		from unnest($2::bigint[]) x(id)
		left join follows mine on mine.follower_id = $1 and mine.followee_id = x.id
		left join follows theirs on theirs.follower_id = x.id and theirs.followee_id = $1
		left join memberships member on member.group_id = x.id and member.member_id = $1
		left join lateral (select m.notifications, (m.expires_at is null or m.expires_at > now()) as live
		  from mutes m where m.actor_id = $1 and m.target_id = x.id) mute on true`, viewerID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Relationship, len(ids))
	var id int64
	var r Relationship
	_, err = pgx.ForEachRow(rows, []any{&id, &r.Following, &r.ShowingReblogs, &r.Notifying, &r.Requested, &r.FollowedBy,
		&r.RequestedBy, &r.Blocking, &r.BlockedBy, &r.Muting, &r.MutingNotifications, &r.DomainBlocking}, func() error {
		out[id] = r
		return nil
	})
	return out, err
}

// SetShowReblogs sets whether a follower's home shows the followee's
// shares (Mastodon's reblogs option of a follow).
func (s *Store) SetShowReblogs(ctx context.Context, followerID, followeeID int64, show bool) error {
	_, err := s.db.Exec(ctx, `update follows set show_reblogs = $3 where follower_id = $1 and followee_id = $2`, followerID, followeeID, show)
	return err
}

// IsBlockedEitherWay tells whether one of two actors blocks the other.
func (s *Store) IsBlockedEitherWay(ctx context.Context, a, b int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from blocks where (actor_id = $1 and target_id = $2)
		or (actor_id = $2 and target_id = $1))`, a, b).Scan(&ok)
	return ok, err
}
