package store

import (
	"context"
	"time"
)

// LoginBlockedUntil tells until when sign-ins under any of keys wait (zero
// when none does).
func (s *Store) LoginBlockedUntil(ctx context.Context, keys []string) (time.Time, error) {
	var until *time.Time
	err := s.db.QueryRow(ctx, `select max(blocked_until) from login_failures where key = any($1) and blocked_until > now()`, keys).Scan(&until)
	if err != nil || until == nil {
		return time.Time{}, err
	}
	return *until, nil
}

// NoteLoginFailure counts one more failure under each key and sets how long
// the next try waits: delay(n) for the key's n-th failure. Failures older
// than forgetAfter start again from one.
func (s *Store) NoteLoginFailure(ctx context.Context, keys []string, forgetAfter time.Duration, delay func(n int) time.Duration) (time.Time, error) {
	var latest time.Time
	for _, k := range keys {
		var n int
		err := s.db.QueryRow(ctx, `insert into login_failures (key, failures, last_failure_at, blocked_until)
			values ($1, 1, now(), now())
			on conflict (key) do update set
			  failures = case when login_failures.last_failure_at < now() - make_interval(secs => $2) then 1 else login_failures.failures + 1 end,
			  last_failure_at = now()
			returning failures`, k, forgetAfter.Seconds()).Scan(&n)
		if err != nil {
			return time.Time{}, err
		}
		d := delay(n)
		if d <= 0 {
			continue
		}
		var until time.Time
		if err := s.db.QueryRow(ctx, `update login_failures set blocked_until = now() + make_interval(secs => $2) where key = $1
			returning blocked_until`, k, d.Seconds()).Scan(&until); err != nil {
			return time.Time{}, err
		}
		if until.After(latest) {
			latest = until
		}
	}
	return latest, nil
}

// ClearLoginFailures forgets the failures under a key (a successful sign-in
// to that account, or a password reset).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `delete from login_failures where key = $1`, key)
	return err
}
