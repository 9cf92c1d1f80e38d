package store

import (
	"context"
)

// CreateToken stores the hash of a personal access token.
func (s *Store) CreateToken(ctx context.Context, accountID int64, hash []byte, name string) error {
	_, err := s.db.Exec(ctx, `insert into tokens (account_id, hash, name) values ($1, $2, $3)`, accountID, hash, name)
	return err
}

// AccountByTokenHash finds the account a token belongs to and notes its use.
func (s *Store) AccountByTokenHash(ctx context.Context, hash []byte) (*Account, error) {
	return scanAccount(s.db.QueryRow(ctx, `with t as (
		update tokens set last_used_at = now() where hash = $1 returning account_id)
		select `+prefixed("a", accountColumns)+` from accounts a join t on t.account_id = a.id`, hash))
}

// DeleteAccountTokens revokes every token of an account (after a password
// reset): personal tokens and those of apps alike.
func (s *Store) DeleteAccountTokens(ctx context.Context, accountID int64) error {
	_, err := s.db.Exec(ctx, `delete from tokens where account_id = $1`, accountID)
	return err
}
