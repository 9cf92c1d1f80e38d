package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Marker timelines (Mastodon's markers).
const (
	MarkerHome          = "home"
	MarkerNotifications = "notifications"
)

// Marker is where a reader stopped reading a timeline.
type Marker struct {
	Timeline   string
	LastReadID int64
	Version    int
	UpdatedAt  time.Time
}

// Markers returns a reader's markers of the given timelines that exist.
func (s *Store) Markers(ctx context.Context, actorID int64, timelines []string) (map[string]Marker, error) {
	rows, err := s.db.Query(ctx, `select timeline, last_read_id, version, updated_at from markers
		where actor_id = $1 and timeline = any($2)`, actorID, timelines)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Marker])
	out := make(map[string]Marker, len(list))
	for _, m := range list {
		out[m.Timeline] = m
	}
	return out, err
}

// SetMarker moves a reader's marker of a timeline and returns it.
func (s *Store) SetMarker(ctx context.Context, actorID int64, timeline string, lastReadID int64) (Marker, error) {
	m := Marker{Timeline: timeline}
	err := s.db.QueryRow(ctx, `insert into markers (actor_id, timeline, last_read_id) values ($1, $2, $3)
		on conflict (actor_id, timeline) do update set last_read_id = excluded.last_read_id,
		version = markers.version + 1, updated_at = now()
		returning last_read_id, version, updated_at`, actorID, timeline, lastReadID).Scan(&m.LastReadID, &m.Version, &m.UpdatedAt)
	return m, err
}

// LatestNotificationID is the id of a recipient's newest notification (0
// when none), to mark everything read.
func (s *Store) LatestNotificationID(ctx context.Context, recipient int64) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `select coalesce(max(id), 0) from notifications where recipient_id = $1`, recipient).Scan(&id)
	return id, err
}
