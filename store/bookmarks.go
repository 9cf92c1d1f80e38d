package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SetBookmark adds or removes a reader's bookmark of an object.
func (s *Store) SetBookmark(ctx context.Context, actorID, objectID int64, on bool) error {
	sql := `delete from bookmarks where actor_id = $1 and object_id = $2`
	if on {
		sql = `insert into bookmarks (actor_id, object_id) values ($1, $2) on conflict do nothing`
	}
	_, err := s.db.Exec(ctx, sql, actorID, objectID)
	return err
}

// BookmarkedAmong tells which of these objects a reader bookmarked.
func (s *Store) BookmarkedAmong(ctx context.Context, actorID int64, objectIDs []int64) (map[int64]bool, error) {
	return s.idSet(ctx, `select object_id from bookmarks where actor_id = $1 and object_id = any($2)`, actorID, objectIDs)
}

// idSet runs a query of ids and returns them as a set.
func (s *Store) idSet(ctx context.Context, sql string, args ...any) (map[int64]bool, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// Marked is a post in a reader's list of bookmarks or favourites, with the
// id of the bookmark or like, which the list pages on (as Mastodon does).
type Marked struct {
	MarkID int64
	Object *Object
}

// Bookmarks lists the live posts a reader bookmarked, the newest bookmark
// first, paged on bookmark ids.
func (s *Store) Bookmarks(ctx context.Context, actorID int64, p Page) ([]Marked, error) {
	return s.marked(ctx, `bookmarks`, actorID, p)
}

// Favourites lists the live posts a reader liked, the newest like first,
// paged on like ids.
func (s *Store) Favourites(ctx context.Context, actorID int64, p Page) ([]Marked, error) {
	return s.marked(ctx, `likes`, actorID, p)
}

func (s *Store) marked(ctx context.Context, table string, actorID int64, p Page) ([]Marked, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, `select m.id, `+prefixed("o", objectColumns)+`, `+prefixed("a", actorColumns)+`
		from `+table+` m join objects o on o.id = m.object_id join actors a on a.id = o.attributed_to
		where m.actor_id = $1 and m.id < $2 and m.id > $3 and o.deleted_at is null and o.type in `+postTypes+`
		order by m.id `+p.order()+` limit $4`, actorID, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Marked
	for rows.Next() {
		var m Marked
		var err error
		if m.Object, err = scanObject(rows, &m.MarkID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return inOrder(p, out), rows.Err()
}
