package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tiers, from most to least rights.
const (
	TierState   = "state"
	TierPublic  = "public"
	TierPartner = "partner"
)

// Node roles.
const (
	RoleAdmin     = "admin"
	RoleUnitAdmin = "unit-admin"
	RoleMember    = "member"
)

// Account is a local login attached to a Person actor.
type Account struct {
	ID           int64
	ActorID      int64
	Username     string
	Email        string
	PasswordHash string
	Tier         string
	Role         string
	UnitID       *int64
	CreatedAt    time.Time
	// ConfirmedAt is when the address was confirmed; ApprovedAt when the
	// account was approved (at once unless the node approves sign-ups).
	ConfirmedAt *time.Time
	ApprovedAt  *time.Time
	Locale      string
	// PendingEmail is a new address waiting for its confirmation.
	PendingEmail       string
	RegistrationReason string
	LastSignInAt       *time.Time
	LastSignInIP       string
}

// Active tells whether the account may act: confirmed and approved.
func (a *Account) Active() bool { return a.ConfirmedAt != nil && a.ApprovedAt != nil }

// HasPassword is false for accounts made by single sign-on.
func (a *Account) HasPassword() bool { return a.PasswordHash != "" }

const accountColumns = `id, actor_id, username, email, password_hash, tier, role, unit_id, created_at, confirmed_at, approved_at, locale, pending_email, registration_reason, last_sign_in_at, last_sign_in_ip`

func scanAccount(row rowScanner) (*Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.ActorID, &a.Username, &a.Email, &a.PasswordHash, &a.Tier, &a.Role, &a.UnitID, &a.CreatedAt,
		&a.ConfirmedAt, &a.ApprovedAt, &a.Locale, &a.PendingEmail, &a.RegistrationReason, &a.LastSignInAt, &a.LastSignInIP)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &a, nil
}

var accountConflicts = map[string]string{"accounts_username": "username", "accounts_email": "email", "accounts_actor_id_key": "actor"}

// CreateAccount inserts an account and sets its ID.
func (s *Store) CreateAccount(ctx context.Context, a *Account) error {
	if a.Locale == "" {
		a.Locale = "fr"
	}
	err := s.db.QueryRow(ctx, `insert into accounts (actor_id, username, email, password_hash, tier, role, unit_id,
		confirmed_at, approved_at, locale, registration_reason)
		values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) returning id, created_at`,
		a.ActorID, a.Username, a.Email, a.PasswordHash, a.Tier, a.Role, a.UnitID,
		a.ConfirmedAt, a.ApprovedAt, a.Locale, a.RegistrationReason).Scan(&a.ID, &a.CreatedAt)
	return conflictOr(err, accountConflicts)
}

// AccountByID loads an account.
func (s *Store) AccountByID(ctx context.Context, id int64) (*Account, error) {
	return scanAccount(s.db.QueryRow(ctx, `select `+accountColumns+` from accounts where id = $1`, id))
}

// AccountByUsername loads an account by its username (case-insensitive).
func (s *Store) AccountByUsername(ctx context.Context, username string) (*Account, error) {
	return scanAccount(s.db.QueryRow(ctx, `select `+accountColumns+` from accounts where lower(username) = lower($1)`, username))
}

// AccountByEmail loads an account by e-mail (case-insensitive).
func (s *Store) AccountByEmail(ctx context.Context, email string) (*Account, error) {
	return scanAccount(s.db.QueryRow(ctx, `select `+accountColumns+` from accounts where lower(email) = lower($1)`, email))
}

// AccountByActorID loads the account of a local actor.
func (s *Store) AccountByActorID(ctx context.Context, actorID int64) (*Account, error) {
	return scanAccount(s.db.QueryRow(ctx, `select `+accountColumns+` from accounts where actor_id = $1`, actorID))
}

// UpdateAccountRights writes tier, role and unit.
func (s *Store) UpdateAccountRights(ctx context.Context, a *Account) error {
	tag, err := s.db.Exec(ctx, `update accounts set tier = $2, role = $3, unit_id = $4 where id = $1`,
		a.ID, a.Tier, a.Role, a.UnitID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// SetPassword replaces an account's password hash.
func (s *Store) SetPassword(ctx context.Context, accountID int64, hash string) error {
	_, err := s.db.Exec(ctx, `update accounts set password_hash = $2 where id = $1`, accountID, hash)
	return err
}

// AccountsInUnits lists the accounts whose unit is one of unitIDs.
func (s *Store) AccountsInUnits(ctx context.Context, unitIDs []int64) ([]*Account, error) {
	rows, err := s.db.Query(ctx, `select `+accountColumns+` from accounts where unit_id = any($1) order by username`, unitIDs)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Account, error) { return scanAccount(r) })
}

// CountAccounts counts the local accounts that may act (NodeInfo's users).
func (s *Store) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from accounts where confirmed_at is not null and approved_at is not null`).Scan(&n)
	return n, err
}

// AdminActorIDs lists the actors of the node's active admins.
func (s *Store) AdminActorIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.db.Query(ctx, `select actor_id from accounts where role = 'admin'
		and confirmed_at is not null and approved_at is not null order by id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// inactiveAccountOf is true for a local actor whose account may not act yet
// (address not confirmed, or sign-up not approved): such an actor is not
// found by handle, in the directory or by peers until it is.
const inactiveAccountOf = `exists (select 1 from accounts ac where ac.actor_id = %s.id
	and (ac.confirmed_at is null or ac.approved_at is null))`

func inactiveAccount(alias string) string { return fmt.Sprintf(inactiveAccountOf, alias) }

// ConfirmAddress records that the account's owner received mail at email:
// it becomes the account's address and the account is confirmed.
func (s *Store) ConfirmAddress(ctx context.Context, accountID int64, email string) error {
	_, err := s.db.Exec(ctx, `update accounts set email = $2, confirmed_at = coalesce(confirmed_at, now()),
		pending_email = case when lower(pending_email) = lower($2) then '' else pending_email end where id = $1`, accountID, email)
	return conflictOr(err, accountConflicts)
}

// SetPendingEmail records a new address waiting for its confirmation.
func (s *Store) SetPendingEmail(ctx context.Context, accountID int64, email string) error {
	_, err := s.db.Exec(ctx, `update accounts set pending_email = $2 where id = $1`, accountID, email)
	return err
}

// ApproveAccount records an admin's approval of a sign-up.
func (s *Store) ApproveAccount(ctx context.Context, accountID int64) error {
	tag, err := s.db.Exec(ctx, `update accounts set approved_at = now() where id = $1 and approved_at is null`, accountID)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return err
}

// DeleteLocalAccount removes an account and its actor (a refused sign-up,
// which never federated).
func (s *Store) DeleteLocalAccount(ctx context.Context, accountID int64) error {
	_, err := s.db.Exec(ctx, `delete from actors where local and id = (select actor_id from accounts where id = $1)`, accountID)
	return err
}

// SetTier writes an account's tier and the tier its actor publishes.
func (s *Store) SetTier(ctx context.Context, accountID int64, tier string) error {
	_, err := s.db.Exec(ctx, `with a as (update accounts set tier = $2 where id = $1 returning actor_id)
		update actors set tier = $2, updated_at = now() from a where actors.id = a.actor_id`, accountID, tier)
	return err
}

// SetLocale writes the language of an account's mails.
func (s *Store) SetLocale(ctx context.Context, accountID int64, locale string) error {
	_, err := s.db.Exec(ctx, `update accounts set locale = $2 where id = $1`, accountID, locale)
	return err
}

// NoteSignIn records a successful sign-in and the address it came from.
func (s *Store) NoteSignIn(ctx context.Context, accountID int64, ip string) error {
	_, err := s.db.Exec(ctx, `update accounts set last_sign_in_at = now(), last_sign_in_ip = $2 where id = $1`, accountID, ip)
	return err
}

// AccountsAwaitingApproval lists sign-ups an admin has not answered, oldest first.
func (s *Store) AccountsAwaitingApproval(ctx context.Context, limit int) ([]*Account, error) {
	rows, err := s.db.Query(ctx, `select `+accountColumns+` from accounts where approved_at is null order by created_at limit $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Account, error) { return scanAccount(r) })
}

// AccountFilter narrows the admin's list of accounts (Mastodon's
// /api/v1/admin/accounts parameters).
type AccountFilter struct {
	Username string // exact, case-insensitive
	Email    string // exact, case-insensitive
	Pending  bool   // awaiting approval only
	MaxID    int64  // ids below this one
	Limit    int
}

// FilterAccounts lists accounts, newest first.
func (s *Store) FilterAccounts(ctx context.Context, f AccountFilter) ([]*Account, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 100
	}
	rows, err := s.db.Query(ctx, `select `+accountColumns+` from accounts
		where ($1 = '' or lower(username) = lower($1)) and ($2 = '' or lower(email) = lower($2))
		  and (not $3 or approved_at is null) and ($4 = 0 or id < $4)
		order by id desc limit $5`, f.Username, f.Email, f.Pending, f.MaxID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Account, error) { return scanAccount(r) })
}
