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
	if err := m.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return m.GetCurrentVersion(ctx)
}
