package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Preferences are a person's choices that update_credentials sets beyond
// the profile: Mastodon's source[privacy|sensitive|language],
// discoverable, hide_collections and indexable.
type Preferences struct {
	// DefaultVisibility is the visibility of a post that says none.
	DefaultVisibility string
	DefaultSensitive  bool
	// DefaultLanguage is an ISO 639 code, "" when not set.
	DefaultLanguage string
	// Discoverable lists the person in the directory and in searches.
	Discoverable bool
	// HideCollections hides their followers and follows from others.
	HideCollections bool
	// Indexable lets search engines index their pages (Mastodon's noindex
	// is its opposite).
	Indexable bool
}

// DefaultPreferences are those of a person who never set any.
var DefaultPreferences = Preferences{DefaultVisibility: ObjPublic, Discoverable: true, Indexable: true}

// PreferencesOf reads the preferences of several actors in one query; an
// actor without a row has DefaultPreferences.
func (s *Store) PreferencesOf(ctx context.Context, ids []int64) (map[int64]Preferences, error) {
	rows, err := s.db.Query(ctx, `select actor_id, default_visibility, default_sensitive, default_language, discoverable,
		hide_collections, indexable from account_preferences where actor_id = any($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Preferences, len(ids))
	var id int64
	var p Preferences
	_, err = pgx.ForEachRow(rows, []any{&id, &p.DefaultVisibility, &p.DefaultSensitive, &p.DefaultLanguage, &p.Discoverable,
		&p.HideCollections, &p.Indexable}, func() error {
		out[id] = p
		return nil
	})
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			out[id] = DefaultPreferences
		}
	}
	return out, err
}

// PreferencesFor reads one actor's preferences.
func (s *Store) PreferencesFor(ctx context.Context, id int64) (Preferences, error) {
	m, err := s.PreferencesOf(ctx, []int64{id})
	return m[id], err
}

// SetPreferences writes an actor's preferences.
func (s *Store) SetPreferences(ctx context.Context, id int64, p Preferences) error {
	_, err := s.db.Exec(ctx, `insert into account_preferences (actor_id, default_visibility, default_sensitive, default_language,
		discoverable, hide_collections, indexable) values ($1,$2,$3,$4,$5,$6,$7)
		on conflict (actor_id) do update set default_visibility = excluded.default_visibility,
		default_sensitive = excluded.default_sensitive, default_language = excluded.default_language,
		discoverable = excluded.discoverable, hide_collections = excluded.hide_collections, indexable = excluded.indexable`,
		id, p.DefaultVisibility, p.DefaultSensitive, p.DefaultLanguage, p.Discoverable, p.HideCollections, p.Indexable)
	return err
}
