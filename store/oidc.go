package store

import (
	"context"
	"time"
)

// OIDCLogin is a sign-in under way at the identity provider.
type OIDCLogin struct {
	BrowserHash []byte
	Nonce       string
	Verifier    string
	Next        string
	ExpiresAt   time.Time
}

// CreateOIDCLogin stores a sign-in under the hash of its state.
func (s *Store) CreateOIDCLogin(ctx context.Context, stateHash []byte, l *OIDCLogin) error {
	_, err := s.db.Exec(ctx, `insert into oidc_logins (state_hash, browser_hash, nonce, verifier, next, expires_at)
		values ($1, $2, $3, $4, $5, $6)`, stateHash, l.BrowserHash, l.Nonce, l.Verifier, l.Next, l.ExpiresAt)
	return err
}

// TakeOIDCLogin removes a sign-in and returns it: a state works once.
func (s *Store) TakeOIDCLogin(ctx context.Context, stateHash []byte) (*OIDCLogin, error) {
	var l OIDCLogin
	err := s.db.QueryRow(ctx, `delete from oidc_logins where state_hash = $1
		returning browser_hash, nonce, verifier, next, expires_at`, stateHash).Scan(&l.BrowserHash, &l.Nonce, &l.Verifier, &l.Next, &l.ExpiresAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	_, _ = s.db.Exec(ctx, `delete from oidc_logins where expires_at < now()`)
	return &l, nil
}

// AccountByIdentity finds the account of a provider's (issuer, subject).
func (s *Store) AccountByIdentity(ctx context.Context, issuer, subject string) (*Account, error) {
	return scanAccount(s.db.QueryRow(ctx, `select `+prefixed("a", accountColumns)+` from accounts a
		join oidc_identities i on i.account_id = a.id where i.issuer = $1 and i.subject = $2`, issuer, subject))
}

// LinkIdentity ties a provider's identity to an account.
func (s *Store) LinkIdentity(ctx context.Context, issuer, subject string, accountID int64, email string) error {
	_, err := s.db.Exec(ctx, `insert into oidc_identities (issuer, subject, account_id, email, last_login_at)
		values ($1, $2, $3, $4, now()) on conflict (issuer, subject) do update set email = excluded.email, last_login_at = now()`,
		issuer, subject, accountID, email)
	return conflictOr(err, map[string]string{"oidc_identities_account": "account"})
}

// OIDCPendingLink is a provider identity waiting for the password of the
// account that has its address.
type OIDCPendingLink struct {
	AccountID int64
	Issuer    string
	Subject   string
	Email     string
	IDToken   string
	ExpiresAt time.Time
}

// CreatePendingLink stores a pending link under the hash of its token.
func (s *Store) CreatePendingLink(ctx context.Context, hash []byte, l *OIDCPendingLink) error {
	_, err := s.db.Exec(ctx, `insert into oidc_pending_links (hash, account_id, issuer, subject, email, id_token, expires_at)
		values ($1, $2, $3, $4, $5, $6, $7)`, hash, l.AccountID, l.Issuer, l.Subject, l.Email, l.IDToken, l.ExpiresAt)
	return err
}

// PendingLink reads a live pending link.
func (s *Store) PendingLink(ctx context.Context, hash []byte) (*OIDCPendingLink, error) {
	var l OIDCPendingLink
	err := s.db.QueryRow(ctx, `select account_id, issuer, subject, email, id_token, expires_at from oidc_pending_links
		where hash = $1 and expires_at > now()`, hash).Scan(&l.AccountID, &l.Issuer, &l.Subject, &l.Email, &l.IDToken, &l.ExpiresAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &l, nil
}

// DeletePendingLink forgets a pending link once used.
func (s *Store) DeletePendingLink(ctx context.Context, hash []byte) error {
	_, err := s.db.Exec(ctx, `delete from oidc_pending_links where hash = $1`, hash)
	return err
}
