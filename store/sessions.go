package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// SessionInfo is what the settings page shows of a signed-in browser.
type SessionInfo struct {
	ID         int64
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Current    bool
}

// CreateSessionFrom is CreateSession with what the settings page shows
// (address, browser) and, for a single sign-on, the provider's ID token.
func (s *Store) CreateSessionFrom(ctx context.Context, tokenHash []byte, accountID int64, csrf string, expires time.Time, ip, userAgent, idToken string) error {
	_, err := s.db.Exec(ctx, `insert into sessions (token_hash, account_id, csrf_token, expires_at, ip, user_agent, id_token)
		values ($1, $2, $3, $4, $5, $6, $7)`, tokenHash, accountID, csrf, expires, ip, userAgent, idToken)
	return err
}

// SessionIDToken is the ID token a single sign-on session keeps ("" for others).
func (s *Store) SessionIDToken(ctx context.Context, tokenHash []byte) (string, error) {
	var t string
	err := s.db.QueryRow(ctx, `select id_token from sessions where token_hash = $1`, tokenHash).Scan(&t)
	return t, notFoundOr(err)
}

// AccountSessions lists an account's live sessions, the current one marked.
func (s *Store) AccountSessions(ctx context.Context, accountID int64, current []byte) ([]SessionInfo, error) {
	rows, err := s.db.Query(ctx, `select id, ip, user_agent, created_at, last_seen_at, token_hash = $2 from sessions
		where account_id = $1 and expires_at > now() order by last_seen_at desc`, accountID, current)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[SessionInfo])
}

// DeleteAccountSession ends one of an account's sessions by id.
func (s *Store) DeleteAccountSession(ctx context.Context, accountID, id int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `delete from sessions where account_id = $1 and id = $2`, accountID, id)
	return err == nil && tag.RowsAffected() > 0, err
}
