package store

import "context"

// SetNoteSource keeps the text a local post was written from.
func (s *Store) SetNoteSource(ctx context.Context, objectID int64, text string) error {
	_, err := s.db.Exec(ctx, `insert into note_sources (object_id, text) values ($1, $2)
		on conflict (object_id) do update set text = excluded.text`, objectID, text)
	return err
}

// NoteSource returns the text a local post was written from ("" when the
// post predates sources).
func (s *Store) NoteSource(ctx context.Context, objectID int64) (string, error) {
	var text string
	err := s.db.QueryRow(ctx, `select text from note_sources where object_id = $1`, objectID).Scan(&text)
	if err = notFoundOr(err); err == ErrNotFound {
		return "", nil
	}
	return text, err
}
