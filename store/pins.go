package store

import "context"

// MaxPins is how many posts a person may pin (Mastodon's limit).
const MaxPins = 5

// Pin puts one of an actor's posts on its profile.
func (s *Store) Pin(ctx context.Context, actorID, objectID int64) error {
	_, err := s.db.Exec(ctx, `insert into pins (actor_id, object_id) values ($1, $2) on conflict do nothing`, actorID, objectID)
	return err
}

// Unpin takes a post off its author's profile.
func (s *Store) Unpin(ctx context.Context, actorID, objectID int64) error {
	_, err := s.db.Exec(ctx, `delete from pins where actor_id = $1 and object_id = $2`, actorID, objectID)
	return err
}

// PinnedObjects lists the live public or unlisted posts an actor pinned,
// latest pin first: its featured collection, which anyone may read.
func (s *Store) PinnedObjects(ctx context.Context, actorID int64) ([]*Object, error) {
	rows, err := s.db.Query(ctx, `select `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from pins p join objects o on o.id = p.object_id and o.attributed_to = p.actor_id
		join actors a on a.id = o.attributed_to
		where p.actor_id = $1 and o.deleted_at is null and o.type in `+postTypes+` and o.visibility in ('public', 'unlisted')
		order by p.created_at desc, o.id desc limit $2`, actorID, MaxPins)
	if err != nil {
		return nil, err
	}
	return collectObjects(rows)
}

// CountPins counts an actor's pinned posts.
func (s *Store) CountPins(ctx context.Context, actorID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `select count(*) from pins where actor_id = $1`, actorID).Scan(&n)
	return n, err
}

// PinnedAmong tells which of these objects an actor pinned.
func (s *Store) PinnedAmong(ctx context.Context, actorID int64, objectIDs []int64) (map[int64]bool, error) {
	return s.idSet(ctx, `select object_id from pins where actor_id = $1 and object_id = any($2)`, actorID, objectIDs)
}
