package store

import (
	"context"
	"time"
)

// CountActiveAccounts counts the accounts that may act and signed in or
// used a token since (Mastodon's usage.users.active_month).
func (s *Store) CountActiveAccounts(ctx context.Context, since time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from accounts a where a.confirmed_at is not null and a.approved_at is not null
		and (a.last_sign_in_at >= $1 or exists (select 1 from tokens t where t.account_id = a.id and t.last_used_at >= $1))`,
		since).Scan(&n)
	return n, err
}

// CountKnownHosts counts the other nodes this one knows an actor of
// (Mastodon's stats.domain_count).
func (s *Store) CountKnownHosts(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(distinct lower(host)) from actors where not local`).Scan(&n)
	return n, err
}

// FirstAdmin is the node admin who has been so longest (the instance's
// contact account); ErrNotFound when there is none.
func (s *Store) FirstAdmin(ctx context.Context) (*Actor, error) {
	return s.actorWhere(ctx, `id = (select actor_id from accounts where role = 'admin'
		and confirmed_at is not null and approved_at is not null order by id limit 1)`)
}
