package store

import "context"

// LikeOf returns the URI of actor's Like of an object ("" when it has none).
func (s *Store) LikeOf(ctx context.Context, actorID, objectID int64) (string, error) {
	var uri string
	err := s.db.QueryRow(ctx, `select activity_uri from likes where actor_id = $1 and object_id = $2`, actorID, objectID).Scan(&uri)
	if err = notFoundOr(err); err == ErrNotFound {
		return "", nil
	}
	return uri, err
}

// AddLike records a like; a repeated one changes nothing.
func (s *Store) AddLike(ctx context.Context, actorID, objectID int64, activityURI string) error {
	_, err := s.db.Exec(ctx, `insert into likes (actor_id, object_id, activity_uri) values ($1, $2, $3) on conflict do nothing`,
		actorID, objectID, activityURI)
	return err
}

// RemoveLike forgets a like.
func (s *Store) RemoveLike(ctx context.Context, actorID, objectID int64) error {
	_, err := s.db.Exec(ctx, `delete from likes where actor_id = $1 and object_id = $2`, actorID, objectID)
	return err
}

// RemoveLikeByActivity forgets the like made by an activity of an actor and
// returns the object it was about (0 when there was none).
func (s *Store) RemoveLikeByActivity(ctx context.Context, actorID int64, activityURI string) (int64, error) {
	var objectID int64
	err := s.db.QueryRow(ctx, `delete from likes where actor_id = $1 and activity_uri = $2 returning object_id`,
		actorID, activityURI).Scan(&objectID)
	if err = notFoundOr(err); err == ErrNotFound {
		return 0, nil
	}
	return objectID, err
}

// Liker is someone who liked (or shared) a post, with the id of the like
// (or share) that lists page on.
type Liker struct {
	MarkID int64
	Actor  *Actor
}

// LikersOf lists who liked an object, the latest like first.
func (s *Store) LikersOf(ctx context.Context, objectID int64, p Page) ([]Liker, error) {
	return s.markers(ctx, `select l.id, `+prefixed("a", actorColumns)+` from likes l join actors a on a.id = l.actor_id
		where l.object_id = $1 and l.id < $2 and l.id > $3 order by l.id `+p.normalised().order()+` limit $4`, objectID, p)
}

// SharersOf lists who shares a post, the latest share first.
func (s *Store) SharersOf(ctx context.Context, uri string, p Page) ([]Liker, error) {
	return s.markers(ctx, `select o.id, `+prefixed("a", actorColumns)+` from objects o join actors a on a.id = o.attributed_to
		where o.type = 'Announce' and o.url = $1 and o.deleted_at is null and o.id < $2 and o.id > $3
		order by o.id `+p.normalised().order()+` limit $4`, uri, p)
}

func (s *Store) markers(ctx context.Context, sql string, key any, p Page) ([]Liker, error) {
	p = p.normalised()
	rows, err := s.db.Query(ctx, sql, key, p.MaxID, p.lower(), p.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Liker
	for rows.Next() {
		var l Liker
		var err error
		if l.Actor, err = scanActorAfter(rows, &l.MarkID); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return inOrder(p, out), rows.Err()
}
