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
