// Package migrations holds the numbered SQL files of the schema, embedded in
// the binary, and applies them with tern under its advisory lock.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed *.sql
var files embed.FS

// versionTable is where tern records the applied version.
const versionTable = "schema_version"

// Apply brings the database to the latest version and returns it. Several
// processes may call it at once: tern serialises them with an advisory lock.
func Apply(ctx context.Context, pool *pgxpool.Pool) (int32, error) {
	return ApplyTo(ctx, pool, -1)
}

// ApplyTo brings the database to one version (-1: the latest), for tests of
// a migration's handling of the rows before it.
func ApplyTo(ctx context.Context, pool *pgxpool.Pool, version int32) (int32, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	sub, err := fs.Sub(files, ".")
	if err != nil {
		return 0, err
	}
	if err := m.LoadMigrations(sub); err != nil {
		return 0, fmt.Errorf("migrate: load: %w", err)
	}
	if version < 0 {
		err = m.Migrate(ctx)
	} else {
		err = m.MigrateTo(ctx, version)
	}
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return m.GetCurrentVersion(ctx)
}
