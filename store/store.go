// Package store is the node's PostgreSQL access: plain SQL, one file per
// table or aggregate, in methods of one Store type. PostgreSQL is the source
// of truth; nothing here knows about HTTP or ActivityPub.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when a row asked for by key does not exist.
var ErrNotFound = errors.New("not found")

// ConflictError is returned when a unique constraint refuses a write; Field
// names what is duplicated, for the caller's error message.
type ConflictError struct{ Field string }

func (e *ConflictError) Error() string { return e.Field + " already taken" }

// querier is what both a pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store runs queries on the pool, or inside one transaction when it comes
// from Tx.
type Store struct {
	pool *pgxpool.Pool
	db   querier
	// afterCommit collects what the transaction's callers want done once it
	// has committed (enqueue the tasks of the rows it wrote).
	afterCommit *[]func(context.Context)
	// changes receives the committed changes (nil: nobody listens).
	changes ChangeSink
	// pushes enqueues the Web Push messages written (nil: none).
	pushes PushQueue
}

// New wraps a pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, db: pool} }

// Pool is the underlying pool, for health checks and migrations.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Tx runs fn in one transaction: everything fn writes through the Store it is
// given lands together or not at all. Nested calls join the outer transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if _, inTx := s.db.(pgx.Tx); inTx {
		return fn(s)
	}
	var after []func(context.Context)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return fn(&Store{pool: s.pool, db: tx, afterCommit: &after, changes: s.changes, pushes: s.pushes})
	})
	if err != nil {
		return err
	}
	for _, f := range after {
		f(ctx)
	}
	return nil
}

// AfterCommit runs f once the transaction s belongs to has committed, or at
// once when s is not in a transaction (its writes are committed already).
// Nothing runs when the transaction rolls back.
func (s *Store) AfterCommit(ctx context.Context, f func(context.Context)) {
	if s.afterCommit == nil {
		f(ctx)
		return
	}
	*s.afterCommit = append(*s.afterCommit, f)
}

// defaultMaxConns is the pool size of one node process.
const defaultMaxConns = 16

// Connect opens a pool and checks that PostgreSQL answers.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	// Directory search tolerates a typo in one word of a longer skill
	// ("urbnisme" for "urbanisme opérationnel" scores 0.58).
	cfg.ConnConfig.RuntimeParams["pg_trgm.word_similarity_threshold"] = "0.5"
	// Planner settings for an interactive workload whose hot data is in
	// memory (issue 18), unless the URL sets them: JIT compiles a query for
	// tens of milliseconds once its estimated cost is high, which our page
	// queries never repay; and with the default random_page_cost of 4 the
	// home timeline's per-source index scans (a page from each followed
	// person, newest first) lose to bitmap scans that read every post of
	// each followed person (at 100,000 posts, 470 ms instead of 8 ms).
	for name, value := range map[string]string{"jit": "off", "random_page_cost": "1.1"} {
		if _, set := cfg.ConnConfig.RuntimeParams[name]; !set {
			cfg.ConnConfig.RuntimeParams[name] = value
		}
	}
	// pgxpool's default (the number of CPUs, at least 4) starves the HTTP
	// handlers and the delivery workers sharing it; pool_max_conns in the
	// URL still wins.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: %w", redactURL(url), err)
	}
	return pool, nil
}

func redactURL(u string) string {
	if at := strings.LastIndex(u, "@"); at >= 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			return u[:scheme+3] + "…" + u[at:]
		}
	}
	return u
}

// NewID returns a random, URL-safe identifier for objects and activities.
func NewID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// conflictOr turns a unique violation into a ConflictError naming field
// (from the constraint name), and passes other errors through.
func conflictOr(err error, fields map[string]string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		if f, ok := fields[pgErr.ConstraintName]; ok {
			return &ConflictError{Field: f}
		}
		return &ConflictError{Field: pgErr.ConstraintName}
	}
	return err
}

func notFoundOr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
