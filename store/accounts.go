package store

import (
	"context"
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
}

const accountColumns = `id, actor_id, username, email, password_hash, tier, role, unit_id, created_at`

func scanAccount(row rowScanner) (*Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.ActorID, &a.Username, &a.Email, &a.PasswordHash, &a.Tier, &a.Role, &a.UnitID, &a.CreatedAt)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return &a, nil
}

var accountConflicts = map[string]string{"accounts_username": "username", "accounts_email": "email", "accounts_actor_id_key": "actor"}

// CreateAccount inserts an account and sets its ID.
func (s *Store) CreateAccount(ctx context.Context, a *Account) error {
	err := s.db.QueryRow(ctx, `insert into accounts (actor_id, username, email, password_hash, tier, role, unit_id)
		values ($1,$2,$3,$4,$5,$6,$7) returning id, created_at`,
		a.ActorID, a.Username, a.Email, a.PasswordHash, a.Tier, a.Role, a.UnitID).Scan(&a.ID, &a.CreatedAt)
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

// CountAccounts counts local accounts.
func (s *Store) CountAccounts(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `select count(*) from accounts`).Scan(&n)
	return n, err
}
