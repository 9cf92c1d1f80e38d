package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// Activity is an activity sent or received, stored under its id.
type Activity struct {
	ID          int64
	URI         string
	Type        string
	ActorURI    string
	ObjectURI   string
	Local       bool
	Raw         json.RawMessage
	Signer      string
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Error       string
}

// InsertActivity stores an activity; inserted is false when one with the same
// id was already there (a repeated delivery), and then nothing changes.
func (s *Store) InsertActivity(ctx context.Context, a *Activity) (inserted bool, err error) {
	err = s.db.QueryRow(ctx, `insert into activities (uri, type, actor_uri, object_uri, local, raw, signer, processed_at)
		values ($1,$2,$3,$4,$5,$6,$7, case when $5 then now() end) on conflict (uri) do nothing returning id, received_at`,
		a.URI, a.Type, a.ActorURI, a.ObjectURI, a.Local, []byte(a.Raw), a.Signer).Scan(&a.ID, &a.ReceivedAt)
	if err = notFoundOr(err); err == ErrNotFound {
		return false, nil
	}
	return err == nil, err
}

// ActivityByID loads an activity.
func (s *Store) ActivityByID(ctx context.Context, id int64) (*Activity, error) {
	return s.activityWhere(ctx, `id = $1`, id)
}

// ActivityByURI loads an activity by its ActivityPub id.
func (s *Store) ActivityByURI(ctx context.Context, uri string) (*Activity, error) {
	return s.activityWhere(ctx, `uri = $1`, uri)
}

func (s *Store) activityWhere(ctx context.Context, where string, args ...any) (*Activity, error) {
	var a Activity
	var raw []byte
	err := s.db.QueryRow(ctx, `select id, uri, type, actor_uri, object_uri, local, raw, signer, received_at, processed_at, error
		from activities where `+where, args...).Scan(&a.ID, &a.URI, &a.Type, &a.ActorURI, &a.ObjectURI, &a.Local, &raw,
		&a.Signer, &a.ReceivedAt, &a.ProcessedAt, &a.Error)
	if err != nil {
		return nil, notFoundOr(err)
	}
	a.Raw = raw
	return &a, nil
}

// MarkProcessed records that an inbound activity was handled (errMsg empty)
// or refused for good.
func (s *Store) MarkProcessed(ctx context.Context, id int64, errMsg string) error {
	_, err := s.db.Exec(ctx, `update activities set processed_at = now(), error = $2 where id = $1`, id, errMsg)
	return err
}

// UnprocessedActivities lists received activities not yet handled and older
// than olderThan, for the reconciler.
func (s *Store) UnprocessedActivities(ctx context.Context, olderThan time.Duration, limit int) ([]int64, error) {
	rows, err := s.db.Query(ctx, `select id from activities where processed_at is null and not local
		and received_at < now() - make_interval(secs => $1) order by id limit $2`, olderThan.Seconds(), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
