package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// OAuthApp is a client registered with POST /api/v1/apps.
type OAuthApp struct {
	ID           int64
	ClientID     string
	SecretHash   []byte
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       string
	CreatedAt    time.Time
}

const appColumns = `id, client_id, secret_hash, name, website, redirect_uris, scopes, created_at`

func scanApp(row rowScanner) (*OAuthApp, error) {
	var a OAuthApp
	if err := row.Scan(&a.ID, &a.ClientID, &a.SecretHash, &a.Name, &a.Website, &a.RedirectURIs, &a.Scopes, &a.CreatedAt); err != nil {
		return nil, notFoundOr(err)
	}
	return &a, nil
}

// CreateApp registers an app and sets its ID.
func (s *Store) CreateApp(ctx context.Context, a *OAuthApp) error {
	return s.db.QueryRow(ctx, `insert into oauth_apps (client_id, secret_hash, name, website, redirect_uris, scopes)
		values ($1, $2, $3, $4, $5, $6) returning id, created_at`,
		a.ClientID, a.SecretHash, a.Name, a.Website, a.RedirectURIs, a.Scopes).Scan(&a.ID, &a.CreatedAt)
}

// AppByClientID loads an app by its client id.
func (s *Store) AppByClientID(ctx context.Context, clientID string) (*OAuthApp, error) {
	return scanApp(s.db.QueryRow(ctx, `select `+appColumns+` from oauth_apps where client_id = $1`, clientID))
}

// AppByID loads an app.
func (s *Store) AppByID(ctx context.Context, id int64) (*OAuthApp, error) {
	return scanApp(s.db.QueryRow(ctx, `select `+appColumns+` from oauth_apps where id = $1`, id))
}

// OAuthCode is an authorization code waiting for its exchange.
type OAuthCode struct {
	AppID               int64
	AccountID           int64
	RedirectURI         string
	Scopes              string
	CodeChallenge       string
	CodeChallengeMethod string
	ExpiresAt           time.Time
	UsedAt              *time.Time
	TokenID             *int64
}

// CreateCode stores a code under its hash.
func (s *Store) CreateCode(ctx context.Context, hash []byte, c *OAuthCode) error {
	_, err := s.db.Exec(ctx, `insert into oauth_codes (hash, app_id, account_id, redirect_uri, scopes, code_challenge,
		code_challenge_method, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
		hash, c.AppID, c.AccountID, c.RedirectURI, c.Scopes, c.CodeChallenge, c.CodeChallengeMethod, c.ExpiresAt)
	return err
}

// UseCode marks a code used and returns it as it was; a code used before is
// returned with UsedAt set (the caller revokes what it gave).
func (s *Store) UseCode(ctx context.Context, hash []byte) (*OAuthCode, error) {
	var c OAuthCode
	err := s.db.QueryRow(ctx, `with old as (select * from oauth_codes where hash = $1 for update)
		update oauth_codes o set used_at = coalesce(o.used_at, now()) from old where o.hash = old.hash
		returning old.app_id, old.account_id, old.redirect_uri, old.scopes, old.code_challenge, old.code_challenge_method,
		old.expires_at, old.used_at, old.token_id`, hash).
		Scan(&c.AppID, &c.AccountID, &c.RedirectURI, &c.Scopes, &c.CodeChallenge, &c.CodeChallengeMethod, &c.ExpiresAt, &c.UsedAt, &c.TokenID)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &c, nil
}

// SetCodeToken records the token a code gave.
func (s *Store) SetCodeToken(ctx context.Context, hash []byte, tokenID int64) error {
	_, err := s.db.Exec(ctx, `update oauth_codes set token_id = $2 where hash = $1`, hash, tokenID)
	return err
}

// DeleteOldCodes forgets codes expired before a time.
func (s *Store) DeleteOldCodes(ctx context.Context, before time.Time) error {
	_, err := s.db.Exec(ctx, `delete from oauth_codes where expires_at < $1`, before)
	return err
}

// Token is an access token: personal (no app), of an app for an account,
// or of an app alone (no account).
type Token struct {
	ID         int64
	AccountID  *int64
	AppID      *int64
	Name       string
	Scopes     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	AppName    string
}

// InsertToken stores a token's hash with its scopes and returns its id.
func (s *Store) InsertToken(ctx context.Context, hash []byte, t *Token) error {
	return s.db.QueryRow(ctx, `insert into tokens (account_id, app_id, hash, name, scopes) values ($1, $2, $3, $4, $5)
		returning id, created_at`, t.AccountID, t.AppID, hash, t.Name, t.Scopes).Scan(&t.ID, &t.CreatedAt)
}

// TokenByHash finds a token and notes its use. The use is written at most
// once a minute per token: every API request reads its token, and a
// committed write (a WAL flush) on each read was the largest part of a
// cheap GET's cost.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*Token, error) {
	var t Token
	err := s.db.QueryRow(ctx, `with t as (select id, account_id, app_id, name, scopes, created_at, last_used_at
		  from tokens where hash = $1),
		used as (update tokens set last_used_at = now() where id = (select id from t)
		  and (last_used_at is null or last_used_at < now() - interval '1 minute') returning last_used_at)
		select id, account_id, app_id, name, scopes, created_at, coalesce((select last_used_at from used), last_used_at) from t`, hash).
		Scan(&t.ID, &t.AccountID, &t.AppID, &t.Name, &t.Scopes, &t.CreatedAt, &t.LastUsedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &t, nil
}

// DeleteTokenByHash revokes one token, when appID is nil or the token is
// that app's; it says whether one was revoked.
func (s *Store) DeleteTokenByHash(ctx context.Context, hash []byte, appID *int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `delete from tokens where hash = $1 and ($2::bigint is null or app_id = $2)`, hash, appID)
	return err == nil && tag.RowsAffected() > 0, err
}

// DeleteToken revokes a token of an account by id.
func (s *Store) DeleteToken(ctx context.Context, accountID, tokenID int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `delete from tokens where id = $1 and account_id = $2`, tokenID, accountID)
	return err == nil && tag.RowsAffected() > 0, err
}

// DeleteTokenByID revokes a token whatever its owner (a replayed code).
func (s *Store) DeleteTokenByID(ctx context.Context, tokenID int64) error {
	_, err := s.db.Exec(ctx, `delete from tokens where id = $1`, tokenID)
	return err
}

// DeleteAppTokens revokes an app's access to an account (settings page).
func (s *Store) DeleteAppTokens(ctx context.Context, accountID, appID int64) error {
	_, err := s.db.Exec(ctx, `delete from tokens where account_id = $1 and app_id = $2`, accountID, appID)
	return err
}

// AccountTokens lists an account's tokens, with their app's name.
func (s *Store) AccountTokens(ctx context.Context, accountID int64) ([]*Token, error) {
	rows, err := s.db.Query(ctx, `select t.id, t.account_id, t.app_id, t.name, t.scopes, t.created_at, t.last_used_at,
		coalesce(a.name, '') from tokens t left join oauth_apps a on a.id = t.app_id
		where t.account_id = $1 order by t.id desc`, accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Token, error) {
		var t Token
		err := r.Scan(&t.ID, &t.AccountID, &t.AppID, &t.Name, &t.Scopes, &t.CreatedAt, &t.LastUsedAt, &t.AppName)
		return &t, err
	})
}
