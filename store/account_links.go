package store

import (
	"context"
	"time"
)

// Purposes of the links sent by mail.
const (
	LinkConfirm = "confirm"
	LinkReset   = "reset"
)

// AccountLink is a single-use link sent by mail; only its token's hash is kept.
type AccountLink struct {
	AccountID int64
	Purpose   string
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateAccountLink stores a link under the hash of its token.
func (s *Store) CreateAccountLink(ctx context.Context, hash []byte, l *AccountLink) error {
	return s.db.QueryRow(ctx, `insert into account_links (hash, account_id, purpose, email, expires_at)
		values ($1, $2, $3, $4, $5) returning created_at`, hash, l.AccountID, l.Purpose, l.Email, l.ExpiresAt).Scan(&l.CreatedAt)
}

// UseAccountLink marks a live link as used and returns it; a link that is
// unknown, used already, expired or of another purpose is ErrNotFound. Two
// clicks at once: only one gets the link.
func (s *Store) UseAccountLink(ctx context.Context, hash []byte, purpose string) (*AccountLink, error) {
	var l AccountLink
	err := s.db.QueryRow(ctx, `update account_links set used_at = now()
		where hash = $1 and purpose = $2 and used_at is null and expires_at > now()
		returning account_id, purpose, email, created_at, expires_at`, hash, purpose).
		Scan(&l.AccountID, &l.Purpose, &l.Email, &l.CreatedAt, &l.ExpiresAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &l, nil
}

// LinksSince counts the links of a purpose made for an account since a
// time, and tells when the last one was made (zero when none).
func (s *Store) LinksSince(ctx context.Context, accountID int64, purpose string, since time.Time) (n int, last time.Time, err error) {
	var lastPtr *time.Time
	err = s.db.QueryRow(ctx, `select count(*), max(created_at) from account_links
		where account_id = $1 and purpose = $2 and created_at > $3`, accountID, purpose, since).Scan(&n, &lastPtr)
	if lastPtr != nil {
		last = *lastPtr
	}
	return n, last, err
}

// ExpireAccountLinks voids an account's unused links of a purpose (after a
// reset, the other reset links).
func (s *Store) ExpireAccountLinks(ctx context.Context, accountID int64, purpose string) error {
	_, err := s.db.Exec(ctx, `update account_links set expires_at = now() where account_id = $1 and purpose = $2
		and used_at is null and expires_at > now()`, accountID, purpose)
	return err
}

// DeleteOldAccountLinks forgets links expired for a while.
func (s *Store) DeleteOldAccountLinks(ctx context.Context, before time.Time) error {
	_, err := s.db.Exec(ctx, `delete from account_links where expires_at < $1`, before)
	return err
}

// AccountLinkLive tells whether a link can still be used, without using it.
func (s *Store) AccountLinkLive(ctx context.Context, hash []byte, purpose string) (bool, error) {
	var live bool
	err := s.db.QueryRow(ctx, `select exists (select 1 from account_links where hash = $1 and purpose = $2
		and used_at is null and expires_at > now())`, hash, purpose).Scan(&live)
	return live, err
}
