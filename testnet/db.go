// Package testnet starts real Archipel nodes for tests: each with its own
// PostgreSQL database, its own HTTP listener on a loopback port and its own
// queues on the shared Redis, driven through their public interfaces.
package testnet

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/archipel-social/archipel/migrations"
	"github.com/archipel-social/archipel/store"
)

// AdminDatabaseURL is where test databases are created; override with
// ARCHIPEL_TEST_DATABASE_URL.
func AdminDatabaseURL() string {
	if u := os.Getenv("ARCHIPEL_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the Redis the tests use; override with ARCHIPEL_TEST_REDIS_URL.
func RedisURL() string {
	if u := os.Getenv("ARCHIPEL_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// NewDatabase creates a throw-away database with a unique name and drops it
// when the test ends. It returns the database's URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "archipel_test_" + store.NewID()
	admin, err := pgx.Connect(ctx, AdminDatabaseURL())
	if err != nil {
		t.Fatalf("test database: %v (is PostgreSQL running? see README)", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "create database "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminDatabaseURL())
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "drop database if exists "+name+" with (force)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(AdminDatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	// Many nodes share the test server's connections (100 by default).
	q := u.Query()
	q.Set("pool_max_conns", "6")
	u.RawQuery = q.Encode()
	return u.String()
}

// NewStore is a store on a throw-away database with the schema applied, for
// tests of queries without a node.
func NewStore(t testing.TB) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := store.Connect(ctx, NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := migrations.Apply(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return store.New(pool), pool
}
